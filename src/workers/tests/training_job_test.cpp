#include "workers/training_job.h"

#include "ml/plan.h"
#include "ml/spec/parse.h"
#include "ml/tests/keras_weights_writer.h"
#include "stream/memory_log.h"
#include "workers/tests/fake_job_coordinator.h"
#include "workers/tests/hcopd_like.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <random>
#include <thread>

namespace kafkaml::workers {
namespace {

using testing::FakeJobCoordinator;

double metric_value(const ml::MetricValues &values, const std::string &name) {
	for (const auto &[key, value] : values) {
		if (key == name) {
			return value;
		}
	}
	ADD_FAILURE() << "no metric " << name;
	return -1.0;
}

//! A log holding an HCOPD-like stream and its control message; the job's
//! environment reads it through the in-memory fakes.
class TrainingJobTest : public ::testing::Test {
protected:
	void SetUp() override {
		auto start = testing::append_hcopd_like(log, "hcopd", 0, 239, 7);
		control.deployment_id = 3;
		control.ranges = {{"hcopd", 0, start, start + 239}};
		control.input_format = "RAW";
		control.input_config = {
		    {"data_type", "float32"}, {"label_type", "uint8"}, {"data_reshape", "3"}, {"label_reshape", ""}};
		control.validation_rate = 0.1;
		control.total_msg = 239;

		TrainingAssignment assignment;
		assignment.result_id = 11;
		assignment.deployment_id = 3;
		assignment.model_code = testing::kHcopdModel;
		assignment.batch = 10;
		assignment.fit.epochs = 1000;
		assignment.fit.steps_per_epoch = 22;
		assignment.fit.shuffle = true;
		assignment.seed = 42;
		coordinator.training[11] = assignment;

		env.coordinator = &coordinator;
		env.wait_for_stream = [this](int64_t deployment) {
			EXPECT_EQ(deployment, 3);
			return control;
		};
		env.open_ranges = [this](const std::vector<formats::Range> &ranges) -> std::unique_ptr<stream::Source> {
			return std::make_unique<stream::MemoryRangeReader>(log, ranges);
		};
	}

	//! The job trains on an HCOPD-like stream whose keys hold a second
	//! label, `second(record)`, after the first.
	void train_on_two_labels(const std::function<char(const stream::Record &)> &second) {
		stream::MemoryLog one_label;
		auto first = testing::append_hcopd_like(one_label, "hcopd", 0, 239, 7);
		for (auto record : one_label.read("hcopd", 0, first, 239)) {
			record.key->push_back(second(record));
			log.append({"two_labels", 0, -1, *record.key, record.value});
		}
		control.ranges = {{"two_labels", 0, 0, 239}};
		control.input_config["label_reshape"] = "2";
	}

