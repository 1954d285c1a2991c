#include "common/signals.h"

#include <gtest/gtest.h>

#include <csignal>
#include <poll.h>

namespace kafkaml {

TEST(ShutdownSignal, SigtermRaisesRequestAndWakesPollers) {
	ShutdownSignal::install();
	EXPECT_FALSE(ShutdownSignal::wait_for(std::chrono::milliseconds(1)));
	::raise(SIGTERM);
	EXPECT_TRUE(ShutdownSignal::requested());
	pollfd pfd{ShutdownSignal::fd(), POLLIN, 0};
	EXPECT_EQ(::poll(&pfd, 1, 1000), 1);
	EXPECT_TRUE(ShutdownSignal::wait_for(std::chrono::milliseconds(1)));
}

} // namespace kafkaml
