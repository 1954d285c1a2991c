#include "workers/continual_training.h"

#include "stream/memory_log.h"
#include "workers/tests/fake_job_coordinator.h"
#include "workers/tests/hcopd_like.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <limits>
#include <thread>

namespace kafkaml::workers {
namespace {

using namespace std::chrono_literals;
using testing::FakeJobCoordinator;

std::optional<double> metric(const ml::MetricValues &values, const std::string &name) {
	for (const auto &[key, value] : values) {
		if (key == name) {
			return value;
		}
	}
	return std::nullopt;
}

//! The in-memory topic as a live source: an empty poll waits its timeout,
//! as a consumer's does.
class LiveTopic final : public stream::Source {
public:
	LiveTopic(stream::MemoryLog &log, const std::string &topic) : topic_(log, topic, {0}) {}
	bool poll_batch(std::vector<stream::Record> &out, size_t max, std::chrono::milliseconds timeout) override {
		size_t before = out.size();
		topic_.poll_batch(out, max, timeout);
		if (out.size() == before) {
			std::this_thread::sleep_for(timeout);
		}
		return true;
	}

private:
	stream::MemoryTopicSource topic_;
};

//! A model that learns the HCOPD-like rule within a few windows.
constexpr const char *kQuickModel = R"(model = tf.keras.Sequential([
    tf.keras.layers.Dense(4, activation='relu', input_shape=(3,)),
    tf.keras.layers.Dense(2, activation='softmax')
])
model.compile(keras.optimizers.Adam(lr=.05), loss='sparse_categorical_crossentropy', metrics=['accuracy'])
)";

//! The original's online stream: a control message naming a bare topic,
//! then labelled RAW records on it.
class ContinualTrainingTest : public ::testing::Test {
protected:
	void SetUp() override {
		testing::append_hcopd_like(log, "hcopd-online", 0, 1200, 7);
		control.deployment_id = 3;
		control.online_topic = "hcopd-online";
		control.timestamp_ms = 1700000000000;
		control.input_format = "RAW";
		control.input_config = {
		    {"data_type", "float32"}, {"label_type", "uint8"}, {"data_reshape", "3"}, {"label_reshape", ""}};

		TrainingAssignment assignment;
		assignment.result_id = 11;
		assignment.deployment_id = 3;
		assignment.model_code = kQuickModel;
		assignment.batch = 20;
		assignment.fit.epochs = 5;
		assignment.seed = 42;
		assignment.continual.mode = TrainingMode::incremental;
		assignment.continual.window_size = 200;
		assignment.continual.stream_timeout = 300ms;
		coordinator.training[11] = assignment;

		env.coordinator = &coordinator;
		env.wait_for_stream = [this](int64_t) { return control; };
		env.open_ranges = [this](const std::vector<formats::Range> &ranges) -> std::unique_ptr<stream::Source> {
			return std::make_unique<stream::MemoryRangeReader>(log, ranges);
		};
		env.open_online = [this](const std::string &topic, int64_t from) -> std::unique_ptr<stream::Source> {
			opened.emplace_back(topic, from);
			return std::make_unique<LiveTopic>(log, topic);
		};
	}

	stream::MemoryLog log;
	formats::ControlMessage control;
	FakeJobCoordinator coordinator;
	TrainingJobEnvironment env;
	std::vector<std::pair<std::string, int64_t>> opened;
};

TEST_F(ContinualTrainingTest, IncrementalScoresThenTrainsEachWindowAndEndsAfterTheStreamTimeout) {
	auto started = std::chrono::steady_clock::now();
	ASSERT_EQ(run_training_job(11, env), JobOutcome::finished) << ::testing::PrintToString(coordinator.statuses);
	EXPECT_GE(std::chrono::steady_clock::now() - started, 300ms) << "it waited stream_timeout for more";
	EXPECT_EQ(coordinator.statuses, (std::vector<std::string>{"running", "finished"}));
	ASSERT_EQ(opened.size(), 1u);
	EXPECT_EQ(opened[0], (std::pair<std::string, int64_t>{"hcopd-online", 1700000000000}))
	    << "the stream starts at its control message";
	ASSERT_TRUE(coordinator.stream);
	EXPECT_TRUE(coordinator.stream->online);
	EXPECT_EQ(coordinator.stream->topic_ranges, "hcopd-online");

	// One entry per window: the records seen so far, the window's scores
	// before training on it, and the training's metrics.
	ASSERT_EQ(coordinator.epochs.size(), 6u);
	for (size_t i = 0; i < coordinator.epochs.size(); i++) {
		const auto &window = coordinator.epochs[i];
		EXPECT_EQ(window.epoch, static_cast<int64_t>(i + 1));
		EXPECT_EQ(metric(window.train, "records"), 200.0 * static_cast<double>(i + 1));
		EXPECT_TRUE(metric(window.train, "prequential_loss"));
		EXPECT_TRUE(metric(window.train, "accuracy"));
	}
	auto first = *metric(coordinator.epochs.front().train, "prequential_accuracy");
	auto last = *metric(coordinator.epochs.back().train, "prequential_accuracy");
	EXPECT_GT(last, 0.75) << "a window the model never trained on is predicted well";
	EXPECT_GT(last, first);

	ASSERT_TRUE(coordinator.report);
	const auto &report = *coordinator.report;
	EXPECT_EQ(report.samples_train, 1200);
	EXPECT_EQ(report.epochs, 6);
	auto overall = metric(report.train, "prequential_accuracy");
	ASSERT_TRUE(overall);
	EXPECT_GT(*overall, first);
	EXPECT_LT(*overall, last) << "the mean over every record, early windows included";
	EXPECT_NE(report.detail.find("1200 records in 6 windows"), std::string::npos) << report.detail;
	EXPECT_NE(report.detail.find("stream_timeout"), std::string::npos) << report.detail;
	EXPECT_EQ(ml::Model::load(coordinator.model_blob).param_count(), 26);
}

