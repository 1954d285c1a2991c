#pragma once

#include "broker/sasl/authenticator.h"
#include "broker/sasl/user_store.h"
#include "broker/server/out_frame.h"
#include "broker/server/request_handler.h"

#include <memory>
#include <span>
#include <string>
#include <vector>

namespace kafkaml::broker::server {

//! SASL state of one connection (see the state machine at the top of
//! network_loop.cpp). On a SASL listener it answers SaslHandshake and
//! SaslAuthenticate itself, lets ApiVersions through and refuses every other
//! API until the client authenticated. On other listeners it lets everything
//! through and answers the SASL APIs with ILLEGAL_SASL_STATE.
//!
//! Threading: network thread; one per connection.
class SaslGate {
public:
	SaslGate(bool sasl_listener, const std::vector<std::string> &mechanisms, sasl::UserStore &users,
	         std::string client_host);

	enum class Verdict {
		Pass,     //!< hand the request to RequestHandler
		Answered, //!< `out` is the response
		Close,    //!< send `out` (may be empty) and close the connection
	};
	Verdict on_request(const Request &request, OutFrame &out);
	//! After SaslHandshake v0 the client sends bare tokens (size-prefixed,
	//! no request header), as kafka-python does; the answers are bare too.
	bool raw_tokens() const { return state_ == State::RawToken; }
	Verdict on_raw_token(std::span<const uint8_t> token, OutFrame &out);
	bool authenticated() const { return state_ == State::Open; }

private:
	enum class State {
		Open,         //!< not a SASL listener, or authenticated
		Handshake,    //!< waiting for SaslHandshake
		Authenticate, //!< after SaslHandshake v1: SaslAuthenticate requests
		RawToken,     //!< after SaslHandshake v0: bare tokens
	};
	OutFrame handshake(const Request &request, bool &close);
	OutFrame authenticate(const Request &request, bool &close);
	void on_success();

	const std::vector<std::string> &mechanisms_;
	sasl::UserStore &users_;
	std::string host_;
	bool sasl_listener_;
	State state_;
	std::unique_ptr<sasl::Authenticator> auth_;
};

} // namespace kafkaml::broker::server
