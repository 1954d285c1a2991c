#include "api/api_http.h"

#include "api/entity_json.h"
#include "common/json_input.h"
#include "operations/deployment_operations.h"
#include "operations/operation_errors.h"
#include "operations/validation.h"
#include "store/store.h"

#include <spdlog/spdlog.h>

#include <charconv>

namespace kafkaml::api {
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
	const std::string &text = request.path_params.at(0);
	int64_t id = 0;
	auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), id);
	if (error != std::errc() || end != text.data() + text.size()) {
		throw ApiError(404, "no resource has id " + text + "; ids are 1 to 9223372036854775807", {{"id", text}});
	}
	return id;
}

json Call::body() const {
	if (request.body.empty()) {
		throw ApiError(400, "the request body is empty; send a JSON object with Content-Type: application/json");
	}
	json value;
	try {
		value = parse_json(request.body);
	} catch (const JsonInputError &e) {
		throw ApiError(400,
		               "the request body is not valid JSON (line " + std::to_string(e.line) + ", column " +
		                   std::to_string(e.column) + "): " + e.reason + "; fix it and send again",
		               {{"position", e.byte}, {"line", e.line}, {"column", e.column}, {"parser", e.reason}});
	}
	if (!value.is_object()) {
		throw ApiError(400, "the request body must be a JSON object, not " + type_name(value));
	}
	return value;
}

void Call::reply(int status, const json &value) {
	response.status = status;
	response.body = dump_json(value);
	response.content_type = "application/json";
}

void Call::send(std::string bytes, std::string content_type) {
	response.body = std::move(bytes);
	response.content_type = std::move(content_type);
}

http::Response error_response(int status, const std::string &error, const json &detail) {
	auto response =
	    http::Response::text(status, dump_json(json{{"error", error}, {"detail", detail}}), "application/json");
	response.headers.set("X-Content-Type-Options", "nosniff");
	return response;
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

std::optional<std::string> optional_text_field(const json &body, const char *name) {
	auto it = body.find(name);
	if (it == body.end() || it->is_null()) {
		return std::nullopt;
	}
	return text_field(body, name);
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

bool boolean_field(const json &body, const char *name, bool fallback) {
	auto it = body.find(name);
	if (it == body.end()) {
		return fallback;
	}
	if (!it->is_boolean()) {
		throw ApiError(400, std::string("field \"") + name + "\" must be true or false", {{"field", name}});
	}
	return it->get<bool>();
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
		if (auto parsed = try_parse_json(it->get<std::string>()); parsed && parsed->is_object()) {
			return *parsed;
		}
		throw ApiError(400, std::string("field \"") + name + "\" must be a JSON object (or its text)",
		               {{"field", name}});
	}
	if (!it->is_object()) {
		wrong_type(name, "an object", *it);
	}
	return *it;
}

http::Response error_answer(const std::exception &error, const http::Request &request) {
	if (const auto *answer = dynamic_cast<const ApiError *>(&error)) {
		return error_response(answer->status, answer->what(), answer->detail);
	}
	if (const auto *invalid = dynamic_cast<const operations::ValidationError *>(&error)) {
		return error_response(400, invalid->what(), {{"line", invalid->line}, {"column", invalid->column}});
	}
	if (const auto *field = dynamic_cast<const operations::InvalidField *>(&error)) {
		json detail = field->detail.is_object() ? field->detail : json::object();
		detail["field"] = field->field;
		return error_response(400, field->what(), detail);
	}
	// Recorded but not started: the answer carries the entity as recorded,
	// so the caller sees which jobs failed and why.
	if (const auto *deployment =
	        dynamic_cast<const operations::NotStarted<operations::DeploymentAndResults> *>(&error)) {
		return error_response(503, deployment->what(),
		                      to_json(deployment->created.deployment, deployment->created.results));
	}
	if (const auto *inference = dynamic_cast<const operations::NotStarted<store::Inference> *>(&error)) {
		return error_response(503, inference->what(), to_json(inference->created));
	}
	if (dynamic_cast<const operations::UpstreamFailed *>(&error)) {
		return error_response(502, error.what());
	}
	if (dynamic_cast<const operations::Unavailable *>(&error)) {
		return error_response(503, error.what());
	}
	if (dynamic_cast<const operations::NotSupported *>(&error)) {
		return error_response(501, error.what());
	}
	if (dynamic_cast<const store::NotFound *>(&error)) {
		return error_response(404, error.what());
	}
	if (const auto *conflict = dynamic_cast<const operations::StateConflict *>(&error)) {
		return error_response(409, conflict->what(), conflict->detail);
	}
	if (dynamic_cast<const store::Conflict *>(&error)) {
		return error_response(409, error.what());
	}
	switch (error_kind(error)) {
	case ErrorKind::user:
		return error_response(400, error.what());
	case ErrorKind::retriable:
		spdlog::warn("{} {}: {}", request.method, request.path, error.what());
		return error_response(503, error.what());
	case ErrorKind::fatal:
		break;
	}
	spdlog::error("{} {} failed: {}", request.method, request.path, error.what());
	return error_response(500, std::string("internal error: ") + error.what());
}

} // namespace kafkaml::api
