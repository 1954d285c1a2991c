#include "control/api_http.h"

namespace kafkaml::control {
namespace {

using nlohmann::json;

std::string type_name(const json &value) {
	return value.type_name();
}

[[noreturn]] void wrong_type(const char *name, const char *expected, const json &value) {
	throw ApiError(400, std::string("field \"") + name + "\" must be " + expected + ", not " + type_name(value),
	               {{"field", name}, {"expected", expected}});
}

[[noreturn]] void missing(const char *name, const char *expected) {
	throw ApiError(400, std::string("field \"") + name + "\" is required (" + expected + ")",
	               {{"field", name}, {"expected", expected}});
}

} // namespace

int64_t Call::id() const {
	return std::stoll(request.matches[1].str());
}

json Call::body() const {
	if (request.body.empty()) {
		throw ApiError(400, "the request body is empty; send a JSON object with Content-Type: application/json");
	}
	json value;
	try {
		value = json::parse(request.body);
	} catch (const json::parse_error &e) {
		// nlohmann reports the byte after the error; give line and column of that byte too.
		size_t byte = e.byte > 0 ? e.byte - 1 : 0;
		size_t line = 1, column = 1;
		for (size_t i = 0; i < byte && i < request.body.size(); i++) {
			if (request.body[i] == '\n') {
				line++;
				column = 1;
			} else {
				column++;
			}
		}
		throw ApiError(400,
		               "the request body is not valid JSON (line " + std::to_string(line) + ", column " +
		                   std::to_string(column) + "); fix it and send again",
		               {{"position", byte}, {"line", line}, {"column", column}, {"parser", e.what()}});
	}
	if (!value.is_object()) {
		throw ApiError(400, "the request body must be a JSON object, not " + type_name(value));
	}
	return value;
}

void Call::reply(int status, const json &value) {
	response.status = status;
	response.set_content(value.dump(), "application/json");
}

std::string text_field(const json &body, const char *name, std::optional<std::string> fallback) {
	auto it = body.find(name);
	if (it == body.end() || it->is_null()) {
		if (!fallback) {
			missing(name, "a string");
		}
		return *fallback;
	}
	if (!it->is_string()) {
		wrong_type(name, "a string", *it);
	}
	return it->get<std::string>();
}

int64_t integer_field(const json &body, const char *name, std::optional<int64_t> fallback) {
	auto it = body.find(name);
	if (it == body.end() || it->is_null()) {
		if (!fallback) {
			missing(name, "an integer");
		}
		return *fallback;
	}
	if (!it->is_number_integer()) {
		wrong_type(name, "an integer", *it);
	}
	return it->get<int64_t>();
}

std::vector<int64_t> id_list_field(const json &body, const char *name) {
	auto it = body.find(name);
	if (it == body.end()) {
		missing(name, "an array of ids");
	}
	if (!it->is_array()) {
		wrong_type(name, "an array of ids", *it);
	}
	std::vector<int64_t> ids;
	for (const auto &item : *it) {
		if (!item.is_number_integer()) {
			wrong_type(name, "an array of integer ids", item);
		}
		ids.push_back(item.get<int64_t>());
	}
	return ids;
}

json object_field(const json &body, const char *name, json fallback) {
	auto it = body.find(name);
	if (it == body.end() || it->is_null()) {
		return fallback;
	}
	if (it->is_string()) {
		// The original's UI sends input_config as JSON text.
		try {
			auto parsed = json::parse(it->get<std::string>());
			if (parsed.is_object()) {
				return parsed;
			}
		} catch (const json::parse_error &) {
			// Reported below.
		}
		throw ApiError(400, std::string("field \"") + name + "\" must be a JSON object (or its text)",
		               {{"field", name}});
	}
	if (!it->is_object()) {
		wrong_type(name, "an object", *it);
	}
	return *it;
}

} // namespace kafkaml::control
