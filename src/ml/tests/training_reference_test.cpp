// The optimizers, learning-rate schedules and losses against references in
// Python (Debian's python3-torch under /usr/bin/python3): the same Keras 3
// formulas written independently in numpy (training_reference.py), the
// losses' gradients by torch autograd, and torch.optim where PyTorch has the
// same algorithm. The engine computes in float32, the references in
// float64: parameters agree within 1e-6 relative (of max(|p|, 1)).

#include "ml/learning_rate.h"
#include "ml/losses.h"
#include "ml/optimizer.h"
#include "support/build_tree.h"
#include "support/files.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <sstream>

using namespace kafkaml::ml;
using json = nlohmann::json;

namespace {

// ---- the problem the optimizers minimise: 0.5 sum a (p - c)^2 ----

const std::vector<int64_t> k_sizes = {3, 4};
const std::vector<float> k_p0 = {1.5f, -0.8f, 0.3f, 2.0f, -1.2f, 0.05f, 0.9f};
const std::vector<float> k_a = {1.0f, 2.5f, 0.4f, 3.0f, 1.7f, 0.8f, 2.2f};
const std::vector<float> k_c = {-0.5f, 0.7f, 1.1f, -1.0f, 0.2f, 0.6f, -0.3f};
constexpr int k_steps = 20;

std::vector<ParamSlot> slots(const std::vector<int64_t> &sizes) {
	std::vector<ParamSlot> out;
	int64_t offset = 0;
	for (int64_t size : sizes) {
		out.push_back({"v" + std::to_string(out.size()), {size}, offset, size, ""});
		offset += size;
	}
	return out;
}

//! The parameters after each of `steps` updates, computed by the engine.
std::vector<std::vector<float>> engine_trajectory(const OptimizerSpec &spec, int steps = k_steps) {
	auto optimizer = make_optimizer(spec, slots(k_sizes));
	std::vector<float> p = k_p0, g(p.size());
	std::vector<std::vector<float>> trajectory;
	for (int s = 0; s < steps; s++) {
		for (size_t i = 0; i < p.size(); i++) {
			g[i] = k_a[i] * (p[i] - k_c[i]);
		}
		optimizer->step(p.data(), g.data(), static_cast<int64_t>(p.size()));
		trajectory.push_back(p);
	}
	return trajectory;
}

json schedule_json(const LearningRateSchedule &s) {
	return {{"name", s.name},
	        {"initial_learning_rate", s.initial_learning_rate},
	        {"decay_steps", s.decay_steps},
	        {"decay_rate", s.decay_rate},
	        {"staircase", s.staircase},
	        {"boundaries", s.boundaries},
	        {"values", s.values},
	        {"alpha", s.alpha},
	        {"end_learning_rate", s.end_learning_rate},
	        {"power", s.power},
	        {"cycle", s.cycle}};
}

json optimizer_json(const OptimizerSpec &o) {
	json j = {{"name", o.name},
	          {"learning_rate", o.learning_rate},
	          {"momentum", o.momentum},
	          {"nesterov", o.nesterov},
	          {"beta_1", o.beta_1},
	          {"beta_2", o.beta_2},
	          {"epsilon", o.epsilon},
	          {"rho", o.rho},
	          {"weight_decay", o.weight_decay},
	          {"initial_accumulator_value", o.initial_accumulator_value},
	          {"amsgrad", o.amsgrad},
	          {"centered", o.centered},
	          {"decay", o.decay},
	          {"learning_rate_power", o.learning_rate_power},
	          {"l1_regularization_strength", o.l1_regularization_strength},
	          {"l2_regularization_strength", o.l2_regularization_strength},
	          {"l2_shrinkage_regularization_strength", o.l2_shrinkage_regularization_strength},
	          {"beta", o.beta}};
	auto optional = [&](const char *key, const std::optional<double> &v) { j[key] = v ? json(*v) : json(nullptr); };
	optional("clipnorm", o.clipnorm);
	optional("clipvalue", o.clipvalue);
	optional("global_clipnorm", o.global_clipnorm);
	if (o.schedule) {
		j["schedule"] = schedule_json(*o.schedule);
	}
	return j;
}

json problem_json() {
	return {{"sizes", k_sizes}, {"p0", k_p0}, {"a", k_a}, {"c", k_c}, {"steps", k_steps}};
}

OptimizerSpec optimizer(std::string name, double lr) {
	OptimizerSpec o;
	o.name = std::move(name);
	o.learning_rate = lr;
	if (o.name == "adadelta") {
		o.rho = 0.95; // Keras' default for Adadelta
	}
	return o;
}

LearningRateSchedule schedule(std::string name) {
	LearningRateSchedule s;
	s.name = std::move(name);
	s.initial_learning_rate = 0.2;
	s.decay_steps = 6;
	s.decay_rate = 0.5;
	return s;
}

//! The worst |engine - reference| / max(|reference|, 1) over a trajectory.
double worst_error(const std::vector<std::vector<float>> &engine, const json &reference) {
	double worst = 0.0;
	EXPECT_EQ(reference.size(), engine.size());
	for (size_t s = 0; s < engine.size() && s < reference.size(); s++) {
		for (size_t i = 0; i < engine[s].size(); i++) {
			double want = reference[s][i].get<double>();
			worst = std::max(worst, std::fabs(engine[s][i] - want) / std::max(std::fabs(want), 1.0));
		}
	}
	return worst;
}

class TrainingReference : public ::testing::Test {
protected:
	void SetUp() override {
		if (std::system("/usr/bin/python3 -c 'import numpy, torch' >/dev/null 2>&1") != 0) {
			GTEST_SKIP() << "/usr/bin/python3 with numpy and torch is not available";
		}
	}
	//! Runs training_reference.py on `cases`; returns its results.
	json reference(const json &cases) {
		const auto script = kafkaml::testing::source_dir() / "src/ml/tests/training_reference.py";
		std::string command = "/usr/bin/python3 " + script.string() + " " + dir_.write("cases.json", cases.dump()) +
		                      " > " + (dir_ / "out.json").string();
		EXPECT_EQ(std::system(command.c_str()), 0) << command;
		return json::parse(kafkaml::testing::read_file(dir_ / "out.json"));
	}
	kafkaml::testing::TempDir dir_{"training"};
};

} // namespace

