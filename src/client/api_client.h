#pragma once

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>

namespace kafkaml::client {

//! A call that did not succeed: the server's `error` (and `detail`) as is, or
//! why the server could not be reached. Ends the command (exit status 1).
class ClientError : public std::runtime_error {
public:
	ClientError(const std::string &message, int status = 0) : std::runtime_error(message), status(status) {}
	//! HTTP status, 0 when there was no answer.
	int status;
};

//! Blocking client of the REST API under `/api/v1`. One instance per command;
//! not thread-safe (one caller thread). Every call opens its own connection,
//! so nothing is kept between calls.
class ApiClient {
public:
	//! `server` is `http://host:port` (a trailing slash is ignored); `token` may
	//! be empty for read-only use.
	ApiClient(std::string server, std::string token);

	//! `path` is relative to `/api/v1`, e.g. "/models". Returns the JSON body
	//! (null for 204). Throws ClientError on transport errors and 4xx/5xx.
	nlohmann::json get(const std::string &path) const;
	nlohmann::json post(const std::string &path, const nlohmann::json &body) const;
	nlohmann::json del(const std::string &path) const;
	//! Raw body of a GET (model download).
	std::string get_bytes(const std::string &path) const;
	//! PUT of raw bytes (a TorchScript module); the JSON answer.
	nlohmann::json put_bytes(const std::string &path, const std::string &bytes) const;

	const std::string &server() const { return server_; }

private:
	std::string request(const std::string &method, const std::string &path, const std::string *body,
	                    const char *content_type = "application/json") const;

	std::string server_;
	std::string token_;
};

//! The message a user sees for an error response: `error`, then `detail`
//! (when it is a string or carries line/column) on the same line.
std::string error_message(int status, const std::string &body);

} // namespace kafkaml::client
