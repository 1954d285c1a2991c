#include "support/network.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

namespace kafkaml::testing {

int free_port() {
	int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	sockaddr_in address{};
	address.sin_family = AF_INET;
	address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t length = sizeof address;
	bool bound = fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr *>(&address), length) == 0 &&
	             ::getsockname(fd, reinterpret_cast<sockaddr *>(&address), &length) == 0;
	if (fd >= 0) {
		::close(fd);
	}
	if (!bound) {
		throw std::runtime_error("cannot bind a loopback port to pick a free one");
	}
	return ntohs(address.sin_port);
}

} // namespace kafkaml::testing