TEST_F(TrainingReference, OptimizersAndTheirOptionsFollowKerasFormulas) {
	std::vector<std::pair<std::string, OptimizerSpec>> cases;
	auto add = [&](std::string label, OptimizerSpec o) { cases.emplace_back(std::move(label), std::move(o)); };
	add("sgd", optimizer("sgd", 0.1));
	auto o = optimizer("sgd", 0.05);
	o.momentum = 0.9;
	add("sgd momentum", o);
	o.nesterov = true;
	add("sgd nesterov", o);
	add("adam", optimizer("adam", 0.1));
	// amsgrad acts once v decreases: with beta_2 0.6 it follows the
	// shrinking gradients (checked below).
	o = optimizer("adam", 0.1);
	o.beta_2 = 0.6;
	o.amsgrad = true;
	add("adam amsgrad", o);
	o = optimizer("adamw", 0.1);
	o.weight_decay = 0.1;
	add("adamw", o);
	o.beta_2 = 0.6;
	o.amsgrad = true;
	add("adamw amsgrad", o);
	add("rmsprop", optimizer("rmsprop", 0.05));
	o = optimizer("rmsprop", 0.05);
	o.centered = true;
	add("rmsprop centered", o);
	o.momentum = 0.5;
	add("rmsprop centered momentum", o);
	o = optimizer("adagrad", 0.5);
	add("adagrad", o);
	add("adadelta", optimizer("adadelta", 1.0));
	add("adamax", optimizer("adamax", 0.1));
	add("nadam", optimizer("nadam", 0.1));
	add("ftrl", optimizer("ftrl", 0.3));
	o = optimizer("ftrl", 0.3);
	o.learning_rate_power = -0.3;
	o.l1_regularization_strength = 0.05;
	o.l2_regularization_strength = 0.02;
	o.l2_shrinkage_regularization_strength = 0.01;
	o.beta = 0.1;
	o.initial_accumulator_value = 0.2;
	add("ftrl regularised", o);
	// Clipping: the first gradients have norms 4.7 (variable 0), 7.0
	// (variable 1), 8.4 overall and elements up to 6.
	o = optimizer("sgd", 0.1);
	o.clipnorm = 2.0;
	add("clipnorm", o);
	o.clipnorm.reset();
	o.global_clipnorm = 2.0;
	add("global_clipnorm", o);
	o.global_clipnorm.reset();
	o.clipvalue = 0.5;
	add("clipvalue", o);
	o = optimizer("adam", 0.1);
	o.clipnorm = 1.0;
	add("adam clipnorm", o);
	o = optimizer("sgd", 0.1);
	o.decay = 0.2;
	add("sgd decay", o);
	o = optimizer("rmsprop", 0.05);
	o.decay = 0.1;
	add("rmsprop decay", o);
	for (const char *name : {"exponential_decay", "inverse_time_decay", "cosine_decay", "polynomial_decay"}) {
		o = optimizer("sgd", 0.2);
		o.schedule = schedule(name);
		add(std::string("sgd ") + name, o);
	}
	o = optimizer("sgd", 0.3);
	o.schedule = schedule("piecewise_constant_decay");
	o.schedule->boundaries = {3, 10};
	o.schedule->values = {0.3, 0.1, 0.02};
	add("sgd piecewise_constant_decay", o);
	o = optimizer("adamw", 0.2);
	o.weight_decay = 0.2;
	o.schedule = schedule("exponential_decay");
	o.schedule->staircase = true;
	add("adamw staircase schedule", o);
	o = optimizer("nadam", 0.2);
	o.schedule = schedule("cosine_decay");
	o.schedule->alpha = 0.1;
	o.decay = 0.05;
	add("nadam cosine schedule and decay", o);

	json request = {{"optimizers", json::array()}};
	for (const auto &[label, spec] : cases) {
		json c = problem_json();
		c["spec"] = optimizer_json(spec);
		request["optimizers"].push_back(c);
	}
	json results = reference(request)["optimizers"];
	ASSERT_EQ(results.size(), cases.size());
	for (size_t i = 0; i < cases.size(); i++) {
		auto engine = engine_trajectory(cases[i].second);
		EXPECT_LT(worst_error(engine, results[i]), 1e-6) << cases[i].first;
		// The problem moved: a wrong rule cannot pass by doing nothing.
		EXPECT_GT(std::fabs(engine.back()[1] - k_p0[1]), 0.01) << cases[i].first;
	}
	auto amsgrad = optimizer("adam", 0.1);
	amsgrad.beta_2 = 0.6;
	auto plain = amsgrad;
	amsgrad.amsgrad = true;
	EXPECT_GT(std::fabs(engine_trajectory(amsgrad).back()[0] - engine_trajectory(plain).back()[0]), 1e-3);
}

