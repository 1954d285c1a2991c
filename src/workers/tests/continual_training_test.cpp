#include "workers/continual_training.h"

#include "common/error.h"
#include "stream/memory_log.h"
#include "workers/tests/fake_job_coordinator.h"
#include "workers/tests/hcopd_like.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
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
	void commit(const std::vector<stream::TopicPartitionOffset> &offsets) override { topic_.commit(offsets); }

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
		// The fake topic reads from the log's committed offsets: the start
		// offsets a resumed job gives are where it reads from.
		env.open_online =
		    [this](const std::string &topic, int64_t from,
		           const std::vector<stream::TopicPartitionOffset> &start) -> std::unique_ptr<stream::Source> {
			opened.emplace_back(topic, from);
			started_at.push_back(start);
			log.commit(start);
			return std::make_unique<LiveTopic>(log, topic);
		};
	}

	stream::MemoryLog log;
	formats::ControlMessage control;
	FakeJobCoordinator coordinator;
	TrainingJobEnvironment env;
	std::vector<std::pair<std::string, int64_t>> opened;
	std::vector<std::vector<stream::TopicPartitionOffset>> started_at;
};

//! What the HTTP coordinator reads back of a stored version for a
//! restarted job (GET results/{id}/versions and its model).
ResumePoint resume_from(const ModelVersion &version) {
	return {version.version,  version.records,    version.metrics,
	        version.position, version.model_blob, version.training_state};
}

//! A job that dies (kill -9) mid-report: nothing after it runs.
struct Killed : RetriableError {
	Killed() : RetriableError("killed") {}
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
	EXPECT_TRUE(coordinator.drifts.empty()) << "an error that falls as the model learns is no drift";
}

