#include "stream/memory_log.h"

#include "stream/stream_error.h"

#include <algorithm>

namespace kafkaml::stream {

int64_t MemoryLog::append(Record record) {
	std::lock_guard lock(mutex_);
	auto &partition = partitions_[{record.topic, record.partition}];
	record.offset = partition.next++;
	partition.records.push_back(std::move(record));
	return partition.records.back().offset;
}

void MemoryLog::skip_offsets(const std::string &topic, int32_t partition, int64_t count) {
	std::lock_guard lock(mutex_);
	partitions_[{topic, partition}].next += count;
}

int64_t MemoryLog::end_offset(const std::string &topic, int32_t partition) const {
	std::lock_guard lock(mutex_);
	auto it = partitions_.find({topic, partition});
	return it == partitions_.end() ? 0 : it->second.next;
}

std::vector<Record> MemoryLog::read(const std::string &topic, int32_t partition, int64_t from, size_t max) const {
	std::lock_guard lock(mutex_);
	std::vector<Record> out;
	auto it = partitions_.find({topic, partition});
	if (it == partitions_.end()) {
		return out;
	}
	const auto &records = it->second.records;
	auto first = std::lower_bound(records.begin(), records.end(), from,
	                              [](const Record &r, int64_t offset) { return r.offset < offset; });
	for (; first != records.end() && out.size() < max; ++first) {
		out.push_back(*first);
	}
	return out;
}

void MemoryLog::commit(const std::vector<TopicPartitionOffset> &offsets) {
	std::lock_guard lock(mutex_);
	for (const auto &o : offsets) {
		committed_[{o.topic, o.partition}] = o.offset;
	}
}

std::optional<int64_t> MemoryLog::committed(const std::string &topic, int32_t partition) const {
	std::lock_guard lock(mutex_);
	auto it = committed_.find({topic, partition});
	if (it == committed_.end()) {
		return std::nullopt;
	}
	return it->second;
}

void MemorySink::produce(const OutRecord &record) {
	int32_t partition = record.partition;
	if (partition < 0) {
		partition = static_cast<int32_t>(round_robin_++ % static_cast<uint64_t>(partition_count_));
	}
	if (record_size(record) > max_record_size_) {
		if (!size_fails_at_delivery_) {
			throw RecordTooLarge("record of " + std::to_string(record_size(record)) + " bytes is larger than " +
			                     std::to_string(max_record_size_));
		}
		pending_.push_back(
		    {std::string(record.topic), partition, -1, record.tag, "Broker: Message size too large", true});
		return;
	}
	if (fail_next_ > 0) {
		fail_next_--;
		pending_.push_back({std::string(record.topic), partition, -1, record.tag, "simulated delivery failure"});
		return;
	}
	Record stored;
	stored.topic = std::string(record.topic);
	stored.partition = partition;
	if (record.key) {
		stored.key = std::string(*record.key);
	}
	stored.value = std::string(record.value);
	stored.headers.assign(record.headers.begin(), record.headers.end());
	int64_t offset = log_.append(std::move(stored));
	pending_.push_back({std::string(record.topic), partition, offset, record.tag, {}});
}

void MemorySink::poll(std::chrono::milliseconds) {
	while (!pending_.empty()) {
		auto item = std::move(pending_.front());
		pending_.pop_front();
		if (callback_) {
			callback_(Delivery{item.topic, item.partition, item.offset, item.tag, item.error, item.too_large});
		}
	}
}

void MemorySink::flush(std::chrono::milliseconds timeout) {
	poll(timeout);
}

bool MemoryRangeReader::poll_batch(std::vector<Record> &out, size_t max, std::chrono::milliseconds) {
	size_t added = 0;
	while (current_ < ranges_.size() && added < max) {
		const auto &range = ranges_[current_];
		if (position_ < range.start) {
			position_ = range.start;
		}
		if (range.end > log_.end_offset(range.topic, range.partition)) {
			throw RangeError("range " + formats::format_range_list({range}) + " goes beyond the log end (" +
			                 std::to_string(log_.end_offset(range.topic, range.partition)) + ")");
		}
		auto records = log_.read(range.topic, range.partition, position_, max - added);
		bool advanced = false;
		for (auto &record : records) {
			if (record.offset >= range.end) {
				break;
			}
			position_ = record.offset + 1;
			out.push_back(std::move(record));
			added++;
			advanced = true;
		}
		// Nothing left below the end (the tail may be a gap): next range.
		if (!advanced || position_ >= range.end) {
			current_++;
			position_ = -1;
		}
	}
	return current_ < ranges_.size();
}

MemoryTopicSource::MemoryTopicSource(MemoryLog &log, std::string topic, std::vector<int32_t> partitions)
    : log_(log), topic_(std::move(topic)) {
	for (auto partition : partitions) {
		positions_[partition] = log_.committed(topic_, partition).value_or(0);
	}
}

bool MemoryTopicSource::poll_batch(std::vector<Record> &out, size_t max, std::chrono::milliseconds) {
	size_t added = 0;
	for (auto &[partition, position] : positions_) {
		if (added >= max) {
			break;
		}
		auto records = log_.read(topic_, partition, position, max - added);
		for (auto &record : records) {
			position = record.offset + 1;
			out.push_back(std::move(record));
			added++;
		}
	}
	return true;
}

} // namespace kafkaml::stream
