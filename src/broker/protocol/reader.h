#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace kafkaml::broker::protocol {

//! Thrown when a request body is truncated or malformed. It ends the decoding
//! of one request; the network loop turns it into an error response or a
//! closed connection, never into a crash.
class DecodeError : public std::runtime_error {
public:
	using std::runtime_error::runtime_error;
};

//! Bounds-checked big-endian reader over a borrowed buffer (Kafka wire
//! primitives, classic and compact/flexible forms). Every read checks the
//! remaining length first and throws DecodeError on truncation, so no read
//! goes past the buffer whatever the input. Views it returns borrow the
//! buffer. Not thread-safe; one reader per request.
class Reader {
public:
	explicit Reader(std::span<const uint8_t> data) : data_(data) {}

	int8_t i8();
	int16_t i16();
	int32_t i32();
	int64_t i64();
	uint32_t u32();
	bool boolean() { return i8() != 0; }
	//! Zig-zag varint / varlong (record fields).
	int32_t varint();
	int64_t varlong();
	//! Unsigned varint (compact lengths, tag numbers).
	uint32_t uvarint();

	std::string_view string();
	std::optional<std::string_view> nullable_string();
	//! Nullable bytes: nullopt for length -1.
	std::optional<std::span<const uint8_t>> bytes();
	//! Array length; -1 (null) comes back as -1. Rejects lengths that cannot fit
	//! in what is left (each element takes at least `min_element_size` bytes), so
	//! a hostile length never makes callers reserve huge vectors.
	int32_t array_length(size_t min_element_size = 1);

	std::string_view compact_string();
	std::optional<std::string_view> compact_nullable_string();
	std::optional<std::span<const uint8_t>> compact_bytes();
	//! Compact array length (N+1 encoding); -1 for null.
	int32_t compact_array_length(size_t min_element_size = 1);
	//! Skips a tagged-field section of a flexible version.
	void skip_tagged_fields();

	std::span<const uint8_t> raw(size_t n);
	void skip(size_t n) { (void)raw(n); }
	size_t remaining() const { return data_.size() - pos_; }
	size_t position() const { return pos_; }
	bool at_end() const { return pos_ == data_.size(); }
	std::span<const uint8_t> rest() const { return data_.subspan(pos_); }

private:
	const uint8_t *need(size_t n);
	uint64_t uvarlong(int max_bytes);

	std::span<const uint8_t> data_;
	size_t pos_ = 0;
};

//! Zig-zag decoding helpers shared with the record codec.
inline int64_t zigzag_decode(uint64_t v) {
	return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}
inline uint64_t zigzag_encode(int64_t v) {
	return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}

//! Big-endian loads from raw memory (caller checked the bounds).
inline uint16_t load_be16(const uint8_t *p) {
	return static_cast<uint16_t>((p[0] << 8) | p[1]);
}
inline uint32_t load_be32(const uint8_t *p) {
	return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}
inline uint64_t load_be64(const uint8_t *p) {
	return (uint64_t(load_be32(p)) << 32) | load_be32(p + 4);
}
inline void store_be32(uint8_t *p, uint32_t v) {
	p[0] = uint8_t(v >> 24);
	p[1] = uint8_t(v >> 16);
	p[2] = uint8_t(v >> 8);
	p[3] = uint8_t(v);
}
inline void store_be64(uint8_t *p, uint64_t v) {
	store_be32(p, uint32_t(v >> 32));
	store_be32(p + 4, uint32_t(v));
}

} // namespace kafkaml::broker::protocol