TEST_F(ContinualTrainingTest, VersionsAreCutOnTheFirstWindowAndWhenTheMonitoredMetricImproves) {
	ASSERT_EQ(run_training_job(11, env), JobOutcome::finished);
	const auto &versions = coordinator.versions;
	ASSERT_GE(versions.size(), 2u) << "the model improves over its first windows";
	EXPECT_LT(versions.size(), coordinator.epochs.size()) << "not every window improves by 5%";
	EXPECT_EQ(versions[0].version, 1);
	EXPECT_EQ(versions[0].records, 200) << "the first window's model";
	// Each later one: numbered on, its window's prequential loss at least 5%
	// below the version before's; but the model the run ended with, a
	// version whatever its loss.
	EXPECT_EQ(versions.back().records, 1200);
	for (size_t i = 1; i < versions.size(); i++) {
		EXPECT_EQ(versions[i].version, static_cast<int64_t>(i + 1));
		EXPECT_GT(versions[i].records, versions[i - 1].records);
		auto loss = *metric(versions[i].metrics, "prequential_loss");
		if (i + 1 < versions.size()) {
			EXPECT_LE(loss, 0.95 * *metric(versions[i - 1].metrics, "prequential_loss"));
		}
	}
	// And each window that was no version did not improve enough.
	size_t next = 0;
	double reference = 0;
	for (const auto &window : coordinator.epochs) {
		auto records = static_cast<int64_t>(*metric(window.train, "records"));
		auto loss = *metric(window.train, "prequential_loss");
		bool cut = next < versions.size() && versions[next].records == records;
		if (cut && next + 1 == versions.size() && loss > 0.95 * reference) {
			next++; // the end's, not the rule's
		} else if (cut) {
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
	EXPECT_EQ(cut, (std::vector<std::pair<int64_t, int64_t>>{{4, 200}, {5, 600}, {6, 1000}, {7, 1200}}))
	    << "and the model it ended with";
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

//! The drift tests' stream: the model learns the rule over 3000 records,
//! then the label's rule flips for 3000 more.
class DriftTest : public ContinualTrainingTest {
protected:
	void SetUp() override {
		ContinualTrainingTest::SetUp();
		testing::append_hcopd_like(log, "hcopd-online", 0, 1800, 8);
		testing::append_hcopd_like(log, "hcopd-online", 0, 3000, 9, true);
	}

	std::vector<double> accuracies() const {
		std::vector<double> out;
		for (const auto &window : coordinator.epochs) {
			out.push_back(*metric(window.train, "prequential_accuracy"));
		}
		return out;
	}
	std::vector<double> learning_rates() const {
		std::vector<double> out;
		for (const auto &window : coordinator.epochs) {
			out.push_back(*metric(window.train, "learning_rate"));
		}
		return out;
	}
};

TEST_F(DriftTest, ARuleThatFlipsHalfWayIsOneDriftAndTheModelRelearns) {
	ASSERT_EQ(run_training_job(11, env), JobOutcome::finished) << ::testing::PrintToString(coordinator.statuses);
	auto accuracy = accuracies();
	ASSERT_EQ(accuracy.size(), 30u) << "windows of 200 records";
	EXPECT_GT(accuracy[14], 0.8) << "learned before the flip";
	EXPECT_LT(accuracy[15], 0.3) << "the first window after it is mostly wrong";

	ASSERT_EQ(coordinator.drifts.size(), 1u) << "the flip, once; neither the learning nor the relearning";
	const auto &drift = coordinator.drifts[0];
	EXPECT_EQ(drift.records, 3200) << "found in the flip's first window";
	EXPECT_EQ(drift.measure, "1 - accuracy");
	EXPECT_NEAR(drift.error_after, 1 - accuracy[15], 1e-9);
	EXPECT_LT(drift.error_before, 0.3) << "the mean error from the start";
	EXPECT_EQ(drift.response, DriftResponse::none);

	EXPECT_GT(accuracy.back(), 0.8) << "relearned the flipped rule";
	// No response asked: the optimizer and its learning rate went on as before.
	for (double rate : learning_rates()) {
		EXPECT_DOUBLE_EQ(rate, 0.05);
	}
}

TEST_F(DriftTest, NoDriftIsReportedWhenDetectionIsOff) {
	coordinator.training[11].continual.drift_detection = false;
	ASSERT_EQ(run_training_job(11, env), JobOutcome::finished);
	EXPECT_EQ(coordinator.epochs.size(), 30u);
	EXPECT_TRUE(coordinator.drifts.empty());
}

TEST_F(DriftTest, AThresholdAboveTheFlipsEvidenceDetectsNothing) {
	// The flip's first window adds some 200 * 0.7 to m_T - M_T, and the
	// model relearns within a window or two: 1000 is never reached.
	coordinator.training[11].continual.drift_threshold = 1000;
	ASSERT_EQ(run_training_job(11, env), JobOutcome::finished);
	EXPECT_LT(accuracies()[15], 0.3);
	EXPECT_TRUE(coordinator.drifts.empty());
}

TEST_F(DriftTest, ResetOptimizerRestartsTheLearningRateSchedule) {
	// A schedule makes the optimizer's step count visible: the learning
	// rate falls with each step and starts over with a fresh optimizer.
	auto &assignment = coordinator.training[11];
	assignment.model_code = R"(model = tf.keras.Sequential([
    tf.keras.layers.Dense(4, activation='relu', input_shape=(3,)),
    tf.keras.layers.Dense(2, activation='softmax')
])
lr = tf.keras.optimizers.schedules.ExponentialDecay(0.05, decay_steps=1000, decay_rate=0.5)
model.compile(keras.optimizers.Adam(learning_rate=lr), loss='sparse_categorical_crossentropy', metrics=['accuracy'])
)";
	assignment.continual.drift_response = DriftResponse::reset_optimizer;
	ASSERT_EQ(run_training_job(11, env), JobOutcome::finished);
	ASSERT_EQ(coordinator.drifts.size(), 1u);
	EXPECT_EQ(coordinator.drifts[0].response, DriftResponse::reset_optimizer);
	auto rate = learning_rates();
	ASSERT_EQ(rate.size(), 30u);
	EXPECT_DOUBLE_EQ(rate[0], 0.05);
	for (size_t i = 1; i < rate.size(); i++) {
		if (i == 16) {
			EXPECT_DOUBLE_EQ(rate[i], 0.05) << "the window after the drift starts at the schedule's start";
		} else {
			EXPECT_LT(rate[i], rate[i - 1]) << "window " << i;
		}
	}
	EXPECT_GT(accuracies().back(), 0.8);
}

