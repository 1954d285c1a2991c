#pragma once

// In-memory fakes of the io.h interfaces, for unit tests of pipeline logic
// (training/inference jobs) without a broker. They keep Kafka's semantics
// that the jobs rely on: offsets per partition, gaps (as compaction and
// transaction markers leave), delivery reports served from poll/flush,
// commits recorded per partition.

#include "formats/range_list.h"
#include "stream/io.h"

#include <deque>
#include <map>
#include <mutex>

namespace kafkaml::stream {

//! Topics -> partitions -> records. Thread: every method locks.
class MemoryLog {
public:
	//! Appends and returns the record's offset.
	int64_t append(Record record);
	//! Leaves `count` offsets unused on a partition (simulates markers/compaction).
	void skip_offsets(const std::string &topic, int32_t partition, int64_t count);
	//! Offset the next append gets (Kafka's high watermark).
	int64_t end_offset(const std::string &topic, int32_t partition) const;
	//! Records of a partition with offset >= from, up to max.
	std::vector<Record> read(const std::string &topic, int32_t partition, int64_t from, size_t max) const;
	//! Last committed offsets (via MemoryTopicSource::commit).
	void commit(const std::vector<TopicPartitionOffset> &offsets);
	std::optional<int64_t> committed(const std::string &topic, int32_t partition) const;

private:
	struct Partition {
		std::vector<Record> records;
		int64_t next = 0;
	};
	mutable std::mutex mutex_;
	std::map<std::pair<std::string, int32_t>, Partition> partitions_;
	std::map<std::pair<std::string, int32_t>, int64_t> committed_;
};

//! Sink appending to a MemoryLog at once; delivery reports are queued and
//! served by poll/flush like librdkafka's. `fail_next(n)` makes the next n
//! records fail delivery (not appended). Thread: one thread.
class MemorySink final : public Sink {
public:
	explicit MemorySink(MemoryLog &log) : log_(log) {}
	void set_delivery_callback(DeliveryCallback callback) override { callback_ = std::move(callback); }
	void produce(const OutRecord &record) override;
	void poll(std::chrono::milliseconds timeout) override;
	void flush(std::chrono::milliseconds timeout) override;
	void fail_next(size_t count) { fail_next_ = count; }
	size_t max_record_size() const override { return max_record_size_; }
	//! Records above `bytes` are refused at produce() like Kafka's producer
	//! refuses them; with `at_delivery`, accepted and then failed at
	//! delivery, like a cluster whose limit is below the producer's.
	void set_max_record_size(size_t bytes, bool at_delivery = false) {
		max_record_size_ = bytes;
		size_fails_at_delivery_ = at_delivery;
	}
	//! Partitions a keyless record without explicit partition goes to (round robin); default 1.
	void set_partition_count(int32_t count) { partition_count_ = count; }

private:
	struct Pending {
		std::string topic;
		int32_t partition;
		int64_t offset;
		uint64_t tag;
		std::string error;
		bool too_large = false;
	};
	MemoryLog &log_;
	DeliveryCallback callback_;
	std::deque<Pending> pending_;
	size_t fail_next_ = 0;
	int32_t partition_count_ = 1;
	uint64_t round_robin_ = 0;
	size_t max_record_size_ = 1'000'000;
	bool size_fails_at_delivery_ = false;
};

//! Reads exactly the records of a range list, in range-list order, like
//! KafkaRangeReader; a range beyond the log end throws StreamError at once.
class MemoryRangeReader final : public Source {
public:
	MemoryRangeReader(const MemoryLog &log, std::vector<formats::Range> ranges)
	    : log_(log), ranges_(std::move(ranges)) {}
	bool poll_batch(std::vector<Record> &out, size_t max, std::chrono::milliseconds timeout) override;

private:
	const MemoryLog &log_;
	std::vector<formats::Range> ranges_;
	size_t current_ = 0;
	int64_t position_ = -1;
};

//! Reads partitions of a topic from the committed offset (or 0) onwards,
//! like a consumer group's only member; commits go to the MemoryLog.
class MemoryTopicSource final : public Source {
public:
	MemoryTopicSource(MemoryLog &log, std::string topic, std::vector<int32_t> partitions);
	bool poll_batch(std::vector<Record> &out, size_t max, std::chrono::milliseconds timeout) override;
	void commit(const std::vector<TopicPartitionOffset> &offsets) override { log_.commit(offsets); }

private:
	MemoryLog &log_;
	std::string topic_;
	std::map<int32_t, int64_t> positions_;
};

} // namespace kafkaml::stream
