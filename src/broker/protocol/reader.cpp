#include "broker/protocol/reader.h"

#include <string>

namespace kafkaml::broker::protocol {

const uint8_t *Reader::need(size_t n) {
	if (n > remaining()) {
		throw DecodeError("truncated request: needed " + std::to_string(n) + " more bytes at offset " +
		                  std::to_string(pos_) + ", " + std::to_string(remaining()) + " left");
	}
	const uint8_t *p = data_.data() + pos_;
	pos_ += n;
	return p;
}

int8_t Reader::i8() {
	return static_cast<int8_t>(*need(1));
}
int16_t Reader::i16() {
	return static_cast<int16_t>(load_be16(need(2)));
}
int32_t Reader::i32() {
	return static_cast<int32_t>(load_be32(need(4)));
}
uint32_t Reader::u32() {
	return load_be32(need(4));
}
int64_t Reader::i64() {
	return static_cast<int64_t>(load_be64(need(8)));
}

uint64_t Reader::uvarlong(int max_bytes) {
	uint64_t value = 0;
	for (int i = 0; i < max_bytes; i++) {
		uint8_t b = *need(1);
		value |= uint64_t(b & 0x7f) << (7 * i);
		if ((b & 0x80) == 0) {
			return value;
		}
	}
	throw DecodeError("varint longer than " + std::to_string(max_bytes) + " bytes at offset " + std::to_string(pos_));
}

uint32_t Reader::uvarint() {
	return static_cast<uint32_t>(uvarlong(5));
}
int32_t Reader::varint() {
	return static_cast<int32_t>(zigzag_decode(uvarlong(5)));
}
int64_t Reader::varlong() {
	return zigzag_decode(uvarlong(10));
}

std::span<const uint8_t> Reader::raw(size_t n) {
	const uint8_t *p = need(n);
	return {p, n};
}

std::string_view Reader::string() {
	auto s = nullable_string();
	if (!s) {
		throw DecodeError("null string where a string is required at offset " + std::to_string(pos_));
	}
	return *s;
}

std::optional<std::string_view> Reader::nullable_string() {
	int16_t len = i16();
	if (len < 0) {
		return std::nullopt;
	}
	auto bytes = raw(static_cast<size_t>(len));
	return std::string_view(reinterpret_cast<const char *>(bytes.data()), bytes.size());
}

std::optional<std::span<const uint8_t>> Reader::bytes() {
	int32_t len = i32();
	if (len < 0) {
		return std::nullopt;
	}
	return raw(static_cast<size_t>(len));
}

int32_t Reader::array_length(size_t min_element_size) {
	int32_t len = i32();
	if (len < -1) {
		throw DecodeError("negative array length " + std::to_string(len));
	}
	if (len > 0 && static_cast<size_t>(len) * (min_element_size ? min_element_size : 1) > remaining()) {
		throw DecodeError("array length " + std::to_string(len) + " exceeds the request size");
	}
	return len;
}

std::string_view Reader::compact_string() {
	auto s = compact_nullable_string();
	if (!s) {
		throw DecodeError("null compact string where a string is required at offset " + std::to_string(pos_));
	}
	return *s;
}

std::optional<std::string_view> Reader::compact_nullable_string() {
	uint32_t len = uvarint();
	if (len == 0) {
		return std::nullopt;
	}
	auto bytes = raw(len - 1);
	return std::string_view(reinterpret_cast<const char *>(bytes.data()), bytes.size());
}

std::optional<std::span<const uint8_t>> Reader::compact_bytes() {
	uint32_t len = uvarint();
	if (len == 0) {
		return std::nullopt;
	}
	return raw(len - 1);
}

int32_t Reader::compact_array_length(size_t min_element_size) {
	uint32_t len = uvarint();
	if (len == 0) {
		return -1;
	}
	size_t n = len - 1;
	if (n * (min_element_size ? min_element_size : 1) > remaining()) {
		throw DecodeError("compact array length " + std::to_string(n) + " exceeds the request size");
	}
	return static_cast<int32_t>(n);
}

void Reader::skip_tagged_fields() {
	uint32_t count = uvarint();
	for (uint32_t i = 0; i < count; i++) {
		(void)uvarint(); // tag
		uint32_t size = uvarint();
		skip(size);
	}
}

} // namespace kafkaml::broker::protocol
