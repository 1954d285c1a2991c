#include "broker/storage/partition_log.h"

#include "broker/protocol/api_keys.h"
#include "broker/storage/batch_records.h"
#include "broker/storage/file.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <fstream>
#include <limits>

namespace kafkaml::broker::storage {

using protocol::ErrorCode;

PartitionLog::PartitionLog(std::filesystem::path dir, LogConfig config) : dir_(std::move(dir)), config_(config) {
	if (std::filesystem::create_directories(dir_)) {
		sync_directory(dir_.parent_path());
	}
	std::vector<int64_t> bases;
	for (const auto &entry : std::filesystem::directory_iterator(dir_)) {
		if (entry.path().extension() != ".log") {
			continue;
		}
		auto stem = entry.path().stem().string();
		if (stem.size() != 20 || !std::all_of(stem.begin(), stem.end(), ::isdigit)) {
			continue;
		}
		bases.push_back(std::stoll(stem));
	}
	std::sort(bases.begin(), bases.end());
	for (size_t i = 0; i < bases.size(); i++) {
		bool last = i + 1 == bases.size();
		auto seg = std::make_unique<Segment>(Segment::open(dir_, bases[i], last));
		if (last && seg->truncated_bytes() > 0) {
			spdlog::warn("partition {}: recovered, torn tail of {} bytes removed", dir_.filename().string(),
			             seg->truncated_bytes());
		}
		segments_.emplace(bases[i], std::move(seg));
	}
	if (segments_.empty()) {
		segments_.emplace(0, std::make_unique<Segment>(Segment::create(dir_, 0)));
	}
	next_offset_ = active().next_offset();
	read_start_offset();
	restore_producers();
}

void PartitionLog::read_start_offset() {
	std::ifstream in(dir_ / kStartOffsetFile);
	if (!in) {
		return;
	}
	int64_t offset = 0;
	if (!(in >> offset) || offset < 0) {
		spdlog::warn("partition {}: {} is unreadable, ignored (the log starts at its first segment)",
		             dir_.filename().string(), kStartOffsetFile);
		return;
	}
	if (offset > next_offset_) {
		// Only a log that lost its acknowledged tail (power loss without
		// fsync) gets here: the records below the checkpoint are gone anyway.
		spdlog::warn("partition {}: log start offset {} is past the log end {}, using the end",
		             dir_.filename().string(), offset, next_offset_);
		offset = next_offset_;
	}
	start_offset_ = offset;
	// A crash after the checkpoint but before the deletion leaves segments
	// below the start: delete them now.
	if (int dropped = drop_segments_below_start(); dropped > 0) {
		spdlog::info("partition {}: deleted {} segments below the log start offset {}", dir_.filename().string(),
		             dropped, start_offset_);
	}
}

void PartitionLog::write_start_offset(int64_t offset) {
	auto path = dir_ / kStartOffsetFile;
	auto tmp = path;
	tmp += ".tmp";
	{
		std::ofstream out(tmp, std::ios::trunc);
		out << offset << "\n";
		if (!out.flush()) {
			throw std::runtime_error("cannot write " + tmp.string());
		}
	}
	File::open_rw(tmp).sync(); // the bytes before the name
	std::filesystem::rename(tmp, path);
	sync_directory(dir_);
}

int PartitionLog::drop_segments_below_start() {
	int dropped = 0;
	while (segments_.size() > 1) {
		auto next = std::next(segments_.begin());
		if (next->first > start_offset_) {
			break;
		}
		segments_.begin()->second->remove_files();
		segments_.erase(segments_.begin());
		dropped++;
	}
	return dropped;
}

PartitionLog::DeleteRecordsResult PartitionLog::delete_records(int64_t offset) {
	DeleteRecordsResult result;
	if (offset == -1) {
		offset = next_offset_;
	}
	if (offset < 0 || offset > next_offset_) {
		result.error = protocol::code(ErrorCode::OffsetOutOfRange);
		result.message = "offset " + std::to_string(offset) + " is past the high watermark " +
		                 std::to_string(next_offset_) + " of " + dir_.filename().string();
		result.low_watermark = log_start_offset();
		return result;
	}
	if (offset <= log_start_offset()) {
		result.low_watermark = log_start_offset();
		return result;
	}
	try {
		write_start_offset(offset);
	} catch (const std::exception &e) {
		result.error = protocol::code(ErrorCode::KafkaStorageError);
		result.message = e.what();
		result.low_watermark = log_start_offset();
		return result;
	}
	start_offset_ = offset;
	try {
		if (offset == next_offset_ && !active().empty()) {
			// Everything goes: a new empty active segment at the end lets the
			// old one be deleted too, as retention does.
			roll();
		}
		int dropped = drop_segments_below_start();
		spdlog::info("partition {}: log start offset moved to {} (DeleteRecords), {} segments deleted",
		             dir_.filename().string(), offset, dropped);
	} catch (const std::exception &e) {
		// The start is durable; the segments left below it are deleted by a
		// later call or the next open.
		spdlog::warn("partition {}: log start offset moved to {}, but deleting old segments failed: {}",
		             dir_.filename().string(), offset, e.what());
	}
	result.low_watermark = log_start_offset();
	return result;
}

void PartitionLog::restore_producers() {
	// Headers only (61 bytes per batch, one pread each): the records are not read.
	auto first = std::prev(segments_.end());
	uint64_t covered = first->second->size();
	while (first != segments_.begin() && covered < kProducerScanBytes) {
		--first;
		covered += first->second->size();
	}
	for (auto it = first; it != segments_.end(); ++it) {
		const auto &seg = *it->second;
		for (uint64_t pos = 0; pos < seg.size();) {
			auto header = seg.header_at(pos);
			if (!header || header->length < 0) {
				break;
			}
			if (header->producer_id >= 0 && header->base_sequence >= 0) {
				auto &state = producers_[header->producer_id];
				if (state.epoch != header->producer_epoch) {
					state = ProducerState{};
					state.epoch = header->producer_epoch;
				}
				remember(state, *header);
			}
			pos += header->total_size();
		}
	}
	if (!producers_.empty()) {
		spdlog::debug("partition {}: restored the state of {} idempotent producers", dir_.filename().string(),
		              producers_.size());
	}
}

void PartitionLog::remember(ProducerState &state, const BatchHeader &header) {
	int32_t last_seq = header.base_sequence + header.last_offset_delta;
	state.recent.push_back({header.base_sequence, last_seq, header.base_offset});
	if (state.recent.size() > 5) {
		state.recent.erase(state.recent.begin());
	}
	state.last_seq = last_seq;
}

int64_t PartitionLog::log_start_offset() const {
	return std::max(segments_.begin()->second->base_offset(), start_offset_);
}

uint64_t PartitionLog::size_bytes() const {
	uint64_t total = 0;
	for (const auto &[base, seg] : segments_) {
		total += seg->size();
	}
	return total;
}

void PartitionLog::roll() {
	// The new segment first: if it cannot be made (no disk space or file
	// descriptors), the active one stays active and unsealed, and appends
	// fail with the reason until the cause is gone.
	auto next = std::make_unique<Segment>(Segment::create(dir_, next_offset_));
	active().seal();
	active().sync();
	segments_.emplace(next_offset_, std::move(next));
}

AppendResult PartitionLog::append(std::span<uint8_t> records) {
	AppendResult result;
	result.log_start_offset = log_start_offset();
	std::vector<std::span<const uint8_t>> batches;
	if (auto err = split_batches(records, batches); !err.empty()) {
		result.error = protocol::code(ErrorCode::CorruptMessage);
		result.message = err;
		return result;
	}
	if (batches.empty()) {
		result.error = protocol::code(ErrorCode::InvalidRecord);
		result.message = "produce request carries no record batch";
		return result;
	}
	for (auto b : batches) {
		if (auto err = check_batch_records(b); !err.empty()) {
			result.error = protocol::code(ErrorCode::InvalidRecord);
			result.message = err;
			return result;
		}
	}
	// Idempotence is checked on the first batch (clients send one batch per
	// partition per request when idempotent).
	auto first = *read_batch_header(batches.front());
	ProducerState *producer = nullptr;
	if (first.producer_id >= 0 && first.base_sequence >= 0) {
		auto &state = producers_[first.producer_id];
		int32_t last_seq = first.base_sequence + first.last_offset_delta;
		if (state.epoch == first.producer_epoch) {
			for (const auto &b : state.recent) {
				if (b.first_seq == first.base_sequence && b.last_seq == last_seq) {
					result.base_offset = b.base_offset; // retried batch: acknowledge, do not append
					return result;
				}
			}
			if (state.last_seq >= 0 && first.base_sequence != state.last_seq + 1) {
				result.error = protocol::code(ErrorCode::OutOfOrderSequenceNumber);
				result.message =
				    "sequence " + std::to_string(first.base_sequence) + " after " + std::to_string(state.last_seq);
				return result;
			}
		} else if (state.epoch > first.producer_epoch) {
			result.error = protocol::code(ErrorCode::InvalidProducerEpoch);
			result.message = "producer epoch is older than the current one";
			return result;
		} else if (state.epoch >= 0 && first.base_sequence != 0) {
			result.error = protocol::code(ErrorCode::OutOfOrderSequenceNumber);
			result.message = "a new producer epoch must start at sequence 0";
			return result;
		}
		if (state.epoch != first.producer_epoch) {
			state = ProducerState{};
			state.epoch = first.producer_epoch;
		}
		producer = &state;
	}
	result.base_offset = next_offset_;
	for (auto b : batches) {
		auto *data = const_cast<uint8_t *>(b.data()); // span came from the mutable `records`
		set_base_offset(data, next_offset_);
		auto header = *read_batch_header(b);
		// A segment indexes offsets relative to its base in 32 bits: roll
		// before a batch would pass that, whatever the size.
		bool offsets_full = header.last_offset() - active().base_offset() > std::numeric_limits<int32_t>::max();
		if (!active().empty() &&
		    (offsets_full || active().size() + b.size() > static_cast<uint64_t>(config_.segment_bytes))) {
			roll();
		}
		active().append(b, header);
		next_offset_ = header.last_offset() + 1;
		appended_bytes_ += b.size();
		if (producer && header.producer_id == first.producer_id) {
			remember(*producer, header);
		}
	}
	dirty_ = true;
	return result;
}

const Segment *PartitionLog::segment_for(int64_t offset) const {
	auto it = segments_.upper_bound(offset);
	if (it == segments_.begin()) {
		return nullptr;
	}
	--it;
	return it->second.get();
}

bool PartitionLog::read(int64_t offset, size_t max_bytes, std::vector<uint8_t> &out) const {
	if (offset < log_start_offset() || offset > next_offset_) {
		return false;
	}
	if (offset == next_offset_) {
		return true;
	}
	// The offset may sit past the end of its segment (e.g. the last batch of
	// an older segment ended before it): move on to the next segment.
	for (auto it = std::prev(segments_.upper_bound(offset)); it != segments_.end(); ++it) {
		const auto &seg = *it->second;
		uint64_t pos = seg.position_of(offset);
		if (pos < seg.size()) {
			seg.read(pos, max_bytes, out);
			return true;
		}
	}
	return true;
}

FileRange PartitionLog::slice(int64_t offset, size_t max_bytes) const {
	if (offset < log_start_offset() || offset >= next_offset_) {
		return {};
	}
	for (auto it = std::prev(segments_.upper_bound(offset)); it != segments_.end(); ++it) {
		const auto &seg = *it->second;
		uint64_t pos = seg.position_of(offset);
		if (pos < seg.size()) {
			return seg.slice(pos, max_bytes);
		}
	}
	return {};
}

PartitionLog::TimestampMatch PartitionLog::offset_for_timestamp(int64_t timestamp) const {
	auto match = find_timestamp(timestamp);
	if (match.offset >= 0 && match.offset < log_start_offset()) {
		// In the part of a segment DeleteRecords cut off: the first record
		// still readable is the answer (its timestamp is not read here).
		match.offset = log_start_offset();
		match.timestamp = -1;
		if (match.offset >= next_offset_) {
			return {};
		}
	}
	return match;
}

PartitionLog::TimestampMatch PartitionLog::find_timestamp(int64_t timestamp) const {
	for (const auto &[base, seg] : segments_) {
		auto found = seg->find_by_timestamp(timestamp);
		if (!found) {
			continue;
		}
		const auto &[header, pos] = *found;
		// The record at the batch's base offset carries the base timestamp.
		TimestampMatch first_of_batch{header.base_offset, header.base_timestamp};
		if (header.compression() != 0) {
			return first_of_batch;
		}
		std::vector<uint8_t> data;
		seg->read(pos, header.total_size(), data);
		std::vector<Record> records;
		try {
			if (decode_records(data, records)) {
				for (const auto &r : records) {
					if (r.timestamp >= timestamp) {
						return {r.offset, r.timestamp};
					}
				}
			}
		} catch (const std::exception &) {
		}
		return first_of_batch;
	}
	return {};
}

int PartitionLog::enforce_retention(int64_t now_ms) {
	int deleted = 0;
	uint64_t total = size_bytes();
	while (true) {
		auto &oldest = *segments_.begin()->second;
		bool is_active = segments_.size() == 1;
		if (is_active && oldest.empty()) {
			break;
		}
		bool by_size = !is_active && config_.retention_bytes >= 0 &&
		               total - oldest.size() >= static_cast<uint64_t>(config_.retention_bytes) &&
		               total > static_cast<uint64_t>(config_.retention_bytes);
		bool by_time = config_.retention_ms >= 0 && oldest.max_timestamp() >= 0 &&
		               oldest.max_timestamp() < now_ms - config_.retention_ms;
		if (!by_size && !by_time) {
			break;
		}
		if (is_active) {
			// A new empty active segment keeps the log end offset: the log is
			// then empty and starts where it ended.
			roll();
		}
		spdlog::info("partition {}: retention deletes segment {} ({} bytes, {})", dir_.filename().string(),
		             oldest.base_offset(), oldest.size(), by_size ? "retention.bytes" : "retention.ms");
		total -= oldest.size();
		oldest.remove_files();
		segments_.erase(segments_.begin());
		deleted++;
	}
	return deleted;
}

void PartitionLog::sync() {
	if (!dirty_) {
		return;
	}
	active().sync();
	dirty_ = false;
}

int PartitionLog::take_sync_fd() {
	if (!dirty_) {
		return -1;
	}
	int fd = active().dup_fd();
	if (fd >= 0) {
		dirty_ = false;
	}
	return fd;
}

void PartitionLog::remove() {
	for (auto &[base, seg] : segments_) {
		seg->remove_files();
	}
	segments_.clear();
	std::error_code ec;
	std::filesystem::remove_all(dir_, ec);
}

} // namespace kafkaml::broker::storage
