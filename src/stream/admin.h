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

//! Returns when a broker of `config` answers a metadata request within
//! `timeout`; else throws StreamError "cannot reach Kafka at B: <reason>;
//! is it running? ...". librdkafka's connection logs stay quiet, as they
//! repeat on every retry: the last one is the reason in the error.
//! Thread: any; blocks up to `timeout`.
void check_reachable(const KafkaConfig &config, std::chrono::milliseconds timeout);

//! Throws StreamError when a broker of `config` refuses the client's SASL
//! credentials or the TLS handshake fails (an untrusted certificate, a
//! plaintext port): settings no retry mends, which a daemon should report
//! at its start rather than log on every reconnection. A cluster that does
//! not answer (not started yet, away) passes: a daemon may start first.
//! Thread: any; blocks until the first answer or failure, at most `timeout`.
void check_credentials(const KafkaConfig &config, std::chrono::milliseconds timeout);

//! Partition ids of a topic, sorted; empty when the topic does not exist.
//! Throws StreamError when the cluster cannot be reached within `timeout`.
std::vector<int32_t> list_partitions(const KafkaConfig &config, const std::string &topic,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(10));
//! Same with an existing client handle (any type).
std::vector<int32_t> list_partitions(rd_kafka_t *rk, const std::string &topic, std::chrono::milliseconds timeout);

} // namespace kafkaml::stream
