#include "workers/drift_detector.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

namespace kafkaml::workers {
namespace {

//! A window's error rate: `records` classifications, each wrong with
//! probability `error`.
double window_error(std::mt19937_64 &rng, double error, int64_t records) {
	std::binomial_distribution<int64_t> wrong(records, error);
	return static_cast<double>(wrong(rng)) / static_cast<double>(records);
}

TEST(PageHinkley, StationaryErrorsRaiseNoDriftOverALongRun) {
	// A million records at a 10% error rate, in windows of a few sizes:
	// the defaults keep quiet on noise of this size.
	for (int64_t window : {1, 100, 1000}) {
		PageHinkley detector;
		std::mt19937_64 rng(15);
		int64_t detections = 0;
		for (int64_t seen = 0; seen < 1'000'000; seen += window) {
			detections += detector.observe(window_error(rng, 0.1, window), window) ? 1 : 0;
		}
		EXPECT_EQ(detections, 0) << "windows of " << window;
		EXPECT_NEAR(detector.mean(), 0.1, 0.005) << "windows of " << window;
	}
}

TEST(PageHinkley, AnIncreaseOfTheMeanIsDetectedWithinABoundedDelay) {
	PageHinkley detector;
	std::mt19937_64 rng(15);
	for (int i = 0; i < 50; i++) {
		ASSERT_FALSE(detector.observe(window_error(rng, 0.1, 100), 100)) << "window " << i;
	}
	// The error rises by 0.3: each record adds about 0.3 - delta to m_T,
	// so lambda (100) is passed after some 340 records, in the 4th window.
	int64_t delay = 0;
	bool detected = false;
	while (!detected && delay < 10'000) {
		detected = detector.observe(window_error(rng, 0.4, 100), 100);
		delay += 100;
	}
	EXPECT_TRUE(detected);
	EXPECT_GE(delay, 300) << "no sooner than the evidence allows";
	EXPECT_LE(delay, 600);
}

TEST(PageHinkley, ADecreaseIsNoDrift) {
	PageHinkley detector;
	for (int i = 0; i < 20; i++) {
		detector.observe(0.5, 100);
	}
	for (int i = 0; i < 200; i++) {
		ASSERT_FALSE(detector.observe(0.05, 100)) << "a falling error is the model learning";
	}
}

TEST(PageHinkley, ARecordWeighsAsMuchInOneWindowAsInMany) {
	// n observations of e at once are n single ones: the same statistic.
	PageHinkley whole, single;
	whole.observe(0.1, 400);
	whole.observe(0.3, 50);
	for (int i = 0; i < 400; i++) {
		single.observe(0.1);
	}
	for (int i = 0; i < 50; i++) {
		single.observe(0.3);
	}
	EXPECT_EQ(whole.observations(), 450);
	EXPECT_NEAR(whole.statistic(), single.statistic(), 1e-9);
	EXPECT_NEAR(whole.mean(), single.mean(), 1e-12);
	// By hand: 400 * 0.1 then 50 * 0.3; m_T's terms for the first 400 are
	// -delta, and M_T is m_400 = -2.
	double m = -400 * 0.005, mean = 0.1;
	for (int k = 1; k <= 50; k++) {
		mean = (40.0 + 0.3 * k) / (400.0 + k);
		m += 0.3 - mean - 0.005;
	}
	EXPECT_NEAR(whole.statistic(), m - (-2.0), 1e-9);
}

TEST(PageHinkley, NoDetectionBeforeTheMinimumObservations) {
	PageHinkley detector(PageHinkleyOptions{.delta = 0.005, .lambda = 0.5, .min_observations = 30});
	EXPECT_FALSE(detector.observe(0.0, 10));
	EXPECT_FALSE(detector.observe(1.0, 10)) << "past lambda, but 20 observations";
	EXPECT_GT(detector.statistic(), 0.5);
	EXPECT_TRUE(detector.observe(1.0, 10)) << "30 observations";
}

TEST(PageHinkley, ADetectionResetsTheTest) {
	PageHinkley detector(PageHinkleyOptions{.delta = 0.005, .lambda = 10, .min_observations = 30});
	detector.observe(0.1, 1000);
	ASSERT_TRUE(detector.observe(0.9, 100));
	EXPECT_EQ(detector.observations(), 0);
	EXPECT_EQ(detector.statistic(), 0);
	// The new level is the new normal: staying at it is no second drift.
	for (int i = 0; i < 100; i++) {
		ASSERT_FALSE(detector.observe(0.9, 100)) << "window " << i;
	}
	EXPECT_NEAR(detector.mean(), 0.9, 1e-12);
	detector.reset();
	EXPECT_EQ(detector.observations(), 0);
	EXPECT_EQ(detector.mean(), 0);
}

TEST(PageHinkley, NonFiniteValuesAndEmptyWindowsAreIgnored) {
	PageHinkley detector;
	EXPECT_FALSE(detector.observe(std::numeric_limits<double>::quiet_NaN(), 100));
	EXPECT_FALSE(detector.observe(std::numeric_limits<double>::infinity(), 100));
	EXPECT_FALSE(detector.observe(0.5, 0));
	EXPECT_EQ(detector.observations(), 0);
}

} // namespace
} // namespace kafkaml::workers