TEST_F(ContinualTrainingTest, VersionsAreCutOnTheFirstWindowAndWhenTheMonitoredMetricImproves) {
	ASSERT_EQ(run_training_job(11, env), JobOutcome::finished);
	const auto &versions = coordinator.versions;
	ASSERT_GE(versions.size(), 2u) << "the model improves over its first windows";
	EXPECT_LT(versions.size(), coordinator.epochs.size()) << "not every window improves by 5%";
	EXPECT_EQ(versions[0].version, 1);
	EXPECT_EQ(versions[0].records, 200) << "the first window's model";
	// Each later one: numbered on, its window's prequential loss at least 5%
	// below the version before's.
	for (size_t i = 1; i < versions.size(); i++) {
		EXPECT_EQ(versions[i].version, static_cast<int64_t>(i + 1));
		EXPECT_GT(versions[i].records, versions[i - 1].records);
		auto loss = *metric(versions[i].metrics, "prequential_loss");
		EXPECT_LE(loss, 0.95 * *metric(versions[i - 1].metrics, "prequential_loss"));
	}
	// And each window that was no version did not improve enough.
	size_t next = 0;
	double reference = 0;
	for (const auto &window : coordinator.epochs) {
		auto records = static_cast<int64_t>(*metric(window.train, "records"));
		auto loss = *metric(window.train, "prequential_loss");
		bool cut = next < versions.size() && versions[next].records == records;
		if (cut) {
			EXPECT_EQ(*metric(versions[next].metrics, "prequential_loss"), loss);
			reference = loss;
			next++;
		} else {
			EXPECT_GT(loss, 0.95 * reference) << "at " << records << " records";
		}
	}
	EXPECT_EQ(next, versions.size());
	for (const auto &version : versions) {
		EXPECT_EQ(ml::Model::load(version.model_blob).param_count(), 26);
	}
	EXPECT_TRUE(metric(versions[0].metrics, "prequential_accuracy"));
}

TEST_F(ContinualTrainingTest, ACadenceCutsVersionsWithoutImprovementAndARestartNumbersOn) {
	auto &options = coordinator.training[11].continual;
	options.improvement = 1e9; // no improvement is ever enough
	options.version_every_records = 400;
	options.next_version = 4; // three stored by an earlier run
	ASSERT_EQ(run_training_job(11, env), JobOutcome::finished);
	std::vector<std::pair<int64_t, int64_t>> cut;
	for (const auto &version : coordinator.versions) {
		cut.emplace_back(version.version, version.records);
	}
	EXPECT_EQ(cut, (std::vector<std::pair<int64_t, int64_t>>{{4, 200}, {5, 600}, {6, 1000}}));
}

TEST_F(ContinualTrainingTest, AMonitoringMetricTheModelDoesNotReportFailsNamingThoseItDoes) {
	coordinator.training[11].continual.monitoring_metric = "auc";
	ASSERT_EQ(run_training_job(11, env), JobOutcome::failed);
	EXPECT_THAT(coordinator.statuses.back(), ::testing::HasSubstr("\"auc\" is not a metric of this model"));
	EXPECT_THAT(coordinator.statuses.back(), ::testing::HasSubstr("loss, accuracy"));
	EXPECT_TRUE(coordinator.versions.empty());
}

TEST_F(ContinualTrainingTest, AWindowIsCutShortWhenTheStreamPauses) {
	coordinator.training[11].continual.window_size = 500;
	ASSERT_EQ(run_training_job(11, env), JobOutcome::finished);
	ASSERT_EQ(coordinator.epochs.size(), 3u);
	EXPECT_EQ(metric(coordinator.epochs[1].train, "records"), 1000.0);
	EXPECT_EQ(metric(coordinator.epochs[2].train, "records"), 1200.0) << "the last 200 did not wait for 300 more";
}

