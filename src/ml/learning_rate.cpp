#include "ml/learning_rate.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

namespace kafkaml::ml {

namespace {

//! step / decay_steps, floored for the staircase variants.
double decay_progress(const LearningRateSchedule &s, double step) {
	double p = step / static_cast<double>(s.decay_steps);
	return s.staircase ? std::floor(p) : p;
}

double piecewise(const LearningRateSchedule &s, double step) {
	// values[i] holds for boundaries[i-1] < step <= boundaries[i].
	size_t i = 0;
	while (i < s.boundaries.size() && step > s.boundaries[i]) {
		i++;
	}
	return s.values[i];
}

double polynomial(const LearningRateSchedule &s, double step) {
	double steps = static_cast<double>(s.decay_steps);
	if (s.cycle) {
		// Restarts every decay_steps, each cycle as long as the steps so far.
		steps *= step == 0.0 ? 1.0 : std::ceil(step / steps);
	} else {
		step = std::min(step, steps);
	}
	return (s.initial_learning_rate - s.end_learning_rate) * std::pow(1.0 - step / steps, s.power) +
	       s.end_learning_rate;
}

double scheduled(const LearningRateSchedule &s, double step) {
	if (s.name == "exponential_decay") {
		return s.initial_learning_rate * std::pow(s.decay_rate, decay_progress(s, step));
	}
	if (s.name == "inverse_time_decay") {
		return s.initial_learning_rate / (1.0 + s.decay_rate * decay_progress(s, step));
	}
	if (s.name == "piecewise_constant_decay") {
		return piecewise(s, step);
	}
	if (s.name == "cosine_decay") {
		double fraction = std::min(step, static_cast<double>(s.decay_steps)) / static_cast<double>(s.decay_steps);
		double cosine = 0.5 * (1.0 + std::cos(std::numbers::pi * fraction));
		return s.initial_learning_rate * ((1.0 - s.alpha) * cosine + s.alpha);
	}
	return polynomial(s, step);
}

} // namespace

void check_learning_rate(const OptimizerSpec &spec) {
	if (!spec.schedule) {
		if (!(spec.learning_rate > 0.0)) {
			throw std::invalid_argument("optimizer learning rate must be > 0, got " +
			                            std::to_string(spec.learning_rate));
		}
		return;
	}
	const LearningRateSchedule &s = *spec.schedule;
	if (s.name == "piecewise_constant_decay") {
		if (s.values.size() != s.boundaries.size() + 1 || s.boundaries.empty()) {
			throw std::invalid_argument("PiecewiseConstantDecay needs one more value than boundaries");
		}
		return;
	}
	if (s.name != "exponential_decay" && s.name != "inverse_time_decay" && s.name != "cosine_decay" &&
	    s.name != "polynomial_decay") {
		throw std::invalid_argument("unsupported learning-rate schedule '" + s.name +
		                            "'; use exponential_decay, piecewise_constant_decay, cosine_decay, "
		                            "inverse_time_decay or polynomial_decay");
	}
	if (s.decay_steps <= 0) {
		throw std::invalid_argument("the learning-rate schedule's decay_steps must be > 0");
	}
}

double learning_rate_at(const OptimizerSpec &spec, int64_t step) {
	const auto t = static_cast<double>(step);
	double lr = spec.schedule ? scheduled(*spec.schedule, t) : spec.learning_rate;
	if (spec.decay > 0.0) {
		lr /= 1.0 + spec.decay * t;
	}
	return lr;
}

} // namespace kafkaml::ml
