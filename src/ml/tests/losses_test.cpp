// Losses: gradients against finite differences, values against the worked
// examples of Keras' documentation, and the options' rules (ignore_class,
// reduction, hinge labels). ml_training_reference_test compares them with
// torch autograd as well.

#include "ml/losses.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

using namespace kafkaml::ml;

namespace {

LossSpec loss_spec(std::string name) {
	LossSpec s;
	s.name = std::move(name);
	return s;
}

double value_of(const LossSpec &spec, const std::vector<float> &out, const std::vector<float> &labels, int64_t rows,
                int64_t width) {
	return loss_forward_backward(resolve_loss(spec), out.data(), labels.data(), rows, width, nullptr);
}

//! The per-row losses, one call per row.
std::vector<double> rows_of(const LossSpec &spec, const std::vector<float> &out, const std::vector<float> &labels,
                            int64_t width) {
	std::vector<double> rows;
	const int64_t label_width = spec.name == "sparse_categorical_crossentropy" ? 1 : width;
	for (size_t r = 0; r * static_cast<size_t>(width) < out.size(); r++) {
		rows.push_back(loss_forward_backward(resolve_loss(spec), out.data() + r * static_cast<size_t>(width),
		                                     labels.data() + r * static_cast<size_t>(label_width), 1, width, nullptr));
	}
	return rows;
}

//! Central differences of the batch loss against its analytic gradient.
void check_gradient(const LossSpec &spec, const std::vector<float> &out, const std::vector<float> &labels, int64_t rows,
                    int64_t width) {
	std::vector<float> d(out.size());
	loss_forward_backward(resolve_loss(spec), out.data(), labels.data(), rows, width, d.data());
	for (size_t i = 0; i < out.size(); i++) {
		auto plus = out, minus = out;
		const float h = 1e-3f;
		plus[i] += h;
		minus[i] -= h;
		double numeric = (value_of(spec, plus, labels, rows, width) - value_of(spec, minus, labels, rows, width)) /
		                 (static_cast<double>(plus[i]) - minus[i]);
		EXPECT_NEAR(d[i], numeric, 2e-3 * std::max(1.0, std::fabs(numeric)))
		    << spec.name << " logits=" << spec.from_logits << " smoothing=" << spec.label_smoothing << " element " << i;
	}
}

const std::vector<float> k_probs = {0.2f, 0.5f, 0.3f, 0.7f, 0.1f, 0.2f};
const std::vector<float> k_logits = {1.5f, -0.5f, 0.2f, 2.0f, -1.2f, 0.4f};
const std::vector<float> k_values = {0.4f, 2.5f, -1.2f, 3.1f, 0.9f, 1.7f};
const std::vector<float> k_one_hot = {0, 1, 0, 1, 0, 0};
const std::vector<float> k_soft = {0.1f, 0.7f, 0.2f, 0.6f, 0.3f, 0.1f};
const std::vector<float> k_targets = {0.5f, 2.0f, -1.0f, 2.5f, 1.5f, 1.0f};

} // namespace

TEST(Losses, EveryLossAndOptionHasTheGradientOfItsValue) {
	for (const char *name : {"mse", "mae", "mape", "log_cosh", "huber", "cosine_similarity", "squared_hinge"}) {
		check_gradient(loss_spec(name), k_values, k_targets, 2, 3);
	}
	check_gradient(loss_spec("msle"), {0.4f, 2.5f, 1.2f, 3.1f, 0.9f, 1.7f}, {0.5f, 2.0f, 1.0f, 2.5f, 1.5f, 0.0f}, 2, 3);
	check_gradient(loss_spec("poisson"), {0.4f, 2.5f, 1.2f, 3.1f, 0.9f, 1.7f}, {1, 3, 0, 2, 1, 2}, 2, 3);
	check_gradient(loss_spec("kl_divergence"), k_probs, k_soft, 2, 3);
	check_gradient(loss_spec("hinge"), k_values, k_one_hot, 2, 3);
	check_gradient(loss_spec("categorical_hinge"), k_logits, k_one_hot, 2, 3);
	for (bool from_logits : {false, true}) {
		const auto &out = from_logits ? k_logits : k_probs;
		for (const char *name : {"binary_crossentropy", "categorical_crossentropy", "binary_focal_crossentropy",
		                         "categorical_focal_crossentropy"}) {
			for (double smoothing : {0.0, 0.2}) {
				auto spec = loss_spec(name);
				spec.from_logits = from_logits;
				spec.label_smoothing = smoothing;
				check_gradient(spec, out, k_soft, 2, 3);
			}
		}
		auto focal = loss_spec("binary_focal_crossentropy");
		focal.from_logits = from_logits;
		focal.apply_class_balancing = true;
		focal.gamma = 0.5;
		check_gradient(focal, out, k_soft, 2, 3);
		auto sparse = loss_spec("sparse_categorical_crossentropy");
		sparse.from_logits = from_logits;
		check_gradient(sparse, out, {2, 0}, 2, 3);
		sparse.ignore_class = 2;
		check_gradient(sparse, out, {2, 0}, 2, 3);
	}
}

