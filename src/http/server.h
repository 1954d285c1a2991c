#pragma once

// An HTTP/1.1 server that stays responsive whatever its clients do.
//
// Connections are served by an event loop (Boost.Beast over Asio): a
// connection that is idle, slow to send its headers or holding a stream
// costs a socket and a few kilobytes, not a thread. Handlers run on a
// bounded worker pool. What a client may cost is bounded:
//
//   - connections: at most `max_connections`; beyond, a 503 and a close;
//   - a request's headers must arrive within `header_timeout` of its first
//     byte (a client sending a byte every few seconds is cut off), and at
//     most `max_header_bytes` of them (431);
//   - a body is refused before it is read when the route does not admit
//     the request (e.g. no token: 401) or its Content-Length is over the
//     route's limit (413); while read, it must keep a minimum rate;
//   - streams (server-sent events) are limited per client address (429),
//     and a client that reads a stream slower than it is written is cut off
//     once `max_stream_backlog` bytes wait;
//   - when every worker is busy and the queue is full, a 503 at once;
//   - a connection idle for `idle_timeout` between requests is closed.
//
// After refusing a request whose body was not read, the server discards
// what the client still sends for a short while before closing, so that a
// client that writes its whole body before reading sees the answer instead
// of a reset connection.
//
// Threading: one I/O thread runs every connection (each on its own Asio
// strand, so more I/O threads would be safe); handlers run on the worker
// pool; Admission checks run on the I/O thread. start() and stop() on the
// owner's thread; stats() from any.

#include "http/message.h"
#include "http/router.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace kafkaml::http {

class Session;

struct ServerOptions {
	size_t worker_threads = 8;
	size_t max_queued_requests = 512;
	size_t max_connections = 2048;
	size_t max_streams_per_client = 32;
	size_t max_header_bytes = 16 * 1024;
	size_t default_max_body = size_t{1} << 20;
	std::chrono::milliseconds idle_timeout{60'000};
	std::chrono::milliseconds header_timeout{10'000};
	//! A body may take this long plus its size at `min_transfer_rate`; so may
	//! writing an answer.
	std::chrono::milliseconds transfer_timeout{30'000};
	size_t min_transfer_rate = 64 * 1024; //!< bytes per second
	//! A stream with nothing to say sends a comment this often, which also
	//! finds clients that went away.
	std::chrono::milliseconds stream_heartbeat{1000};
	std::string stream_heartbeat_text = ": waiting\n\n";
	size_t max_stream_backlog = size_t{1} << 20;
	//! How errors the server itself answers (busy, too large, unreadable)
	//! are written; the default is plain text.
	std::function<Response(int status, const std::string &message)> error_response;
	//! Called once per answered request (any thread), e.g. for metrics.
	std::function<void(const Request &, int status)> on_response;
};

//! What the server holds and what it refused since start.
struct ServerStats {
	uint64_t connections = 0;
	uint64_t streams = 0;
	uint64_t refused_connections = 0; //!< over max_connections
	uint64_t refused_busy = 0;        //!< worker queue full
	uint64_t refused_streams = 0;     //!< over the per-client stream limit
	uint64_t refused_too_large = 0;   //!< body or headers over their limit
	uint64_t timed_out = 0;           //!< headers, body or a write too slow
};

class Server {
public:
	Server(Router router, ServerOptions options = {});
	~Server();
	Server(const Server &) = delete;
	Server &operator=(const Server &) = delete;

	//! Binds `host:port` (port 0: any free port), starts serving and returns
	//! the port. Throws std::runtime_error when it cannot listen.
	int start(const std::string &host, int port);
	//! Closes every connection (streams included), lets running handlers
	//! finish and joins the threads. Idempotent.
	void stop();
	ServerStats stats() const;
	const Router &router() const;

private:
	class Impl;
	friend class Session;
	std::unique_ptr<Impl> impl_;
};

} // namespace kafkaml::http
