#include "ml/csv_data.h"
#include "ml/model.h"
#include "ml/spec/parse.h"
#include "spec_builders.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace kafkaml::ml;
using namespace kafkaml::ml::testing;

namespace {

FitOptions paper_options(int64_t epochs) {
	FitOptions o;
	o.epochs = epochs;
	o.batch_size = 10;
	o.steps_per_epoch = 22;
	o.shuffle = true;
	o.verbose = 0;
	return o;
}

//! The paper's HCOPD model as users write it.
constexpr const char *k_design_model = R"(model = tf.keras.Sequential([
    tf.keras.layers.Dropout(0.2, input_shape=(3,)),
    tf.keras.layers.Dense(4, activation='sigmoid'),
    tf.keras.layers.Dense(2, activation='softmax')
])
model.compile(keras.optimizers.Adam(lr=.0001), loss='sparse_categorical_crossentropy', metrics=['accuracy'])
)";

} // namespace

TEST(Model, DesignModelParsesToTheSpecTheTestsBuild) {
	auto parsed = parse_model_definition(k_design_model);
	auto built = Model::build(parsed, 7), coded = Model::build(hcopd_spec(), 7);
	EXPECT_EQ(built.summary(), coded.summary());
	EXPECT_EQ(built.parameters(), coded.parameters());
	EXPECT_EQ(parsed.compile.optimizer.name, "adam");
	EXPECT_DOUBLE_EQ(parsed.compile.optimizer.learning_rate, 1e-4);
}

TEST(Model, HcopdModelLearnsGeneratedData) {
	auto train = hcopd_like(215, 1);
	auto val = hcopd_like(24 * 4, 2);
	auto model = Model::build(parse_model_definition(k_design_model), 7);
	EXPECT_EQ(model.path(), ExecutionPath::Fused);
	EXPECT_EQ(model.param_count(), 26);
	auto result = model.fit(train.x, train.y, paper_options(1000), &val.x, &val.y);
	ASSERT_EQ(result.history.size(), 1000u);
	EXPECT_EQ(result.steps, 22000);
	double accuracy = metric(result.history.back().validation, "accuracy");
	EXPECT_GT(accuracy, 0.75);
	EXPECT_LT(metric(result.history.back().train, "loss"), metric(result.history.front().train, "loss"));
}

TEST(Model, HcopdModelLearnsTheRealDatasetWhenPresent) {
	const char *root = std::getenv("KAFKAML_SOURCE_DIR");
	auto path = std::filesystem::path(root ? root : ".") / ".." / "shared" / "datasets" / "hcopd" / "HCOPD_Dataset.csv";
	if (!std::filesystem::exists(path)) {
		GTEST_SKIP() << "dataset not present: " << path;
	}
	std::ifstream in(path);
	std::stringstream text;
	text << in.rdbuf();
	auto data = read_labeled_csv(text.str(), "Diagnosis");
	ASSERT_EQ(data.features.row_size(), 3);
	standardize(data.features);
	shuffle_rows(data, 3); // the file is ordered by diagnosis
	auto [train, val] = split_tail(data, 0.1);
	auto model = Model::build(parse_model_definition(k_design_model), 11);
	auto result = model.fit(train.features, train.labels, paper_options(1000), &val.features, &val.labels);
	EXPECT_GT(metric(result.history.back().validation, "accuracy"), 0.75);
}

TEST(Model, RegressionReachesStatedMse) {
	// y = 2 a - b + 0.5 sin(3 c) + noise(0.05); a two-layer relu net gets MSE < 0.05.
	Rng rng(5);
	Array x{{400, 3}, {}}, y{{400, 1}, {}};
	for (int i = 0; i < 400; i++) {
		float a = rng.uniform(-1, 1), b = rng.uniform(-1, 1), c = rng.uniform(-1, 1);
		x.data.insert(x.data.end(), {a, b, c});
		y.data.push_back(2 * a - b + 0.5f * std::sin(3 * c) + 0.05f * static_cast<float>(rng.normal()));
	}
	ModelSpec spec;
	spec.layers.push_back(dense("dense", 32, "relu"));
	spec.layers.back().input_shape = Shape{3};
	spec.layers.push_back(dense("dense_1", 1));
	spec.compile = compile("adam", 0.01, "mse", {"mae", "rmse"});
	auto model = Model::build(spec, 1);
	FitOptions o;
	o.epochs = 150;
	o.batch_size = 32;
	o.verbose = 0;
	model.fit(x, y, o);
	auto metrics = model.evaluate(x, y);
	EXPECT_LT(metric(metrics, "loss"), 0.05);
	EXPECT_NEAR(metric(metrics, "rmse"), std::sqrt(metric(metrics, "loss")), 1e-4);
}

