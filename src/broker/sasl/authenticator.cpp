#include "broker/sasl/authenticator.h"

#include <spdlog/spdlog.h>

#include <stdexcept>

namespace kafkaml::broker::sasl {

namespace {

// The messages Kafka's own authenticators give, which clients print.
constexpr const char *kPlainFailed = "Authentication failed: Invalid username or password";

std::string scram_failed(const std::string &mechanism) {
	return "Authentication failed during authentication due to invalid credentials with SASL mechanism " + mechanism;
}

//! Splits "a=x,b=y" into attributes; values may contain '=' but not ','.
std::vector<std::pair<char, std::string>> attributes(std::string_view text) {
	std::vector<std::pair<char, std::string>> out;
	size_t start = 0;
	while (start <= text.size()) {
		size_t comma = text.find(',', start);
		auto item = text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
		if (item.size() < 2 || item[1] != '=') {
			throw std::invalid_argument("malformed SCRAM attribute '" + std::string(item) + "'");
		}
		out.emplace_back(item[0], std::string(item.substr(2)));
		if (comma == std::string_view::npos) {
			break;
		}
		start = comma + 1;
	}
	return out;
}

//! RFC 5802 saslname: "=2C" is ',' and "=3D" is '='; any other '=' is an error.
std::string unescape_name(const std::string &name) {
	std::string out;
	for (size_t i = 0; i < name.size(); i++) {
		if (name[i] != '=') {
			out += name[i];
		} else if (name.compare(i, 3, "=2C") == 0) {
			out += ',';
			i += 2;
		} else if (name.compare(i, 3, "=3D") == 0) {
			out += '=';
			i += 2;
		} else {
			throw std::invalid_argument("bad escape in the SCRAM user name");
		}
	}
	return out;
}

bool printable_nonce(const std::string &nonce) {
	for (char ch : nonce) {
		if (ch < 0x21 || ch > 0x7e || ch == ',') {
			return false;
		}
	}
	return !nonce.empty();
}

} // namespace

Authenticator::Authenticator(std::string mechanism, UserStore &users)
    : mechanism_(std::move(mechanism)), users_(users) {}

Authenticator::Step Authenticator::fail(std::string why) {
	Step s;
	s.failed = true;
	s.error = std::move(why);
	stage_ = -1;
	return s;
}

Authenticator::Step Authenticator::step(std::span<const uint8_t> token) {
	std::string_view text(reinterpret_cast<const char *>(token.data()), token.size());
	try {
		if (stage_ < 0) {
			return fail("Authentication failed: the SASL exchange already ended");
		}
		if (mechanism_ == "PLAIN") {
			return plain(text);
		}
		return stage_ == 0 ? scram_first(text) : scram_final(text);
	} catch (const std::invalid_argument &e) {
		spdlog::warn("SASL {}: malformed client message: {}", mechanism_, e.what());
		return fail(mechanism_ == "PLAIN" ? kPlainFailed : scram_failed(mechanism_));
	}
}

Authenticator::Step Authenticator::plain(std::string_view token) {
	// authzid NUL authcid NUL passwd
	auto first = token.find('\0');
	auto second = first == std::string_view::npos ? first : token.find('\0', first + 1);
	if (second == std::string_view::npos) {
		throw std::invalid_argument("PLAIN token is not authzid\\0user\\0password");
	}
	std::string authzid(token.substr(0, first));
	user_ = std::string(token.substr(first + 1, second - first - 1));
	std::string_view password = token.substr(second + 1);
	if (!authzid.empty() && authzid != user_) {
		spdlog::warn("SASL PLAIN: user '{}' asked to act as '{}', which is not allowed", user_, authzid);
		return fail(kPlainFailed);
	}
	auto credential = users_.find(user_, "PLAIN");
	if (!credential || !check_plain(*credential, password)) {
		spdlog::warn("SASL PLAIN: authentication of '{}' failed", user_);
		return fail(kPlainFailed);
	}
	Step s;
	s.done = true;
	stage_ = -1;
	return s;
}

Authenticator::Step Authenticator::scram_first(std::string_view token) {
	// gs2-header ("n,," / "y,," / "n,a=authzid,") then client-first-bare.
	auto c1 = token.find(',');
	auto c2 = c1 == std::string_view::npos ? c1 : token.find(',', c1 + 1);
	if (c2 == std::string_view::npos) {
		throw std::invalid_argument("no GS2 header");
	}
	auto flag = token.substr(0, c1);
	if (flag != "n" && flag != "y") {
		throw std::invalid_argument("channel binding is not supported (GS2 flag '" + std::string(flag) + "')");
	}
	gs2_header_ = std::string(token.substr(0, c2 + 1));
	client_first_bare_ = std::string(token.substr(c2 + 1));
	std::string authzid(token.substr(c1 + 1, c2 - c1 - 1));
	std::string &client_nonce = client_nonce_;
	for (auto &[key, value] : attributes(client_first_bare_)) {
		if (key == 'n') {
			user_ = unescape_name(value);
		} else if (key == 'r') {
			client_nonce = value;
		} else if (key == 'm') {
			throw std::invalid_argument("mandatory extension not supported");
		}
		// Other attributes are extensions (Kafka's tokenauth=...), ignored.
	}
	if (user_.empty() || !printable_nonce(client_nonce)) {
		throw std::invalid_argument("client-first message without user or nonce");
	}
	if (!authzid.empty() && authzid != "a=" + user_) {
		spdlog::warn("SASL {}: user '{}' asked to act as '{}', which is not allowed", mechanism_, user_, authzid);
		return fail(scram_failed(mechanism_));
	}
	bool sha512 = mechanism_ == "SCRAM-SHA-512";
	auto credential = users_.find(user_, mechanism_);
	if (credential) {
		credential_ = *credential;
	} else {
		unknown_user_ = true;
		credential_.salt = random_bytes(sha512 ? 64 : 32);
		credential_.iterations = kDefaultIterations;
		credential_.stored_key = random_bytes(sha512 ? 64 : 32);
		credential_.server_key = random_bytes(sha512 ? 64 : 32);
	}
	auto server_nonce = base64(random_bytes(24));
	nonce_ = client_nonce + server_nonce;
	server_first_ = "r=" + nonce_ + ",s=" + base64(credential_.salt) + ",i=" + std::to_string(credential_.iterations);
	stage_ = 1;
	Step s;
	s.response.assign(server_first_.begin(), server_first_.end());
	return s;
}

Authenticator::Step Authenticator::scram_final(std::string_view token) {
	auto proof_at = token.rfind(",p=");
	if (proof_at == std::string_view::npos) {
		throw std::invalid_argument("client-final message without proof");
	}
	std::string without_proof(token.substr(0, proof_at));
	auto proof = unbase64(token.substr(proof_at + 3));
	std::string binding;
	std::string nonce;
	for (auto &[key, value] : attributes(without_proof)) {
		if (key == 'c') {
			binding = value;
		} else if (key == 'r') {
			nonce = value;
		}
	}
	auto expected_binding =
	    base64(std::span(reinterpret_cast<const uint8_t *>(gs2_header_.data()), gs2_header_.size()));
	if (binding != expected_binding) {
		spdlog::warn("SASL {}: '{}' sent channel binding data that does not match its GS2 header", mechanism_, user_);
		return fail(scram_failed(mechanism_));
	}
	// RFC 5802 wants the server's nonce back; librdkafka sends the client
	// nonce again in front of it (Kafka accepts any nonce that ends with the
	// server's). Exactly these two forms are taken.
	if (nonce != nonce_ && nonce != client_nonce_ + nonce_) {
		spdlog::warn("SASL {}: '{}' answered with a nonce that is not the server's", mechanism_, user_);
		return fail(scram_failed(mechanism_));
	}
	bool sha512 = mechanism_ == "SCRAM-SHA-512";
	std::string auth_message = client_first_bare_ + "," + server_first_ + "," + without_proof;
	auto client_signature = hmac(sha512, credential_.stored_key, auth_message);
	if (proof.size() != client_signature.size()) {
		return fail(scram_failed(mechanism_));
	}
	Bytes client_key(proof.size());
	for (size_t i = 0; i < proof.size(); i++) {
		client_key[i] = proof[i] ^ client_signature[i];
	}
	bool ok = equal(hash(sha512, client_key), credential_.stored_key) && !unknown_user_;
	if (!ok) {
		spdlog::warn("SASL {}: authentication of '{}' failed", mechanism_, user_);
		return fail(scram_failed(mechanism_));
	}
	auto server_signature = hmac(sha512, credential_.server_key, auth_message);
	std::string final_message = "v=" + base64(server_signature);
	Step s;
	s.done = true;
	s.response.assign(final_message.begin(), final_message.end());
	stage_ = -1;
	return s;
}

} // namespace kafkaml::broker::sasl
