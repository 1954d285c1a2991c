// Optimizer steps, clipping and learning-rate schedules against values
// worked out by hand from Keras' formulas. ml_training_reference_test runs
// every optimizer for many steps against Python references.

#include "ml/learning_rate.h"
#include "ml/optimizer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

using namespace kafkaml::ml;

namespace {

std::vector<ParamSlot> variables(std::vector<int64_t> sizes) {
	std::vector<ParamSlot> out;
	int64_t offset = 0;
	for (int64_t size : sizes) {
		out.push_back({"v", {size}, offset, size, ""});
		offset += size;
	}
	return out;
}

OptimizerSpec spec_of(std::string name, double lr) {
	OptimizerSpec o;
	o.name = std::move(name);
	o.learning_rate = lr;
	return o;
}

LearningRateSchedule schedule(std::string name, double initial, int64_t steps, double rate) {
	LearningRateSchedule s;
	s.name = std::move(name);
	s.initial_learning_rate = initial;
	s.decay_steps = steps;
	s.decay_rate = rate;
	return s;
}

double rate_at(const LearningRateSchedule &s, int64_t step) {
	OptimizerSpec o;
	o.schedule = s;
	return learning_rate_at(o, step);
}

//! One SGD step (lr 1) on gradients `g` split into variables `sizes`: the
//! parameters move by minus the clipped gradients.
std::vector<float> clipped_by_sgd(const OptimizerSpec &clipping, std::vector<int64_t> sizes, std::vector<float> g) {
	auto o = clipping;
	o.name = "sgd";
	o.learning_rate = 1.0;
	auto sgd = make_optimizer(o, variables(std::move(sizes)));
	std::vector<float> p(g.size(), 0.0f);
	sgd->step(p.data(), g.data(), static_cast<int64_t>(p.size()));
	for (auto &v : p) {
		v = -v;
	}
	return p;
}

} // namespace

TEST(Optimizer, FirstStepsByHand) {
	float p = 1.0f, g = 0.5f;
	// adamax t=1: m = 0.05, u = 0.5; p -= lr / (1 - 0.9) * m / (u + eps)
	make_optimizer(spec_of("adamax", 0.1), variables({1}))->step(&p, &g, 1);
	EXPECT_NEAR(p, 1.0 - 0.1 / 0.1 * 0.05 / (0.5 + 1e-7), 1e-6);
	// adadelta t=1: E[g^2] = 0.05 * 0.25; delta = -sqrt(eps) g / sqrt(E[g^2] + eps)
	auto adadelta = spec_of("adadelta", 1.0);
	adadelta.rho = 0.95;
	p = 1.0f;
	make_optimizer(adadelta, variables({1}))->step(&p, &g, 1);
	EXPECT_NEAR(p, 1.0 - std::sqrt(1e-7) * 0.5 / std::sqrt(0.0125 + 1e-7), 2e-7);
	// nadam t=1: u1 = 0.9 (1 - 0.5 * 0.96), u2 = 0.9 (1 - 0.5 * 0.96^2)
	p = 1.0f;
	make_optimizer(spec_of("nadam", 0.1), variables({1}))->step(&p, &g, 1);
	double u1 = 0.9 * (1 - 0.5 * 0.96), u2 = 0.9 * (1 - 0.5 * 0.96 * 0.96);
	double m_hat = u2 * 0.05 / (1 - u1 * u2) + (1 - u1) * 0.5 / (1 - u1);
	double v_hat = 0.00025 / (1 - 0.999);
	EXPECT_NEAR(p, 1.0 - 0.1 * m_hat / (std::sqrt(v_hat) + 1e-7), 1e-6);
	// ftrl t=1 (no regularisation): linear = g - (sqrt(n') - sqrt(n)) / lr * p,
	// p' = -linear / (sqrt(n') / lr) with n = 0.1, n' = 0.35
	p = 1.0f;
	make_optimizer(spec_of("ftrl", 0.1), variables({1}))->step(&p, &g, 1);
	double linear = 0.5 - (std::sqrt(0.35) - std::sqrt(0.1)) / 0.1;
	EXPECT_NEAR(p, -linear / (std::sqrt(0.35) / 0.1), 1e-6);
	// rmsprop centered t=1: v = 0.1 g^2, mean = 0.1 g; p -= lr g / sqrt(v - mean^2 + eps)
	auto centered = spec_of("rmsprop", 0.01);
	centered.centered = true;
	p = 1.0f;
	make_optimizer(centered, variables({1}))->step(&p, &g, 1);
	EXPECT_NEAR(p, 1.0 - 0.01 * 0.5 / std::sqrt(0.025 - 0.0025 + 1e-7), 1e-6);
}

