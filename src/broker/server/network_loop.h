#pragma once

#include "broker/broker_config.h"
#include "broker/server/input_buffer.h"
#include "broker/server/request_handler.h"
#include "broker/storage/background_sync.h"

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace kafkaml::broker::group {
class GroupApi;
}

namespace kafkaml::broker::server {

//! The broker's single network thread: an epoll loop over the listener and
//! every client connection, which also drives parked Fetches, group ticks,
//! the fsync interval (whose fdatasyncs run on a BackgroundSync thread) and
//! retention.
//!
//! Per connection, requests are served strictly one at a time: while one is
//! pending (parked Fetch, parked JoinGroup/SyncGroup) the connection is muted
//! (no further frame is decoded; reading stops once a few MiB are buffered),
//! exactly like Kafka, so responses always leave in request order.
//!
//! A frame that is oversized, negative, or whose header or body cannot be
//! decoded closes that connection with a log line; other connections are not
//! affected.
//!
//! Threading: `bind()` and the constructor on the owner's thread, `run()` on
//! the network thread, `request_stop()` from any thread.
class NetworkLoop {
public:
	NetworkLoop(const BrokerConfig &config, RequestHandler &handler, storage::LogManager &logs,
	            group::GroupApi *groups);
	~NetworkLoop();
	NetworkLoop(const NetworkLoop &) = delete;
	NetworkLoop &operator=(const NetworkLoop &) = delete;

	//! Binds and listens on "host:port"; returns the bound port. Throws
	//! std::runtime_error with the reason.
	int32_t bind(const std::string &listen);
	//! Serves until `request_stop()`; answers parked requests before returning.
	void run();
	void request_stop();

private:
	struct Connection {
		int fd = -1;
		uint64_t id = 0;
		std::string host;
		InputBuffer in;
		std::deque<OutChunk> out;
		size_t out_start = 0; //!< bytes of out.front() already sent
		size_t out_bytes = 0;
		bool waiting = false; //!< a request is being served: muted
		bool dead = false;    //!< close at the end of this iteration
		uint32_t events = 0;
	};

	void accept_all();
	void on_readable(Connection &c);
	void process_frames(Connection &c);
	void on_reply(uint64_t id, OutFrame frame);
	void flush(Connection &c);
	//! Sends from the file range at the head of `c.out`; false when the
	//! socket is full or the connection failed.
	bool send_file_chunk(Connection &c);
	void update_interest(Connection &c);
	void close_dead();
	void periodic(std::chrono::steady_clock::time_point now);
	int timeout_ms(std::chrono::steady_clock::time_point now) const;

	const BrokerConfig &config_;
	RequestHandler &handler_;
	storage::LogManager &logs_;
	group::GroupApi *groups_;
	int epoll_fd_ = -1;
	int listen_fd_ = -1;
	int wake_fd_ = -1;
	uint64_t next_id_ = 1;
	std::unordered_map<uint64_t, std::unique_ptr<Connection>> connections_;
	std::vector<uint64_t> ready_; //!< connections unmuted since their last decode
	std::chrono::steady_clock::time_point last_tick_{};
	std::chrono::steady_clock::time_point last_sync_{};
	std::chrono::steady_clock::time_point last_retention_{};
	storage::BackgroundSync syncer_;
};

} // namespace kafkaml::broker::server
