#pragma once

// A Cluster over stream/memory_log.h for the sender's tests: records what a
// send asked of it, answers with the partitions it is given, and produces
// into a MemoryLog the tests read back.

#include "sender/cluster.h"
#include "stream/memory_log.h"
#include "stream/stream_error.h"

#include <map>
#include <string>
#include <vector>

namespace kafkaml::sender::testing {

class MemoryCluster final : public Cluster {
public:
	void check_reachable(const stream::KafkaConfig &config, std::chrono::milliseconds timeout) override {
		calls.push_back("check_reachable");
		config_seen = config;
		timeout_seen = timeout;
		if (!reachable) {
			throw stream::StreamError("no broker answered");
		}
	}
	std::vector<int32_t> list_partitions(const stream::KafkaConfig &, const std::string &topic,
	                                     std::chrono::milliseconds) override {
		calls.push_back("list_partitions " + topic);
		auto found = partitions.find(topic);
		return found == partitions.end() ? std::vector<int32_t>{} : found->second;
	}
	std::unique_ptr<stream::Sink> open_sink(const stream::KafkaConfig &,
	                                        const std::vector<std::string> &topics) override {
		std::string names;
		for (const auto &topic : topics) {
			names += " " + topic;
		}
		calls.push_back("open_sink" + names);
		return std::make_unique<stream::MemorySink>(log);
	}

	bool reachable = true;
	std::map<std::string, std::vector<int32_t>> partitions; //!< topic -> its partitions
	stream::MemoryLog log;
	std::vector<std::string> calls; //!< in order, with the topics asked about
	stream::KafkaConfig config_seen;
	std::chrono::milliseconds timeout_seen{0};
};

} // namespace kafkaml::sender::testing
