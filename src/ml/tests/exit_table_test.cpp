// The exit table: hand-computed shares and accuracies per threshold, and
// Model::exit_report on a trained two-exit model.

#include "ml/exit_table.h"
#include "ml/model.h"
#include "ml/rng.h"
#include "ml/spec/parse.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

using namespace kafkaml::ml;

TEST(ExitTable, DecisionsFromSoftmaxAndSigmoidRows) {
	// Rows of 3 classes; the tie (0.4, 0.4) picks class 0.
	std::vector<float> softmax{0.7f, 0.2f, 0.1f, 0.1f, 0.3f, 0.6f, 0.4f, 0.4f, 0.2f};
	auto d = exit_decisions(softmax.data(), 3, 3, {0, 1, 0});
	EXPECT_EQ(d.confidence, (std::vector<float>{0.7f, 0.6f, 0.4f}));
	EXPECT_EQ(d.correct, (std::vector<bool>{true, false, true}));
	// One sigmoid unit: class 1 from 0.5 up, confidence max(p, 1 - p).
	std::vector<float> sigmoid{0.9f, 0.2f, 0.5f};
	auto s = exit_decisions(sigmoid.data(), 3, 1, {1, 1, 0});
	EXPECT_FLOAT_EQ(s.confidence[0], 0.9f);
	EXPECT_FLOAT_EQ(s.confidence[1], 0.8f);
	EXPECT_FLOAT_EQ(s.confidence[2], 0.5f);
	EXPECT_EQ(s.correct, (std::vector<bool>{true, false, false}));
	EXPECT_THROW(exit_decisions(sigmoid.data(), 3, 1, {1}), std::invalid_argument);
}

// The rule changes the confidence, never which class is picked.
TEST(ExitTable, DecisionsByMarginAndEntropy) {
	std::vector<float> softmax{0.7f, 0.2f, 0.1f, 0.4f, 0.4f, 0.2f};
	auto margin = exit_decisions(softmax.data(), 2, 3, {0, 1}, ConfidenceRule::Margin);
	EXPECT_FLOAT_EQ(margin.confidence[0], 0.5f);
	EXPECT_FLOAT_EQ(margin.confidence[1], 0.0f) << "a tie: not sure at all";
	EXPECT_EQ(margin.correct, (std::vector<bool>{true, false})) << "the tie picks class 0";
	auto entropy = exit_decisions(softmax.data(), 2, 3, {0, 0}, ConfidenceRule::Entropy);
	const float h0 = -(0.7f * std::log(0.7f) + 0.2f * std::log(0.2f) + 0.1f * std::log(0.1f));
	EXPECT_NEAR(entropy.confidence[0], 1.0f - h0 / std::log(3.0f), 1e-6);
	EXPECT_EQ(entropy.correct, (std::vector<bool>{true, true}));
	std::vector<float> sigmoid{0.9f, 0.3f};
	auto sigmoid_margin = exit_decisions(sigmoid.data(), 2, 1, {1, 1}, ConfidenceRule::Margin);
	EXPECT_NEAR(sigmoid_margin.confidence[0], 0.8f, 1e-6);
	EXPECT_NEAR(sigmoid_margin.confidence[1], 0.4f, 1e-6);
	EXPECT_EQ(sigmoid_margin.correct, (std::vector<bool>{true, false}));
}

