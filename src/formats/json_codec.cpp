#include "formats/json_codec.h"

#include "formats/format_error.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

namespace kafkaml::formats {
namespace {

constexpr int kMaxDepth = 64;

struct Scanner {
	const char *pos;
	const char *end;
	const char *begin;

	[[noreturn]] void fail(const std::string &what) const {
		throw FormatError("JSON " + what + " at byte " + std::to_string(pos - begin));
	}

	void skip_space() {
		while (pos != end && (*pos == ' ' || *pos == '\n' || *pos == '\r' || *pos == '\t')) {
			pos++;
		}
	}

	bool consume(char c) {
		skip_space();
		if (pos != end && *pos == c) {
			pos++;
			return true;
		}
		return false;
	}

	void expect(char c) {
		if (!consume(c)) {
			fail(std::string("expected '") + c + "'");
		}
	}

	bool literal(std::string_view word) {
		if (static_cast<size_t>(end - pos) >= word.size() && std::string_view(pos, word.size()) == word) {
			pos += word.size();
			return true;
		}
		return false;
	}

	//! Returns the raw text between the quotes (escapes left as they are).
	std::string_view string() {
		expect('"');
		const char *start = pos;
		while (pos != end && *pos != '"') {
			if (*pos == '\\') {
				pos++;
				if (pos == end) {
					break;
				}
			}
			pos++;
		}
		if (pos == end) {
			fail("string is not terminated");
		}
		std::string_view text(start, static_cast<size_t>(pos - start));
		pos++;
		return text;
	}

	//! A JSON number, converted as strtof would: beyond float's range it is
	//! +-inf, below it +-0. NaN and Infinity are not JSON and are refused.
	float number() {
		const char *start = pos;
		const char *digits = pos != end && *pos == '-' ? pos + 1 : pos;
		if (digits == end || *digits < '0' || *digits > '9') {
			if (literal("NaN") || literal("Infinity") || literal("-Infinity") || literal("nan") || literal("inf") ||
			    literal("-inf")) {
				pos = start;
				fail("has no NaN or Infinity (send null for a missing value)");
			}
			fail("expected a value");
		}
		float value = 0;
		auto [stop, ec] = std::from_chars(pos, end, value);
		if (ec == std::errc::result_out_of_range) {
			// from_chars leaves value untouched on overflow and underflow.
			double wide = 0;
			auto [wide_stop, wide_ec] = std::from_chars(pos, end, wide);
			bool negative = *pos == '-';
			if (wide_ec == std::errc::result_out_of_range) {
				value = overflows(std::string_view(pos, static_cast<size_t>(wide_stop - pos)))
				            ? std::numeric_limits<float>::infinity()
				            : 0.0f;
				value = negative ? -value : value;
			} else if (std::fabs(wide) > std::numeric_limits<float>::max()) {
				value = negative ? -std::numeric_limits<float>::infinity() : std::numeric_limits<float>::infinity();
			} else {
				value = static_cast<float>(wide);
			}
		} else if (ec != std::errc()) {
			fail("expected a value");
		}
		pos = stop;
		return value;
	}

	//! Whether a number too large or too small even for a double is large:
	//! its decimal order (digits before the point, plus the exponent) is positive.
	static bool overflows(std::string_view number) {
		int64_t order = 0;
		size_t i = number.empty() || number[0] != '-' ? 0 : 1;
		bool significant = false;
		for (; i < number.size() && number[i] >= '0' && number[i] <= '9'; i++) {
			significant = significant || number[i] != '0';
			order += significant ? 1 : 0;
		}
		if (i < number.size() && number[i] == '.') {
			for (i++; !significant && i < number.size() && number[i] >= '0' && number[i] <= '9'; i++) {
				significant = number[i] != '0';
				order -= significant ? 0 : 1;
			}
			while (i < number.size() && number[i] >= '0' && number[i] <= '9') {
				i++;
			}
		}
		if (i < number.size() && (number[i] == 'e' || number[i] == 'E')) {
			int64_t exponent = 0;
			auto first = number.data() + i + 1;
			first += first != number.data() + number.size() && *first == '+' ? 1 : 0;
			auto [stop, ec] = std::from_chars(first, number.data() + number.size(), exponent);
			if (ec == std::errc::result_out_of_range) {
				return *first != '-';
			}
			order += exponent;
		}
		return order > 0;
	}

	//! The first character of the value at `pos`, after the checks every
	//! value gets.
	char start_value(int depth) {
		if (depth > kMaxDepth) {
			fail("nests deeper than " + std::to_string(kMaxDepth) + " levels");
		}
		skip_space();
		if (pos == end) {
			fail("ends where a value was expected");
		}
		return *pos;
	}

