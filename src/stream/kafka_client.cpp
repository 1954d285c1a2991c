#include "stream/kafka_client.h"

#include "stream/kafka_settings.h"
#include "stream/stream_error.h"

#include <algorithm>

namespace kafkaml::stream {

void KafkaDeleter::operator()(rd_kafka_t *rk) const {
	if (rd_kafka_type(rk) == RD_KAFKA_CONSUMER) {
		rd_kafka_consumer_close(rk);
	}
	rd_kafka_destroy(rk);
}

KafkaHandle make_client(rd_kafka_type_t type, const KafkaConfig &config,
                        const std::map<std::string, std::string> &defaults, void (*prepare)(rd_kafka_conf_t *, void *),
                        void *opaque) {
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char error[512];
	auto set = [&](const std::string &name, const std::string &value) {
		if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), error, sizeof(error)) != RD_KAFKA_CONF_OK) {
			rd_kafka_conf_destroy(conf);
			throw StreamError("Kafka client property " + shown_property(name, value) +
			                      " is invalid: " + without_secret(error, name, value),
			                  ErrorKind::user);
		}
	};
	if (config.bootstrap_servers.empty() && !config.properties.contains("bootstrap.servers")) {
		rd_kafka_conf_destroy(conf);
		throw StreamError("no Kafka bootstrap servers given (--bootstrap-servers host:port)", ErrorKind::user);
	}
	set("bootstrap.servers", config.bootstrap_servers);
	set("log.connection.close", "false");
	// TCP_NODELAY, as Kafka's Java clients always set it (librdkafka made
	// it its default only in 2025). Over TLS librdkafka writes a request as
	// several records; with Nagle on, the last one waited for the broker's
	// delayed ACK, about 40 ms: a replica over SASL_SSL answered in 70 ms
	// at p50 instead of 1 ms (bench/README.md, pipeline_bench --security).
	// Batching is linger.ms's job, not the socket's.
	set("socket.nagle.disable", "true");
	if (type == RD_KAFKA_CONSUMER) {
		// librdkafka stops fetching a partition once this many records wait
		// in the client, and looks again only about a second later. Small
		// records (HCOPD's are 13 bytes) empty the default 100,000 in tens
		// of milliseconds, and the consumer then sat idle most of each
		// second: a continual training learned 161k records/s instead of
		// 885k (bench/README.md, continual_bench). Memory stays bounded by
		// queued.max.messages.kbytes (64 MiB), which large records reach first.
		set("queued.min.messages", "1000000");
	}
	for (const auto &[name, value] : defaults) {
		set(name, value);
	}
	for (const auto &[name, value] : config.properties) {
		set(name, value);
	}
	if (prepare) {
		prepare(conf, opaque);
	}
	rd_kafka_t *rk = rd_kafka_new(type, conf, error, sizeof(error));
	if (!rk) {
		rd_kafka_conf_destroy(conf);
		throw StreamError(std::string("cannot create the Kafka client: ") + error);
	}
	return KafkaHandle(rk);
}

int remaining_ms(std::chrono::steady_clock::time_point deadline) {
	auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
	return static_cast<int>(std::clamp<int64_t>(left.count(), 0, 1 << 30));
}

} // namespace kafkaml::stream
