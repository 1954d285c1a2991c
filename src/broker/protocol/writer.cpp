#include "broker/protocol/writer.h"

#include "broker/protocol/reader.h"

#include <cstring>
#include <limits>
#include <stdexcept>

namespace kafkaml::broker::protocol {

void Writer::i16(int16_t v) {
	auto u = static_cast<uint16_t>(v);
	uint8_t b[2] = {uint8_t(u >> 8), uint8_t(u)};
	raw(b, 2);
}

void Writer::i32(int32_t v) {
	u32(static_cast<uint32_t>(v));
}

void Writer::u32(uint32_t v) {
	uint8_t b[4];
	store_be32(b, v);
	raw(b, 4);
}

void Writer::i64(int64_t v) {
	uint8_t b[8];
	store_be64(b, static_cast<uint64_t>(v));
	raw(b, 8);
}

void Writer::uvarlong(uint64_t v) {
	while (v >= 0x80) {
		buf_.push_back(static_cast<uint8_t>(v | 0x80));
		v >>= 7;
	}
	buf_.push_back(static_cast<uint8_t>(v));
}

void Writer::string(std::string_view s) {
	if (s.size() > static_cast<size_t>(std::numeric_limits<int16_t>::max())) {
		throw std::length_error("string of " + std::to_string(s.size()) + " bytes does not fit a Kafka STRING");
	}
	i16(static_cast<int16_t>(s.size()));
	raw(s.data(), s.size());
}

void Writer::nullable_string(std::optional<std::string_view> s) {
	if (!s) {
		i16(-1);
		return;
	}
	string(*s);
}

void Writer::bytes(std::span<const uint8_t> b) {
	i32(static_cast<int32_t>(b.size()));
	raw(b);
}

void Writer::compact_string(std::string_view s) {
	uvarint(static_cast<uint32_t>(s.size() + 1));
	raw(s.data(), s.size());
}

void Writer::compact_nullable_string(std::optional<std::string_view> s) {
	if (!s) {
		uvarint(0);
		return;
	}
	compact_string(*s);
}

void Writer::compact_bytes(std::span<const uint8_t> b) {
	uvarint(static_cast<uint32_t>(b.size() + 1));
	raw(b);
}

void Writer::raw(const void *p, size_t n) {
	auto *c = static_cast<const uint8_t *>(p);
	buf_.insert(buf_.end(), c, c + n);
}

uint8_t *Writer::extend(size_t n) {
	size_t at = buf_.size();
	buf_.resize(at + n);
	return buf_.data() + at;
}

size_t Writer::reserve_i32() {
	size_t at = buf_.size();
	i32(0);
	return at;
}

void Writer::patch_i32(size_t at, int32_t v) {
	store_be32(buf_.data() + at, static_cast<uint32_t>(v));
}

} // namespace kafkaml::broker::protocol
