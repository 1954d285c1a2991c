#include "stream/kafka_clusters.h"

#include "common/kafka_address.h"
#include "stream/kafka_settings.h"
#include "stream/stream_error.h"

#include <sys/stat.h>

namespace kafkaml::stream {

KafkaCluster read_kafka_cluster(const std::string &option) {
	auto eq = option.find('=');
	if (eq == std::string::npos || eq == 0 || eq + 1 == option.size()) {
		throw StreamError("--kafka-cluster wants NAME=FILE (a name for the cluster and a file of its librdkafka "
		                  "properties, with bootstrap.servers), not '" +
		                      option + "'",
		                  ErrorKind::user);
	}
	KafkaCluster cluster;
	cluster.name = option.substr(0, eq);
	std::string file = option.substr(eq + 1);
	if (!is_kafka_cluster_name(cluster.name)) {
		throw StreamError("--kafka-cluster " + option +
		                      ": the name must be 1 to 64 of a-z A-Z 0-9 . _ -, starting "
		                      "with a letter or digit",
		                  ErrorKind::user);
	}
	if (cluster.name == kDefaultKafkaCluster) {
		throw StreamError("--kafka-cluster " + option +
		                      ": \"default\" is the server's own cluster, set by --bootstrap-servers and "
		                      "--kafka-config; give this one another name",
		                  ErrorKind::user);
	}
	// Refused rather than warned of: the file is where this cluster's
	// credentials live, and the server would copy them into its jobs'
	// settings; an error at start names it before any inference depends on it.
	struct stat info {};
	if (::stat(file.c_str(), &info) == 0 && (info.st_mode & 077) != 0) {
		throw StreamError("--kafka-cluster " + cluster.name + ": " + file +
		                      " may be read or written by other users; it holds the cluster's client settings "
		                      "(credentials, if any): chmod 600 " +
		                      file,
		                  ErrorKind::user);
	}
	cluster.config.properties = read_properties_file(file);
	auto bootstrap = cluster.config.properties.find("bootstrap.servers");
	if (bootstrap == cluster.config.properties.end() || bootstrap->second.empty()) {
		throw StreamError("--kafka-cluster " + cluster.name + ": " + file +
		                      " has no bootstrap.servers; add bootstrap.servers=host:port[,host:port]",
		                  ErrorKind::user);
	}
	cluster.config.bootstrap_servers = bootstrap->second;
	cluster.config.properties.erase(bootstrap);
	return cluster;
}

std::string security_protocol_of(const KafkaConfig &config) {
	auto found = config.properties.find("security.protocol");
	return found == config.properties.end() ? "plaintext" : found->second;
}

std::string sasl_mechanism_of(const KafkaConfig &config) {
	for (auto name : {"sasl.mechanism", "sasl.mechanisms"}) {
		if (auto found = config.properties.find(name); found != config.properties.end()) {
			return found->second;
		}
	}
	return {};
}

KafkaClusters::KafkaClusters(KafkaConfig default_cluster, std::vector<KafkaCluster> named) {
	clusters_.push_back({kDefaultKafkaCluster, std::move(default_cluster)});
	for (auto &cluster : named) {
		if (find(cluster.name)) {
			throw StreamError("--kafka-cluster " + cluster.name + " is given twice; give each cluster once",
			                  ErrorKind::user);
		}
		clusters_.push_back(std::move(cluster));
	}
}

const KafkaCluster *KafkaClusters::find(const std::string &name) const {
	for (const auto &cluster : clusters_) {
		if (cluster.name == name) {
			return &cluster;
		}
	}
	return nullptr;
}

std::optional<KafkaConfig> KafkaClusters::resolve(const std::string &broker) const {
	if (broker.empty()) {
		return default_config();
	}
	if (const auto *cluster = find(broker)) {
		return cluster->config;
	}
	if (is_bootstrap_list(broker)) {
		KafkaConfig config = default_config();
		config.bootstrap_servers = broker;
		return config;
	}
	return std::nullopt;
}

} // namespace kafkaml::stream
