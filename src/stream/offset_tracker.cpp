#include "stream/io.h"
#include "stream/stream_error.h"

namespace kafkaml::stream {

void OffsetTracker::begin(const std::string &topic, int32_t partition, int64_t offset) {
	std::lock_guard lock(mutex_);
	auto &state = partitions_[{topic, partition}];
	state.pending.emplace(offset, false);
}

void OffsetTracker::done(const std::string &topic, int32_t partition, int64_t offset) {
	std::lock_guard lock(mutex_);
	auto it = partitions_.find({topic, partition});
	if (it == partitions_.end()) {
		return; // partition forgotten after a rebalance: its new owner re-reads it
	}
	auto &state = it->second;
	auto record = state.pending.find(offset);
	if (record == state.pending.end()) {
		return;
	}
	record->second = true;
	// Advance over the done prefix now so commit() stays cheap.
	while (!state.pending.empty() && state.pending.begin()->second) {
		state.next = state.pending.begin()->first + 1;
		state.pending.erase(state.pending.begin());
	}
}

std::vector<TopicPartitionOffset> OffsetTracker::commit() {
	std::vector<TopicPartitionOffset> offsets;
	{
		std::lock_guard lock(mutex_);
		for (auto &[key, state] : partitions_) {
			if (state.next > state.committed) {
				offsets.push_back({key.first, key.second, state.next});
				state.committed = state.next;
			}
		}
	}
	if (!offsets.empty() && committer_) {
		committer_(offsets);
	}
	return offsets;
}

void OffsetTracker::forget(const std::string &topic, int32_t partition) {
	std::lock_guard lock(mutex_);
	partitions_.erase({topic, partition});
}

void OffsetTracker::release(const std::string &topic, int32_t partition) {
	std::vector<TopicPartitionOffset> offsets;
	{
		std::lock_guard lock(mutex_);
		auto it = partitions_.find({topic, partition});
		if (it == partitions_.end()) {
			return;
		}
		if (it->second.next >= 0) {
			offsets.push_back({topic, partition, it->second.next});
		}
		partitions_.erase(it);
	}
	if (!offsets.empty() && committer_) {
		committer_(offsets);
	}
}

void OffsetTracker::commit_failed(const std::string &topic, int32_t partition, int64_t offset) {
	std::lock_guard lock(mutex_);
	auto it = partitions_.find({topic, partition});
	if (it != partitions_.end() && it->second.committed == offset) {
		it->second.committed = -1;
	}
}

bool OffsetTracker::has_uncommitted() const {
	std::lock_guard lock(mutex_);
	for (const auto &[key, state] : partitions_) {
		if (state.next > state.committed) {
			return true;
		}
	}
	return false;
}

size_t OffsetTracker::in_flight() const {
	std::lock_guard lock(mutex_);
	size_t count = 0;
	for (const auto &[key, state] : partitions_) {
		count += state.pending.size();
	}
	return count;
}

} // namespace kafkaml::stream
