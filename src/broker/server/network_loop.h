#pragma once

#include "broker/broker_config.h"
#include "broker/sasl/user_store.h"
#include "broker/server/input_buffer.h"
#include "broker/server/request_handler.h"
#include "broker/server/sasl_gate.h"
#include "broker/server/tls_session.h"
#include "broker/storage/background_sync.h"

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <sys/epoll.h>

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

	//! Binds and listens for `listener` (the next of config.listeners, in
	//! order); returns the bound port. Throws std::runtime_error with the
	//! reason.
	int32_t bind(const ListenerConfig &listener);
	//! Serves until `request_stop()`; answers parked requests before returning.
	void run();
	void request_stop();

private:
	struct Listener {
		int fd = -1;
		ListenerConfig config;
	};
	struct Connection {
		int fd = -1;
		uint64_t id = 0;
		std::string host;
		size_t listener = 0;
		//! TLS listeners: the session (handshake first); null on plaintext.
		std::unique_ptr<TlsSession> tls;
		//! The socket state the unfinished TLS handshake waits for.
		uint32_t handshake_wants = EPOLLIN;
		//! SSL_read needs the socket writable / SSL_write readable (TLS
		//! records of the other direction): retried on that event.
		bool read_wants_write = false;
		bool write_wants_read = false;
		//! TLS only: bytes of the file range at the head of `out`, pread
		//! but not yet taken by SSL_write (bounded: kTlsFileChunk).
		std::unique_ptr<uint8_t[]> file_stage;
		size_t stage_len = 0;
		size_t stage_sent = 0;
		std::unique_ptr<SaslGate> sasl;
		bool close_when_sent = false; //!< close once `out` is empty (SASL failure)
		InputBuffer in;
		std::deque<OutChunk> out;
		size_t out_start = 0; //!< bytes of out.front() already sent
		size_t out_bytes = 0;
		bool waiting = false; //!< a request is being served: muted
		bool dead = false;    //!< close at the end of this iteration
		uint32_t events = 0;
	};

	void accept_all(size_t listener);
	void on_readable(Connection &c);
	//! Reads into the input buffer; false when nothing more can be read now.
	bool read_some(Connection &c, size_t &n);
	//! Advances the TLS handshake; true once it is done.
	bool tls_handshake(Connection &c);
	void flush_tls(Connection &c);
	//! Decrypted TLS bytes wait in OpenSSL where epoll cannot see them.
	void note_tls_pending(Connection &c);
	//! Queues a response the SASL gate produced.
	void send_now(Connection &c, OutFrame frame);
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
	std::vector<Listener> listeners_;
	std::unique_ptr<TlsContext> tls_;
	sasl::UserStore users_;
	std::vector<uint64_t> tls_pending_;
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
