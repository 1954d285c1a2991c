#pragma once

// The carry message: what a stage of an early-exit inference forwards to the
// next stage's topic for an input it did not answer (docs/wire-format.md,
// "Early-exit carry messages"). One sample per message, self-describing so
// that a stage can refuse one of another shape alone:
//
//   bytes 0-3   "KMLC"
//   byte  4     format version, 1
//   byte  5     rank r (1..8)
//   bytes 6-7   0 (reserved)
//   then        r little-endian uint32 dimensions
//   then        the product of the dimensions as little-endian float32,
//               row-major
//
// Thread: pure functions.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kafkaml::workers {

inline constexpr std::string_view kCarryMagic = "KMLC";
inline constexpr uint8_t kCarryVersion = 1;

//! Replaces `out` with the message of one sample of shape
//! `shape` (its values `values`, as many as the shape's product).
void encode_carry(const float *values, const std::vector<int64_t> &shape, std::string &out);

//! Appends the sample's values to `out` after checking that the message is
//! a carry of `width` values in all (its shape's product). Throws
//! formats::FormatError saying what is wrong (not a carry, another
//! version, another width, cut short).
void decode_carry(std::string_view message, size_t width, std::vector<float> &out);

} // namespace kafkaml::workers
