#pragma once

#include "stream/io.h"
#include "stream/kafka_client.h"

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

namespace kafkaml::stream {

//! Reads a topic as a stream without end (the original's online stream):
//! every partition of `topic`, each from its first record whose timestamp
//! is at or after `from_timestamp_ms` (the control message's, so records
//! sent after it count however late the reader starts; -1: from the end),
//! for as long as records come. Waits for the topic to exist (an online
//! source may create it with its first record) and takes partitions added
//! later, listing them every few seconds. Only committed records are read
//! (read_committed). `poll_batch` never returns false.
//!
//! A reader that carries on from where an earlier one got (a restarted
//! continual training) is given the offset to start each partition it
//! had read at (`start.offsets`); partitions without one start at the
//! time. No consumer group takes part in reading: with `start.group_id`,
//! `commit` stores offsets in that group (synchronously, so that what it
//! returned from is stored), for the group's lag to say how far the reader
//! got; without, `commit` does nothing.
//!
//! Thread: one thread polls and commits.
class KafkaTopicSource final : public Source {
public:
	struct Start {
		int64_t from_timestamp_ms = -1;
		std::map<int32_t, int64_t> offsets; //!< partition -> the next offset to read
		std::string group_id;               //!< where commit() stores offsets; empty: nowhere
	};
	KafkaTopicSource(const KafkaConfig &config, std::string topic, int64_t from_timestamp_ms);
	KafkaTopicSource(const KafkaConfig &config, std::string topic, Start start);
	bool poll_batch(std::vector<Record> &out, size_t max, std::chrono::milliseconds timeout) override;
	//! Throws StreamError when the group does not store them.
	void commit(const std::vector<TopicPartitionOffset> &offsets) override;

private:
	//! Assigns partitions that appeared since the last listing.
	void assign_new_partitions();
	//! Where a partition's stream starts: its given offset, else the first
	//! offset at or after the start time, else its end.
	int64_t start_offset(int32_t partition);

	KafkaHandle rk_;
	std::string topic_;
	Start start_;
	size_t assigned_ = 0;
	std::chrono::steady_clock::time_point next_listing_{};
};

} // namespace kafkaml::stream
