#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>

namespace kafkaml::stream {

//! Connection settings shared by every client: the bootstrap servers plus
//! any librdkafka property (security, timeouts, ...), applied last so they
//! override our defaults.
struct KafkaConfig {
	std::string bootstrap_servers;
	std::map<std::string, std::string> properties;
};

struct KafkaDeleter {
	void operator()(rd_kafka_t *rk) const;
};
using KafkaHandle = std::unique_ptr<rd_kafka_t, KafkaDeleter>;

struct PartitionListDeleter {
	void operator()(rd_kafka_topic_partition_list_t *list) const { rd_kafka_topic_partition_list_destroy(list); }
};
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

//! Creates a producer or consumer: `defaults` first, then config.properties.
//! Throws StreamError naming a bad property. The caller may adjust the conf
//! (callbacks) through `prepare` before the handle is created.
KafkaHandle make_client(rd_kafka_type_t type, const KafkaConfig &config,
                        const std::map<std::string, std::string> &defaults,
                        void (*prepare)(rd_kafka_conf_t *, void *) = nullptr, void *opaque = nullptr);

//! Remaining milliseconds until `deadline`, at least 0, as librdkafka wants them.
int remaining_ms(std::chrono::steady_clock::time_point deadline);

} // namespace kafkaml::stream
