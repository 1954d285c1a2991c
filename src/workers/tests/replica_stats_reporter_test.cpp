#include "workers/replica_stats_reporter.h"

#include <gtest/gtest.h>

#include <mutex>
#include <thread>

namespace kafkaml::workers {
namespace {

using namespace std::chrono_literals;

TEST(ReplicaStatsReporterTest, ReportsTotalsRatesLagAndWhetherItConsumes) {
	InferenceCounters counters;
	std::mutex mutex;
	std::vector<ReplicaStats> sent;
	std::atomic<bool> assigned{false};
	{
		ReplicaStatsReporter reporter(
		    "r0", counters,
		    [&] {
			    return ConsumerPosition{assigned.load(), assigned ? std::optional<int64_t>(5) : std::nullopt};
		    },
		    [&](const ReplicaStats &stats) {
			    std::lock_guard lock(mutex);
			    sent.push_back(stats);
			    return true;
		    },
		    10ms);
		auto wait_for = [&](size_t reports) {
			for (int i = 0; i < 500; i++) {
				{
					std::lock_guard lock(mutex);
					if (sent.size() >= reports) {
						return;
					}
				}
				std::this_thread::sleep_for(2ms);
			}
			FAIL() << "fewer than " << reports << " reports";
		};
		wait_for(1);
		assigned = true;
		counters.predicted += 300;
		size_t before;
		{
			std::lock_guard lock(mutex);
			before = sent.size();
		}
		wait_for(before + 3);
		EXPECT_FALSE(reporter.ended());
	}
	ASSERT_GE(sent.size(), 4u);
	EXPECT_EQ(sent.front().replica, "r0");
	EXPECT_FALSE(sent.front().consuming);
	EXPECT_FALSE(sent.front().consumer_lag);
	EXPECT_EQ(sent.front().predictions_per_second, 0.0);
	EXPECT_EQ(sent.back().predictions_total, 300u);
	EXPECT_TRUE(sent.back().consuming);
	EXPECT_EQ(sent.back().consumer_lag, 5);
	EXPECT_EQ(sent.back().predictions_per_second, 0.0) << "nothing predicted since the previous report";
	int positive = 0;
	for (const auto &stats : sent) {
		positive += stats.predictions_per_second > 0;
	}
	EXPECT_EQ(positive, 1) << "the 300 predictions count in exactly one interval";
}

TEST(ReplicaStatsReporterTest, AnEndedInferenceTellsTheReplicaToStop) {
	InferenceCounters counters;
	ReplicaStatsReporter reporter(
	    "r1", counters, {}, [](const ReplicaStats &) { return false; }, 5ms);
	for (int i = 0; i < 400 && !reporter.ended(); i++) {
		std::this_thread::sleep_for(5ms);
	}
	EXPECT_TRUE(reporter.ended());
}

TEST(ReplicaStatsReporterTest, AFailingServerIsRetriedNextRound) {
	InferenceCounters counters;
	std::atomic<int> attempts{0};
	ReplicaStatsReporter reporter(
	    "r2", counters, {},
	    [&](const ReplicaStats &) -> bool {
		    attempts++;
		    throw std::runtime_error("cannot reach the server");
	    },
	    5ms);
	for (int i = 0; i < 400 && attempts < 3; i++) {
		std::this_thread::sleep_for(5ms);
	}
	EXPECT_GE(attempts.load(), 3);
	EXPECT_FALSE(reporter.ended());
}

} // namespace
} // namespace kafkaml::workers
