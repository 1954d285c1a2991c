#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace kafkaml::broker::protocol {

//! Big-endian writer appending Kafka wire primitives to a growable buffer.
//! Length prefixes whose value is known only later (frame size, a nested
//! structure) are reserved with `reserve_i32()` and filled with `patch_i32()`.
//! Not thread-safe; one writer per response.
class Writer {
public:
	Writer() = default;
	explicit Writer(std::vector<uint8_t> buffer) : buf_(std::move(buffer)) {}

	void i8(int8_t v) { buf_.push_back(static_cast<uint8_t>(v)); }
	void i16(int16_t v);
	void i32(int32_t v);
	void u32(uint32_t v);
	void i64(int64_t v);
	void boolean(bool v) { i8(v ? 1 : 0); }
	void varint(int32_t v) { uvarlong(zigzag(v)); }
	void varlong(int64_t v) { uvarlong(zigzag(v)); }
	void uvarint(uint32_t v) { uvarlong(v); }

	void string(std::string_view s);
	void nullable_string(std::optional<std::string_view> s);
	void bytes(std::span<const uint8_t> b);
	void null_bytes() { i32(-1); }
	void array_length(int32_t n) { i32(n); }

	void compact_string(std::string_view s);
	void compact_nullable_string(std::optional<std::string_view> s);
	void compact_bytes(std::span<const uint8_t> b);
	//! Compact array length (N+1 encoding); pass -1 for null.
	void compact_array_length(int32_t n) { uvarint(static_cast<uint32_t>(n + 1)); }
	//! An empty tagged-field section.
	void empty_tagged_fields() { uvarint(0); }

	void raw(std::span<const uint8_t> b) { buf_.insert(buf_.end(), b.begin(), b.end()); }
	void raw(const void *p, size_t n);
	//! Grows the buffer by `n` uninitialised-ish (zeroed) bytes and returns where they start.
	uint8_t *extend(size_t n);

	size_t reserve_i32();
	void patch_i32(size_t at, int32_t v);

	size_t size() const { return buf_.size(); }
	const std::vector<uint8_t> &buffer() const { return buf_; }
	std::vector<uint8_t> take() { return std::move(buf_); }

private:
	static uint64_t zigzag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
	void uvarlong(uint64_t v);

	std::vector<uint8_t> buf_;
};

} // namespace kafkaml::broker::protocol
