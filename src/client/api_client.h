#pragma once

// The one client of the REST API in C++: the CLI's commands, the training
// jobs and inference replicas (workers::HttpJobCoordinator) and the
// end-to-end tests and benchmarks call the server through it. What differs
// between them is the retry policy: a command asks once and tells the user;
// a job retries for a minute, since its server may be restarting.

#include "common/error.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <string>

namespace kafkaml::client {

//! A call that did not succeed: the server's `error` (and `detail`) as is, or
//! why the server could not be reached. Its kind (common/error.h): no answer
//! or 502-504 retriable, another 4xx the user's, any other status fatal.
class ClientError : public Error {
public:
	explicit ClientError(const std::string &message, int status = 0)
	    : Error(kind_of(status), message), status(status) {}
	//! HTTP status, 0 when there was no answer.
	int status;

	static ErrorKind kind_of(int status) {
		if (status == 0 || status == 502 || status == 503 || status == 504) {
			return ErrorKind::retriable;
		}
		return status >= 400 && status < 500 ? ErrorKind::user : ErrorKind::fatal;
	}
};

//! How a call meets an unreachable server or a 5xx answer: it tries again
//! after a pause that doubles from `first_pause` up to `max_pause`, until
//! `retry_for` has passed. Zero `retry_for`: one attempt. 4xx answers are
//! never retried: the same request would be refused again.
struct RetryPolicy {
	std::chrono::milliseconds retry_for{0};
	std::chrono::milliseconds first_pause{100};
	std::chrono::milliseconds max_pause{5000};
};

//! Blocking client of the REST API under `/api/v1`. Immutable after
//! construction and every call opens its own connection, so any thread may
//! call it, several at once.
class ApiClient {
public:
	struct Response {
		int status = 0;
		std::string body;
	};

	//! `server` is `http://host:port` (a trailing slash is ignored), or several
	//! servers of one store separated by commas: a call goes to the one of
	//! them that answered last in this process and, when it does not answer,
	//! to the next; `token` is sent on every call (every route but health
	//! needs one).
	ApiClient(std::string server, std::string token, RetryPolicy retry = {});

	//! `path` is relative to `/api/v1`, e.g. "/models". Returns the JSON body
	//! (null for 204). Throws ClientError when the server cannot be reached
	//! and on 4xx/5xx, with the server's message.
	nlohmann::json get(const std::string &path) const;
	nlohmann::json post(const std::string &path, const nlohmann::json &body) const;
	nlohmann::json put(const std::string &path, const nlohmann::json &body) const;
	nlohmann::json del(const std::string &path) const;
	//! Raw body of a GET (model download).
	std::string get_bytes(const std::string &path) const;
	//! PUT of raw bytes (a TorchScript module); the JSON answer.
	nlohmann::json put_bytes(const std::string &path, const std::string &bytes) const;

	//! One call under the retry policy that returns whatever the server last
	//! answered, 4xx and 5xx included, for callers that give statuses their
	//! own meaning. Throws ClientError (status 0) only when the server could
	//! not be reached. `method` is GET, POST, PUT or DELETE.
	Response call(const std::string &method, const std::string &path, const std::string &body = {},
	              const std::string &content_type = "application/json") const;

	const std::string &server() const { return server_; }

private:
	//! One attempt at each server in turn until one answers; status 0 and
	//! the transport error in `body` when none did.
	Response attempt(const std::string &method, const std::string &path, const std::string &body,
	                 const std::string &content_type) const;
	//! call() that throws ClientError on 4xx/5xx; the body otherwise.
	std::string checked(const std::string &method, const std::string &path, const std::string &body,
	                    const std::string &content_type = "application/json") const;

	std::string server_;
	std::string token_;
	RetryPolicy retry_;
};

//! The message a user sees for an error response: `error`, then `detail`
//! (when it is a string or carries line/column) on the same line.
std::string error_message(int status, const std::string &body);

} // namespace kafkaml::client
