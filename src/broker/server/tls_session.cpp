#include "broker/server/tls_session.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace kafkaml::broker::server {

namespace {

//! Drains OpenSSL's thread-local error queue into one line.
std::string openssl_errors() {
	std::string out;
	while (unsigned long e = ::ERR_get_error()) {
		char buf[256];
		::ERR_error_string_n(e, buf, sizeof(buf));
		if (!out.empty()) {
			out += "; ";
		}
		out += buf;
	}
	return out.empty() ? "unknown TLS error" : out;
}

} // namespace

TlsContext::TlsContext(const TlsConfig &config) {
	if (config.cert_file.empty() || config.key_file.empty()) {
		throw std::runtime_error("an SSL or SASL_SSL listener needs --ssl-cert-file and --ssl-key-file (PEM)");
	}
	ctx_ = ::SSL_CTX_new(::TLS_server_method());
	if (!ctx_) {
		throw std::runtime_error("cannot create a TLS context: " + openssl_errors());
	}
	::SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
	::SSL_CTX_set_mode(ctx_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	// Renegotiation would interleave handshakes with records mid-stream; no
	// Kafka client asks for it.
	// Clients (kafka-python) often close without close_notify: an ordinary
	// end of the connection, not an error to log.
	::SSL_CTX_set_options(ctx_, SSL_OP_NO_RENEGOTIATION | SSL_OP_IGNORE_UNEXPECTED_EOF);
	if (::SSL_CTX_use_certificate_chain_file(ctx_, config.cert_file.c_str()) != 1) {
		auto why = openssl_errors();
		::SSL_CTX_free(ctx_);
		throw std::runtime_error("cannot load the TLS certificate " + config.cert_file.string() + ": " + why);
	}
	if (::SSL_CTX_use_PrivateKey_file(ctx_, config.key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
	    ::SSL_CTX_check_private_key(ctx_) != 1) {
		auto why = openssl_errors();
		::SSL_CTX_free(ctx_);
		throw std::runtime_error("cannot use the TLS key " + config.key_file.string() +
		                         " (unreadable, encrypted, or not the certificate's key): " + why);
	}
	if (config.client_auth != ClientAuth::None) {
		if (config.ca_file.empty()) {
			::SSL_CTX_free(ctx_);
			throw std::runtime_error("--ssl-client-auth requested/required needs --ssl-ca-file: the CAs that "
			                         "sign client certificates");
		}
	}
	if (!config.ca_file.empty()) {
		if (::SSL_CTX_load_verify_locations(ctx_, config.ca_file.c_str(), nullptr) != 1) {
			auto why = openssl_errors();
			::SSL_CTX_free(ctx_);
			throw std::runtime_error("cannot load the CA file " + config.ca_file.string() + ": " + why);
		}
		if (auto *names = ::SSL_load_client_CA_file(config.ca_file.c_str())) {
			::SSL_CTX_set_client_CA_list(ctx_, names);
		}
	}
	int mode = SSL_VERIFY_NONE;
	if (config.client_auth == ClientAuth::Requested) {
		mode = SSL_VERIFY_PEER;
	} else if (config.client_auth == ClientAuth::Required) {
		mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
	}
	::SSL_CTX_set_verify(ctx_, mode, nullptr);
}

TlsContext::~TlsContext() {
	::SSL_CTX_free(ctx_);
}

TlsSession::TlsSession(const TlsContext &context, int fd) {
	ssl_ = ::SSL_new(context.get());
	if (!ssl_ || ::SSL_set_fd(ssl_, fd) != 1) {
		throw std::runtime_error("cannot start a TLS session: " + openssl_errors());
	}
	::SSL_set_accept_state(ssl_);
}

TlsSession::~TlsSession() {
	::SSL_free(ssl_);
}

TlsIo TlsSession::status(int rc) {
	int e = ::SSL_get_error(ssl_, rc);
	switch (e) {
	case SSL_ERROR_WANT_READ:
		return TlsIo::WantRead;
	case SSL_ERROR_WANT_WRITE:
		return TlsIo::WantWrite;
	case SSL_ERROR_ZERO_RETURN:
		return TlsIo::Closed;
	case SSL_ERROR_SYSCALL: {
		int err = errno;
		error_ = openssl_errors();
		if (error_ == "unknown TLS error") {
			error_ = err ? std::strerror(err) : "connection closed";
		}
		if (err == EINTR) {
			return TlsIo::WantRead;
		}
		return err == 0 ? TlsIo::Closed : TlsIo::Failed;
	}
	default:
		error_ = openssl_errors();
		return TlsIo::Failed;
	}
}

TlsIo TlsSession::handshake() {
	::ERR_clear_error();
	int rc = ::SSL_do_handshake(ssl_);
	if (rc == 1) {
		handshake_done_ = true;
		return TlsIo::Ok;
	}
	auto s = status(rc);
	if (s == TlsIo::Closed) {
		// A close in the middle of a handshake is a failure to report.
		error_ = "peer closed the connection during the TLS handshake";
		return TlsIo::Failed;
	}
	return s;
}

TlsIo TlsSession::read(uint8_t *buf, size_t len, size_t &n) {
	::ERR_clear_error();
	n = 0;
	if (::SSL_read_ex(ssl_, buf, len, &n) == 1) {
		return TlsIo::Ok;
	}
	return status(0);
}

TlsIo TlsSession::write(const uint8_t *buf, size_t len, size_t &n) {
	::ERR_clear_error();
	n = 0;
	if (::SSL_write_ex(ssl_, buf, len, &n) == 1) {
		return TlsIo::Ok;
	}
	return status(0);
}

bool TlsSession::has_pending() const {
	return ::SSL_has_pending(ssl_) == 1;
}

std::string TlsSession::peer_subject() const {
	X509 *cert = ::SSL_get1_peer_certificate(ssl_);
	if (!cert) {
		return "";
	}
	char buf[512];
	::X509_NAME_oneline(::X509_get_subject_name(cert), buf, sizeof(buf));
	::X509_free(cert);
	return buf;
}

std::string TlsSession::version() const {
	return ::SSL_get_version(ssl_);
}

} // namespace kafkaml::broker::server