TEST_F(DriftTest, BoostLearningRateRaisesItAndDecaysBackOverFiveWindows) {
	coordinator.training[11].continual.drift_response = DriftResponse::boost_learning_rate;
	ASSERT_EQ(run_training_job(11, env), JobOutcome::finished);
	ASSERT_EQ(coordinator.drifts.size(), 1u);
	EXPECT_EQ(coordinator.drifts[0].response, DriftResponse::boost_learning_rate);
	auto rate = learning_rates();
	ASSERT_EQ(rate.size(), 30u);
	std::vector<double> expected(30, 0.05);
	for (size_t i = 0; i < 5; i++) {
		expected[16 + i] = 0.05 * std::pow(10.0, (5.0 - static_cast<double>(i)) / 5.0);
	}
	for (size_t i = 0; i < rate.size(); i++) {
		EXPECT_NEAR(rate[i], expected[i], 1e-12) << "window " << i;
	}
	EXPECT_NEAR(rate[16], 0.5, 1e-12) << "ten times compile's";
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

TEST_F(ContinualTrainingTest, TheModelARunEndsWithIsItsLastVersion) {
	coordinator.training[11].continual.improvement = 1e9; // only the first window and the end cut one
	ASSERT_EQ(run_training_job(11, env), JobOutcome::finished);
	ASSERT_EQ(coordinator.versions.size(), 2u);
	const auto &last = coordinator.versions.back();
	EXPECT_EQ(last.version, 2);
	EXPECT_EQ(last.records, 1200);
	EXPECT_EQ(last.model_blob, coordinator.model_blob) << "the latest version is the result's model";
	EXPECT_EQ(last.position.epoch, 6);
	EXPECT_EQ(metric(last.metrics, "prequential_loss"), metric(coordinator.epochs.back().train, "prequential_loss"))
	    << "scored as the last window was";
	EXPECT_EQ(metric(last.position.prequential, "prequential_accuracy"),
	          metric(coordinator.report->train, "prequential_accuracy"))
	    << "with the prequential metrics over every record";
	EXPECT_EQ(last.position.offsets, (std::vector<stream::TopicPartitionOffset>{{"hcopd-online", 0, 1200}}));
}

TEST_F(ContinualTrainingTest, AStopKeepsTheModelItEndedWithAsTheLastVersion) {
	coordinator.training[11].continual.improvement = 1e9;
	coordinator.stop_after_epochs = 3;
	ASSERT_EQ(run_training_job(11, env), JobOutcome::stopped);
	ASSERT_EQ(coordinator.versions.size(), 2u);
	EXPECT_EQ(coordinator.versions.back().records, 600);
	EXPECT_EQ(coordinator.versions.back().model_blob, coordinator.model_blob);
}

TEST_F(ContinualTrainingTest, NoRecordLearnedSinceTheLastVersionCutsNoOtherAtTheEnd) {
	auto &options = coordinator.training[11].continual;
	options.improvement = 1e9;
	options.version_every_records = 200; // every window is a version
	ASSERT_EQ(run_training_job(11, env), JobOutcome::finished);
	ASSERT_EQ(coordinator.versions.size(), 6u);
	EXPECT_EQ(coordinator.versions.back().records, 1200);
}

// Offsets go to the group only once the version that learned from them is
// stored: when a version is being stored, the group still holds the
// version before's; a version the server did not store moves nothing.
TEST_F(ContinualTrainingTest, OffsetsAreCommittedOnlyAfterTheVersionThatLearnedThemIsStored) {
	auto &options = coordinator.training[11].continual;
	options.improvement = 1e9;
	options.version_every_records = 400;
	std::vector<std::optional<int64_t>> committed_when_storing;
	coordinator.on_version = [&](const ModelVersion &version) {
		committed_when_storing.push_back(log.committed("hcopd-online", 0));
		if (version.version == 3) {
			throw RetriableError("the server is away"); // not stored; the job exits to be restarted
		}
	};
	EXPECT_THROW(run_training_job(11, env), RetriableError);
	ASSERT_EQ(coordinator.versions.size(), 2u);
	EXPECT_EQ(coordinator.versions[0].position.offsets,
	          (std::vector<stream::TopicPartitionOffset>{{"hcopd-online", 0, 200}}));
	EXPECT_EQ(coordinator.versions[1].position.offsets,
	          (std::vector<stream::TopicPartitionOffset>{{"hcopd-online", 0, 600}}));
	// Started with nothing to resume from: nothing committed; then each
	// version's offsets after it was stored.
	EXPECT_EQ(committed_when_storing, (std::vector<std::optional<int64_t>>{std::nullopt, 200, 600}));
	EXPECT_EQ(log.committed("hcopd-online", 0), 600) << "not past version 2, the last stored";
}

// kill -9 mid-stream: the restarted job resumes from the last version, its
// model, counts and the offsets after its records. The epoch series the
// killed run reported past that version is dropped and learned again: in
// the end every record is counted once, in the epochs, the versions and
// the prequential metrics.
TEST_F(ContinualTrainingTest, AKilledJobResumesFromItsLastVersionWithoutRelearningOrSkippingARecord) {
	auto &options = coordinator.training[11].continual;
	options.improvement = 1e9;
	options.version_every_records = 400;
	coordinator.on_epoch = [](const ml::EpochLog &epoch) {
		if (epoch.epoch == 5) {
			throw Killed(); // windows 4 (reported) and 5 (not) were learned after version 2
		}
	};
	EXPECT_THROW(run_training_job(11, env), Killed);
	ASSERT_EQ(coordinator.versions.size(), 2u);
	ASSERT_EQ(coordinator.epochs.size(), 4u);
	const auto &last = coordinator.versions.back();
	ASSERT_EQ(last.records, 600);
	auto killed_run_model = last.model_blob;

	// Restarted: the coordinator finds version 2 to resume from.
	coordinator.on_epoch = nullptr;
	options.resume = resume_from(last);
	options.next_version = 3;
	ASSERT_EQ(run_training_job(11, env), JobOutcome::finished) << ::testing::PrintToString(coordinator.statuses);
	ASSERT_EQ(started_at.size(), 2u);
	EXPECT_TRUE(started_at[0].empty());
	EXPECT_EQ(started_at[1], (std::vector<stream::TopicPartitionOffset>{{"hcopd-online", 0, 600}}))
	    << "it reads on after what version 2 learned";
	EXPECT_EQ(coordinator.stream->resumes_version, 2);
	EXPECT_THAT(coordinator.details.back(), ::testing::HasSubstr("resumed from version 2 after 600 records"));

	// The epoch series: windows 1-3 of the killed run, 4-6 of the resumed
	// one; records strictly increasing, every record once.
	ASSERT_EQ(coordinator.epochs.size(), 6u);
	double sum = 0;
	for (size_t i = 0; i < coordinator.epochs.size(); i++) {
		EXPECT_EQ(coordinator.epochs[i].epoch, static_cast<int64_t>(i + 1));
		EXPECT_EQ(metric(coordinator.epochs[i].train, "records"), 200.0 * static_cast<double>(i + 1));
		sum += *metric(coordinator.epochs[i].train, "prequential_accuracy") * 200;
	}
	ASSERT_TRUE(coordinator.report);
	EXPECT_EQ(coordinator.report->samples_train, 1200);
	EXPECT_EQ(coordinator.report->epochs, 6);
	EXPECT_NEAR(*metric(coordinator.report->train, "prequential_accuracy"), sum / 1200, 1e-9)
	    << "the prequential metrics over every record count the killed run's windows once";
	EXPECT_THAT(coordinator.report->detail, ::testing::HasSubstr("1200 records in 6 windows"));

	// Versions: numbered on, records strictly increasing, the last the end.
	std::vector<std::pair<int64_t, int64_t>> cut;
	for (const auto &version : coordinator.versions) {
		cut.emplace_back(version.version, version.records);
	}
	EXPECT_EQ(cut, (std::vector<std::pair<int64_t, int64_t>>{{1, 200}, {2, 600}, {3, 1000}, {4, 1200}}));
	EXPECT_EQ(log.committed("hcopd-online", 0), 1200);
	EXPECT_NE(coordinator.model_blob, killed_run_model) << "it trained on from version 2's model";
}

// The resumed run learns on as the killed one would have: with the
// version's training state (Adam's moments and step count, the generator
// that shuffles each window) its model ends bit for bit where an
// uninterrupted run's does; without it (a version stored before training
// states) it ends elsewhere.
TEST_F(ContinualTrainingTest, AResumedJobEndsWithTheModelOfAnUninterruptedOne) {
	auto &options = coordinator.training[11].continual;
	options.improvement = 1e9;
	options.version_every_records = 400;
	ASSERT_EQ(run_training_job(11, env), JobOutcome::finished);
	auto uninterrupted = ml::Model::load(coordinator.model_blob).parameters();
	ASSERT_EQ(coordinator.versions.size(), 4u);
	for (const auto &version : coordinator.versions) {
		EXPECT_FALSE(version.training_state.empty()) << "version " << version.version;
	}

	auto killed_then_resumed = [&](bool with_state) {
		coordinator.versions.clear();
		coordinator.epochs.clear();
		log.commit({{"hcopd-online", 0, 0}}); // the group starts over
		options.resume.reset();
		options.next_version = 1;
		coordinator.on_epoch = [](const ml::EpochLog &epoch) {
			if (epoch.epoch == 5) {
				throw Killed();
			}
		};
		EXPECT_THROW(run_training_job(11, env), Killed);
		coordinator.on_epoch = nullptr;
		options.resume = resume_from(coordinator.versions.back());
		EXPECT_EQ(options.resume->version, 2);
		if (!with_state) {
			options.resume->training_state.clear();
		}
		options.next_version = 3;
		EXPECT_EQ(run_training_job(11, env), JobOutcome::finished);
		EXPECT_EQ(coordinator.report->samples_train, 1200);
		return ml::Model::load(coordinator.model_blob).parameters();
	};
	EXPECT_EQ(killed_then_resumed(true), uninterrupted);
	EXPECT_NE(killed_then_resumed(false), uninterrupted) << "a fresh optimizer learns otherwise";
}

// A restarted job that finds no record after its version ends with the
// version's model and counts (incremental: after stream_timeout).
TEST_F(ContinualTrainingTest, AResumedJobWithNothingLeftToLearnEndsWithItsVersion) {
	coordinator.training[11].continual.improvement = 1e9;
	ASSERT_EQ(run_training_job(11, env), JobOutcome::finished);
	auto last = coordinator.versions.back();
	auto before = coordinator.versions.size();
	coordinator.training[11].continual.resume = resume_from(last);
	ASSERT_EQ(run_training_job(11, env), JobOutcome::finished) << ::testing::PrintToString(coordinator.statuses);
	EXPECT_EQ(coordinator.versions.size(), before) << "nothing learned, no version";
	EXPECT_EQ(coordinator.report->samples_train, 1200);
	EXPECT_EQ(coordinator.model_blob, last.model_blob);
}

// Over a control message's ranges, a resumed job reads what is left of them.
TEST_F(ContinualTrainingTest, AResumedJobOverRangesReadsOnlyWhatIsLeftOfThem) {
	control.online_topic.clear();
	control.ranges = {{"hcopd-online", 0, 0, 1000}};
	control.total_msg = 1000;
	auto &options = coordinator.training[11].continual;
	options.improvement = 1e9;
	options.version_every_records = 400;
	coordinator.on_epoch = [](const ml::EpochLog &epoch) {
		if (epoch.epoch == 4) {
			throw Killed();
		}
	};
	EXPECT_THROW(run_training_job(11, env), Killed);
	coordinator.on_epoch = nullptr;
	options.resume = resume_from(coordinator.versions.back());
	ASSERT_EQ(run_training_job(11, env), JobOutcome::finished);
	EXPECT_EQ(coordinator.report->samples_train, 1000);
	ASSERT_EQ(coordinator.epochs.size(), 5u);
	EXPECT_EQ(metric(coordinator.epochs.back().train, "records"), 1000.0);
}

} // namespace
} // namespace kafkaml::workers
