#include "api/validation.h"

#include "common/json_input.h"

#include <cctype>
#include <charconv>

namespace kafkaml::api {
namespace {

std::string_view trim(std::string_view text, size_t &offset) {
	while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
		text.remove_prefix(1);
		offset++;
	}
	while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
		text.remove_suffix(1);
	}
	return text;
}

[[noreturn]] void fail(size_t offset, const std::string &message) {
	throw ValidationError(1, int(offset + 1), "column " + std::to_string(offset + 1) + ": " + message);
}

nlohmann::json literal(std::string_view value, size_t offset) {
	if (value == "True" || value == "true") {
		return true;
	}
	if (value == "False" || value == "false") {
		return false;
	}
	if (value == "None") {
		return nullptr;
	}
	if (value.size() >= 2 && (value.front() == '\'' || value.front() == '"') && value.back() == value.front()) {
		return std::string(value.substr(1, value.size() - 2));
	}
	int64_t integer = 0;
	auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), integer);
	if (ec == std::errc() && end == value.data() + value.size()) {
		return integer;
	}
	double real = 0;
	auto [rend, rec] = std::from_chars(value.data(), value.data() + value.size(), real);
	if (rec == std::errc() && rend == value.data() + value.size()) {
		return real;
	}
	fail(offset,
	     "\"" + std::string(value) + "\" is not a number, True, False, None or a quoted string; quote text values");
}

} // namespace

nlohmann::json parse_kwargs(std::string_view text) {
	size_t start = 0;
	std::string_view body = trim(text, start);
	if (body.starts_with("{")) {
		nlohmann::json object;
		try {
			object = parse_json(body);
		} catch (const JsonInputError &e) {
			fail(start + e.byte, "invalid JSON object: " + e.reason);
		}
		if (!object.is_object()) {
			fail(start, "expected a JSON object");
		}
		return object;
	}
	nlohmann::json out = nlohmann::json::object();
	size_t position = 0;
	while (position <= text.size()) {
		size_t comma = text.find(',', position);
		// Commas inside quotes belong to the value.
		for (size_t quote = text.find_first_of("'\"", position); quote != std::string_view::npos && quote < comma;) {
			size_t close = text.find(text[quote], quote + 1);
			if (close == std::string_view::npos) {
				fail(quote, "unterminated string");
			}
			if (close > comma) {
				comma = text.find(',', close);
			}
			quote = text.find_first_of("'\"", close + 1);
		}
		if (comma == std::string_view::npos) {
			comma = text.size();
		}
		size_t offset = position;
		std::string_view pair = trim(text.substr(position, comma - position), offset);
		position = comma + 1;
		if (pair.empty()) {
			if (comma == text.size()) {
				break;
			}
			fail(offset, "empty argument; write name=value pairs separated by commas");
		}
		size_t equals = pair.find('=');
		if (equals == std::string_view::npos) {
			fail(offset, "\"" + std::string(pair) + "\" has no '='; write name=value, e.g. epochs=5");
		}
		size_t name_offset = offset;
		std::string_view name = trim(pair.substr(0, equals), name_offset);
		size_t value_offset = offset + equals + 1;
		std::string_view value = trim(pair.substr(equals + 1), value_offset);
		if (name.empty()) {
			fail(offset, "missing argument name before '='");
		}
		for (char c : name) {
			if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') {
				fail(name_offset, "\"" + std::string(name) + "\" is not a valid argument name");
			}
		}
		if (value.empty()) {
			fail(value_offset, "missing value after '" + std::string(name) + "='");
		}
		out[std::string(name)] = literal(value, value_offset);
	}
	return out;
}

} // namespace kafkaml::api