TEST(Losses, ValuesOfKerasDocumentationExamples) {
	const std::vector<float> two_rows = {0.6f, 0.4f, 0.4f, 0.6f}, labels = {0, 1, 0, 0};
	auto bce = rows_of(loss_spec("binary_crossentropy"), two_rows, labels, 2);
	EXPECT_NEAR(bce[0], 0.916, 1e-3);
	EXPECT_NEAR(bce[1], 0.714, 1e-3);
	auto focal = rows_of(loss_spec("binary_focal_crossentropy"), two_rows, labels, 2);
	EXPECT_NEAR(focal[0], 0.330, 1e-3);
	EXPECT_NEAR(focal[1], 0.206, 1e-3);
	EXPECT_NEAR(value_of(loss_spec("huber"), two_rows, labels, 2, 2), 0.155, 1e-3);
	EXPECT_NEAR(value_of(loss_spec("log_cosh"), {1, 1, 0, 0}, {0, 1, 0, 0}, 2, 2), 0.108, 1e-3);
	auto cce =
	    rows_of(loss_spec("categorical_crossentropy"), {0.05f, 0.95f, 0, 0.1f, 0.8f, 0.1f}, {0, 1, 0, 0, 0, 1}, 3);
	EXPECT_NEAR(cce[0], 0.0513, 1e-4);
	EXPECT_NEAR(cce[1], 2.303, 1e-3);
	auto sparse = rows_of(loss_spec("sparse_categorical_crossentropy"), {0.05f, 0.95f, 0, 0.1f, 0.8f, 0.1f}, {1, 2}, 3);
	EXPECT_NEAR(sparse[0], 0.0513, 1e-4);
	EXPECT_NEAR(sparse[1], 2.303, 1e-3);
	auto cfocal = rows_of(loss_spec("categorical_focal_crossentropy"), {0.05f, 0.9f, 0.05f, 0.1f, 0.85f, 0.05f},
	                      {0, 1, 0, 0, 0, 1}, 3);
	EXPECT_NEAR(cfocal[0], 2.634e-4, 1e-6);
	EXPECT_NEAR(cfocal[1], 0.6759, 1e-4);
	auto cosine = rows_of(loss_spec("cosine_similarity"), {1, 0, 1, 1, -1, -1}, {0, 1, 1, 1, 1, 1}, 2);
	EXPECT_NEAR(cosine[0], 0.0, 1e-7);
	EXPECT_NEAR(cosine[1], -1.0, 1e-6);
	EXPECT_NEAR(cosine[2], 1.0, 1e-6);
}

TEST(Losses, ValuesByTheirFormulas) {
	// mape: 100 |t - o| / max(|t|, eps); a zero label divides by eps.
	EXPECT_NEAR(value_of(loss_spec("mape"), {1.5f, 3.0f}, {2.0f, -4.0f}, 1, 2), 100 * (0.25 + 1.75) / 2, 1e-4);
	// msle: (log(max(o, eps) + 1) - log(t + 1))^2, a negative output as eps.
	EXPECT_NEAR(value_of(loss_spec("msle"), {-3.0f}, {std::exp(1.0f) - 1}, 1, 1), 1.0, 1e-5);
	// kl_divergence sums over the row: t log(t / o), both clipped to [eps, 1].
	EXPECT_NEAR(value_of(loss_spec("kl_divergence"), {0.5f, 0.5f}, {1.0f, 0.0f}, 1, 2), std::log(2.0), 1e-5);
	// poisson: o - t log(o + eps)
	EXPECT_NEAR(value_of(loss_spec("poisson"), {2.0f}, {3.0f}, 1, 1), 2.0 - 3.0 * std::log(2.0), 1e-5);
	// categorical_hinge: max(max((1 - t) o) - sum(t o) + 1, 0)
	EXPECT_NEAR(value_of(loss_spec("categorical_hinge"), {0.3f, 0.9f, 0.5f}, {1, 0, 0}, 1, 3), 1.6, 1e-6);
	// Label smoothing: binary toward 0.5, categorical toward 1 / classes.
	auto smoothed = loss_spec("binary_crossentropy");
	smoothed.label_smoothing = 0.2;
	EXPECT_NEAR(value_of(smoothed, {0.7f}, {1.0f}, 1, 1), -(0.9 * std::log(0.7) + 0.1 * std::log(0.3)), 1e-6);
	smoothed.name = "categorical_crossentropy";
	EXPECT_NEAR(value_of(smoothed, {0.7f, 0.2f, 0.1f}, {1, 0, 0}, 1, 3),
	            -((0.8 + 0.2 / 3) * std::log(0.7) + 0.2 / 3 * std::log(0.2) + 0.2 / 3 * std::log(0.1)), 1e-6);
	// Binary focal with class balancing: alpha for the positives.
	auto balanced = loss_spec("binary_focal_crossentropy");
	balanced.apply_class_balancing = true;
	balanced.alpha = 0.3;
	EXPECT_NEAR(value_of(balanced, {0.8f}, {1.0f}, 1, 1), 0.3 * 0.04 * -std::log(0.8), 1e-6);
	// Keras 3 clips without adding epsilon inside the log.
	EXPECT_NEAR(value_of(loss_spec("binary_crossentropy"), {0.0f}, {1.0f}, 1, 1), -std::log(1e-7), 1e-3);
}

