#pragma once

// Internal to the API: the error type handlers throw, the per-request view
// handlers receive, and the checks that turn a JSON body into typed fields
// with messages that name the field and what it should be.

#include "common/error.h"
#include "http/message.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace kafkaml::api {

//! An error answer: HTTP status, `error` (what was wrong and what to do) and
//! an optional structured `detail`. Its kind follows the status: 4xx the
//! caller's, 503 retriable, any other 5xx fatal.
class ApiError : public Error {
public:
	ApiError(int status_, const std::string &error, nlohmann::json detail_ = nullptr)
	    : Error(kind_of_status(status_), error), status(status_), detail(std::move(detail_)) {}
	static ErrorKind kind_of_status(int status) {
		if (status < 500) {
			return ErrorKind::user;
		}
		return status == 503 ? ErrorKind::retriable : ErrorKind::fatal;
	}
	int status;
	nlohmann::json detail;
};

//! One request as a handler sees it. Thread: the HTTP worker running it.
struct Call {
	const http::Request &request;
	http::Response &response;

	//! The numeric id captured by `{id}` in the route; 404 when it is beyond
	//! the ids this server gives (2^63 - 1).
	int64_t id() const;
	//! The body as a JSON object within the JSON input limits; 400 with
	//! line, column and byte position otherwise.
	nlohmann::json body() const;
	//! A query parameter's value, "" when absent.
	std::string param(std::string_view name) const { return std::string(request.param(name).value_or("")); }
	void reply(int status, const nlohmann::json &value);
	void send(std::string bytes, std::string content_type);
	void no_content() { response.status = 204; }
};

//! The error answer every failure gets: {"error": ..., "detail": ...}.
http::Response error_response(int status, const std::string &error, const nlohmann::json &detail = nullptr);

//! The answer to a handler's exception, by its kind (common/error.h): an
//! ApiError's own status; a ValidationError 400 with its line and column;
//! the use cases' InvalidField 400 naming the field, NotStarted 503 with the
//! entity as recorded, Unavailable 503, NotSupported 501; the store's NotFound 404 and
//! Conflict 409 (a StateConflict with its ids); any other user error 400;
//! other retriable errors 503, logged; fatal (and exceptions no module
//! classified) 500, logged. The one place the API turns errors into
//! statuses.
http::Response error_answer(const std::exception &error, const http::Request &request);

//! Field readers: `fallback` unset means the field is required.
std::string text_field(const nlohmann::json &body, const char *name, std::optional<std::string> fallback = {});
//! The field's text; nullopt when it is absent or null (a change left out).
std::optional<std::string> optional_text_field(const nlohmann::json &body, const char *name);
int64_t integer_field(const nlohmann::json &body, const char *name, std::optional<int64_t> fallback = {});
//! The field's true or false; `fallback` when it is absent.
bool boolean_field(const nlohmann::json &body, const char *name, bool fallback);
std::vector<int64_t> id_list_field(const nlohmann::json &body, const char *name);
nlohmann::json object_field(const nlohmann::json &body, const char *name, nlohmann::json fallback);

} // namespace kafkaml::api
