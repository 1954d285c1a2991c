#pragma once

// A small client of the Docker Engine API over its Unix socket: one HTTP/1.1
// request per connection (Connection: close), the body read to its end
// (Content-Length or chunked). Enough for the calls the Docker runtime makes
// (create, start, inspect, logs, stop, remove, list); no streaming.
//
// Threading: stateless apart from the socket path; any thread, concurrently.

#include <nlohmann/json.hpp>

#include <chrono>
#include <string>

namespace kafkaml::executors {

struct DockerResponse {
	int status = 0;
	std::string body;
	nlohmann::json json() const;
};

class DockerClient {
public:
	//! `host`: unix:///path/to/docker.sock (the only scheme supported).
	//! Throws std::runtime_error on another.
	explicit DockerClient(const std::string &host);

	//! One request. Throws std::runtime_error naming the socket when the
	//! daemon cannot be reached or does not answer within `timeout`.
	DockerResponse request(const std::string &method, const std::string &path, const std::string &body = "",
	                       std::chrono::milliseconds timeout = std::chrono::seconds(30)) const;
	//! As request(), but a status of 400 or more throws std::runtime_error
	//! with the daemon's message, prefixed by `what`.
	DockerResponse checked(const std::string &what, const std::string &method, const std::string &path,
	                       const std::string &body = "",
	                       std::chrono::milliseconds timeout = std::chrono::seconds(30)) const;

	const std::string &socket_path() const { return socket_path_; }

	//! The container's output from the logs endpoint (a non-TTY container's
	//! multiplexed stream, its 8-byte frame headers removed).
	static std::string demultiplex(const std::string &stream);

private:
	std::string socket_path_;
};

} // namespace kafkaml::executors
