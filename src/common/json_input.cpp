#include "common/json_input.h"

#include <fmt/format.h>

namespace kafkaml {
namespace {

struct Position {
	size_t line = 1;
	size_t column = 1;
};

Position position_of(std::string_view text, size_t byte) {
	Position at;
	for (size_t i = 0; i < byte && i < text.size(); i++) {
		if (text[i] == '\n') {
			at.line++;
			at.column = 1;
		} else {
			at.column++;
		}
	}
	return at;
}

//! Length of the valid UTF-8 sequence starting at `text[i]`, 0 when the
//! bytes there are not one (overlong forms, surrogates and code points
//! beyond U+10FFFF included, as RFC 3629 says).
size_t utf8_sequence_length(std::string_view text, size_t i) {
	auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
	unsigned char lead = byte(i);
	if (lead < 0x80) {
		return 1;
	}
	size_t length = 0;
	unsigned char low = 0x80;
	unsigned char high = 0xBF;
	if (lead >= 0xC2 && lead <= 0xDF) {
		length = 2;
	} else if (lead >= 0xE0 && lead <= 0xEF) {
		length = 3;
		low = lead == 0xE0 ? 0xA0 : 0x80;
		high = lead == 0xED ? 0x9F : 0xBF;
	} else if (lead >= 0xF0 && lead <= 0xF4) {
		length = 4;
		low = lead == 0xF0 ? 0x90 : 0x80;
		high = lead == 0xF4 ? 0x8F : 0xBF;
	} else {
		return 0;
	}
	if (i + length > text.size()) {
		return 0;
	}
	if (byte(i + 1) < low || byte(i + 1) > high) {
		return 0;
	}
	for (size_t k = 2; k < length; k++) {
		if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) {
			return 0;
		}
	}
	return length;
}

//! nlohmann's parse_error text without its "[json.exception...] parse error
//! at line L, column C: " prefix, which we write ourselves.
std::string_view reason_of(std::string_view message) {
	auto at = message.find("column ");
	if (at == std::string_view::npos) {
		return message;
	}
	auto colon = message.find(": ", at);
	return colon == std::string_view::npos ? message : message.substr(colon + 2);
}

} // namespace

JsonInputError::JsonInputError(const std::string &reason_, size_t byte_, size_t line_, size_t column_)
    : UserError(fmt::format("line {}, column {}: {}", line_, column_, reason_)), reason(reason_), byte(byte_),
      line(line_), column(column_) {}

size_t find_excess_depth(std::string_view text, size_t max_depth) {
	size_t depth = 0;
	bool in_string = false;
	for (size_t i = 0; i < text.size(); i++) {
		char c = text[i];
		if (in_string) {
			if (c == '\\') {
				i++; // whatever is escaped cannot end the string
			} else if (c == '"') {
				in_string = false;
			}
			continue;
		}
		switch (c) {
		case '"':
			in_string = true;
			break;
		case '[':
		case '{':
			if (++depth > max_depth) {
				return i;
			}
			break;
		case ']':
		case '}':
			if (depth > 0) {
				depth--;
			}
			break;
		default:
			break;
		}
	}
	return std::string_view::npos;
}

nlohmann::json parse_json(std::string_view text, const JsonLimits &limits) {
	if (text.size() > limits.max_bytes) {
		throw JsonInputError(
		    fmt::format("the JSON text has {} bytes, more than the {} accepted here", text.size(), limits.max_bytes),
		    limits.max_bytes, 1, 1);
	}
	if (auto at = find_excess_depth(text, limits.max_depth); at != std::string_view::npos) {
		auto where = position_of(text, at);
		throw JsonInputError(fmt::format("the JSON nests deeper than {} levels of arrays and objects; nothing "
		                                 "this server reads needs more",
		                                 limits.max_depth),
		                     at, where.line, where.column);
	}
	try {
		return nlohmann::json::parse(text);
	} catch (const nlohmann::json::parse_error &e) {
		// e.byte is 1-based: the byte at which the parser gave up.
		size_t at = e.byte > 0 ? e.byte - 1 : 0;
		auto where = position_of(text, at);
		throw JsonInputError(printable(reason_of(e.what()), 200), at, where.line, where.column);
	} catch (const nlohmann::json::exception &e) {
		// A number too large for a double (1e999) is an out_of_range
		// error, which says no position.
		throw JsonInputError(printable(reason_of(e.what()), 200), 0, 1, 1);
	}
}

std::optional<nlohmann::json> try_parse_json(std::string_view text, const JsonLimits &limits) {
	try {
		return parse_json(text, limits);
	} catch (const JsonInputError &) {
		return std::nullopt;
	}
}

std::string dump_json(const nlohmann::json &value, int indent) {
	return value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string printable(std::string_view text, size_t max_bytes) {
	std::string out;
	out.reserve(std::min(text.size(), max_bytes) + 3);
	for (size_t i = 0; i < text.size();) {
		size_t length = utf8_sequence_length(text, i);
		auto byte = static_cast<unsigned char>(text[i]);
		bool escape = length == 0 || byte < 0x20 || byte == 0x7F;
		size_t adds = escape ? 4 : length;
		if (out.size() + adds > max_bytes) {
			out += "...";
			break;
		}
		if (escape) {
			out += fmt::format("\\x{:02X}", byte);
			i++;
		} else {
			out.append(text.substr(i, length));
			i += length;
		}
	}
	return out;
}

} // namespace kafkaml