TEST(Losses, HingeReadsZeroOneLabelsAsMinusOneOne) {
	const std::vector<float> out = {0.3f, -0.8f, 1.4f, 0.2f};
	const double zero_one = value_of(loss_spec("hinge"), out, {1, 0, 1, 0}, 2, 2);
	EXPECT_DOUBLE_EQ(zero_one, value_of(loss_spec("hinge"), out, {1, -1, 1, -1}, 2, 2));
	EXPECT_NEAR(zero_one, (0.7 + 0.2 + 0.0 + 1.2) / 4, 1e-6);
	// One label outside {0, 1} in the batch: all taken as they are.
	EXPECT_NEAR(value_of(loss_spec("hinge"), out, {1, 0, 1, 0.5f}, 2, 2), (0.7 + 1.0 + 0.0 + 0.9) / 4, 1e-6);
	EXPECT_NEAR(value_of(loss_spec("squared_hinge"), out, {1, 0, 1, 0}, 2, 2), (0.49 + 0.04 + 0.0 + 1.44) / 4, 1e-6);
}

TEST(Losses, IgnoredClassRowsCountForNothing) {
	auto spec = loss_spec("sparse_categorical_crossentropy");
	const std::vector<float> out = {0.2f, 0.8f, 0.6f, 0.4f, 0.5f, 0.5f};
	spec.ignore_class = 255;
	std::vector<float> d(out.size());
	double value =
	    loss_forward_backward(resolve_loss(spec), out.data(), std::vector<float>{1, 255, 0}.data(), 3, 2, d.data());
	// The mean over the two rows that count.
	EXPECT_NEAR(value, -(std::log(0.8) + std::log(0.5)) / 2, 1e-6);
	EXPECT_EQ(d[2], 0.0f);
	EXPECT_EQ(d[3], 0.0f);
	EXPECT_NEAR(d[1], -1.0 / 0.8 / 2 + (1.0 / 0.8) * 0.8 / 2, 1e-6); // -t/q + sum t, halved
	// Every row ignored: 0, as Keras' divide_no_nan.
	EXPECT_EQ(value_of(spec, out, {255, 255, 255}, 3, 2), 0.0);
	// Without ignore_class such a label is an error.
	EXPECT_THROW(value_of(loss_spec("sparse_categorical_crossentropy"), out, {1, 255, 0}, 3, 2), std::invalid_argument);
}

TEST(Losses, SumReductionAddsTheRows) {
	auto mean = loss_spec("mse"), sum = loss_spec("mse");
	sum.reduction = "sum";
	EXPECT_NEAR(value_of(sum, k_values, k_targets, 2, 3), 2 * value_of(mean, k_values, k_targets, 2, 3), 1e-9);
	check_gradient(sum, k_values, k_targets, 2, 3);
}

TEST(Losses, RefusesWhatItDoesNotCompute) {
	auto none = loss_spec("mse");
	none.reduction = "none";
	EXPECT_THROW(resolve_loss(none), std::invalid_argument);
	auto axis = loss_spec("categorical_crossentropy");
	axis.axis = 1;
	EXPECT_THROW(resolve_loss(axis), std::invalid_argument);
	EXPECT_THROW(resolve_loss(loss_spec("ctc")), std::invalid_argument);
}
