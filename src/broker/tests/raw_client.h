#pragma once

// A Kafka client over a raw TCP socket, for tests that send frames no real
// client would (robustness) or check a response byte by byte (SASL).
#include "broker/protocol/reader.h"
#include "broker/protocol/writer.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <functional>
#include <netinet/in.h>
#include <optional>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <vector>

namespace kafkaml::broker::testing {

class RawClient {
public:
	explicit RawClient(const std::string &address) {
		auto colon = address.rfind(':');
		fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
		sockaddr_in addr{};
		addr.sin_family = AF_INET;
		addr.sin_port = htons(static_cast<uint16_t>(std::stoi(address.substr(colon + 1))));
		::inet_pton(AF_INET, address.substr(0, colon).c_str(), &addr.sin_addr);
		if (::connect(fd_, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) != 0) {
			throw std::runtime_error("connect failed");
		}
		timeval tv{10, 0};
		::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	~RawClient() { ::close(fd_); }
	void send(const std::vector<uint8_t> &bytes) {
		ASSERT_EQ(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()));
	}
	//! One response frame (without its size), or nullopt when the broker closed.
	std::optional<std::vector<uint8_t>> receive() {
		uint8_t size_bytes[4];
		if (!read_all(size_bytes, 4)) {
			return std::nullopt;
		}
		std::vector<uint8_t> body(protocol::load_be32(size_bytes));
		if (!read_all(body.data(), body.size())) {
			return std::nullopt;
		}
		return body;
	}

private:
	bool read_all(uint8_t *p, size_t n) {
		while (n > 0) {
			ssize_t got = ::recv(fd_, p, n, 0);
			if (got <= 0) {
				return false;
			}
			p += got;
			n -= static_cast<size_t>(got);
		}
		return true;
	}
	int fd_;
};

//! A request frame: size, api key, version, correlation id, client id, body.
inline std::vector<uint8_t> request(int16_t key, int16_t version, int32_t correlation,
                                    const std::function<void(protocol::Writer &)> &body) {
	protocol::Writer w;
	size_t at = w.reserve_i32();
	w.i16(key);
	w.i16(version);
	w.i32(correlation);
	w.string("raw-test");
	body(w);
	w.patch_i32(at, static_cast<int32_t>(w.size() - 4));
	return w.take();
}

} // namespace kafkaml::broker::testing
