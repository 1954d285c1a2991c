#pragma once

#include "stream/io.h"
#include "stream/kafka_client.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace kafkaml::sender {

//! What a send asks of the cluster besides producing records: whether it
//! answers, a topic's partitions, and a producer. An interface so that the
//! sending logic is tested against the in-memory fakes of
//! stream/memory_log.h; KafkaCluster is the real one.
//! Thread: one thread.
class Cluster {
public:
	virtual ~Cluster() = default;
	//! Returns when a broker answers within `timeout`; else throws
	//! StreamError saying why (as stream::check_reachable).
	virtual void check_reachable(const stream::KafkaConfig &config, std::chrono::milliseconds timeout) = 0;
	//! The partition ids of `topic`, sorted; empty when it does not exist.
	virtual std::vector<int32_t> list_partitions(const stream::KafkaConfig &config, const std::string &topic,
	                                             std::chrono::milliseconds timeout) = 0;
	//! A producer that sends to `topics`.
	virtual std::unique_ptr<stream::Sink> open_sink(const stream::KafkaConfig &config,
	                                                const std::vector<std::string> &topics) = 0;
};

} // namespace kafkaml::sender