	void value(std::vector<float> &out, int depth) {
		char c = start_value(depth);
		if (c == '[') {
			pos++;
			if (consume(']')) {
				return;
			}
			do {
				value(out, depth + 1);
			} while (consume(','));
			expect(']');
			return;
		}
		if (c == '{') {
			pos++;
			if (consume('}')) {
				return;
			}
			do {
				string();
				expect(':');
				value(out, depth + 1);
			} while (consume(','));
			expect('}');
			return;
		}
		if (c == '"') {
			auto text = string();
			float parsed = 0;
			auto [stop, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
			if (text.empty() || ec != std::errc() || stop != text.data() + text.size()) {
				fail("string \"" + std::string(text.substr(0, 40)) + "\" is not a number");
			}
			out.push_back(parsed);
			return;
		}
		if (literal("true")) {
			out.push_back(1.0f);
			return;
		}
		if (literal("false")) {
			out.push_back(0.0f);
			return;
		}
		if (literal("null")) {
			out.push_back(std::numeric_limits<float>::quiet_NaN());
			return;
		}
		out.push_back(number());
	}

	//! Steps over any value without converting it: fields a named-field
	//! config does not pick may hold text or anything else.
	void skip(int depth) {
		char c = start_value(depth);
		if (c == '[' || c == '{') {
			char close = c == '[' ? ']' : '}';
			pos++;
			if (consume(close)) {
				return;
			}
			do {
				if (close == '}') {
					string();
					expect(':');
				}
				skip(depth + 1);
			} while (consume(','));
			expect(close);
			return;
		}
		if (c == '"') {
			string();
			return;
		}
		if (literal("true") || literal("false") || literal("null")) {
			return;
		}
		number();
	}
};

struct FieldSpan {
	std::string_view name;
	size_t start;
	size_t count;
};

} // namespace

JsonDecoder::JsonDecoder(std::vector<std::string> fields, size_t width) : fields_(std::move(fields)), width_(width) {}

void JsonDecoder::decode(std::string_view bytes, std::vector<float> &out) const {
	Scanner in{bytes.data(), bytes.data() + bytes.size(), bytes.data()};
	size_t base = out.size();
	in.skip_space();
	if (in.pos != in.end && *in.pos == '{') {
		in.pos++;
		std::vector<FieldSpan> spans;
		if (!in.consume('}')) {
			do {
				auto name = in.string();
				in.expect(':');
				size_t start = out.size();
				if (!fields_.empty() && name != "values" &&
				    std::find(fields_.begin(), fields_.end(), name) == fields_.end()) {
					in.skip(1);
					continue;
				}
				in.value(out, 1);
				spans.push_back({name, start - base, out.size() - start});
			} while (in.consume(','));
			in.expect('}');
		}
		auto values = std::find_if(spans.begin(), spans.end(), [](const FieldSpan &s) { return s.name == "values"; });
		if (values != spans.end() || !fields_.empty()) {
			// Reorder: copy the chosen spans out, then write them back in order.
			std::vector<float> all(out.begin() + static_cast<std::ptrdiff_t>(base), out.end());
			out.resize(base);
			auto emit = [&](const FieldSpan &s) {
				out.insert(out.end(), all.begin() + static_cast<std::ptrdiff_t>(s.start),
				           all.begin() + static_cast<std::ptrdiff_t>(s.start + s.count));
			};
			if (values != spans.end()) {
				emit(*values);
			} else {
				for (const auto &field : fields_) {
					auto it =
					    std::find_if(spans.begin(), spans.end(), [&](const FieldSpan &s) { return s.name == field; });
					if (it == spans.end()) {
						throw FormatError("JSON object has no field \"" + field + "\"");
					}
					emit(*it);
				}
			}
		}
	} else {
		in.value(out, 0);
	}
	in.skip_space();
	if (in.pos != in.end) {
		in.fail("has trailing data");
	}
	size_t produced = out.size() - base;
	if (width_ != 0 && produced != width_) {
		throw FormatError("JSON message has " + std::to_string(produced) + " values, expected " +
		                  std::to_string(width_));
	}
}

void append_json_number(float value, std::string &out) {
	if (!std::isfinite(value)) {
		out += "null";
		return;
	}
	char buffer[32];
	auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
	out.append(buffer, end);
}

void encode_json_values(std::span<const float> values, std::string &out) {
	out += "{\"values\":[";
	for (size_t i = 0; i < values.size(); i++) {
		if (i != 0) {
			out += ',';
		}
		append_json_number(values[i], out);
	}
	out += "]}";
}

} // namespace kafkaml::formats