TEST_F(TrainingReference, OptimizersMatchPyTorchWhereItHasTheSameAlgorithm) {
	struct Case {
		std::string label;
		OptimizerSpec spec;
		json torch;
	};
	std::vector<Case> cases;
	// Keras divides by u + eps, PyTorch by max(beta_2 u, |g| + eps): the same
	// with eps 0.
	auto o = optimizer("adamax", 0.1);
	o.epsilon = 0.0;
	cases.push_back({"adamax", o, {{"torch", "Adamax"}, {"options", {{"lr", 0.1}, {"eps", 0.0}}}}});
	// Keras' momentum schedule is beta_1 (1 - 0.5 * 0.96^t), PyTorch's
	// 0.96^(t * momentum_decay) with momentum_decay 0.004 by default. (An
	// older PyTorch gets its 2.0 fix of mu_product_next applied first.)
	o = optimizer("nadam", 0.1);
	cases.push_back(
	    {"nadam", o, {{"torch", "NAdam"}, {"options", {{"lr", 0.1}, {"eps", 1e-7}, {"momentum_decay", 1.0}}}}});
	// Same formula; only the defaults differ (Keras lr 0.001, rho 0.95,
	// eps 1e-7; PyTorch 1.0, 0.9, 1e-6).
	o = optimizer("adadelta", 1.0);
	cases.push_back({"adadelta", o, {{"torch", "Adadelta"}, {"options", {{"lr", 1.0}, {"rho", 0.95}, {"eps", 1e-7}}}}});
	// Keras adds eps to sqrt(v) before the bias correction, PyTorch after:
	// the same with eps 0.
	o = optimizer("adam", 0.1);
	o.amsgrad = true;
	o.beta_2 = 0.6;
	o.epsilon = 0.0;
	cases.push_back(
	    {"adam amsgrad",
	     o,
	     {{"torch", "Adam"}, {"options", {{"lr", 0.1}, {"betas", {0.9, 0.6}}, {"eps", 0.0}, {"amsgrad", true}}}}});
	// Keras: sqrt(v - mean^2 + eps); PyTorch: sqrt(v - mean^2) + eps.
	o = optimizer("rmsprop", 0.05);
	o.centered = true;
	o.momentum = 0.5;
	o.epsilon = 0.0;
	cases.push_back(
	    {"rmsprop centered",
	     o,
	     {{"torch", "RMSprop"},
	      {"options", {{"lr", 0.05}, {"alpha", 0.9}, {"eps", 0.0}, {"momentum", 0.5}, {"centered", true}}}}});
	json request = {{"torch_optimizers", json::array()}};
	for (const auto &c : cases) {
		json item = problem_json();
		item.update(c.torch);
		request["torch_optimizers"].push_back(item);
	}
	json results = reference(request)["torch_optimizers"];
	ASSERT_EQ(results.size(), cases.size());
	for (size_t i = 0; i < cases.size(); i++) {
		EXPECT_LT(worst_error(engine_trajectory(cases[i].spec), results[i]), 1e-6) << cases[i].label;
	}
}

