#pragma once

#include "stream/io.h"
#include "stream/kafka_client.h"

#include <chrono>
#include <cstdint>
#include <string>

namespace kafkaml::stream {

//! Reads a topic as a stream without end (the original's online stream):
//! every partition of `topic`, each from its first record whose timestamp
//! is at or after `from_timestamp_ms` (the control message's, so records
//! sent after it count however late the reader starts; -1: from the end),
//! for as long as records come. Waits for the topic to exist (an online
//! source may create it with its first record) and takes partitions added
//! later, listing them every few seconds. No consumer group takes part and
//! nothing is committed. Only committed records are read (read_committed).
//! `poll_batch` never returns false.
//!
//! Thread: one thread polls.
class KafkaTopicSource final : public Source {
public:
	KafkaTopicSource(const KafkaConfig &config, std::string topic, int64_t from_timestamp_ms);
	bool poll_batch(std::vector<Record> &out, size_t max, std::chrono::milliseconds timeout) override;

private:
	//! Assigns partitions that appeared since the last listing.
	void assign_new_partitions();
	//! Where a partition's stream starts: the first offset at or after the
	//! start time, else its end.
	int64_t start_offset(int32_t partition);

	KafkaHandle rk_;
	std::string topic_;
	int64_t from_timestamp_ms_;
	size_t assigned_ = 0;
	std::chrono::steady_clock::time_point next_listing_{};
};

} // namespace kafkaml::stream
