#pragma once

// Internal to the API: the error type handlers throw, the per-request view
// handlers receive, and the checks that turn a JSON body into typed fields
// with messages that name the field and what it should be.

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace kafkaml::control {

//! An error answer: HTTP status, `error` (what was wrong and what to do) and
//! an optional structured `detail`.
class ApiError : public std::runtime_error {
public:
	ApiError(int status_, const std::string &error, nlohmann::json detail_ = nullptr)
	    : std::runtime_error(error), status(status_), detail(std::move(detail_)) {}
	int status;
	nlohmann::json detail;
};

//! One request as a handler sees it. Thread: the HTTP worker running it.
struct Call {
	const httplib::Request &request;
	httplib::Response &response;

	//! The numeric id captured by `{id}` in the route.
	int64_t id() const;
	//! The body as a JSON object; 400 with line, column and byte position otherwise.
	nlohmann::json body() const;
	void reply(int status, const nlohmann::json &value);
	void no_content() { response.status = 204; }
};

//! Field readers: `fallback` unset means the field is required.
std::string text_field(const nlohmann::json &body, const char *name, std::optional<std::string> fallback = {});
int64_t integer_field(const nlohmann::json &body, const char *name, std::optional<int64_t> fallback = {});
std::vector<int64_t> id_list_field(const nlohmann::json &body, const char *name);
nlohmann::json object_field(const nlohmann::json &body, const char *name, nlohmann::json fallback);

} // namespace kafkaml::control
