#pragma once

// A small client of the Docker Engine API over its Unix socket: one HTTP/1.1
// request per connection (Connection: close), the body read to its end
// (Content-Length or chunked). Enough for the calls the Docker runtime makes
// (create, start, inspect, logs, stop, remove, list); `DockerStream` reads a
// response that does not end (GET /events, logs with follow=1) as it comes.
//
// Threading: DockerClient is stateless apart from the socket path; any
// thread, concurrently. A DockerStream is read by one thread; cancel() may
// come from another.

#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>
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
	//! As demultiplex(), for a stream read in pieces: takes the whole frames
	//! at the start of `pending` and leaves a partial one there.
	static std::string demultiplex_some(std::string &pending);
	//! `text` escaped for a query string (filters=..., name=...).
	static std::string query_escape(const std::string &text);

private:
	friend class DockerStream;
	//! A connected socket with the request sent; throws as request().
	int send_request(const std::string &method, const std::string &path, const std::string &body,
	                 std::chrono::milliseconds timeout) const;
	std::runtime_error unreachable(const std::string &method, const std::string &path, const std::string &why) const;

	std::string socket_path_;
};

//! One response read as it comes: the head at construction, then the body
//! piece by piece, chunk framing removed. For the endpoints that stream
//! until the client goes (events) or the container ends (logs, follow=1).
class DockerStream {
public:
	//! Sends the request and reads the response's head (within `timeout`).
	//! Throws std::runtime_error as DockerClient::request().
	DockerStream(const DockerClient &client, const std::string &method, const std::string &path,
	             std::chrono::milliseconds timeout = std::chrono::seconds(10));
	~DockerStream();
	DockerStream(const DockerStream &) = delete;
	DockerStream &operator=(const DockerStream &) = delete;

	int status() const { return status_; }
	//! More of the body: what arrived within `timeout` (maybe empty), or
	//! nullopt once the body ended, the connection broke or cancel() was
	//! called. Thread: the reader's.
	std::optional<std::string> read(std::chrono::milliseconds timeout);
	//! Ends the stream: a read() waiting on another thread returns nullopt.
	//! Thread: any.
	void cancel();

private:
	//! Moves the complete chunks of raw_ into `out`; false at the last one.
	bool dechunk_some(std::string &out);

	int fd_ = -1;
	int status_ = 0;
	bool chunked_ = false;
	bool ended_ = false;
	std::string raw_; //!< received, not yet handed out (a partial chunk)
};

} // namespace kafkaml::executors
