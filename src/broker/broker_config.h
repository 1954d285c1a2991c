#pragma once

#include "broker/storage/partition_log.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

namespace kafkaml::broker {

enum class FsyncPolicy {
	Always,   //!< fdatasync before acknowledging a produce
	Interval, //!< fdatasync every second (acknowledged batches are already written)
	Never,    //!< leave flushing to the kernel
};

//! Parses "always" / "interval" / "never"; throws std::invalid_argument otherwise.
FsyncPolicy parse_fsync_policy(const std::string &text);

struct BrokerConfig {
	//! host:port to bind; port 0 picks a free one.
	std::string listen = "127.0.0.1:9092";
	std::filesystem::path data_dir;
	//! host:port clients are told to connect to; empty = the bound address.
	std::string advertised_listener;
	int32_t node_id = 0;
	//! Partition count of auto-created topics (and CreateTopics with -1).
	int32_t num_partitions = 1;
	bool auto_create_topics = true;
	FsyncPolicy fsync = FsyncPolicy::Interval;
	//! Topic defaults (overridden per topic by CreateTopics configs).
	storage::LogConfig log;
	std::chrono::milliseconds retention_check_interval{10000};
	//! Committed offsets of groups without members expire this long after
	//! their commit (Kafka's offsets.retention.minutes).
	std::chrono::minutes offsets_retention{7 * 24 * 60};
	//! Frames larger than this close the connection (Kafka's socket.request.max.bytes).
	size_t max_frame_bytes = 100u << 20;
};

} // namespace kafkaml::broker
