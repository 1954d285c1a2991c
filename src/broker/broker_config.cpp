#include "broker/broker_config.h"

#include <charconv>
#include <stdexcept>

namespace kafkaml::broker {

const char *protocol_name(SecurityProtocol protocol) {
	switch (protocol) {
	case SecurityProtocol::Plaintext:
		return "PLAINTEXT";
	case SecurityProtocol::Ssl:
		return "SSL";
	case SecurityProtocol::SaslPlaintext:
		return "SASL_PLAINTEXT";
	case SecurityProtocol::SaslSsl:
		return "SASL_SSL";
	}
	return "?";
}

std::string ListenerConfig::address() const {
	bool v6 = host.find(':') != std::string::npos;
	return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::vector<ListenerConfig> parse_listeners(const std::string &text, const std::string &option) {
	std::vector<ListenerConfig> out;
	size_t start = 0;
	while (start <= text.size()) {
		size_t comma = text.find(',', start);
		std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
		start = comma == std::string::npos ? text.size() + 1 : comma + 1;
		if (item.empty()) {
			continue;
		}
		auto bad = [&](const std::string &why) {
			return std::invalid_argument(option + ": '" + item + "' " + why +
			                             " (expected PROTOCOL://host:port, e.g. SASL_SSL://0.0.0.0:9093)");
		};
		auto scheme = item.find("://");
		if (scheme == std::string::npos) {
			throw bad("has no PROTOCOL://");
		}
		std::string name = item.substr(0, scheme);
		ListenerConfig l;
		if (name == "PLAINTEXT") {
			l.protocol = SecurityProtocol::Plaintext;
		} else if (name == "SSL") {
			l.protocol = SecurityProtocol::Ssl;
		} else if (name == "SASL_PLAINTEXT") {
			l.protocol = SecurityProtocol::SaslPlaintext;
		} else if (name == "SASL_SSL") {
			l.protocol = SecurityProtocol::SaslSsl;
		} else {
			throw bad("names an unknown protocol '" + name + "': use PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL");
		}
		std::string rest = item.substr(scheme + 3);
		auto colon = rest.rfind(':');
		if (colon == std::string::npos) {
			throw bad("has no port");
		}
		l.host = rest.substr(0, colon);
		if (l.host.size() >= 2 && l.host.front() == '[' && l.host.back() == ']') {
			l.host = l.host.substr(1, l.host.size() - 2);
		}
		std::string port = rest.substr(colon + 1);
		auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), l.port);
		if (ec != std::errc() || end != port.data() + port.size() || l.port < 0 || l.port > 65535) {
			throw bad("has a bad port '" + port + "'");
		}
		for (const auto &seen : out) {
			if (seen.protocol == l.protocol) {
				throw bad("repeats protocol " + name + ": each protocol may be given once");
			}
		}
		out.push_back(std::move(l));
	}
	if (out.empty()) {
		throw std::invalid_argument(option + " is empty (expected PROTOCOL://host:port,...)");
	}
	return out;
}

ClientAuth parse_client_auth(const std::string &text) {
	if (text == "none") {
		return ClientAuth::None;
	}
	if (text == "requested") {
		return ClientAuth::Requested;
	}
	if (text == "required") {
		return ClientAuth::Required;
	}
	throw std::invalid_argument("--ssl-client-auth must be none, requested or required (got '" + text + "')");
}

} // namespace kafkaml::broker
