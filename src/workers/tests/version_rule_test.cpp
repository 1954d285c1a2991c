#include "workers/version_rule.h"

#include <gtest/gtest.h>

#include <limits>

namespace kafkaml::workers {
namespace {

VersionRule loss_rule() {
	return VersionRule{.metric = "loss", .higher_is_better = false, .improvement = 0.05, .every_records = {}};
}

TEST(VersionRule, TheFirstWindowsModelIsAVersion) {
	EXPECT_EQ(version_cut(loss_rule(), std::nullopt, 2.0, 100), VersionCut::first);
	EXPECT_EQ(version_cut(loss_rule(), std::nullopt, std::numeric_limits<double>::quiet_NaN(), 100), VersionCut::first);
}

TEST(VersionRule, ALossMustFallByTheImprovementRelativeToTheLastVersion) {
	VersionMark last{0.5, 1000};
	EXPECT_EQ(version_cut(loss_rule(), last, 0.476, 2000), VersionCut::none) << "4.8% lower";
	EXPECT_EQ(version_cut(loss_rule(), last, 0.475, 2000), VersionCut::improved) << "5% lower";
	EXPECT_EQ(version_cut(loss_rule(), last, 0.1, 2000), VersionCut::improved);
	EXPECT_EQ(version_cut(loss_rule(), last, 0.6, 2000), VersionCut::none) << "worse";
	EXPECT_EQ(version_cut(loss_rule(), last, std::numeric_limits<double>::quiet_NaN(), 2000), VersionCut::none);
}

TEST(VersionRule, AnAccuracyMustRiseWhenChangeIsUp) {
	auto rule = loss_rule();
	rule.metric = "accuracy";
	rule.higher_is_better = true;
	rule.improvement = 0.1;
	VersionMark last{0.6, 1000};
	EXPECT_EQ(version_cut(rule, last, 0.65, 2000), VersionCut::none) << "8% higher";
	EXPECT_EQ(version_cut(rule, last, 0.66, 2000), VersionCut::improved) << "10% higher";
	EXPECT_EQ(version_cut(rule, last, 0.3, 2000), VersionCut::none) << "lower is worse here";
}

TEST(VersionRule, ZeroImprovementTakesAnyStrictGainAndAZeroReferenceAnyGain) {
	auto rule = loss_rule();
	rule.improvement = 0;
	EXPECT_EQ(version_cut(rule, VersionMark{0.5, 0}, 0.4999, 10), VersionCut::improved);
	EXPECT_EQ(version_cut(rule, VersionMark{0.5, 0}, 0.5, 10), VersionCut::none) << "equal is no gain";
	auto up = loss_rule();
	up.higher_is_better = true;
	EXPECT_EQ(version_cut(up, VersionMark{0.0, 0}, 0.01, 10), VersionCut::improved);
	EXPECT_EQ(version_cut(up, VersionMark{-2.0, 0}, -1.8, 10), VersionCut::improved) << "relative to |-2|";
	EXPECT_EQ(version_cut(up, VersionMark{-2.0, 0}, -1.95, 10), VersionCut::none);
}

TEST(VersionRule, TheCadenceCutsAfterItsRecordsWhateverTheMetric) {
	auto rule = loss_rule();
	rule.every_records = 5000;
	VersionMark last{0.5, 1000};
	EXPECT_EQ(version_cut(rule, last, 0.9, 5999), VersionCut::none);
	EXPECT_EQ(version_cut(rule, last, 0.9, 6000), VersionCut::cadence);
	EXPECT_EQ(version_cut(rule, last, 0.4, 6000), VersionCut::improved) << "an improvement says so first";
	EXPECT_EQ(version_cut(loss_rule(), last, 0.9, 1'000'000), VersionCut::none) << "no cadence unless set";
}

TEST(VersionRule, TheMonitoredMetricIsFoundUnderTheNamesUsersGiveIt) {
	ml::MetricValues scores = {{"loss", 0.3}, {"accuracy", 0.9}};
	EXPECT_EQ(monitored_value(scores, "loss"), 0.3);
	EXPECT_EQ(monitored_value(scores, "accuracy"), 0.9);
	EXPECT_EQ(monitored_value(scores, "prequential_accuracy"), 0.9);
	EXPECT_EQ(monitored_value(scores, "val_loss"), 0.3);
	EXPECT_FALSE(monitored_value(scores, "auc"));
	EXPECT_FALSE(monitored_value(scores, "val_"));
}

} // namespace
} // namespace kafkaml::workers
