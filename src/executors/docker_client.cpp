#include "executors/docker_client.h"

#include <cerrno>
#include <cstring>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <utility>

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
	int release() { return std::exchange(fd_, -1); }

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

int status_of(const std::string &head) {
	return std::atoi(head.c_str() + head.find(' ') + 1);
}

bool is_chunked(std::string head) {
	for (auto &c : head) {
		c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
	}
	return head.find("transfer-encoding: chunked") != std::string::npos;
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

std::runtime_error DockerClient::unreachable(const std::string &method, const std::string &path,
                                             const std::string &why) const {
	return std::runtime_error("the Docker daemon at unix://" + socket_path_ + " " + why + " (" + method + " " + path +
	                          "); is dockerd running, and may this user use its socket?");
}

int DockerClient::send_request(const std::string &method, const std::string &path, const std::string &body,
                               std::chrono::milliseconds timeout) const {
	Socket socket(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
	if (socket.fd() < 0) {
		throw unreachable(method, path, std::string("cannot be reached: ") + std::strerror(errno));
	}
	sockaddr_un address{};
	address.sun_family = AF_UNIX;
	if (socket_path_.size() >= sizeof(address.sun_path)) {
		throw unreachable(method, path, "has a socket path too long for a Unix socket");
	}
	std::memcpy(address.sun_path, socket_path_.c_str(), socket_path_.size() + 1);
	if (::connect(socket.fd(), reinterpret_cast<sockaddr *>(&address), sizeof(address)) != 0) {
		throw unreachable(method, path, std::string("cannot be reached: ") + std::strerror(errno));
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
			throw unreachable(method, path, std::string("did not take the request: ") + std::strerror(errno));
		}
		sent += static_cast<size_t>(n);
	}
	return socket.release();
}

DockerResponse DockerClient::request(const std::string &method, const std::string &path, const std::string &body,
                                     std::chrono::milliseconds timeout) const {
	Socket socket(send_request(method, path, body, timeout));
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
			throw unreachable(method, path, std::string("did not answer: ") + std::strerror(errno));
		}
		raw.append(buffer, static_cast<size_t>(n));
	}
	auto head_end = raw.find("\r\n\r\n");
	if (raw.rfind("HTTP/1.", 0) != 0 || head_end == std::string::npos) {
		throw unreachable(method, path, "answered something that is not HTTP");
	}
	DockerResponse response;
	response.status = status_of(raw);
	response.body = raw.substr(head_end + 4);
	if (is_chunked(raw.substr(0, head_end))) {
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

std::string DockerClient::query_escape(const std::string &text) {
	static const char *hex = "0123456789ABCDEF";
	std::string out;
	for (unsigned char c : text) {
		if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
			out += static_cast<char>(c);
		} else {
			out += '%';
			out += hex[c >> 4];
			out += hex[c & 15];
		}
	}
	return out;
}

std::string DockerClient::demultiplex(const std::string &stream) {
	std::string pending = stream;
	return demultiplex_some(pending);
}

std::string DockerClient::demultiplex_some(std::string &pending) {
	// Each frame: stream type (1 byte), 3 zero bytes, the payload's size
	// (4 bytes, big-endian), the payload.
	std::string out;
	size_t at = 0;
	while (at + 8 <= pending.size()) {
		uint32_t size = (static_cast<uint32_t>(static_cast<unsigned char>(pending[at + 4])) << 24) |
		                (static_cast<uint32_t>(static_cast<unsigned char>(pending[at + 5])) << 16) |
		                (static_cast<uint32_t>(static_cast<unsigned char>(pending[at + 6])) << 8) |
		                static_cast<uint32_t>(static_cast<unsigned char>(pending[at + 7]));
		if (at + 8 + size > pending.size()) {
			break;
		}
		out.append(pending, at + 8, size);
		at += 8 + size;
	}
	pending.erase(0, at);
	return out;
}

DockerStream::DockerStream(const DockerClient &client, const std::string &method, const std::string &path,
                           std::chrono::milliseconds timeout)
    : fd_(client.send_request(method, path, "", timeout)) {
	// The head, within `timeout` (SO_RCVTIMEO); what follows it is body.
	std::string head;
	char buffer[4096];
	size_t head_end = std::string::npos;
	while ((head_end = head.find("\r\n\r\n")) == std::string::npos) {
		auto n = ::recv(fd_, buffer, sizeof(buffer), 0);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			::close(fd_);
			throw client.unreachable(method, path, "did not answer");
		}
		head.append(buffer, static_cast<size_t>(n));
	}
	if (head.rfind("HTTP/1.", 0) != 0) {
		::close(fd_);
		throw client.unreachable(method, path, "answered something that is not HTTP");
	}
	raw_ = head.substr(head_end + 4);
	head.resize(head_end);
	status_ = status_of(head);
	chunked_ = is_chunked(head);
}

DockerStream::~DockerStream() {
	::close(fd_);
}

void DockerStream::cancel() {
	::shutdown(fd_, SHUT_RDWR);
}

bool DockerStream::dechunk_some(std::string &out) {
	for (;;) {
		auto line_end = raw_.find("\r\n");
		if (line_end == std::string::npos) {
			return true;
		}
		size_t size = std::stoul(raw_.substr(0, line_end), nullptr, 16);
		if (size == 0) {
			return false;
		}
		if (raw_.size() < line_end + 2 + size + 2) {
			return true; // a partial chunk: wait for the rest
		}
		out.append(raw_, line_end + 2, size);
		raw_.erase(0, line_end + 2 + size + 2);
	}
}

std::optional<std::string> DockerStream::read(std::chrono::milliseconds timeout) {
	std::string out;
	if (!chunked_) {
		out.swap(raw_);
	} else if (!dechunk_some(out)) {
		ended_ = true;
	}
	if (!out.empty() || ended_) {
		return ended_ && out.empty() ? std::nullopt : std::optional<std::string>(std::move(out));
	}
	pollfd waiting{fd_, POLLIN, 0};
	int ready = ::poll(&waiting, 1, static_cast<int>(timeout.count()));
	if (ready == 0 || (ready < 0 && errno == EINTR)) {
		return out;
	}
	char buffer[16384];
	auto n = ready < 0 ? -1 : ::recv(fd_, buffer, sizeof(buffer), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
		return out;
	}
	if (n <= 0) {
		ended_ = true;
		return std::nullopt;
	}
	raw_.append(buffer, static_cast<size_t>(n));
	if (!chunked_) {
		out.swap(raw_);
	} else if (!dechunk_some(out)) {
		ended_ = true;
	}
	return out;
}

} // namespace kafkaml::executors
