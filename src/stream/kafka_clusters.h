#pragma once

// The Kafka clusters a server reaches: its own ("default", from
// --bootstrap-servers and --kafka-config) and named ones from
// `--kafka-cluster NAME=FILE`, each with its own client settings. An
// inference reads its input from one and writes its predictions to another
// (an edge cluster feeding a cloud one); see kafka_address.h for how it
// names them.
//
// Thread: read_kafka_cluster touches only its file; a KafkaClusters is
// immutable after construction and read from any thread.

#include "stream/kafka_client.h"

#include <optional>
#include <string>
#include <vector>

namespace kafkaml::stream {

struct KafkaCluster {
	std::string name;
	//! bootstrap.servers of the file as bootstrap_servers; every other
	//! property in properties.
	KafkaConfig config;
};

//! Reads `--kafka-cluster NAME=FILE`: FILE holds librdkafka properties as
//! --kafka-config does and must hold bootstrap.servers. NAME must be a
//! cluster name (kafka_address.h) other than "default". A file other users
//! may read or write is refused: it is where that cluster's credentials
//! live. Throws StreamError (user) saying what to change.
KafkaCluster read_kafka_cluster(const std::string &option);

//! The value of security.protocol ("plaintext" when unset) and of
//! sasl.mechanism (or its alias sasl.mechanisms; empty when unset): what a
//! cluster's listing shows of its settings.
std::string security_protocol_of(const KafkaConfig &config);
std::string sasl_mechanism_of(const KafkaConfig &config);

class KafkaClusters {
public:
	//! Throws StreamError (user) when a name repeats.
	KafkaClusters(KafkaConfig default_cluster, std::vector<KafkaCluster> named);

	//! The default cluster first, then the named ones in the order given.
	const std::vector<KafkaCluster> &all() const { return clusters_; }
	const KafkaConfig &default_config() const { return clusters_.front().config; }
	//! A configured cluster by name, or nullptr.
	const KafkaCluster *find(const std::string &name) const;

	//! How to reach what an inference names: a configured cluster's
	//! settings, or for a bootstrap list the default cluster's settings
	//! with that list ("" is the default cluster). nullopt for anything else.
	std::optional<KafkaConfig> resolve(const std::string &broker) const;

private:
	std::vector<KafkaCluster> clusters_;
};

} // namespace kafkaml::stream
