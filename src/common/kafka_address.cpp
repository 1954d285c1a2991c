#include "common/kafka_address.h"

#include <algorithm>
#include <cctype>

namespace kafkaml {
namespace {

bool is_port(std::string_view text) {
	if (text.empty() || text.size() > 5 ||
	    !std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); })) {
		return false;
	}
	int port = 0;
	for (char c : text) {
		port = port * 10 + (c - '0');
	}
	return port >= 1 && port <= 65535;
}

bool is_host_port(std::string_view entry) {
	auto colon = entry.rfind(':');
	if (colon == std::string_view::npos || !is_port(entry.substr(colon + 1))) {
		return false;
	}
	auto host = entry.substr(0, colon);
	if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
		auto address = host.substr(1, host.size() - 2);
		return std::all_of(address.begin(), address.end(),
		                   [](unsigned char c) { return std::isxdigit(c) || c == ':' || c == '.'; });
	}
	return !host.empty() && host.size() <= 253 && std::all_of(host.begin(), host.end(), [](unsigned char c) {
		return std::isalnum(c) || c == '.' || c == '-' || c == '_';
	});
}

} // namespace

bool is_kafka_cluster_name(std::string_view text) {
	return !text.empty() && text.size() <= 64 && std::isalnum(static_cast<unsigned char>(text.front())) &&
	       std::all_of(text.begin(), text.end(),
	                   [](unsigned char c) { return std::isalnum(c) || c == '.' || c == '_' || c == '-'; });
}

bool is_bootstrap_list(std::string_view text) {
	if (text.empty()) {
		return false;
	}
	while (true) {
		auto comma = text.find(',');
		if (!is_host_port(text.substr(0, comma))) {
			return false;
		}
		if (comma == std::string_view::npos) {
			return true;
		}
		text = text.substr(comma + 1);
	}
}

} // namespace kafkaml
