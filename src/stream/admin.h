#pragma once

#include "stream/kafka_client.h"

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace kafkaml::stream {

//! Creates a topic; an existing topic is fine (returns false). Throws
//! StreamError with the broker's reason otherwise.
//! Thread: any; blocks up to `timeout`.
bool create_topic(const KafkaConfig &config, const std::string &topic, int32_t partitions,
                  int16_t replication_factor = 1, std::chrono::milliseconds timeout = std::chrono::seconds(10));

//! Partition ids of a topic, sorted; empty when the topic does not exist.
//! Throws StreamError when the cluster cannot be reached within `timeout`.
std::vector<int32_t> list_partitions(const KafkaConfig &config, const std::string &topic,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(10));
//! Same with an existing client handle (any type).
std::vector<int32_t> list_partitions(rd_kafka_t *rk, const std::string &topic, std::chrono::milliseconds timeout);

} // namespace kafkaml::stream