TEST_F(TrainingReference, SchedulesGiveKerasLearningRatePerStep) {
	std::vector<LearningRateSchedule> cases;
	for (const char *name :
	     {"exponential_decay", "inverse_time_decay", "cosine_decay", "polynomial_decay", "piecewise_constant_decay"}) {
		cases.push_back(schedule(name));
	}
	cases.push_back(schedule("exponential_decay"));
	cases.back().staircase = true;
	cases.push_back(schedule("inverse_time_decay"));
	cases.back().staircase = true;
	cases.push_back(schedule("cosine_decay"));
	cases.back().alpha = 0.25;
	cases.push_back(schedule("polynomial_decay"));
	cases.back().power = 2.0;
	cases.back().end_learning_rate = 0.01;
	cases.push_back(cases.back());
	cases.back().cycle = true;
	cases[4].boundaries = {0, 5, 12};
	cases[4].values = {1.0, 0.5, 0.1, 0.05};
	json request = {{"schedules", json::array()}};
	for (const auto &s : cases) {
		request["schedules"].push_back({{"spec", schedule_json(s)}, {"steps", 30}});
	}
	json results = reference(request)["schedules"];
	ASSERT_EQ(results.size(), cases.size());
	for (size_t i = 0; i < cases.size(); i++) {
		OptimizerSpec o;
		o.schedule = cases[i];
		for (int step = 0; step < 30; step++) {
			double want = results[i][static_cast<size_t>(step)].get<double>();
			EXPECT_NEAR(learning_rate_at(o, step), want, 1e-12 * std::fabs(want))
			    << cases[i].name << " case " << i << " step " << step;
		}
	}
}

