#pragma once

// Committed consumer-group offsets, persisted in one append-only file.
//
// File `<dir>/offsets.log`: a sequence of records, each
//   u32 payload length | u32 CRC-32 of the payload | payload
// and a payload is one OffsetCommit request's worth of entries:
//   i32 count, then per entry: group, topic (u16 length + bytes), i32 partition,
//   i64 offset, i32 leader epoch, i16 metadata length (-1 = null) + bytes,
//   i64 commit time (ms since epoch).
// One record per commit makes a commit all-or-nothing across a crash: a torn or
// corrupt tail record is dropped (and the file truncated) on open. On open, and
// whenever the file holds far more records than live entries, the file is
// rewritten with only the live entries (temporary file, fsync, rename).
//
// Durability: `commit` writes the record with write(2) before returning, so a
// commit survives `kill -9` once acknowledged; with `fsync` it also survives a
// power loss; without, `sync()` (called periodically by the owner) bounds
// what a power loss can take.
//
// Threading: not thread-safe; used only from the broker's network-loop thread.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace kafkaml::broker::group {

struct CommittedOffset {
	int64_t offset = -1;
	int32_t leader_epoch = -1;
	std::optional<std::string> metadata;
	int64_t commit_time_ms = 0;
};

struct OffsetEntry {
	std::string group;
	std::string topic;
	int32_t partition = 0;
	CommittedOffset value;
};

class OffsetStore {
public:
	//! Opens or creates `<dir>/offsets.log`, replays it, drops a torn tail and
	//! compacts. Throws std::runtime_error naming the file on I/O errors.
	OffsetStore(std::filesystem::path dir, bool fsync);
	~OffsetStore();
	OffsetStore(const OffsetStore &) = delete;
	OffsetStore &operator=(const OffsetStore &) = delete;

	//! Persists `entries` as one record, then applies them in memory.
	//! Throws std::runtime_error if the write fails (nothing is applied then).
	void commit(const std::vector<OffsetEntry> &entries);

	const CommittedOffset *find(const std::string &group, const std::string &topic, int32_t partition) const;
	//! Every committed (topic, partition) of `group`, ordered.
	std::vector<std::tuple<std::string, int32_t, CommittedOffset>> group_offsets(const std::string &group) const;
	//! Names of groups with at least one committed offset.
	std::vector<std::string> groups() const;

	//! Forgets the offsets committed before `cutoff_ms` (wall clock) of every
	//! group for which `expirable(group)` is true, and rewrites the file
	//! without them. Returns how many were dropped. Throws like `commit`.
	size_t expire(int64_t cutoff_ms, const std::function<bool(const std::string &group)> &expirable);

	//! Forgets every group's offsets of `topic` (deleted: a topic created
	//! again under its name starts from nothing) and rewrites the file without
	//! them. Returns how many were dropped. Throws like `commit`.
	size_t forget_topic(const std::string &topic);

	//! fdatasync of commits written since the last sync (no-op if none, or if
	//! every commit is synced already). Throws std::runtime_error on failure.
	void sync();

	//! Bytes dropped from the tail on open (torn or corrupt record); for tests and logs.
	uint64_t truncated_bytes() const { return truncated_bytes_; }
	std::filesystem::path file_path() const { return path_; }

private:
	using Key = std::tuple<std::string, std::string, int32_t>;

	void replay();
	void compact();
	void append_record(const std::vector<uint8_t> &payload);

	std::filesystem::path dir_;
	std::filesystem::path path_;
	bool fsync_;
	int fd_ = -1;
	std::map<Key, CommittedOffset> offsets_;
	uint64_t records_ = 0;
	bool dirty_ = false;
	uint64_t truncated_bytes_ = 0;
};

} // namespace kafkaml::broker::group