TEST(Model, SaveLoadRoundTripIsBitIdentical) {
	auto data = hcopd_like(64, 9);
	for (auto path : {ExecutionPath::Fused, ExecutionPath::General}) {
		auto model = Model::build(hcopd_spec(), 3, path);
		model.fit(data.x, data.y, paper_options(3));
		auto blob = model.save();
		auto loaded = Model::load(blob);
		auto a = model.predict(data.x), b = loaded.predict(data.x);
		ASSERT_EQ(a.shape, (Shape{64, 2}));
		ASSERT_EQ(a.data.size(), b.data.size());
		EXPECT_EQ(0, std::memcmp(a.data.data(), b.data.data(), a.data.size() * sizeof(float)));
		EXPECT_EQ(loaded.save(), blob);
	}
	EXPECT_THROW(Model::load("not a model"), std::invalid_argument);
	auto blob = Model::build(hcopd_spec(), 3).save();
	EXPECT_THROW(Model::load(blob.substr(0, blob.size() - 4)), std::invalid_argument);
}

TEST(Model, DeterministicGivenSeed) {
	auto data = hcopd_like(50, 4);
	auto run = [&] {
		auto model = Model::build(hcopd_spec(), 42);
		auto o = paper_options(5);
		o.seed = 9;
		model.fit(data.x, data.y, o);
		return model.parameters();
	};
	EXPECT_EQ(run(), run());
}

TEST(Model, ALaterFitContinuesTheOptimizer) {
	// Continual training fits window after window: Keras keeps the model's
	// optimizer, so two fits of one epoch are one fit of two epochs. A fresh
	// Adam per fit would restart its moments and bias correction.
	auto data = hcopd_like(40, 6);
	auto options = paper_options(2);
	options.steps_per_epoch.reset();
	options.shuffle = false;
	for (auto path : {ExecutionPath::Fused, ExecutionPath::General}) {
		auto once = Model::build(hcopd_spec(), 5, path);
		once.fit(data.x, data.y, options);
		auto twice = Model::build(hcopd_spec(), 5, path);
		auto one_epoch = options;
		one_epoch.epochs = 1;
		twice.fit(data.x, data.y, one_epoch);
		twice.fit(data.x, data.y, one_epoch);
		EXPECT_EQ(once.parameters(), twice.parameters()) << (path == ExecutionPath::Fused ? "fused" : "general");
	}
}

TEST(Model, ResetOptimizerStartsAFreshOneOnTheSameWeights) {
	// A continual training's new learning phase after a drift: what follows
	// is what a model loaded from the file (weights, no optimizer) learns.
	auto data = hcopd_like(40, 6);
	auto options = paper_options(2);
	options.seed = 3;
	auto reset = Model::build(hcopd_spec(), 5);
	reset.fit(data.x, data.y, options);
	EXPECT_EQ(reset.optimizer_iterations(), 44);
	auto reloaded = Model::load(reset.save());
	reset.reset_optimizer();
	EXPECT_EQ(reset.optimizer_iterations(), 0);
	reset.fit(data.x, data.y, options);
	reloaded.fit(data.x, data.y, options);
	EXPECT_EQ(reset.parameters(), reloaded.parameters());
	EXPECT_EQ(reset.optimizer_iterations(), 44);
}