TEST_F(TrainingReference, LossValuesAndGradientsMatchTorchAutograd) {
	struct Case {
		LossSpec spec;
		std::vector<float> out, labels;
		int64_t rows, width;
	};
	const std::vector<float> probs = {0.2f, 0.5f, 0.3f, 0.7f, 0.1f, 0.2f, 0.05f, 0.15f, 0.8f};
	const std::vector<float> logits = {1.5f, -0.5f, 0.2f, 2.0f, -1.2f, 0.4f, -0.3f, 0.9f, 3.0f};
	const std::vector<float> values = {0.4f, 2.5f, -1.2f, 3.1f, 0.9f, 1.7f, -0.6f, 0.05f, 1.3f};
	const std::vector<float> positive = {0.4f, 2.5f, 1.2f, 3.1f, 0.9f, 1.7f, 0.6f, 0.05f, 1.3f};
	const std::vector<float> one_hot = {0, 1, 0, 1, 0, 0, 0, 0, 1};
	const std::vector<float> soft = {0.1f, 0.7f, 0.2f, 0.6f, 0.3f, 0.1f, 0.0f, 0.25f, 0.75f};
	const std::vector<float> targets = {0.5f, 2.0f, -1.0f, 2.5f, 1.5f, 1.0f, -0.5f, 0.3f, 2.0f};
	const std::vector<float> counts = {1.0f, 3.0f, 0.0f, 2.0f, 1.0f, 2.0f, 0.0f, 1.0f, 4.0f};
	auto spec = [](std::string name) {
		LossSpec s;
		s.name = std::move(name);
		return s;
	};
	std::vector<Case> cases;
	auto add = [&](LossSpec s, std::vector<float> out, std::vector<float> labels, int64_t rows = 3, int64_t width = 3) {
		cases.push_back({std::move(s), std::move(out), std::move(labels), rows, width});
	};
	for (const char *name : {"mse", "mae", "mape", "log_cosh", "huber"}) {
		add(spec(name), values, targets);
	}
	auto huber = spec("huber");
	huber.delta = 0.5;
	add(huber, values, targets);
	add(spec("msle"), values, positive);
	add(spec("poisson"), positive, counts);
	add(spec("kl_divergence"), probs, soft);
	add(spec("cosine_similarity"), values, targets);
	add(spec("hinge"), values, one_hot); // 0/1 labels read as -1/1
	add(spec("hinge"), values, targets); // other labels as they are
	add(spec("squared_hinge"), values, one_hot);
	add(spec("categorical_hinge"), values, one_hot);
	add(spec("categorical_hinge"), logits, one_hot);
	add(spec("categorical_hinge"), logits, soft);
	for (bool from_logits : {false, true}) {
		const auto &out = from_logits ? logits : probs;
		for (const char *name : {"binary_crossentropy", "categorical_crossentropy", "binary_focal_crossentropy",
		                         "categorical_focal_crossentropy"}) {
			auto s = spec(name);
			s.from_logits = from_logits;
			add(s, out, soft);
			s.label_smoothing = 0.2;
			add(s, out, one_hot);
		}
		auto focal = spec("binary_focal_crossentropy");
		focal.from_logits = from_logits;
		focal.apply_class_balancing = true;
		focal.alpha = 0.3;
		focal.gamma = 1.5;
		add(focal, out, soft);
		auto cfocal = spec("categorical_focal_crossentropy");
		cfocal.from_logits = from_logits;
		cfocal.alpha = 0.6;
		cfocal.gamma = 3.0;
		add(cfocal, out, one_hot);
		auto sparse = spec("sparse_categorical_crossentropy");
		sparse.from_logits = from_logits;
		add(sparse, out, {1, 0, 2});
		sparse.ignore_class = 0;
		add(sparse, out, {1, 0, 2});
		sparse.ignore_class = -1;
		add(sparse, out, {-1, 0, 2});
	}
	auto summed = spec("mse");
	summed.reduction = "sum";
	add(summed, values, targets);
	summed = spec("sparse_categorical_crossentropy");
	summed.reduction = "sum";
	summed.ignore_class = 2;
	add(summed, probs, {1, 0, 2});

	json request = {{"losses", json::array()}};
	for (const auto &c : cases) {
		json s = {{"name", c.spec.name},
		          {"from_logits", c.spec.from_logits},
		          {"delta", c.spec.delta},
		          {"label_smoothing", c.spec.label_smoothing},
		          {"gamma", c.spec.gamma},
		          {"alpha", c.spec.alpha},
		          {"apply_class_balancing", c.spec.apply_class_balancing},
		          {"ignore_class", c.spec.ignore_class ? json(*c.spec.ignore_class) : json(nullptr)},
		          {"reduction", c.spec.reduction}};
		request["losses"].push_back(
		    {{"spec", s}, {"out", c.out}, {"labels", c.labels}, {"rows", c.rows}, {"width", c.width}});
	}
	json results = reference(request)["losses"];
	ASSERT_EQ(results.size(), cases.size());
	for (size_t i = 0; i < cases.size(); i++) {
		const auto &c = cases[i];
		std::string label = c.spec.name + " logits=" + std::to_string(c.spec.from_logits) +
		                    " smoothing=" + std::to_string(c.spec.label_smoothing) + " case " + std::to_string(i);
		std::vector<float> grad(c.out.size());
		double value =
		    loss_forward_backward(resolve_loss(c.spec), c.out.data(), c.labels.data(), c.rows, c.width, grad.data());
		double want = results[i]["value"].get<double>();
		EXPECT_NEAR(value, want, 1e-5 * std::max(1.0, std::fabs(want))) << label;
		double scale = 0.0;
		for (const auto &g : results[i]["grad"]) {
			scale = std::max(scale, std::fabs(g.get<double>()));
		}
		for (size_t j = 0; j < grad.size(); j++) {
			EXPECT_NEAR(grad[j], results[i]["grad"][j].get<double>(), 1e-5 * std::max(1.0, scale))
			    << label << " element " << j;
		}
	}
}