	stream::MemoryLog log;
	formats::ControlMessage control;
	FakeJobCoordinator coordinator;
	TrainingJobEnvironment env;
};

TEST_F(TrainingJobTest, TrainsThePaperModelOnTheStreamAndUploadsIt) {
	ASSERT_EQ(run_training_job(11, env), JobOutcome::finished) << ::testing::PrintToString(coordinator.statuses);
	ASSERT_EQ(coordinator.statuses, (std::vector<std::string>{"running", "finished"}));
	ASSERT_TRUE(coordinator.stream);
	EXPECT_EQ(coordinator.stream->topic_ranges, formats::format_range_list(control.ranges));
	EXPECT_EQ(coordinator.stream->input_format, "RAW");
	EXPECT_EQ(coordinator.epochs.size(), 1000u);
	ASSERT_TRUE(coordinator.report);
	const auto &report = *coordinator.report;
	EXPECT_EQ(report.samples_validation, 23); // int(0.1 * 239)
	EXPECT_EQ(report.samples_test, 0);
	EXPECT_EQ(report.samples_train, 216);
	EXPECT_GT(metric_value(report.validation, "accuracy"), 0.75);
	ASSERT_EQ(report.confusion_matrix.size(), 2u);
	int64_t total = 0;
	for (const auto &row : report.confusion_matrix) {
		for (auto count : row) {
			total += count;
		}
	}
	EXPECT_EQ(total, 23);
	auto model = ml::Model::load(coordinator.model_blob);
	EXPECT_EQ(model.param_count(), 26);
}

TEST_F(TrainingJobTest, SplitsTrainTestValidationInStreamOrder) {
	control.test_rate = 0.2;
	coordinator.training[11].fit.epochs = 2;
	coordinator.training[11].fit.steps_per_epoch.reset();
	ASSERT_EQ(run_training_job(11, env), JobOutcome::finished);
	EXPECT_EQ(coordinator.report->samples_test, 47);       // int(0.2 * 239)
	EXPECT_EQ(coordinator.report->samples_validation, 23); // int(0.1 * 239)
	EXPECT_EQ(coordinator.report->samples_train, 239 - 47 - 23);
	EXPECT_FALSE(coordinator.report->test.empty());
}

TEST_F(TrainingJobTest, InvalidModelCodeFailsWithTheParserMessage) {
	coordinator.training[11].model_code = "model = tf.keras.Sequential([\n  tf.keras.layers.Dense2(4)\n])\n";
	EXPECT_EQ(run_training_job(11, env), JobOutcome::failed);
	ASSERT_EQ(coordinator.statuses.size(), 1u);
	EXPECT_NE(coordinator.statuses[0].find("line 2"), std::string::npos) << coordinator.statuses[0];
}

TEST_F(TrainingJobTest, StreamWithoutLabelsFailsSayingWhatIsMissing) {
	control.input_config.erase("label_type");
	EXPECT_EQ(run_training_job(11, env), JobOutcome::failed);
	EXPECT_NE(coordinator.statuses.back().find("label_type"), std::string::npos) << coordinator.statuses.back();
}

TEST_F(TrainingJobTest, RowWidthNotMatchingTheModelFails) {
	control.input_config["data_reshape"] = "";
	coordinator.training[11].model_code = std::string(testing::kHcopdModel);
	auto at = coordinator.training[11].model_code.find("(3,)");
	coordinator.training[11].model_code.replace(at, 4, "(5,)");
	EXPECT_EQ(run_training_job(11, env), JobOutcome::failed);
	EXPECT_NE(coordinator.statuses.back().find("has 3 values"), std::string::npos) << coordinator.statuses.back();
}

// Labels that do not fit the loss once escaped the job's user errors: the
// job exited 1 and was restarted five times, re-reading the stream each
// time, before its result was marked failed.
TEST_F(TrainingJobTest, LabelsThatDoNotFitTheLossFailOnceWithTheReason) {
	auto &code = coordinator.training[11].model_code;
	code = std::string(testing::kHcopdModel);
	auto at = code.find("sparse_categorical_crossentropy");
	ASSERT_NE(at, std::string::npos);
	code.replace(at, std::string("sparse_categorical_crossentropy").size(), "categorical_crossentropy");
	EXPECT_EQ(run_training_job(11, env), JobOutcome::failed);
	EXPECT_NE(coordinator.statuses.back().find("does not fit its training stream"), std::string::npos)
	    << coordinator.statuses.back();
}

// Keras builds a model without an input shape on its first batch: so does
// the job, from the stream's records.
TEST_F(TrainingJobTest, AModelWithoutInputShapeTakesItFromTheStream) {
	auto &code = coordinator.training[11].model_code;
	code = std::string(testing::kHcopdModel);
	auto at = code.find(", input_shape=(3,)");
	ASSERT_NE(at, std::string::npos);
	code.erase(at, std::string(", input_shape=(3,)").size());
	coordinator.training[11].fit.epochs = 3;
	ASSERT_EQ(run_training_job(11, env), JobOutcome::finished) << ::testing::PrintToString(coordinator.statuses);
	auto model = ml::Model::load(coordinator.model_blob);
	EXPECT_EQ(model.param_count(), 26);
	EXPECT_EQ(model.input_shape(), (ml::Shape{3}));
}

// Layers beyond the paper's train from a RAW stream reshaped for them: the
// three features as a sequence of three steps.
TEST_F(TrainingJobTest, TrainsSimpleRnnAndBidirectionalLayersOnTheStream) {
	control.input_config["data_reshape"] = "3 1";
	auto &assignment = coordinator.training[11];
	assignment.model_code =
	    "model = tf.keras.Sequential([\n"
	    "    tf.keras.layers.Bidirectional(tf.keras.layers.SimpleRNN(8, return_sequences=True), input_shape=(3, 1)),\n"
	    "    tf.keras.layers.LSTM(4, dropout=0.1, recurrent_dropout=0.1),\n"
	    "    tf.keras.layers.Dense(2, activation='softmax')])\n"
	    "model.compile(tf.keras.optimizers.Adam(0.01), loss='sparse_categorical_crossentropy', metrics=['accuracy'])\n";
	assignment.fit.epochs = 15;
	ASSERT_EQ(run_training_job(11, env), JobOutcome::finished) << ::testing::PrintToString(coordinator.statuses);
	ASSERT_TRUE(coordinator.report);
	EXPECT_GT(metric_value(coordinator.report->validation, "accuracy"), 0.75);
	auto model = ml::Model::load(coordinator.model_blob);
	// Bidirectional: 2 (8 (1 + 8) + 8); LSTM: 4 (4 (16 + 4) + 4); Dense: 4 2 + 2.
	EXPECT_EQ(model.param_count(), 2 * (8 * 9 + 8) + 4 * (4 * 20 + 4) + 10);
	EXPECT_EQ(model.input_shape(), (ml::Shape{3, 1}));
}

// A small CNN with weight regularizers, whose penalties Keras reports in
// the loss: the job's reported loss is the engine's evaluation with them.
TEST_F(TrainingJobTest, TrainsARegularizedCnnOnTheStream) {
	control.input_config["data_reshape"] = "3 1";
	auto &assignment = coordinator.training[11];
	assignment.model_code =
	    "model = tf.keras.Sequential([\n"
	    "    tf.keras.layers.Conv1D(8, 2, padding='causal', activation='relu', input_shape=(3, 1),\n"
	    "                           kernel_regularizer=tf.keras.regularizers.l2(0.001)),\n"
	    "    tf.keras.layers.Conv1D(4, 2, activation='relu', kernel_regularizer='l1'),\n"
	    "    tf.keras.layers.Flatten(),\n"
	    "    tf.keras.layers.Dense(2, activation='softmax', bias_regularizer='l2')])\n"
	    "model.compile(tf.keras.optimizers.Adam(0.01), loss='sparse_categorical_crossentropy',\n"
	    "              metrics=['accuracy'])\n";
	assignment.fit.epochs = 15;
	ASSERT_EQ(run_training_job(11, env), JobOutcome::finished) << ::testing::PrintToString(coordinator.statuses);
	ASSERT_TRUE(coordinator.report);
	EXPECT_GT(metric_value(coordinator.report->validation, "accuracy"), 0.75);
	auto model = ml::Model::load(coordinator.model_blob);
	EXPECT_EQ(model.param_count(), (2 * 8 + 8) + (2 * 8 * 4 + 4) + (2 * 4 * 2 + 2));
	double penalty = 0; // the second convolution's l1 (0.01) alone is a lower bound
	auto p = model.parameters();
	for (size_t i = 24; i < 24 + 64; i++) {
		penalty += 0.01 * std::fabs(p[i]);
	}
	EXPECT_GT(metric_value(coordinator.report->validation, "loss"), penalty);
}

const std::string kTransferModel = ml::testing::transfer_definition("0.35", 3);

// A keras.applications base takes the weights file uploaded with the model
// (the assignment's, as the coordinator fetched it) before training.
TEST_F(TrainingJobTest, APretrainedBaseTrainsFromTheUploadedWeightsFile) {
	stream::MemoryLog images;
	std::mt19937 rng(5);
	std::uniform_real_distribution<float> pixel(0.0f, 1.0f);
	int64_t first = -1;
	for (int i = 0; i < 24; i++) {
		std::vector<float> values(32 * 32 * 3);
		for (auto &v : values) {
			v = pixel(rng);
		}
		stream::Record record;
		record.topic = "images";
		record.key = std::string(1, static_cast<char>(i % 3));
		record.value.assign(reinterpret_cast<const char *>(values.data()), values.size() * sizeof(float));
		auto offset = images.append(std::move(record));
		first = first < 0 ? offset : first;
	}
	control.ranges = {{"images", 0, first, first + 24}};
	control.input_config["data_reshape"] = "32 32 3";
	control.total_msg = 24;
	env.open_ranges = [&images](const std::vector<formats::Range> &ranges) -> std::unique_ptr<stream::Source> {
		return std::make_unique<stream::MemoryRangeReader>(images, ranges);
	};
	auto &assignment = coordinator.training[11];
	assignment.model_code = kTransferModel;
	assignment.fit.epochs = 1;
	assignment.fit.steps_per_epoch.reset();

	ml::ModelSpec spec = ml::parse_model_definition(kTransferModel);
	ml::ModelPlan plan = ml::plan_model(spec);
	auto file = ml::testing::weights_for(plan, 17, "out_relu");
	assignment.weights = ml::testing::write_keras_weights(file);
	ASSERT_EQ(run_training_job(11, env), JobOutcome::finished) << ::testing::PrintToString(coordinator.statuses);

	// The frozen base holds the file's numbers after training.
	auto trained = ml::testing::weights_by_name(plan, coordinator.model_blob);
	int64_t checked = 0;
	for (const auto &layer : file) {
		for (const auto &weight : layer.weights) {
			if (weight.name.find("kernel") == std::string::npos) {
				continue; // BatchNormalization's moving statistics may move with the data
			}
			std::string name = weight.name.substr(0, weight.name.rfind(':'));
			ASSERT_EQ(trained[name], weight.values) << name;
			checked++;
		}
	}
	EXPECT_GT(checked, 30);
}

TEST_F(TrainingJobTest, APretrainedBaseWithoutItsWeightsFileFailsAtOnceSayingWhatToUpload) {
	coordinator.training[11].model_code = kTransferModel;
	env.wait_for_stream = [](int64_t) -> formats::ControlMessage {
		ADD_FAILURE() << "the job waited for its stream";
		return {};
	};
	EXPECT_EQ(run_training_job(11, env), JobOutcome::failed);
	EXPECT_NE(coordinator.statuses.back().find("mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_32_no_top.h5"),
	          std::string::npos)
	    << coordinator.statuses.back();
	EXPECT_NE(coordinator.statuses.back().find("PUT /api/v1/models/{id}/weights"), std::string::npos);
}

// What the engine does not train yet is said before the job waits for its
// stream, once.
TEST_F(TrainingJobTest, AModelTheEngineDoesNotTrainYetFailsAtOnceSayingWhat) {
	coordinator.training[11].model_code =
	    "import tensorflow as tf\n"
	    "model = tf.keras.Sequential([tf.keras.layers.Resizing(2, 2, 'bicubic', input_shape=(3, 1, 1)),\n"
	    "                             tf.keras.layers.Flatten(), tf.keras.layers.Dense(2, activation='softmax')])\n"
	    "model.compile('adam', 'sparse_categorical_crossentropy')\n";
	env.wait_for_stream = [](int64_t) -> formats::ControlMessage {
		ADD_FAILURE() << "the job waited for its stream";
		return {};
	};
	EXPECT_EQ(run_training_job(11, env), JobOutcome::failed);
	EXPECT_NE(coordinator.statuses.back().find("(Resizing): "), std::string::npos) << coordinator.statuses.back();
}

TEST_F(TrainingJobTest, CorruptRecordFailsNamingItsOffset) {
	stream::Record bad{"hcopd", 0, -1, std::string(1, '\1'), "xy"};
	auto offset = log.append(bad);
	control.ranges[0].end = offset + 1;
	control.total_msg = 240;
	EXPECT_EQ(run_training_job(11, env), JobOutcome::failed);
	EXPECT_NE(coordinator.statuses.back().find(std::to_string(offset)), std::string::npos)
	    << coordinator.statuses.back();
}

TEST_F(TrainingJobTest, MissingValuesFailCountingThemAndNamingTheFirst) {
	// Trained on, a NaN would not fail anything: the loss would be NaN.
	float nan = std::numeric_limits<float>::quiet_NaN();
	auto first = log.append({"hcopd", 0, -1, std::string(1, '\1'), testing::float_bytes({0.5f, nan, 1.0f})});
	log.append({"hcopd", 0, -1, std::string(1, '\1'),
	            testing::float_bytes({std::numeric_limits<float>::infinity(), 0.0f, 1.0f})});
	control.ranges[0].end = first + 2;
	control.total_msg = 241;
	EXPECT_EQ(run_training_job(11, env), JobOutcome::failed);
	const auto &status = coordinator.statuses.back();
	EXPECT_NE(status.find("2 of 241 records of the training stream have a missing (null or NaN) or infinite value, "
	                      "the first at hcopd partition 0 offset " +
	                      std::to_string(first) + ", in its features"),
	          std::string::npos)
	    << status;
	EXPECT_TRUE(coordinator.model_blob.empty()) << "a model was uploaded from a stream it could not train on";
}

TEST_F(TrainingJobTest, RangesNotInTheLogFailNamingThemRatherThanRestart) {
	// A restarted job would meet the same missing records: fail for the user
	// to see, as for a topic or partition that does not exist.
	control.ranges = {{"nosuch", 4, 0, 239}};
	EXPECT_EQ(run_training_job(11, env), JobOutcome::failed);
	ASSERT_FALSE(coordinator.statuses.empty());
	EXPECT_NE(coordinator.statuses.back().find("nosuch:4:0:239"), std::string::npos) << coordinator.statuses.back();
	EXPECT_NE(coordinator.statuses.back().find("cannot be read"), std::string::npos) << coordinator.statuses.back();
}

//! The first `available` records of `inner`, then nothing: a control
//! message naming records that are not in the log.
class StalledSource final : public stream::Source {
public:
	StalledSource(std::unique_ptr<stream::Source> inner, size_t available)
	    : inner_(std::move(inner)), available_(available) {}
	bool poll_batch(std::vector<stream::Record> &out, size_t max, std::chrono::milliseconds timeout) override {
		if (given_ >= available_) {
			std::this_thread::sleep_for(std::min(timeout, std::chrono::milliseconds(10)));
			return true;
		}
		size_t before = out.size();
		inner_->poll_batch(out, std::min(max, available_ - given_), timeout);
		given_ += out.size() - before;
		return true;
	}

private:
	std::unique_ptr<stream::Source> inner_;
	size_t available_;
	size_t given_ = 0;
};

TEST_F(TrainingJobTest, RecordsMissingFromTheLogAreWaitedForVisiblyThenFail) {
	env.open_ranges = [this](const std::vector<formats::Range> &ranges) -> std::unique_ptr<stream::Source> {
		return std::make_unique<StalledSource>(std::make_unique<stream::MemoryRangeReader>(log, ranges), 100);
	};
	env.records_timeout = std::chrono::milliseconds(300);
	env.waiting_report_after = std::chrono::milliseconds(50);
	EXPECT_EQ(run_training_job(11, env), JobOutcome::failed);
	ASSERT_FALSE(coordinator.details.empty());
	EXPECT_EQ(coordinator.details[0],
	          "waiting for records: hcopd:0 has 100 of 239 (fails after 300 ms without new records)");
	ASSERT_FALSE(coordinator.statuses.empty());
	EXPECT_NE(coordinator.statuses.back().find("hcopd:0 has 100 of 239"), std::string::npos)
	    << coordinator.statuses.back();
	EXPECT_NE(coordinator.statuses.back().find("waited 300 ms"), std::string::npos) << coordinator.statuses.back();
	EXPECT_TRUE(coordinator.epochs.empty());
}

TEST_F(TrainingJobTest, TheDetailSaysWhatItTrainsOn) {
	coordinator.training[11].fit.epochs = 2;
	ASSERT_EQ(run_training_job(11, env), JobOutcome::finished);
	ASSERT_EQ(coordinator.details.size(), 1u) << ::testing::PrintToString(coordinator.details);
	EXPECT_EQ(coordinator.details[0], "training on 216 records, validating on 23, testing on 0 (of hcopd:0:" +
	                                      std::to_string(control.ranges[0].start) + ":" +
	                                      std::to_string(control.ranges[0].end) + ")");
}

TEST_F(TrainingJobTest, StopRequestedDuringFitEndsAsStopped) {
	coordinator.stop_after_epochs = 5;
	EXPECT_EQ(run_training_job(11, env), JobOutcome::stopped);
	EXPECT_EQ(coordinator.epochs.size(), 5u);
	EXPECT_EQ(coordinator.statuses.back(), "stopped");
	EXPECT_FALSE(coordinator.report);
}

TEST_F(TrainingJobTest, ARestartedJobReReadsTheLogAndGetsTheSameResult) {
	coordinator.training[11].fit.epochs = 20;
	ASSERT_EQ(run_training_job(11, env), JobOutcome::finished);
	auto first = coordinator.model_blob;
	FakeJobCoordinator again;
	again.training = coordinator.training;
	env.coordinator = &again;
	ASSERT_EQ(run_training_job(11, env), JobOutcome::finished);
	EXPECT_EQ(again.model_blob, first); // deterministic given the seed
}

// A functional model with two inputs: a record's three values are the
// first input's one then the second's two (src/ml/README.md, "Data layout").
TEST_F(TrainingJobTest, TrainsAFunctionalTwoInputModelOnARawStream) {
	auto &assignment = coordinator.training[11];
	assignment.model_code = R"(from tensorflow import keras
from tensorflow.keras import layers
gender = keras.Input(shape=(1,), name="gender")
history = keras.Input(shape=(2,), name="history")
x = layers.Dense(4, activation="relu")(history)
y = layers.Dense(2, activation="relu")(gender)
out = layers.Dense(2, activation="softmax")(layers.Concatenate()([x, y]))
model = keras.Model([gender, history], out)
model.compile(keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
)";
	assignment.fit.epochs = 30;
	ASSERT_EQ(run_training_job(11, env), JobOutcome::finished) << ::testing::PrintToString(coordinator.statuses);
	ASSERT_TRUE(coordinator.report);
	EXPECT_THAT(coordinator.report->validation, ::testing::Contains(::testing::Pair("accuracy", ::testing::Gt(0.75))));
	EXPECT_EQ(coordinator.report->confusion_matrix.size(), 2u);
	auto model = ml::Model::load(coordinator.model_blob);
	EXPECT_EQ(model.param_count(), (2 * 4 + 4) + (1 * 2 + 2) + (6 * 2 + 2));
	EXPECT_EQ(model.input_shapes(), (std::vector<ml::Shape>{{1}, {2}}));
	EXPECT_EQ(model.save(), coordinator.model_blob); // the graph round trips
	// Swapping the inputs changes the predictions: the model reads them apart.
	ml::Array x{{1, 3}, {1.0f, 0.9f, 0.7f}}, swapped{{1, 3}, {0.7f, 0.9f, 1.0f}};
	EXPECT_NE(model.predict(x).data, model.predict(swapped).data);

	// Another width than the inputs' together is the user's to fix.
	FakeJobCoordinator again;
	again.training = coordinator.training;
	again.training[11].model_code.replace(again.training[11].model_code.find("shape=(2,)"), 10, "shape=(3,)");
	env.coordinator = &again;
	EXPECT_EQ(run_training_job(11, env), JobOutcome::failed);
	EXPECT_NE(again.statuses.back().find("has 3 values but the model's inputs gender (1,), history (3,) take 4"),
	          std::string::npos)
	    << again.statuses.back();
}

// Two outputs, the record's key holding one label per output: Keras'
// per-output metrics are reported.
TEST_F(TrainingJobTest, TrainsATwoOutputModelWithALabelPerOutput) {
	train_on_two_labels([](const stream::Record &record) {
		float gender = 0;
		std::memcpy(&gender, record.value.data(), sizeof gender);
		return gender > 0 ? '\1' : '\0';
	});
	auto &assignment = coordinator.training[11];
	assignment.model_code = R"(import tensorflow as tf
x = tf.keras.Input(shape=(3,))
h = tf.keras.layers.Dense(8, activation="relu")(x)
ill = tf.keras.layers.Dense(2, activation="softmax", name="ill")(h)
male = tf.keras.layers.Dense(1, activation="sigmoid", name="male")(h)
model = tf.keras.Model(x, [ill, male])
model.compile(tf.keras.optimizers.Adam(0.01), loss=["sparse_categorical_crossentropy", "binary_crossentropy"],
              loss_weights=[1.0, 0.5], metrics=["accuracy"])
)";
	assignment.fit.epochs = 30;
	ASSERT_EQ(run_training_job(11, env), JobOutcome::finished) << ::testing::PrintToString(coordinator.statuses);
	ASSERT_TRUE(coordinator.report);
	using ::testing::Contains;
	using ::testing::Gt;
	using ::testing::Key;
	using ::testing::Pair;
	const auto &validation = coordinator.report->validation;
	EXPECT_THAT(validation, Contains(Key("loss")));
	EXPECT_THAT(validation, Contains(Key("ill_loss")));
	EXPECT_THAT(validation, Contains(Key("male_loss")));
	EXPECT_THAT(validation, Contains(Pair("ill_accuracy", Gt(0.75))));
	EXPECT_THAT(validation, Contains(Pair("male_accuracy", Gt(0.9))));
	EXPECT_TRUE(coordinator.report->confusion_matrix.empty()); // one per output is not reported
	EXPECT_EQ(ml::Model::load(coordinator.model_blob).output_shape(), (ml::Shape{3}));
}

// Early exits: a model whose outputs are two exits, trained on a stream
// with one label per record (as Keras, it applies to both exits), reports
// each exit's metrics and exit table on the validation share.
TEST_F(TrainingJobTest, ReportsTheExitTableOfAModelWithTwoExits) {
	auto &assignment = coordinator.training[11];
	assignment.model_code = R"(import tensorflow as tf
x = tf.keras.Input(shape=(3,))
h = tf.keras.layers.Dense(8, activation="relu", name="h")(x)
early = tf.keras.layers.Dense(2, activation="softmax", name="early")(h)
h2 = tf.keras.layers.Dense(8, activation="relu", name="h2")(h)
final = tf.keras.layers.Dense(2, activation="softmax", name="final")(h2)
model = tf.keras.Model(inputs=x, outputs=[early, final])
model.compile(tf.keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy", loss_weights=[0.5, 1.0],
              metrics=["accuracy"])
)";
	assignment.fit.epochs = 30;
	ASSERT_EQ(run_training_job(11, env), JobOutcome::finished) << ::testing::PrintToString(coordinator.statuses);
	ASSERT_TRUE(coordinator.report);
	const auto &exits = coordinator.report->exits;
	ASSERT_EQ(exits.size(), 2u);
	EXPECT_EQ(exits[0].name, "early");
	EXPECT_EQ(exits[1].name, "final");
	for (const auto &exit : exits) {
		EXPECT_GT(metric_value(exit.metrics, "accuracy"), 0.75) << exit.name;
		EXPECT_NEAR(metric_value(exit.metrics, "accuracy"),
		            metric_value(coordinator.report->validation, exit.name + "_accuracy"), 1e-9);
		ASSERT_EQ(exit.thresholds.size(), ml::default_exit_thresholds().size());
	}
	// At 0.5 every input reaches the first exit's threshold (two classes).
	EXPECT_EQ(exits[0].thresholds[0].count, 23);
	EXPECT_EQ(exits[1].thresholds[0].count, 0);
	for (size_t t = 0; t < exits[0].thresholds.size(); t++) {
		EXPECT_LE(exits[0].thresholds[t].count + exits[1].thresholds[t].count, 23);
	}
	EXPECT_EQ(ml::Model::load(coordinator.model_blob).stage_count(), 2u);
}

} // namespace
} // namespace kafkaml::workers
