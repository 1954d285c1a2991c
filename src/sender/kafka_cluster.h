#pragma once

#include "sender/cluster.h"

namespace kafkaml::sender {

//! The Cluster of a real Kafka (stream/admin.h, stream/kafka_sink.h).
//! Thread: one thread; librdkafka's own threads do the network I/O.
class KafkaCluster final : public Cluster {
public:
	void check_reachable(const stream::KafkaConfig &config, std::chrono::milliseconds timeout) override;
	std::vector<int32_t> list_partitions(const stream::KafkaConfig &config, const std::string &topic,
	                                     std::chrono::milliseconds timeout) override;
	std::unique_ptr<stream::Sink> open_sink(const stream::KafkaConfig &config,
	                                        const std::vector<std::string> &topics) override;
};

} // namespace kafkaml::sender
