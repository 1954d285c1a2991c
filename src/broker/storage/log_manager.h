#pragma once

#include "broker/storage/partition_log.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kafkaml::broker::storage {

struct Topic {
	std::string name;
	LogConfig config;
	std::vector<std::unique_ptr<PartitionLog>> partitions;
};

//! All topics of the broker. A topic is `DATA_DIR/__topics/<name>.json`
//! (partition count and configs) plus one directory per partition,
//! `DATA_DIR/<name>-<n>/`. The partition directories are made first and the
//! JSON last (temp file, fsync, rename, fsync of the directory): a topic
//! exists once its JSON does, so a crash in between leaves only directories
//! no topic names, which a later topic of that name clears. A creation that
//! fails (no disk space, no file descriptors) removes what it made.
//!
//! Threading: network-loop thread only.
class LogManager {
public:
	//! Loads every topic found under `data_dir` (recovering last segments).
	LogManager(std::filesystem::path data_dir, LogConfig defaults);

	Topic *find(const std::string &name);
	const std::map<std::string, std::unique_ptr<Topic>> &topics() const { return topics_; }
	PartitionLog *partition(const std::string &topic, int32_t partition);

	//! Creates a topic. Returns an error message (empty on success);
	//! `error_code` receives the Kafka error code.
	std::string create(const std::string &name, int32_t partitions, const std::map<std::string, std::string> &configs,
	                   int16_t &error_code);
	bool remove(const std::string &name);

	//! Topic config as key/value strings (DescribeConfigs).
	std::map<std::string, std::string> describe(const Topic &topic) const;
	const LogConfig &defaults() const { return defaults_; }

	//! Upper bound on a topic's partition count (10000, like Kafka's default
	//! sanity limits); the fuzz harness lowers it to keep runs fast.
	void set_max_partitions(int32_t max) { max_partitions_ = max; }

	int enforce_retention(int64_t now_ms);
	void sync_all();
	//! Descriptors (duplicates, the caller closes them) of the active segments
	//! written since their last sync, for a sync on another thread.
	std::vector<int> take_sync_fds();

	//! Kafka's legal topic name: 1..249 of [a-zA-Z0-9._-], not "." or "..".
	static bool valid_topic_name(const std::string &name);

private:
	void write_topic_file(const Topic &topic);

	std::filesystem::path data_dir_;
	LogConfig defaults_;
	int32_t max_partitions_ = 10000;
	std::map<std::string, std::unique_ptr<Topic>> topics_;
};

} // namespace kafkaml::broker::storage