TEST(Optimizer, FtrlL1GivesExactZeros) {
	auto ftrl = spec_of("ftrl", 0.1);
	ftrl.l1_regularization_strength = 10.0;
	auto optimizer = make_optimizer(ftrl, variables({2}));
	std::vector<float> p = {1.0f, -2.0f}, g = {0.5f, -0.3f};
	for (int i = 0; i < 3; i++) {
		optimizer->step(p.data(), g.data(), 2);
	}
	EXPECT_EQ(p[0], 0.0f);
	EXPECT_EQ(p[1], 0.0f);
}

TEST(Optimizer, AmsgradKeepsTheLargestSecondMoment) {
	// A large gradient then small ones: plain Adam's v shrinks, amsgrad's does not.
	auto adam = spec_of("adam", 0.1);
	adam.beta_2 = 0.5;
	auto ams = adam;
	ams.amsgrad = true;
	auto plain = make_optimizer(adam, variables({1})), kept = make_optimizer(ams, variables({1}));
	float p = 0.0f, q = 0.0f;
	for (float g : {4.0f, 0.1f, 0.1f}) {
		plain->step(&p, &g, 1);
		kept->step(&q, &g, 1);
	}
	// t=3: m = 0.9^2 * 0.4 + 0.9 * 0.01 + 0.01, v = 0.25 * 8 + 0.25 * 0.01 + 0.5 * 0.01, v_max = 8
	double m = 0.81 * 0.4 + 0.009 + 0.01, lr_t = 0.1 * std::sqrt(1 - 0.125) / (1 - 0.729);
	double third_plain = lr_t * m / (std::sqrt(2.0 + 0.0025 + 0.005) + 1e-7);
	double third_kept = lr_t * m / (std::sqrt(8.0) + 1e-7);
	float p2 = 0.0f, q2 = 0.0f;
	auto plain2 = make_optimizer(adam, variables({1})), kept2 = make_optimizer(ams, variables({1}));
	for (float g : {4.0f, 0.1f}) {
		plain2->step(&p2, &g, 1);
		kept2->step(&q2, &g, 1);
	}
	EXPECT_NEAR(p, p2 - third_plain, 1e-6);
	EXPECT_NEAR(q, q2 - third_kept, 1e-6);
}

TEST(Optimizer, AdamWDecaysWithTheStepsLearningRate) {
	auto adamw = spec_of("adamw", 0.1);
	adamw.weight_decay = 0.5;
	adamw.schedule = schedule("exponential_decay", 0.1, 1, 0.5); // 0.1, 0.05, ...
	auto optimizer = make_optimizer(adamw, variables({1}));
	float p = 2.0f, g = 0.0f;
	optimizer->step(&p, &g, 1); // a zero gradient: only the decay moves p
	EXPECT_NEAR(p, 2.0 * (1 - 0.5 * 0.1), 1e-6);
	optimizer->step(&p, &g, 1);
	EXPECT_NEAR(p, 2.0 * (1 - 0.05) * (1 - 0.5 * 0.05), 1e-6);
}

TEST(Optimizer, ClipsLikeKeras) {
	// Variables [3, 4] (norm 5) and [0.6, 0.8] (norm 1).
	const std::vector<float> g = {3.0f, 4.0f, 0.6f, 0.8f};
	OptimizerSpec o;
	o.clipnorm = 2.0;
	auto by_variable = clipped_by_sgd(o, {2, 2}, g);
	EXPECT_NEAR(by_variable[0], 1.2, 1e-6);
	EXPECT_NEAR(by_variable[1], 1.6, 1e-6);
	EXPECT_EQ(by_variable[2], 0.6f); // under the norm: unchanged
	EXPECT_EQ(by_variable[3], 0.8f);
	o.clipnorm.reset();
	o.global_clipnorm = 2.0;
	auto global = clipped_by_sgd(o, {2, 2}, g);
	const double scale = 2.0 / std::sqrt(26.0);
	for (size_t i = 0; i < g.size(); i++) {
		EXPECT_NEAR(global[i], g[i] * scale, 1e-6) << i;
	}
	o.global_clipnorm.reset();
	o.clipvalue = 0.7;
	EXPECT_EQ(clipped_by_sgd(o, {2, 2}, {3.0f, -4.0f, 0.6f, -0.5f}), (std::vector<float>{0.7f, -0.7f, 0.6f, -0.5f}));
}

