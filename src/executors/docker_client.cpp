#include "executors/docker_client.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace kafkaml::executors {
namespace {

class Socket {
public:
	explicit Socket(int fd) : fd_(fd) {}
	~Socket() {
		if (fd_ >= 0) {
			::close(fd_);
		}
	}
	Socket(const Socket &) = delete;
	Socket &operator=(const Socket &) = delete;
	int fd() const { return fd_; }

private:
	int fd_;
};

//! A chunked body without its chunk framing.
std::string dechunk(const std::string &body) {
	std::string out;
	size_t at = 0;
	while (at < body.size()) {
		auto line_end = body.find("\r\n", at);
		if (line_end == std::string::npos) {
			break;
		}
		size_t size = std::stoul(body.substr(at, line_end - at), nullptr, 16);
		if (size == 0) {
			break;
		}
		out.append(body, line_end + 2, size);
		at = line_end + 2 + size + 2;
	}
	return out;
}

} // namespace

nlohmann::json DockerResponse::json() const {
	return body.empty() ? nlohmann::json() : nlohmann::json::parse(body);
}

DockerClient::DockerClient(const std::string &host) {
	const std::string scheme = "unix://";
	if (host.rfind(scheme, 0) != 0 || host.size() == scheme.size()) {
		throw std::runtime_error("--docker-host '" + host +
		                         "' is not supported: give the daemon's Unix socket as unix:///path/to/docker.sock");
	}
	socket_path_ = host.substr(scheme.size());
}

DockerResponse DockerClient::request(const std::string &method, const std::string &path, const std::string &body,
                                     std::chrono::milliseconds timeout) const {
	auto unreachable = [&](const std::string &why) {
		return std::runtime_error("the Docker daemon at unix://" + socket_path_ + " " + why + " (" + method + " " +
		                          path + "); is dockerd running, and may this user use its socket?");
	};
	Socket socket(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
	if (socket.fd() < 0) {
		throw unreachable(std::string("cannot be reached: ") + std::strerror(errno));
	}
	sockaddr_un address{};
	address.sun_family = AF_UNIX;
	if (socket_path_.size() >= sizeof(address.sun_path)) {
		throw unreachable("has a socket path too long for a Unix socket");
	}
	std::memcpy(address.sun_path, socket_path_.c_str(), socket_path_.size() + 1);
	if (::connect(socket.fd(), reinterpret_cast<sockaddr *>(&address), sizeof(address)) != 0) {
		throw unreachable(std::string("cannot be reached: ") + std::strerror(errno));
	}
	timeval tv{};
	tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
	tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
	::setsockopt(socket.fd(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	::setsockopt(socket.fd(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));

	std::string message = method + " " + path + " HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n";
	if (!body.empty()) {
		message += "Content-Type: application/json\r\n";
	}
	message += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
	for (size_t sent = 0; sent < message.size();) {
		auto n = ::send(socket.fd(), message.data() + sent, message.size() - sent, MSG_NOSIGNAL);
		if (n <= 0) {
			throw unreachable(std::string("did not take the request: ") + std::strerror(errno));
		}
		sent += static_cast<size_t>(n);
	}
	std::string raw;
	char buffer[16384];
	for (;;) {
		auto n = ::recv(socket.fd(), buffer, sizeof(buffer), 0);
		if (n == 0) {
			break;
		}
		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			throw unreachable(std::string("did not answer: ") + std::strerror(errno));
		}
		raw.append(buffer, static_cast<size_t>(n));
	}
	auto head_end = raw.find("\r\n\r\n");
	if (raw.rfind("HTTP/1.", 0) != 0 || head_end == std::string::npos) {
		throw unreachable("answered something that is not HTTP");
	}
	DockerResponse response;
	response.status = std::atoi(raw.c_str() + raw.find(' ') + 1);
	std::string head = raw.substr(0, head_end);
	for (auto &c : head) {
		c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
	}
	response.body = raw.substr(head_end + 4);
	if (head.find("transfer-encoding: chunked") != std::string::npos) {
		response.body = dechunk(response.body);
	}
	return response;
}

DockerResponse DockerClient::checked(const std::string &what, const std::string &method, const std::string &path,
                                     const std::string &body, std::chrono::milliseconds timeout) const {
	auto response = request(method, path, body, timeout);
	if (response.status >= 400) {
		std::string message = response.body;
		try {
			message = response.json().value("message", response.body);
		} catch (const std::exception &) {
		}
		throw std::runtime_error(what + ": the Docker daemon answered " + std::to_string(response.status) + ": " +
		                         message);
	}
	return response;
}

std::string DockerClient::demultiplex(const std::string &stream) {
	std::string out;
	size_t at = 0;
	while (at + 8 <= stream.size()) {
		uint32_t size = (static_cast<uint32_t>(static_cast<unsigned char>(stream[at + 4])) << 24) |
		                (static_cast<uint32_t>(static_cast<unsigned char>(stream[at + 5])) << 16) |
		                (static_cast<uint32_t>(static_cast<unsigned char>(stream[at + 6])) << 8) |
		                static_cast<uint32_t>(static_cast<unsigned char>(stream[at + 7]));
		out.append(stream, at + 8, size);
		at += 8 + size;
	}
	return out;
}

} // namespace kafkaml::executors
