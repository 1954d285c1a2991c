#pragma once

// What a producer's batch claims against what it holds. A v2 batch header
// states its record count (and last offset delta); offsets are assigned
// from it. A batch that claims 2^31 - 1 records and holds one would move
// the log end by 2^31 offsets for nothing, and eventually past what a
// segment's 32-bit relative offsets can index. As Kafka does, every record
// of a batch is walked (a compressed batch is decompressed first) and the
// batch is refused unless it holds exactly the records its header says,
// numbered 0..count-1, with nothing left over.
//
// Thread-safety: pure functions.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace kafkaml::broker::storage {

//! Most bytes a compressed batch may decompress to. A producer's batch is
//! about a megabyte; this bounds what a "zip bomb" batch can cost.
inline constexpr size_t kMaxDecompressedBatch = size_t{64} << 20;

//! "" when `batch` (a whole v2 batch, header included, already checked for
//! length and CRC) holds exactly the records its header claims; otherwise
//! what is wrong, for the producer's error message.
std::string check_batch_records(std::span<const uint8_t> batch);

//! The records section of a batch with compression `codec` (Kafka's
//! attribute bits: 1 gzip, 2 snappy, 3 lz4, 4 zstd), decompressed; nullopt
//! with `error` set when it cannot be, or would exceed `limit` bytes.
std::optional<std::vector<uint8_t>> decompress_records(int codec, std::span<const uint8_t> compressed, size_t limit,
                                                       std::string &error);

} // namespace kafkaml::broker::storage
