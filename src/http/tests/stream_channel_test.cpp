#include "http/stream_channel.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace kafkaml::http {
namespace {

TEST(StreamChannel, QueuesUntilAttachedThenWakesOncePerBatch) {
	StreamChannel channel;
	EXPECT_TRUE(channel.push("a"));
	EXPECT_TRUE(channel.push("b"));
	int wakes = 0;
	channel.attach([&] { wakes++; });
	EXPECT_EQ(wakes, 1); // chunks were waiting
	EXPECT_TRUE(channel.push("c"));
	EXPECT_EQ(wakes, 1); // the server has not taken the first ones yet
	EXPECT_EQ(channel.take(), "abc");
	EXPECT_TRUE(channel.push("d"));
	EXPECT_EQ(wakes, 2);
	EXPECT_EQ(channel.take(), "d");
	EXPECT_EQ(channel.take(), "");
}

TEST(StreamChannel, CloseDropsTheProducerAndRefusesMore) {
	StreamChannel channel;
	auto producer = std::make_shared<int>(1);
	std::weak_ptr<int> alive = producer;
	channel.keep(std::move(producer));
	EXPECT_FALSE(alive.expired());
	channel.close();
	EXPECT_TRUE(alive.expired());
	EXPECT_FALSE(channel.push("late"));
	EXPECT_TRUE(channel.closed());
	// A handle kept after the close is dropped at once.
	auto late = std::make_shared<int>(2);
	std::weak_ptr<int> late_alive = late;
	channel.keep(std::move(late));
	EXPECT_TRUE(late_alive.expired());
}

TEST(StreamChannel, OverflowClosesAndWakesButLeavesTheProducerToClose) {
	StreamChannel channel(10);
	int wakes = 0;
	channel.attach([&] { wakes++; });
	auto producer = std::make_shared<int>(1);
	std::weak_ptr<int> alive = producer;
	channel.keep(std::move(producer));
	EXPECT_TRUE(channel.push("12345"));
	EXPECT_FALSE(channel.push("123456"));
	EXPECT_TRUE(channel.overflowed());
	EXPECT_TRUE(channel.closed());
	EXPECT_EQ(wakes, 2);
	EXPECT_FALSE(alive.expired()); // the pushing thread must not destroy it
	channel.close();
	EXPECT_TRUE(alive.expired());
}

TEST(StreamChannel, NoWakeAfterCloseReturns) {
	// A producer pushing hard while the consumer closes: once close() has
	// returned, the wake-up must never run again.
	for (int round = 0; round < 50; round++) {
		auto channel = std::make_shared<StreamChannel>(size_t{1} << 30);
		std::atomic<bool> closed{false};
		std::atomic<int> late_wakes{0};
		channel->attach([&] {
			if (closed.load()) {
				late_wakes++;
			}
		});
		std::thread producer([channel] {
			while (channel->push("x")) {
				channel->take();
			}
		});
		std::this_thread::sleep_for(std::chrono::microseconds(200));
		channel->close();
		closed = true;
		producer.join();
		EXPECT_EQ(late_wakes.load(), 0);
	}
}

} // namespace
} // namespace kafkaml::http
