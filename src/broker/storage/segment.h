#pragma once

#include "broker/storage/file.h"
#include "broker/storage/file_range.h"
#include "broker/storage/record_batch.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace kafkaml::broker::storage {

//! One log segment: `<base>.log` holds record batches exactly as produced
//! (base offsets rewritten), `<base>.index` a sparse offset index and
//! `<base>.timeindex` a sparse time index, both appended every
//! kIndexIntervalBytes of log.
//!
//! Index entry (8 bytes, big-endian): relative offset of a batch's base offset
//! (u32), byte position of the batch (u32).
//! Time-index entry (16 bytes): largest timestamp seen up to and including
//! that batch (i64), relative offset (u32), position (u32). A final entry is
//! written when the segment is closed for appends (roll), so the last entry
//! carries the segment's largest timestamp.
//!
//! Lookups binary-search the index files with pread, so memory does not grow
//! with the size of the log. Threading: owned by one PartitionLog and used
//! only on the broker's network-loop thread.
class Segment {
public:
	static constexpr uint32_t kIndexIntervalBytes = 4096;

	//! Creates a new empty segment.
	static Segment create(const std::filesystem::path &dir, int64_t base_offset);
	//! Opens an existing segment. With `recover`, validates every batch
	//! (length, CRC), truncates a torn or corrupt tail and rebuilds both
	//! indexes; without it, rebuilds the indexes only when missing.
	static Segment open(const std::filesystem::path &dir, int64_t base_offset, bool recover);

	Segment(Segment &&) = default;
	Segment &operator=(Segment &&) = default;

	int64_t base_offset() const { return base_offset_; }
	//! Offset after the last batch (== base offset when empty).
	int64_t next_offset() const { return next_offset_; }
	uint64_t size() const { return size_; }
	int64_t max_timestamp() const { return max_timestamp_; }
	bool empty() const { return size_ == 0; }
	//! Bytes truncated by recovery (for the log line).
	uint64_t truncated_bytes() const { return truncated_bytes_; }

	//! Appends one batch whose base offset is already rewritten.
	void append(std::span<const uint8_t> batch, const BatchHeader &header);
	//! Writes the final time-index entry; called before rolling to a new segment.
	void seal();
	void sync();
	//! A duplicate of the log file's descriptor (-1 on failure), for a sync elsewhere.
	int dup_fd() const;

	//! Byte position of the first batch whose last offset >= `offset`, or
	//! size() when none.
	uint64_t position_of(int64_t offset) const;
	//! Appends to `out` whole batches starting at byte `position`, at most
	//! `max_bytes` in total, but always the first batch whole (so a consumer
	//! can progress past a batch larger than its limit). Returns bytes added.
	size_t read(uint64_t position, size_t max_bytes, std::vector<uint8_t> &out) const;
	//! The same bytes read() would append, as a range of the log file to send
	//! without copying them (empty when `position` is at the end). Finds the
	//! last whole batch through the offset index, so it reads a few index
	//! entries and batch headers, never the records.
	//! Empty also when no descriptor is left to duplicate (logged).
	FileRange slice(uint64_t position, size_t max_bytes) const;
	//! First batch whose max timestamp >= `timestamp`: its header and position.
	std::optional<std::pair<BatchHeader, uint64_t>> find_by_timestamp(int64_t timestamp) const;
	//! Reads the batch header at `position`.
	std::optional<BatchHeader> header_at(uint64_t position) const;

	//! Closes and deletes the three files.
	void remove_files();

	static std::string file_stem(int64_t base_offset);

private:
	Segment() = default;
	void rebuild(bool validate);
	//! Position of the last index entry (relative offset, position) for which
	//! `at_or_before` holds, 0 when none; it must hold for a prefix of entries.
	uint64_t last_indexed_position(const std::function<bool(int64_t, uint64_t)> &at_or_before) const;
	void add_index_entries(const BatchHeader &header, uint64_t position);
	uint64_t index_lookup(int64_t offset) const;

	std::filesystem::path dir_;
	int64_t base_offset_ = 0;
	int64_t next_offset_ = 0;
	uint64_t size_ = 0;
	int64_t max_timestamp_ = -1;
	uint64_t bytes_since_index_ = 0;
	uint64_t index_entries_ = 0;
	uint64_t time_entries_ = 0;
	uint64_t truncated_bytes_ = 0;
	File log_;
	File index_;
	File time_index_;
};

} // namespace kafkaml::broker::storage
