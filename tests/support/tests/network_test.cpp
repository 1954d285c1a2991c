#include "support/network.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace kafkaml::testing {
namespace {

TEST(FreePort, CanBeListenedOnAtOnce) {
	int port = free_port();
	EXPECT_GT(port, 0);
	EXPECT_LT(port, 65536);
	int fd = ::socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_GE(fd, 0);
	sockaddr_in address{};
	address.sin_family = AF_INET;
	address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	address.sin_port = htons(static_cast<uint16_t>(port));
	EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address), 0);
	EXPECT_EQ(::listen(fd, 1), 0);
	::close(fd);
}

} // namespace
} // namespace kafkaml::testing
