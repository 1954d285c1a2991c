#pragma once

#include "broker/storage/segment.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

namespace kafkaml::broker::storage {

//! Per-topic settings (Kafka config names in comments); -1 means unlimited.
struct LogConfig {
	int64_t segment_bytes = 1LL << 30;             //!< segment.bytes
	int64_t retention_ms = 7LL * 24 * 3600 * 1000; //!< retention.ms
	int64_t retention_bytes = -1;                  //!< retention.bytes (per partition)
	//! Kafka configs set at creation that the broker keeps but does not act
	//! on (replication, compaction, flushing; see log_manager.cpp).
	std::map<std::string, std::string> other;
};

//! Outcome of appending a produce payload to one partition.
struct AppendResult {
	int16_t error = 0;
	std::string message;
	int64_t base_offset = -1;
	int64_t log_start_offset = 0;
};

//! The log of one partition: ordered segments under `DATA_DIR/<topic>-<n>/`,
//! the active one last. Offsets are assigned here by rewriting each batch's
//! base offset. Also tracks idempotent producers: per producer id the epoch
//! and the last few batches' sequence ranges, so a retried batch is answered
//! with its original offset instead of being appended twice. That state is
//! rebuilt on open from the batch headers of the newest segments (see
//! kProducerScanBytes), so a retry after a broker restart is not duplicated.
//!
//! Threading: network-loop thread only (no locks). Memory: a few fields per
//! segment and per producer; log data is never cached here.
class PartitionLog {
public:
	//! Opens (recovering the last segment) or creates the directory.
	PartitionLog(std::filesystem::path dir, LogConfig config);

	//! Validates (magic 2, CRC), deduplicates idempotent retries and appends the
	//! batches of `records` (modified in place: base offsets rewritten).
	AppendResult append(std::span<uint8_t> records);

	//! The first offset a client may read: the first segment's base, or the
	//! start set by DeleteRecords (delete_records()) when that is later.
	int64_t log_start_offset() const;
	//! Outcome of delete_records(): a Kafka error code (0, OFFSET_OUT_OF_RANGE,
	//! KAFKA_STORAGE_ERROR) and the log start offset after it.
	struct DeleteRecordsResult {
		int16_t error = 0;
		std::string message;
		int64_t low_watermark = -1;
	};
	//! DeleteRecords: moves the log start offset forward to `offset` (-1: the
	//! log end) and deletes the segments wholly below it. The new start is
	//! made durable first (kStartOffsetFile, written to a temporary file,
	//! fsynced, renamed, directory fsynced), so a crash between that and the
	//! deletion finishes the deletion on the next open. An offset at or below
	//! the current start changes nothing; one past the log end is refused
	//! with OFFSET_OUT_OF_RANGE, as Kafka does.
	DeleteRecordsResult delete_records(int64_t offset);
	int64_t log_end_offset() const { return next_offset_; }
	//! Total bytes ever appended through this object (monotonic): lets a parked
	//! Fetch tell how much arrived since it parked.
	uint64_t appended_bytes() const { return appended_bytes_; }
	uint64_t size_bytes() const;

	//! Appends to `out` whole batches from `offset` on, up to `max_bytes`
	//! (first batch always whole). Returns false if `offset` is out of range.
	bool read(int64_t offset, size_t max_bytes, std::vector<uint8_t> &out) const;
	//! What read() would append, as a range of one segment's file to send
	//! as it is (Fetch); empty at the log end or out of range.
	FileRange slice(int64_t offset, size_t max_bytes) const;
	//! A record found by its timestamp (ListOffsets).
	struct TimestampMatch {
		int64_t offset = -1;
		int64_t timestamp = -1;
	};
	//! The first record with timestamp >= `timestamp` and its own timestamp;
	//! offset -1 when there is none. In a compressed batch (whose records the
	//! broker never decompresses) it is the batch's first record, the earliest
	//! that can be named without reading the others.
	TimestampMatch offset_for_timestamp(int64_t timestamp) const;

	void set_config(const LogConfig &config) { config_ = config; }
	const LogConfig &config() const { return config_; }
	//! Deletes old whole segments per retention.bytes (never the active one)
	//! and retention.ms (the active one too, as Kafka does: it is rolled first
	//! when all its records are too old, so a topic smaller than a segment
	//! still expires). `now_ms`: wall clock in ms. Returns segments deleted.
	int enforce_retention(int64_t now_ms);
	//! fdatasync of the active segment when something was appended since the last sync.
	void sync();
	//! For a sync on another thread: a duplicate of the active segment's
	//! descriptor when something was appended since the last sync (which it
	//! then counts as done), else -1. The caller closes it.
	int take_sync_fd();
	//! Deletes every file and the directory.
	void remove();
	size_t segment_count() const { return segments_.size(); }
	const std::filesystem::path &dir() const { return dir_; }

private:
	struct ProducerBatch {
		int32_t first_seq;
		int32_t last_seq;
		int64_t base_offset;
	};
	struct ProducerState {
		int16_t epoch = -1;
		int32_t last_seq = -1;
		std::vector<ProducerBatch> recent; //!< last 5, as Kafka keeps
	};

	//! On open, producer state is rebuilt from the headers of the newest
	//! segments, newest last, until at least this many bytes were covered:
	//! producers idle for longer than that are forgotten (a retry from one
	//! gets OUT_OF_ORDER_SEQUENCE_NUMBER, as after Kafka's producer expiry).
	static constexpr uint64_t kProducerScanBytes = 64u << 20;
	//! Checkpoint of the start set by DeleteRecords, in the partition's
	//! directory: the offset in decimal and a newline.
	static constexpr const char *kStartOffsetFile = "log-start-offset";

	void write_start_offset(int64_t offset);
	void read_start_offset();
	//! Deletes the segments whose records all lie below start_offset_ (never
	//! the active one). Returns how many.
	int drop_segments_below_start();

	Segment &active() { return *segments_.rbegin()->second; }
	void roll();
	void restore_producers();
	//! Records an appended batch of an idempotent producer in `state`.
	static void remember(ProducerState &state, const BatchHeader &header);
	const Segment *segment_for(int64_t offset) const;
	//! offset_for_timestamp() without regard to the log start offset.
	TimestampMatch find_timestamp(int64_t timestamp) const;

	std::filesystem::path dir_;
	LogConfig config_;
	std::map<int64_t, std::unique_ptr<Segment>> segments_;
	int64_t next_offset_ = 0;
	//! Start set by DeleteRecords (0 when never used); log_start_offset() is
	//! the larger of it and the first segment's base.
	int64_t start_offset_ = 0;
	uint64_t appended_bytes_ = 0;
	bool dirty_ = false;
	std::unordered_map<int64_t, ProducerState> producers_;
};

} // namespace kafkaml::broker::storage