TEST(Optimizer, LearningRatePerStep) {
	// Keras 2's decay: lr / (1 + decay * iterations), the first step at lr.
	auto sgd = spec_of("sgd", 0.5);
	sgd.decay = 0.25;
	auto optimizer = make_optimizer(sgd, variables({1}));
	EXPECT_DOUBLE_EQ(optimizer->learning_rate(), 0.5);
	float p = 0.0f, g = 1.0f;
	optimizer->step(&p, &g, 1);
	EXPECT_FLOAT_EQ(p, -0.5f);
	optimizer->step(&p, &g, 1);
	optimizer->step(&p, &g, 1);
	EXPECT_EQ(optimizer->iterations(), 3);
	EXPECT_DOUBLE_EQ(optimizer->learning_rate(), 0.5 / 1.75);
	EXPECT_NEAR(p, -(0.5 + 0.5 / 1.25 + 0.5 / 1.5), 1e-6);
}

TEST(Optimizer, SchedulesByHand) {
	auto exponential = schedule("exponential_decay", 0.1, 10, 0.5);
	EXPECT_DOUBLE_EQ(rate_at(exponential, 0), 0.1);
	EXPECT_DOUBLE_EQ(rate_at(exponential, 10), 0.05);
	EXPECT_NEAR(rate_at(exponential, 15), 0.1 * std::pow(0.5, 1.5), 1e-15);
	exponential.staircase = true;
	EXPECT_DOUBLE_EQ(rate_at(exponential, 15), 0.05);
	auto inverse = schedule("inverse_time_decay", 0.1, 10, 0.5);
	EXPECT_DOUBLE_EQ(rate_at(inverse, 20), 0.1 / 2.0);
	inverse.staircase = true;
	EXPECT_DOUBLE_EQ(rate_at(inverse, 19), 0.1 / 1.5);

	auto piecewise = schedule("piecewise_constant_decay", 1.0, 1, 0);
	piecewise.boundaries = {3, 10};
	piecewise.values = {1.0, 0.5, 0.1};
	EXPECT_EQ(rate_at(piecewise, 3), 1.0); // boundaries belong to the interval below
	EXPECT_EQ(rate_at(piecewise, 4), 0.5);
	EXPECT_EQ(rate_at(piecewise, 10), 0.5);
	EXPECT_EQ(rate_at(piecewise, 11), 0.1);

	auto cosine = schedule("cosine_decay", 0.2, 10, 0);
	cosine.alpha = 0.1;
	EXPECT_NEAR(rate_at(cosine, 5), 0.2 * (0.9 * 0.5 + 0.1), 1e-15);
	EXPECT_NEAR(rate_at(cosine, 25), 0.2 * 0.1, 1e-15); // held at alpha after decay_steps

	auto polynomial = schedule("polynomial_decay", 0.1, 10, 0);
	polynomial.end_learning_rate = 0.01;
	polynomial.power = 2.0;
	EXPECT_NEAR(rate_at(polynomial, 5), 0.09 * 0.25 + 0.01, 1e-15);
	EXPECT_NEAR(rate_at(polynomial, 30), 0.01, 1e-15);
	polynomial.cycle = true;
	EXPECT_NEAR(rate_at(polynomial, 0), 0.1, 1e-15);
	// Step 15 is in the second cycle, 20 steps long.
	EXPECT_NEAR(rate_at(polynomial, 15), 0.09 * 0.25 * 0.25 + 0.01, 1e-15);

	// The first update uses the schedule at step 0.
	auto sgd = spec_of("sgd", 0.2);
	sgd.schedule = schedule("exponential_decay", 0.2, 1, 0.5);
	auto optimizer = make_optimizer(sgd, variables({1}));
	float p = 0.0f, g = 1.0f;
	optimizer->step(&p, &g, 1);
	optimizer->step(&p, &g, 1);
	EXPECT_NEAR(p, -(0.2 + 0.1), 1e-7);
}

TEST(Optimizer, RefusesWhatKerasRefuses) {
	auto two = spec_of("sgd", 0.1);
	two.clipnorm = 1.0;
	two.clipvalue = 1.0;
	EXPECT_THROW(make_optimizer(two, variables({1})), std::invalid_argument);
	EXPECT_THROW(make_optimizer(spec_of("lion", 0.1), variables({1})), std::invalid_argument);
	EXPECT_THROW(make_optimizer(spec_of("adam", 0.0), variables({1})), std::invalid_argument);
	auto gap = variables({2, 2});
	gap[1].offset = 3;
	EXPECT_THROW(make_optimizer(spec_of("adam", 0.1), gap), std::invalid_argument);
	auto optimizer = make_optimizer(spec_of("adam", 0.1), variables({2}));
	std::vector<float> p(3), g(3);
	EXPECT_THROW(optimizer->step(p.data(), g.data(), 3), std::invalid_argument);
}
