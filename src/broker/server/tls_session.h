#pragma once

#include "broker/broker_config.h"

#include <cstddef>
#include <cstdint>
#include <string>

using SSL_CTX = struct ssl_ctx_st;
using SSL = struct ssl_st;

namespace kafkaml::broker::server {

//! The server's TLS settings, loaded once: certificate chain and key (PEM),
//! CAs for client certificates, TLS 1.2 at least.
//!
//! Threading: built on the owner's thread in Broker::start, then used
//! read-only by the network thread.
class TlsContext {
public:
	//! Throws std::runtime_error naming the file or setting that is wrong.
	explicit TlsContext(const TlsConfig &config);
	~TlsContext();
	TlsContext(const TlsContext &) = delete;
	TlsContext &operator=(const TlsContext &) = delete;
	SSL_CTX *get() const { return ctx_; }

private:
	SSL_CTX *ctx_ = nullptr;
};

//! Outcome of one non-blocking TLS operation.
enum class TlsIo {
	Ok,        //!< done (handshake finished, bytes moved)
	WantRead,  //!< retry when the socket is readable
	WantWrite, //!< retry when the socket is writable
	Closed,    //!< the peer closed the TLS session
	Failed,    //!< protocol error: `error()` says what
};

//! One connection's TLS session over a non-blocking socket. Partial writes
//! are enabled and the write buffer may move between retries, so the caller
//! may retry a write with the same bytes at a new address.
//!
//! Threading: network thread only.
class TlsSession {
public:
	TlsSession(const TlsContext &context, int fd);
	~TlsSession();
	TlsSession(const TlsSession &) = delete;
	TlsSession &operator=(const TlsSession &) = delete;

	bool handshake_done() const { return handshake_done_; }
	TlsIo handshake();
	//! Reads up to `len` bytes; `n` is set to the count on Ok.
	TlsIo read(uint8_t *buf, size_t len, size_t &n);
	//! Writes up to `len` bytes; `n` is set to the count on Ok.
	TlsIo write(const uint8_t *buf, size_t len, size_t &n);
	//! Decrypted bytes OpenSSL holds that the socket will not signal again.
	bool has_pending() const;
	//! Why the last operation failed (OpenSSL's error queue, drained).
	const std::string &error() const { return error_; }
	//! Subject of the client certificate, "" when none was sent.
	std::string peer_subject() const;
	std::string version() const;

private:
	TlsIo status(int rc);

	SSL *ssl_ = nullptr;
	bool handshake_done_ = false;
	std::string error_;
};

} // namespace kafkaml::broker::server