TEST(Model, ALearningRateFactorMultipliesEveryStep) {
	auto data = hcopd_like(40, 6);
	auto options = paper_options(2);
	options.seed = 3;
	auto boosted = Model::build(hcopd_spec(), 5);
	EXPECT_DOUBLE_EQ(boosted.learning_rate(), 1e-4);
	boosted.set_learning_rate_factor(10);
	EXPECT_DOUBLE_EQ(boosted.learning_rate(), 1e-3);
	boosted.fit(data.x, data.y, options);
	auto spec = hcopd_spec();
	spec.compile.optimizer.learning_rate = 1e-3;
	auto higher = Model::build(spec, 5);
	higher.fit(data.x, data.y, options);
	auto a = boosted.parameters(), b = higher.parameters();
	ASSERT_EQ(a.size(), b.size());
	for (size_t i = 0; i < a.size(); i++) {
		EXPECT_NEAR(a[i], b[i], 1e-6) << "parameter " << i;
	}
	boosted.set_learning_rate_factor(1);
	EXPECT_DOUBLE_EQ(boosted.learning_rate(), 1e-4) << "back to compile's own";
	EXPECT_THROW(boosted.set_learning_rate_factor(0), std::invalid_argument);
}

TEST(Model, CallbackSeesEveryMetricAndCanStop) {
	auto train = hcopd_like(40, 1), val = hcopd_like(20, 2);
	auto model = Model::build(hcopd_spec(), 1);
	std::vector<int64_t> seen;
	auto result = model.fit(train.x, train.y, paper_options(10), &val.x, &val.y, [&](const EpochLog &log) {
		seen.push_back(log.epoch);
		EXPECT_EQ(log.train.size(), 2u);
		EXPECT_EQ(log.validation.size(), 2u);
		EXPECT_EQ(log.validation[1].first, "accuracy");
		return log.epoch < 3;
	});
	EXPECT_TRUE(result.stopped_early);
	EXPECT_EQ(seen, (std::vector<int64_t>{1, 2, 3}));
	EXPECT_EQ(result.steps, 3 * 22);
}

TEST(Model, StepsPerEpochContinuesTheIteratorAcrossEpochs) {
	// 25 rows, batch 10: passes are 10, 10, 5 rows. With steps_per_epoch=2,
	// epoch 2 takes the 5-row tail then starts a new pass, so epoch 2 sees 15
	// samples; Keras without steps_per_epoch restarts each epoch (3 steps).
	auto data = hcopd_like(25, 1);
	auto model = Model::build(hcopd_spec(), 1);
	FitOptions o;
	o.epochs = 2;
	o.batch_size = 10;
	o.steps_per_epoch = 2;
	o.verbose = 0;
	EXPECT_EQ(model.fit(data.x, data.y, o).steps, 4);
	o.steps_per_epoch.reset();
	EXPECT_EQ(model.fit(data.x, data.y, o).steps, 6);
}

TEST(Model, ClearErrors) {
	auto model = Model::build(hcopd_spec(), 1);
	Array x{{2, 4}, std::vector<float>(8)};
	Array y{{2}, {0, 1}};
	try {
		model.fit(x, y, FitOptions{});
		FAIL();
	} catch (const std::invalid_argument &e) {
		EXPECT_NE(std::string(e.what()).find("expects (None, 3)"), std::string::npos) << e.what();
	}
	Array x3{{2, 3}, std::vector<float>(6)};
	Array bad{{2}, {0, 5}};
	EXPECT_THROW(model.fit(x3, bad, FitOptions{}), std::invalid_argument);
	auto spec = hcopd_spec();
	spec.compile.optimizer.name = "lamb";
	EXPECT_THROW(Model::build(spec).fit(x3, y, FitOptions{}), std::invalid_argument);
	spec = hcopd_spec();
	spec.layers.front().input_shape.reset();
	EXPECT_THROW(Model::build(spec), std::invalid_argument);
}

TEST(Model, CsvData) {
	auto data = read_labeled_csv("a,label,b\n1,0,2\n3,1,4\r\n", "label");
	EXPECT_EQ(data.features.shape, (Shape{2, 2}));
	EXPECT_EQ(data.features.data, (std::vector<float>{1, 2, 3, 4}));
	EXPECT_EQ(data.labels.data, (std::vector<float>{0, 1}));
	EXPECT_THROW(read_labeled_csv("a,b\n1,x\n", "a"), std::invalid_argument);
	EXPECT_THROW(read_labeled_csv("a,b\n1,2\n", "c"), std::invalid_argument);
	auto [train, val] = split_tail(data, 0.5);
	EXPECT_EQ(val.labels.data, (std::vector<float>{1}));
	standardize(data.features);
	EXPECT_FLOAT_EQ(data.features.data[0], -1.0f);
}
