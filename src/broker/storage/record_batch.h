#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace kafkaml::broker::storage {

//! Layout of a Kafka record batch (magic 2) header; offsets into the batch.
//! The batch is stored on disk exactly as on the wire, so these also locate
//! fields inside the log files.
namespace batch {
constexpr size_t kBaseOffset = 0;
constexpr size_t kLength = 8; //!< bytes after this field
constexpr size_t kLeaderEpoch = 12;
constexpr size_t kMagic = 16;
constexpr size_t kCrc = 17;
constexpr size_t kAttributes = 21; //!< CRC covers from here to the end
constexpr size_t kLastOffsetDelta = 23;
constexpr size_t kBaseTimestamp = 27;
constexpr size_t kMaxTimestamp = 35;
constexpr size_t kProducerId = 43;
constexpr size_t kProducerEpoch = 51;
constexpr size_t kBaseSequence = 53;
constexpr size_t kRecordCount = 57;
constexpr size_t kHeaderSize = 61;
//! Size field plus base offset: the prefix that frames a batch in a log.
constexpr size_t kLogOverhead = 12;
} // namespace batch

//! Decoded fixed header of one batch.
struct BatchHeader {
	int64_t base_offset = 0;
	int32_t length = 0; //!< batch size minus kLogOverhead
	int8_t magic = 0;
	uint32_t crc = 0;
	int16_t attributes = 0;
	int32_t last_offset_delta = 0;
	int64_t base_timestamp = 0;
	int64_t max_timestamp = 0;
	int64_t producer_id = -1;
	int16_t producer_epoch = -1;
	int32_t base_sequence = -1;
	int32_t record_count = 0;

	size_t total_size() const { return static_cast<size_t>(length) + batch::kLogOverhead; }
	int64_t last_offset() const { return base_offset + last_offset_delta; }
	int compression() const { return attributes & 0x7; }
	bool is_transactional() const { return (attributes & 0x10) != 0; }
	bool is_control() const { return (attributes & 0x20) != 0; }
};

//! Reads the header of the batch starting at `data` (needs kHeaderSize bytes;
//! nullopt otherwise). No validation beyond the size.
std::optional<BatchHeader> read_batch_header(std::span<const uint8_t> data);

//! Checks one complete batch: magic 2, length consistent with `data.size()`,
//! record count/offset delta sane, and CRC-32C. Returns an error message, or
//! empty when valid.
std::string validate_batch(std::span<const uint8_t> data);

//! Splits a produce payload (a sequence of batches) into whole batches.
//! Returns an error message if a batch is truncated, not magic 2 or has a
//! bad CRC; `out` then holds nothing useful.
std::string split_batches(std::span<const uint8_t> records, std::vector<std::span<const uint8_t>> &out);

//! Rewrites the base offset of a batch in place (the CRC does not cover it).
void set_base_offset(uint8_t *batch_start, int64_t base_offset);

//! One decoded record of an uncompressed batch (views into the batch).
struct Record {
	int64_t offset = 0;
	int64_t timestamp = 0;
	std::optional<std::span<const uint8_t>> key;
	std::optional<std::span<const uint8_t>> value;
	std::vector<std::pair<std::string, std::optional<std::span<const uint8_t>>>> headers;
};

//! Decodes the records of an uncompressed batch. Throws protocol::DecodeError
//! on malformed records; returns false (and nothing) for compressed batches.
bool decode_records(std::span<const uint8_t> batch, std::vector<Record> &out);

//! Builds an uncompressed magic-2 batch (tests, fuzz seeds, benchmarks).
struct NewRecord {
	std::optional<std::string> key;
	std::optional<std::string> value;
	std::vector<std::pair<std::string, std::string>> headers;
	int64_t timestamp_delta = 0;
};
std::vector<uint8_t> build_batch(int64_t base_offset, int64_t base_timestamp, const std::vector<NewRecord> &records,
                                 int64_t producer_id = -1, int16_t producer_epoch = -1, int32_t base_sequence = -1);

} // namespace kafkaml::broker::storage