TEST(ExitTable, FirstConfidentExitTakesTheInput) {
	// Four inputs, two exits.
	ExitDecisions first{{0.95f, 0.55f, 0.7f, 0.3f}, {true, false, false, true}};
	ExitDecisions second{{0.99f, 0.92f, 0.6f, 0.8f}, {false, true, true, true}};
	auto table = exit_thresholds({first, second}, {0.5, 0.9, 0.99});
	ASSERT_EQ(table.size(), 2u);
	ASSERT_EQ(table[0].size(), 3u);
	// 0.5: the first exit takes inputs 0, 1, 2 (1 right); the second input 3 (right).
	EXPECT_EQ(table[0][0].count, 3);
	EXPECT_DOUBLE_EQ(table[0][0].share, 0.75);
	EXPECT_DOUBLE_EQ(*table[0][0].accuracy, 1.0 / 3);
	EXPECT_EQ(table[1][0].count, 1);
	EXPECT_DOUBLE_EQ(table[1][0].share, 0.25);
	EXPECT_DOUBLE_EQ(*table[1][0].accuracy, 1.0);
	// 0.9: the first takes input 0 (right); the second 1 (right), not 2 or 3.
	EXPECT_EQ(table[0][1].count, 1);
	EXPECT_DOUBLE_EQ(*table[0][1].accuracy, 1.0);
	EXPECT_EQ(table[1][1].count, 1);
	EXPECT_DOUBLE_EQ(table[1][1].share, 0.25);
	EXPECT_DOUBLE_EQ(*table[1][1].accuracy, 1.0);
	// 0.99: the first takes nothing (no accuracy); the second input 0 (wrong).
	EXPECT_EQ(table[0][2].count, 0);
	EXPECT_FALSE(table[0][2].accuracy.has_value());
	EXPECT_EQ(table[1][2].count, 1);
	EXPECT_DOUBLE_EQ(*table[1][2].accuracy, 0.0);
	EXPECT_DOUBLE_EQ(table[1][2].threshold, 0.99);
	// A probability equal to the threshold (as a float) reaches it.
	auto exact = exit_thresholds({ExitDecisions{{0.9f}, {true}}}, {0.9});
	EXPECT_EQ(exact[0][0].count, 1);
	// An exit without decisions (no classifier) answers nothing.
	auto mixed = exit_thresholds({ExitDecisions{}, second}, {0.5});
	EXPECT_TRUE(mixed[0][0].count == 0 && mixed[1][0].count == 4);
	EXPECT_THROW(exit_thresholds({first, ExitDecisions{{0.5f}, {true}}}, {0.5}), std::invalid_argument);
	EXPECT_EQ(default_exit_thresholds(), (std::vector<double>{0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99}));
}

namespace {

//! Keras' functional form: an early exit on the first hidden layer.
constexpr const char *kTwoExitClassifier = R"(import tensorflow as tf
inputs = tf.keras.Input(shape=(4,), name="features")
h = tf.keras.layers.Dense(16, activation="relu", name="h")(inputs)
exit1 = tf.keras.layers.Dense(3, activation="softmax", name="exit1")(h)
h2 = tf.keras.layers.Dense(16, activation="relu", name="h2")(h)
exit2 = tf.keras.layers.Dense(3, activation="softmax", name="exit2")(h2)
model = tf.keras.Model(inputs=inputs, outputs=[exit1, exit2])
model.compile(optimizer=tf.keras.optimizers.Adam(0.02), loss="sparse_categorical_crossentropy",
              loss_weights=[0.4, 1.0], metrics=["accuracy"])
)";

//! Class = which third of [-1, 1) x0 + x1 / 2 falls in; the same label for both exits.
void generate(int64_t rows, uint64_t seed, Array &x, Array &y) {
	Rng rng(seed);
	x = Array{{rows, 4}, {}};
	y = Array{{rows, 2}, {}};
	for (int64_t r = 0; r < rows; r++) {
		float v[4];
		for (float &f : v) {
			f = static_cast<float>(rng.uniform(-1, 1));
			x.data.push_back(f);
		}
		float s = (v[0] + v[1] / 2) / 1.5f;
		float label = s < -1.0f / 3 ? 0.0f : s < 1.0f / 3 ? 1.0f : 2.0f;
		y.data.push_back(label);
		y.data.push_back(label);
	}
}

double value(const MetricValues &values, const std::string &name) {
	for (const auto &[n, v] : values) {
		if (n == name) {
			return v;
		}
	}
	ADD_FAILURE() << "no metric " << name;
	return 0;
}

} // namespace

