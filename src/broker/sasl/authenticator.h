#pragma once

#include "broker/sasl/credentials.h"
#include "broker/sasl/user_store.h"

#include <span>
#include <string>
#include <vector>

namespace kafkaml::broker::sasl {

//! Server side of one connection's SASL exchange: PLAIN (RFC 4616) in one
//! step, SCRAM-SHA-256/512 (RFC 5802, RFC 7677) in two: client-first →
//! server-first, client-final → server-final. SCRAM refuses channel binding
//! (only "n,," or "y,," headers), checks that the client's final nonce is the
//! one the server made, and compares keys in constant time. An unknown user
//! goes through SCRAM with a made-up salt and fails at the proof, so the
//! exchange does not tell whether a name exists.
//!
//! Threading: network thread; one per connection.
class Authenticator {
public:
	Authenticator(std::string mechanism, UserStore &users);

	struct Step {
		bool done = false;   //!< authenticated (response is the last token)
		bool failed = false; //!< refused: `error` is the message for the client
		Bytes response;
		std::string error;
	};
	//! Consumes the client's next token.
	Step step(std::span<const uint8_t> token);
	const std::string &principal() const { return user_; }
	const std::string &mechanism() const { return mechanism_; }

private:
	Step plain(std::string_view token);
	Step scram_first(std::string_view token);
	Step scram_final(std::string_view token);
	Step fail(std::string why);

	std::string mechanism_;
	UserStore &users_;
	int stage_ = 0;
	std::string user_;
	std::string gs2_header_;
	std::string client_first_bare_;
	std::string server_first_;
	std::string client_nonce_;
	std::string nonce_; //!< client's + server's
	Credential credential_;
	bool unknown_user_ = false;
};

} // namespace kafkaml::broker::sasl
