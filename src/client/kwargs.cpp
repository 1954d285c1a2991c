#include "client/kwargs.h"

#include "common/json_input.h"

#include <cctype>
#include <cstdlib>

namespace kafkaml::client {

using nlohmann::json;

namespace {

std::string trim(const std::string &text) {
	size_t begin = 0, end = text.size();
	while (begin < end && std::isspace(static_cast<unsigned char>(text[begin]))) {
		begin++;
	}
	while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1]))) {
		end--;
	}
	return text.substr(begin, end - begin);
}

json value_of(const std::string &key, const std::string &raw) {
	if (raw.empty()) {
		throw KwargsError("'" + key + "=' has no value; write e.g. " + key + "=10");
	}
	if (raw == "True" || raw == "true") {
		return true;
	}
	if (raw == "False" || raw == "false") {
		return false;
	}
	if (raw == "None" || raw == "null") {
		return nullptr;
	}
	if (raw.size() >= 2 && (raw.front() == '\'' || raw.front() == '"') && raw.back() == raw.front()) {
		return raw.substr(1, raw.size() - 2);
	}
	char *end = nullptr;
	long long integer = std::strtoll(raw.c_str(), &end, 10);
	if (*end == '\0') {
		return integer;
	}
	double number = std::strtod(raw.c_str(), &end);
	if (*end == '\0') {
		return number;
	}
	return raw;
}

} // namespace

json parse_kwargs(const std::string &input) {
	std::string text = trim(input);
	json out = json::object();
	if (text.empty()) {
		return out;
	}
	if (text.front() == '{') {
		auto parsed = try_parse_json(text);
		if (!parsed || !parsed->is_object()) {
			throw KwargsError("'" + printable(text) + "' starts like JSON but is not a JSON object");
		}
		return *parsed;
	}
	// Split on commas outside quotes.
	std::string part;
	char quote = 0;
	auto flush = [&out](const std::string &item) {
		std::string entry = trim(item);
		if (entry.empty()) {
			return;
		}
		size_t eq = entry.find('=');
		if (eq == std::string::npos) {
			throw KwargsError("'" + entry + "' is not key=value; write e.g. \"epochs=10, batch_size=32\"");
		}
		std::string key = trim(entry.substr(0, eq));
		if (key.empty()) {
			throw KwargsError("'" + entry + "' has no name before '='");
		}
		out[key] = value_of(key, trim(entry.substr(eq + 1)));
	};
	for (char c : text) {
		if (quote) {
			quote = c == quote ? 0 : quote;
		} else if (c == '\'' || c == '"') {
			quote = c;
		} else if (c == ',') {
			flush(part);
			part.clear();
			continue;
		}
		part += c;
	}
	if (quote) {
		throw KwargsError("a quote is not closed in '" + text + "'");
	}
	flush(part);
	return out;
}

} // namespace kafkaml::client