TEST(ExitTable, TwoExitModelTrainsBothExitsAndReportsThem) {
	Array x, y, vx, vy;
	generate(600, 1, x, y);
	generate(200, 2, vx, vy);
	auto model = Model::build(parse_model_definition(kTwoExitClassifier), 3);
	FitOptions options;
	options.epochs = 30;
	options.batch_size = 32;
	options.verbose = 0;
	auto history = model.fit(x, y, options, &vx, &vy).history;
	const auto &last = history.back().validation;
	// Both exits learn; the total is Keras' 0.4 exit1_loss + exit2_loss.
	EXPECT_GT(value(last, "exit1_accuracy"), 0.85);
	EXPECT_GT(value(last, "exit2_accuracy"), 0.85);
	EXPECT_LT(value(last, "exit1_loss"), 0.5 * value(history.front().validation, "exit1_loss"));
	EXPECT_NEAR(value(last, "loss"), 0.4 * value(last, "exit1_loss") + value(last, "exit2_loss"), 1e-4);

	auto report = model.exit_report(vx, vy);
	ASSERT_EQ(report.size(), 2u);
	EXPECT_EQ(report[0].name, "exit1");
	EXPECT_EQ(report[1].index, 1u);
	EXPECT_NEAR(value(report[0].metrics, "accuracy"), value(last, "exit1_accuracy"), 1e-9);
	EXPECT_NEAR(value(report[1].metrics, "loss"), value(last, "exit2_loss"), 1e-6);
	ASSERT_EQ(report[0].thresholds.size(), default_exit_thresholds().size());
	// Recomputed here from predict(): the first exit's share at each threshold.
	auto predicted = model.predict(vx);
	for (size_t t = 0; t < default_exit_thresholds().size(); t++) {
		const float threshold = static_cast<float>(default_exit_thresholds()[t]);
		int64_t first = 0, second = 0, right = 0;
		for (int64_t r = 0; r < vx.rows(); r++) {
			const float *row = predicted.data.data() + r * 6;
			auto top1 = std::max_element(row, row + 3), top2 = std::max_element(row + 3, row + 6);
			if (*top1 >= threshold) {
				first++;
				right += (top1 - row) == static_cast<int64_t>(vy.data[static_cast<size_t>(r * 2)]) ? 1 : 0;
			} else if (*top2 >= threshold) {
				second++;
			}
		}
		EXPECT_EQ(report[0].thresholds[t].count, first) << threshold;
		EXPECT_EQ(report[1].thresholds[t].count, second) << threshold;
		if (first > 0) {
			EXPECT_DOUBLE_EQ(*report[0].thresholds[t].accuracy, static_cast<double>(right) / first);
		}
	}
	// Lower thresholds let the first exit take more.
	EXPECT_GE(report[0].thresholds.front().share, report[0].thresholds.back().share);
	EXPECT_GT(report[0].thresholds.front().share, 0.5);

	// One table per rule; the margin (top minus runner-up) never exceeds
	// the top probability, so by it the first exit takes no more inputs.
	for (const auto &exit : report) {
		ASSERT_EQ(exit.thresholds_by_rule.size(), 3u);
		const auto &top = exit.thresholds_by_rule.at(ConfidenceRule::TopProbability);
		ASSERT_EQ(top.size(), exit.thresholds.size());
		for (size_t t = 0; t < top.size(); t++) {
			EXPECT_EQ(top[t].count, exit.thresholds[t].count);
		}
	}
	const auto &margin = report[0].thresholds_by_rule.at(ConfidenceRule::Margin);
	const auto &entropy = report[0].thresholds_by_rule.at(ConfidenceRule::Entropy);
	for (size_t t = 0; t < default_exit_thresholds().size(); t++) {
		EXPECT_LE(margin[t].count, report[0].thresholds[t].count) << default_exit_thresholds()[t];
		int64_t total = 0;
		for (const auto &exit : report) {
			total += exit.thresholds_by_rule.at(ConfidenceRule::Entropy)[t].count;
		}
		EXPECT_LE(total, vx.rows());
	}
	EXPECT_NE(margin.front().count, report[0].thresholds.front().count) << "the rules measure differently";
	EXPECT_GT(entropy.front().count, 0);
}
