#include "broker/server/sasl_gate.h"

#include "broker/protocol/api_keys.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace kafkaml::broker::server {

using protocol::ApiKey;
using protocol::ErrorCode;
using protocol::ResponseFrame;

namespace {

std::string join(const std::vector<std::string> &items) {
	std::string out;
	for (const auto &item : items) {
		out += (out.empty() ? "" : ", ") + item;
	}
	return out;
}

} // namespace

SaslGate::SaslGate(bool sasl_listener, const std::vector<std::string> &mechanisms, sasl::UserStore &users,
                   std::string client_host)
    : mechanisms_(mechanisms), users_(users), host_(std::move(client_host)), sasl_listener_(sasl_listener),
      state_(sasl_listener ? State::Handshake : State::Open) {}

SaslGate::Verdict SaslGate::on_request(const Request &request, OutFrame &out) {
	int16_t key = request.header.api_key;
	bool close = false;
	if (key == static_cast<int16_t>(ApiKey::SaslHandshake)) {
		out = handshake(request, close);
		return close ? Verdict::Close : Verdict::Answered;
	}
	if (key == static_cast<int16_t>(ApiKey::SaslAuthenticate)) {
		out = authenticate(request, close);
		return close ? Verdict::Close : Verdict::Answered;
	}
	if (state_ == State::Open || key == static_cast<int16_t>(ApiKey::ApiVersions)) {
		return Verdict::Pass;
	}
	spdlog::warn("closing connection from {} (client '{}'): API key {} sent before SASL authentication", host_,
	             request.header.client_id.value_or(""), key);
	return Verdict::Close;
}

OutFrame SaslGate::handshake(const Request &request, bool &close) {
	int16_t version = request.header.api_version;
	protocol::Reader r(request.body);
	std::string mechanism(r.string());
	int16_t error = 0;
	if (version > 1) {
		error = protocol::code(ErrorCode::UnsupportedVersion);
	} else if (!sasl_listener_ || state_ != State::Handshake) {
		error = protocol::code(ErrorCode::IllegalSaslState);
	} else if (std::find(mechanisms_.begin(), mechanisms_.end(), mechanism) == mechanisms_.end()) {
		spdlog::warn("client {} asked for SASL mechanism '{}'; this listener enables {}", host_, mechanism,
		             join(mechanisms_));
		error = protocol::code(ErrorCode::UnsupportedSaslMechanism);
	}
	ResponseFrame frame(request.header.correlation_id);
	auto &w = frame.body();
	w.i16(error);
	w.array_length(static_cast<int32_t>(mechanisms_.size()));
	for (const auto &m : mechanisms_) {
		w.string(m);
	}
	if (error != 0) {
		// Kafka closes after a failed handshake: the client cannot go on.
		close = error != protocol::code(ErrorCode::IllegalSaslState) || sasl_listener_;
		return frame.finish();
	}
	auth_ = std::make_unique<sasl::Authenticator>(mechanism, users_);
	state_ = version == 0 ? State::RawToken : State::Authenticate;
	return frame.finish();
}

OutFrame SaslGate::authenticate(const Request &request, bool &close) {
	int16_t version = request.header.api_version;
	bool flexible = version >= 2;
	protocol::Reader r(request.body);
	if (flexible) {
		r.skip_tagged_fields(); // request header v2
	}
	std::span<const uint8_t> token;
	auto bytes = flexible ? r.compact_bytes() : r.bytes();
	if (bytes) {
		token = *bytes;
	}
	sasl::Authenticator::Step step;
	int16_t error = 0;
	if (version > 2) {
		error = protocol::code(ErrorCode::UnsupportedVersion);
		step.error = "SaslAuthenticate v" + std::to_string(version) + " is not supported (v0-2 are)";
	} else if (state_ != State::Authenticate) {
		error = protocol::code(ErrorCode::IllegalSaslState);
		step.error =
		    sasl_listener_ ? "SaslAuthenticate without a SaslHandshake v1 first" : "this listener does not use SASL";
	} else {
		step = auth_->step(token);
		if (step.failed) {
			error = protocol::code(ErrorCode::SaslAuthenticationFailed);
		} else if (step.done) {
			on_success();
		}
	}
	// Kafka answers a failed exchange and then closes the connection.
	close = error != 0;
	ResponseFrame frame(request.header.correlation_id, flexible);
	auto &w = frame.body();
	w.i16(error);
	std::optional<std::string_view> message;
	if (error != 0) {
		message = step.error;
	}
	if (flexible) {
		w.compact_nullable_string(message);
		w.compact_bytes(step.response);
	} else {
		w.nullable_string(message);
		w.bytes(step.response);
	}
	if (version >= 1) {
		w.i64(0); // session_lifetime_ms: no re-authentication required
	}
	if (flexible) {
		w.empty_tagged_fields();
	}
	return frame.finish();
}

SaslGate::Verdict SaslGate::on_raw_token(std::span<const uint8_t> token, OutFrame &out) {
	auto step = auth_->step(token);
	if (step.failed) {
		// SaslHandshake v0 has no way to carry an error: Kafka closes.
		return Verdict::Close;
	}
	if (step.done) {
		on_success();
	}
	protocol::Writer w;
	w.i32(static_cast<int32_t>(step.response.size()));
	w.raw(step.response);
	out = OutFrame(w.take());
	return Verdict::Answered;
}

void SaslGate::on_success() {
	spdlog::info("client {} authenticated as '{}' with SASL {}", host_, auth_->principal(), auth_->mechanism());
	state_ = State::Open;
}

} // namespace kafkaml::broker::server
