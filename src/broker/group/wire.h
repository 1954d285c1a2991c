#pragma once

// Owning reads on top of the broker's wire primitives (protocol/reader.h),
// shared by the group codec and the offsets file.
//
// Threading: pure functions.

#include "broker/protocol/reader.h"
#include "broker/protocol/writer.h"

#include <optional>
#include <string>
#include <vector>

namespace kafkaml::broker::group {

using protocol::DecodeError;
using protocol::Reader;
using protocol::Writer;

inline std::string read_string(Reader &r) {
	auto s = r.nullable_string();
	if (!s) {
		throw DecodeError("a null string where the protocol requires one");
	}
	return std::string(*s);
}

inline std::optional<std::string> read_nullable_string(Reader &r) {
	auto s = r.nullable_string();
	return s ? std::optional<std::string>(*s) : std::nullopt;
}

inline std::vector<uint8_t> read_bytes(Reader &r) {
	auto b = r.bytes();
	return b ? std::vector<uint8_t>(b->begin(), b->end()) : std::vector<uint8_t>{};
}

//! Array length; null (-1) is accepted only where the protocol allows it.
inline int32_t read_array_length(Reader &r, bool nullable = false) {
	int32_t n = r.array_length();
	if (n < 0 && !nullable) {
		throw DecodeError("a null array where the protocol requires one");
	}
	return n;
}

inline void write_nullable_string(Writer &w, const std::optional<std::string> &s) {
	w.nullable_string(s ? std::optional<std::string_view>(*s) : std::nullopt);
}

} // namespace kafkaml::broker::group
