#include "broker/storage/log_manager.h"

#include "broker/protocol/api_keys.h"
#include "broker/storage/file.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <fstream>
#include <set>

namespace kafkaml::broker::storage {

using protocol::ErrorCode;

namespace {

const char *kTopicsDir = "__topics";

//! Kafka topic configs the broker takes at topic creation but does not act
//! on: they concern replication, compaction, flushing or message formats,
//! which a single node storing batches as they come has no use for. They are
//! kept and described, so tools that set them work unchanged.
const std::set<std::string> kAcceptedConfigs = {
    "compression.type",
    "delete.retention.ms",
    "file.delete.delay.ms",
    "flush.messages",
    "flush.ms",
    "follower.replication.throttled.replicas",
    "index.interval.bytes",
    "leader.replication.throttled.replicas",
    "local.retention.bytes",
    "local.retention.ms",
    "max.compaction.lag.ms",
    "max.message.bytes",
    "message.downconversion.enable",
    "message.format.version",
    "message.timestamp.difference.max.ms",
    "message.timestamp.type",
    "min.cleanable.dirty.ratio",
    "min.compaction.lag.ms",
    "min.insync.replicas",
    "preallocate",
    "remote.storage.enable",
    "segment.index.bytes",
    "segment.jitter.ms",
    "segment.ms",
    "unclean.leader.election.enable",
};

//! Sets one topic config in `config`; returns an error message, empty when taken.
std::string apply_config(LogConfig &config, const std::string &key, const std::string &value) {
	if (kAcceptedConfigs.count(key)) {
		config.other[key] = value;
		return "";
	}
	if (key == "cleanup.policy") {
		if (value != "delete") {
			return "cleanup.policy=" + value +
			       " is not supported: the embedded broker only deletes old segments (cleanup.policy=delete); "
			       "use a Kafka cluster for compacted topics";
		}
		return "";
	}
	if (key != "retention.ms" && key != "retention.bytes" && key != "segment.bytes") {
		return "unknown topic config '" + key + "'";
	}
	int64_t parsed = 0;
	try {
		size_t used = 0;
		parsed = std::stoll(value, &used);
		if (used != value.size()) {
			throw std::invalid_argument(value);
		}
	} catch (const std::exception &) {
		return "config " + key + "=" + value + " is not an integer";
	}
	if (key == "retention.ms") {
		config.retention_ms = parsed;
	} else if (key == "retention.bytes") {
		config.retention_bytes = parsed;
	} else {
		if (parsed < 1024) {
			return "segment.bytes must be at least 1024";
		}
		config.segment_bytes = parsed;
	}
	return "";
}

} // namespace

bool LogManager::valid_topic_name(const std::string &name) {
	if (name.empty() || name.size() > 249 || name == "." || name == "..") {
		return false;
	}
	return std::all_of(name.begin(), name.end(), [](char c) {
		return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
	});
}

LogManager::LogManager(std::filesystem::path data_dir, LogConfig defaults)
    : data_dir_(std::move(data_dir)), defaults_(defaults) {
	std::filesystem::create_directories(data_dir_ / kTopicsDir);
	for (const auto &entry : std::filesystem::directory_iterator(data_dir_ / kTopicsDir)) {
		if (entry.path().extension() != ".json") {
			continue;
		}
		try {
			std::ifstream in(entry.path());
			auto j = nlohmann::json::parse(in);
			auto topic = std::make_unique<Topic>();
			topic->name = j.at("name").get<std::string>();
			topic->config = defaults_;
			if (auto it = j.find("configs"); it != j.end() && it->is_object()) {
				for (auto c = it->begin(); c != it->end(); ++c) {
					apply_config(topic->config, c.key(), c.value().get<std::string>());
				}
			}
			int32_t count = j.at("partitions").get<int32_t>();
			for (int32_t p = 0; p < count; p++) {
				topic->partitions.push_back(
				    std::make_unique<PartitionLog>(data_dir_ / (topic->name + "-" + std::to_string(p)), topic->config));
			}
			spdlog::info("loaded topic {} ({} partitions)", topic->name, count);
			topics_.emplace(topic->name, std::move(topic));
		} catch (const std::exception &e) {
			spdlog::error("skipping topic file {}: {}", entry.path().string(), e.what());
		}
	}
}

Topic *LogManager::find(const std::string &name) {
	auto it = topics_.find(name);
	return it == topics_.end() ? nullptr : it->second.get();
}

PartitionLog *LogManager::partition(const std::string &topic, int32_t partition) {
	auto *t = find(topic);
	if (!t || partition < 0 || static_cast<size_t>(partition) >= t->partitions.size()) {
		return nullptr;
	}
	return t->partitions[static_cast<size_t>(partition)].get();
}

void LogManager::write_topic_file(const Topic &topic) {
	nlohmann::json j;
	j["name"] = topic.name;
	j["partitions"] = topic.partitions.size();
	auto configs = nlohmann::json::object();
	for (const auto &[k, v] : describe(topic)) {
		configs[k] = v;
	}
	j["configs"] = configs;
	auto path = data_dir_ / kTopicsDir / (topic.name + ".json");
	auto tmp = path;
	tmp += ".tmp";
	{
		std::ofstream out(tmp, std::ios::trunc);
		out << j.dump(2) << "\n";
		if (!out) {
			throw std::runtime_error("cannot write " + tmp.string());
		}
	}
	File::open_rw(tmp).sync(); // the bytes before the name, or a crash may leave an empty topic file
	std::filesystem::rename(tmp, path);
	sync_directory(path.parent_path());
}

std::string LogManager::create(const std::string &name, int32_t partitions,
                               const std::map<std::string, std::string> &configs, int16_t &error_code) {
	if (!valid_topic_name(name)) {
		error_code = protocol::code(ErrorCode::InvalidTopicException);
		return "topic name '" + name + "' is invalid: use 1-249 characters of [a-zA-Z0-9._-]";
	}
	if (topics_.count(name)) {
		error_code = protocol::code(ErrorCode::TopicAlreadyExists);
		return "topic '" + name + "' already exists";
	}
	if (partitions <= 0 || partitions > max_partitions_) {
		error_code = protocol::code(ErrorCode::InvalidPartitions);
		return "number of partitions must be between 1 and " + std::to_string(max_partitions_);
	}
	auto topic = std::make_unique<Topic>();
	topic->name = name;
	topic->config = defaults_;
	for (const auto &[k, v] : configs) {
		if (auto err = apply_config(topic->config, k, v); !err.empty()) {
			error_code = protocol::code(ErrorCode::InvalidConfig);
			return err;
		}
	}
	try {
		// Stale directories of an earlier topic with the same name must not come back.
		for (int32_t p = 0; p < partitions; p++) {
			std::error_code ec;
			std::filesystem::remove_all(data_dir_ / (name + "-" + std::to_string(p)), ec);
			topic->partitions.push_back(
			    std::make_unique<PartitionLog>(data_dir_ / (name + "-" + std::to_string(p)), topic->config));
		}
		write_topic_file(*topic);
	} catch (const std::exception &e) {
		// Out of disk or file descriptors: leave nothing of the topic behind.
		for (auto &p : topic->partitions) {
			p->remove();
		}
		std::error_code ec;
		std::filesystem::remove(data_dir_ / kTopicsDir / (name + ".json"), ec);
		error_code = protocol::code(ErrorCode::KafkaStorageError);
		return "topic '" + name + "' could not be created: " + e.what();
	}
	spdlog::info("created topic {} with {} partitions", name, partitions);
	topics_.emplace(name, std::move(topic));
	error_code = 0;
	return {};
}

bool LogManager::remove(const std::string &name) {
	auto it = topics_.find(name);
	if (it == topics_.end()) {
		return false;
	}
	std::error_code ec;
	std::filesystem::remove(data_dir_ / kTopicsDir / (name + ".json"), ec);
	for (auto &p : it->second->partitions) {
		p->remove();
	}
	topics_.erase(it);
	spdlog::info("deleted topic {}", name);
	return true;
}

std::map<std::string, std::string> LogManager::describe(const Topic &topic) const {
	std::map<std::string, std::string> configs = topic.config.other;
	configs["cleanup.policy"] = "delete";
	configs["retention.ms"] = std::to_string(topic.config.retention_ms);
	configs["retention.bytes"] = std::to_string(topic.config.retention_bytes);
	configs["segment.bytes"] = std::to_string(topic.config.segment_bytes);
	return configs;
}

int LogManager::enforce_retention(int64_t now_ms) {
	int deleted = 0;
	for (auto &[name, topic] : topics_) {
		for (auto &p : topic->partitions) {
			deleted += p->enforce_retention(now_ms);
		}
	}
	return deleted;
}

void LogManager::sync_all() {
	for (auto &[name, topic] : topics_) {
		for (auto &p : topic->partitions) {
			p->sync();
		}
	}
}

std::vector<int> LogManager::take_sync_fds() {
	std::vector<int> fds;
	for (auto &[name, topic] : topics_) {
		for (auto &p : topic->partitions) {
			if (int fd = p->take_sync_fd(); fd >= 0) {
				fds.push_back(fd);
			}
		}
	}
	return fds;
}

} // namespace kafkaml::broker::storage