TEST_F(ContinualTrainingTest, IndefiniteOutlivesTheStreamTimeoutUntilStopped) {
	coordinator.training[11].continual.mode = TrainingMode::indefinite;
	auto stop_at = std::chrono::steady_clock::now() + 1500ms;
	env.cancelled = [&] { return std::chrono::steady_clock::now() >= stop_at; };
	ASSERT_EQ(run_training_job(11, env), JobOutcome::stopped);
	EXPECT_GE(std::chrono::steady_clock::now(), stop_at);
	EXPECT_EQ(coordinator.statuses, (std::vector<std::string>{"running", "stopped"}));
	EXPECT_EQ(coordinator.epochs.size(), 6u) << "every record was learned from before the stop";
	// What it learned stays with the stopped result, as a finished one's.
	ASSERT_TRUE(coordinator.report);
	EXPECT_EQ(coordinator.report->samples_train, 1200);
	EXPECT_TRUE(metric(coordinator.report->train, "prequential_accuracy"));
	EXPECT_EQ(ml::Model::load(coordinator.model_blob).param_count(), 26);
}

TEST_F(ContinualTrainingTest, AStopAnsweredToAWindowReportEndsTheJob) {
	coordinator.stop_after_epochs = 2;
	ASSERT_EQ(run_training_job(11, env), JobOutcome::stopped);
	EXPECT_EQ(coordinator.epochs.size(), 2u);
	EXPECT_EQ(coordinator.statuses.back(), "stopped");
	ASSERT_TRUE(coordinator.report);
	EXPECT_EQ(coordinator.report->samples_train, 400) << "the two windows learned before the stop";
	EXPECT_FALSE(coordinator.model_blob.empty());
}

TEST_F(ContinualTrainingTest, AStopBeforeAnyWindowKeepsNoModel) {
	env.cancelled = [] { return true; };
	ASSERT_EQ(run_training_job(11, env), JobOutcome::stopped);
	EXPECT_EQ(coordinator.statuses.back(), "stopped");
	EXPECT_FALSE(coordinator.report);
	EXPECT_TRUE(coordinator.model_blob.empty());
}

TEST_F(ContinualTrainingTest, UnusableRecordsAreSkippedCountedAndTheFirstNamed) {
	stream::Record nan;
	nan.topic = "hcopd-online";
	nan.key = std::string(1, '\1');
	nan.value = testing::float_bytes({1.0f, std::numeric_limits<float>::quiet_NaN(), 0.5f});
	auto nan_offset = log.append(nan);
	stream::Record narrow = nan;
	narrow.value = testing::float_bytes({1.0f, 2.0f});
	log.append(narrow);
	ASSERT_EQ(run_training_job(11, env), JobOutcome::finished) << ::testing::PrintToString(coordinator.statuses);
	EXPECT_EQ(coordinator.report->samples_train, 1200);
	ASSERT_FALSE(coordinator.details.empty());
	EXPECT_THAT(coordinator.details.back(), ::testing::HasSubstr("2 records skipped, the first at hcopd-online "
	                                                             "partition 0 offset " +
	                                                             std::to_string(nan_offset)));
}

TEST_F(ContinualTrainingTest, NoRecordWithinTheStreamTimeoutFailsSayingSo) {
	control.online_topic = "silent";
	ASSERT_EQ(run_training_job(11, env), JobOutcome::failed);
	EXPECT_THAT(coordinator.statuses.back(),
	            ::testing::HasSubstr("no record came from the online stream of topic silent"));
}

TEST_F(ContinualTrainingTest, IncrementalOverRangesEndsWithThem) {
	control.online_topic.clear();
	control.ranges = {{"hcopd-online", 0, 0, 1000}};
	control.total_msg = 1000;
	coordinator.training[11].continual.stream_timeout = std::chrono::hours(1);
	ASSERT_EQ(run_training_job(11, env), JobOutcome::finished);
	EXPECT_EQ(coordinator.report->samples_train, 1000);
	EXPECT_THAT(coordinator.report->detail, ::testing::HasSubstr("ranges ended"));
}

TEST_F(ContinualTrainingTest, ABatchDeploymentRefusesAnOnlineStream) {
	coordinator.training[11].continual.mode = TrainingMode::batch;
	ASSERT_EQ(run_training_job(11, env), JobOutcome::failed);
	EXPECT_THAT(coordinator.statuses.back(), ::testing::HasSubstr("--mode incremental"));
	EXPECT_TRUE(opened.empty());
}

} // namespace
} // namespace kafkaml::workers
