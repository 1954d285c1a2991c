// Model::save_training_state / load_training_state: a model saved and loaded
// with its training state mid-way trains on as one that was never
// interrupted, for every optimizer; what does not fit is refused.

#include "ml/model.h"
#include "ml/tests/spec_builders.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

using namespace kafkaml::ml;
using namespace kafkaml::ml::testing;

namespace {

FitOptions options(int64_t epochs) {
	FitOptions o;
	o.epochs = epochs;
	o.batch_size = 8;
	o.shuffle = true; // draws from the model's generator, as dropout does
	return o;
}

//! The HCOPD model (dropout included) with `optimizer` at a learning rate
//! that moves it visibly in a few steps.
ModelSpec spec_with(const OptimizerSpec &optimizer) {
	auto spec = hcopd_spec();
	spec.compile.optimizer = optimizer;
	return spec;
}

OptimizerSpec optimizer(std::string name, double lr) {
	OptimizerSpec o;
	o.name = std::move(name);
	o.learning_rate = lr;
	return o;
}

std::vector<std::pair<std::string, OptimizerSpec>> every_rule() {
	std::vector<std::pair<std::string, OptimizerSpec>> rules;
	auto adam = optimizer("adam", 0.01);
	LearningRateSchedule decay;
	decay.name = "exponential_decay";
	decay.initial_learning_rate = 0.01;
	decay.decay_steps = 5;
	decay.decay_rate = 0.9;
	adam.schedule = decay; // the schedule's position is the step count
	rules.emplace_back("adam with a schedule", adam);
	auto amsgrad = optimizer("adam", 0.01);
	amsgrad.amsgrad = true;
	rules.emplace_back("amsgrad", amsgrad);
	auto adamw = optimizer("adamw", 0.01);
	adamw.weight_decay = 0.004;
	rules.emplace_back("adamw", adamw);
	auto sgd = optimizer("sgd", 0.05);
	sgd.momentum = 0.9;
	sgd.nesterov = true;
	rules.emplace_back("sgd with nesterov momentum", sgd);
	auto rmsprop = optimizer("rmsprop", 0.005);
	rmsprop.momentum = 0.5;
	rmsprop.centered = true;
	rules.emplace_back("centered rmsprop with momentum", rmsprop);
	rules.emplace_back("adagrad", optimizer("adagrad", 0.05));
	rules.emplace_back("adadelta", optimizer("adadelta", 1.0));
	rules.emplace_back("adamax", optimizer("adamax", 0.01));
	auto nadam = optimizer("nadam", 0.01);
	nadam.global_clipnorm = 0.5;
	rules.emplace_back("nadam with clipping", nadam);
	auto ftrl = optimizer("ftrl", 0.05);
	ftrl.l1_regularization_strength = 0.001;
	rules.emplace_back("ftrl", ftrl);
	return rules;
}

} // namespace

TEST(TrainingState, AModelReloadedMidWayTrainsOnAsAnUninterruptedOne) {
	auto first = hcopd_like(40, 11), second = hcopd_like(40, 12);
	for (const auto &[what, rule] : every_rule()) {
		auto spec = spec_with(rule);
		auto uninterrupted = Model::build(spec, 7);
		uninterrupted.fit(first.x, first.y, options(3));
		uninterrupted.set_learning_rate_factor(2.5); // as a drift's boost would
		uninterrupted.fit(second.x, second.y, options(2));

		auto interrupted = Model::build(spec, 7);
		interrupted.fit(first.x, first.y, options(3));
		interrupted.set_learning_rate_factor(2.5);
		auto blob = interrupted.save();
		auto state = interrupted.save_training_state();
		double learning_rate = interrupted.learning_rate();
		interrupted = Model::build(hcopd_spec(), 99); // gone: nothing of it is used below

		auto resumed = Model::load(blob);
		resumed.load_training_state(state);
		EXPECT_EQ(resumed.optimizer_iterations(), 15) << what;
		EXPECT_EQ(resumed.learning_rate(), learning_rate) << what << ": the schedule's position and the factor";
		resumed.fit(second.x, second.y, options(2));
		EXPECT_EQ(resumed.parameters(), uninterrupted.parameters()) << what;
		EXPECT_EQ(resumed.optimizer_iterations(), uninterrupted.optimizer_iterations()) << what;

		// Without its state the reloaded model learns something else: the
		// state is what makes them equal.
		auto fresh = Model::load(blob);
		fresh.fit(second.x, second.y, options(2));
		EXPECT_NE(fresh.parameters(), uninterrupted.parameters()) << what;
	}
}

TEST(TrainingState, BeforeTheFirstFitThereIsNoOptimizerToKeep) {
	auto data = hcopd_like(40, 11);
	auto fitted = Model::build(hcopd_spec(), 7);
	auto state = fitted.save_training_state();
	auto loaded = Model::load(fitted.save());
	loaded.load_training_state(state); // the generator's position only
	fitted.fit(data.x, data.y, options(2));
	loaded.fit(data.x, data.y, options(2));
	EXPECT_EQ(loaded.parameters(), fitted.parameters());

	// Loading a state without an optimizer drops the one the model had.
	loaded.load_training_state(state);
	EXPECT_EQ(loaded.optimizer_iterations(), 0);
}

TEST(TrainingState, WhatDoesNotFitIsRefusedAndTheModelKeepsItsOwn) {
	auto data = hcopd_like(40, 11);
	auto adam = Model::build(spec_with(optimizer("adam", 0.01)), 7);
	adam.fit(data.x, data.y, options(1));
	auto state = adam.save_training_state();

	auto expect_refused = [&](Model &model, std::string_view bytes, const std::string &saying) {
		auto before = model.save_training_state();
		try {
			model.load_training_state(bytes);
			ADD_FAILURE() << "loaded; expected an error saying " << saying;
		} catch (const std::invalid_argument &e) {
			EXPECT_NE(std::string(e.what()).find(saying), std::string::npos) << e.what();
		}
		EXPECT_EQ(model.save_training_state(), before) << "unchanged after " << saying;
	};
	auto sgd = Model::build(spec_with(optimizer("sgd", 0.01)), 7);
	sgd.fit(data.x, data.y, options(1));
	expect_refused(sgd, state, "of optimizer 'adam', this model trains with 'sgd'");

	auto amsgrad_rule = optimizer("adam", 0.01);
	amsgrad_rule.amsgrad = true;
	auto amsgrad = Model::build(spec_with(amsgrad_rule), 7);
	expect_refused(amsgrad, state, "buffer 3 of the optimizer state of 'adam' holds 0 values, this optimizer's 26");

	auto wider_spec = spec_with(optimizer("adam", 0.01));
	wider_spec.layers[1].units = 5;
	auto wider = Model::build(wider_spec, 7);
	expect_refused(wider, state, "buffer 1 of the optimizer state of 'adam' holds 26 values, this optimizer's 32");

	expect_refused(adam, "not a state", "not a kafkaml training state");
	expect_refused(adam, adam.save(), "not a kafkaml training state");
	expect_refused(adam, std::string_view(state).substr(0, state.size() - 4), "bytes of optimizer buffers");
	expect_refused(adam, std::string_view(state).substr(0, 20), "truncated");
}
