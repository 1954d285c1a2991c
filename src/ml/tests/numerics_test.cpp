#include "ml/metrics.h"
#include "ml/numerics.h"
#include "ml/optimizer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

using namespace kafkaml::ml;

namespace {

//! Central differences of the loss against its analytic gradient.
void check_loss_gradient(LossSpec spec, std::vector<float> out, std::vector<float> labels, int64_t rows,
                         int64_t width) {
	Loss loss = resolve_loss(spec);
	std::vector<float> d(out.size());
	loss_forward_backward(loss, out.data(), labels.data(), rows, width, d.data());
	for (size_t i = 0; i < out.size(); i++) {
		auto plus = out, minus = out;
		const float h = 1e-3f;
		plus[i] += h;
		minus[i] -= h;
		double numeric = (loss_forward_backward(loss, plus.data(), labels.data(), rows, width, nullptr) -
		                  loss_forward_backward(loss, minus.data(), labels.data(), rows, width, nullptr)) /
		                 (2 * h);
		EXPECT_NEAR(d[i], numeric, 2e-3) << spec.name << " logits=" << spec.from_logits << " element " << i;
	}
}

} // namespace

TEST(Numerics, LossGradientsMatchFiniteDifferences) {
	std::vector<float> probs = {0.2f, 0.8f, 0.6f, 0.4f};
	check_loss_gradient({"sparse_categorical_crossentropy"}, probs, {1, 0}, 2, 2);
	check_loss_gradient({"categorical_crossentropy"}, probs, {0, 1, 1, 0}, 2, 2);
	check_loss_gradient({"binary_crossentropy"}, probs, {0, 1, 1, 0}, 2, 2);
	check_loss_gradient({"mse"}, probs, {0, 1, 1, 0}, 2, 2);
	check_loss_gradient({"huber", false, 0.3}, probs, {0, 1, 1, 0}, 2, 2);
	LossSpec logits{"sparse_categorical_crossentropy", true};
	check_loss_gradient(logits, {1.5f, -0.5f, 0.2f, 2.0f}, {1, 0}, 2, 2);
	check_loss_gradient({"binary_crossentropy", true}, {1.5f, -0.5f, 0.2f, 2.0f}, {0, 1, 1, 0}, 2, 2);
	check_loss_gradient({"categorical_crossentropy", true}, {1.5f, -0.5f, 0.2f, 2.0f}, {0, 1, 1, 0}, 2, 2);
}

TEST(Numerics, KerasLossValues) {
	// Keras: sparse CE of p=[0.2, 0.8] label 1 is -log(0.8); clipped log for p = 0.
	std::vector<float> p = {0.2f, 0.8f};
	std::vector<float> label = {1};
	EXPECT_NEAR(
	    loss_forward_backward(resolve_loss({"sparse_categorical_crossentropy"}), p.data(), label.data(), 1, 2, nullptr),
	    -std::log(0.8), 1e-6);
	std::vector<float> zero = {1.0f, 0.0f};
	EXPECT_NEAR(loss_forward_backward(resolve_loss({"sparse_categorical_crossentropy"}), zero.data(), label.data(), 1,
	                                  2, nullptr),
	            -std::log(1e-7), 1e-3);
	// Huber with delta 1 on errors 0.5 and 2: (0.125 + 1.5) / 2.
	std::vector<float> out = {0.5f, 2.0f}, target = {0.0f, 0.0f};
	EXPECT_NEAR(loss_forward_backward(resolve_loss({"huber"}), out.data(), target.data(), 1, 2, nullptr), 0.8125, 1e-6);
	EXPECT_THROW(resolve_loss({"hinge_loss"}), std::invalid_argument);
}

TEST(Numerics, ActivationDerivativesMatchFiniteDifferences) {
	for (const char *name :
	     {"linear", "relu", "sigmoid", "softmax", "tanh", "elu", "selu", "softplus", "leaky_relu", "swish"}) {
		auto f = resolve_activation(name, 0.2);
		std::vector<float> x = {-1.3f, 0.4f, 2.1f}, y(3), dy = {0.3f, -0.7f, 0.5f}, dx(3);
		activation_forward(f, x.data(), y.data(), 1, 3);
		activation_backward(f, x.data(), y.data(), dy.data(), dx.data(), 1, 3);
		for (size_t i = 0; i < 3; i++) {
			auto plus = x, minus = x;
			plus[i] += 1e-3f;
			minus[i] -= 1e-3f;
			std::vector<float> yp(3), ym(3);
			activation_forward(f, plus.data(), yp.data(), 1, 3);
			activation_forward(f, minus.data(), ym.data(), 1, 3);
			double numeric = 0;
			for (size_t j = 0; j < 3; j++) {
				numeric += dy[j] * (yp[j] - ym[j]) / 2e-3;
			}
			EXPECT_NEAR(dx[i], numeric, 2e-3) << name << " element " << i;
		}
	}
	EXPECT_THROW(resolve_activation("gelu_fast", 0.2), std::invalid_argument);
}

TEST(Numerics, AdamFollowsKerasFormula) {
	OptimizerSpec spec;
	spec.name = "adam";
	spec.learning_rate = 0.1;
	auto adam = make_optimizer(spec, {ParamSlot{"w", {1}, 0, 1, ""}});
	float p = 1.0f, g = 0.5f;
	adam->step(&p, &g, 1);
	// t=1: m = 0.05, v = 0.00025, lr_t = 0.1 * sqrt(0.001) / 0.1.
	double lr_t = 0.1 * std::sqrt(1 - 0.999) / (1 - 0.9);
	EXPECT_NEAR(p, 1.0 - lr_t * 0.05 / (std::sqrt(0.00025) + 1e-7), 1e-6);
	spec.name = "sgd";
	spec.momentum = 0.9;
	spec.nesterov = true;
	auto sgd = make_optimizer(spec, {ParamSlot{"w", {1}, 0, 1, ""}});
	p = 1.0f;
	sgd->step(&p, &g, 1); // v = -0.05; p += 0.9 * v - 0.05
	EXPECT_NEAR(p, 1.0 - 0.045 - 0.05, 1e-6);
	spec.name = "nadam-ish";
	EXPECT_THROW(make_optimizer(spec, {ParamSlot{"w", {1}, 0, 1, ""}}), std::invalid_argument);
}

TEST(Numerics, MetricsAccumulateOverTheEpoch) {
	CompileSpec compile;
	compile.metrics = {"accuracy", "precision", "recall", "auc", "mae", "rmse"};
	MetricSet set(compiled_metrics(compile), resolve_loss({"binary_crossentropy"}), 1);
	std::vector<float> out = {0.9f, 0.2f, 0.7f, 0.4f}, labels = {1, 0, 0, 1};
	set.update(out.data(), labels.data(), 2, 1.0);
	set.update(out.data() + 2, labels.data() + 2, 2, 3.0);
	auto r = set.results();
	EXPECT_EQ(r[0].first, "loss");
	EXPECT_DOUBLE_EQ(r[0].second, 2.0);
	EXPECT_DOUBLE_EQ(r[1].second, 0.5);   // accuracy: 2 of 4
	EXPECT_DOUBLE_EQ(r[2].second, 0.5);   // precision: tp 1, fp 1
	EXPECT_DOUBLE_EQ(r[3].second, 0.5);   // recall: tp 1, fn 1
	EXPECT_NEAR(r[4].second, 0.75, 0.01); // auc: 3 of 4 positive/negative pairs ordered
	EXPECT_NEAR(r[5].second, (0.1 + 0.2 + 0.7 + 0.6) / 4, 1e-6);
}
