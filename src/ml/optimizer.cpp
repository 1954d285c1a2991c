#include "ml/optimizer.h"

#include <cmath>
#include <stdexcept>

namespace kafkaml::ml {

namespace {

class Sgd final : public Optimizer {
public:
	Sgd(const OptimizerSpec &spec, int64_t n)
	    : lr_(static_cast<float>(spec.learning_rate)), momentum_(static_cast<float>(spec.momentum)),
	      nesterov_(spec.nesterov), velocity_(spec.momentum != 0.0 ? n : 0) {}
	void step(float *p, const float *g, int64_t n) override {
		iterations_++;
		if (momentum_ == 0.0f) {
			for (int64_t i = 0; i < n; i++) {
				p[i] -= lr_ * g[i];
			}
			return;
		}
		float *v = velocity_.data();
		for (int64_t i = 0; i < n; i++) {
			v[i] = momentum_ * v[i] - lr_ * g[i];
			p[i] += nesterov_ ? momentum_ * v[i] - lr_ * g[i] : v[i];
		}
	}

private:
	float lr_, momentum_;
	bool nesterov_;
	std::vector<float> velocity_;
};

//! Adam, and AdamW when weight_decay > 0 (decoupled decay applied first, as Keras does).
class Adam final : public Optimizer {
public:
	Adam(const OptimizerSpec &spec, int64_t n, bool decoupled)
	    : lr_(spec.learning_rate), b1_(spec.beta_1), b2_(spec.beta_2), eps_(static_cast<float>(spec.epsilon)),
	      decay_(decoupled ? static_cast<float>(spec.learning_rate * spec.weight_decay) : 0.0f), m_(n), v_(n) {}
	void step(float *p, const float *g, int64_t n) override {
		iterations_++;
		double t = static_cast<double>(iterations_);
		auto lr_t = static_cast<float>(lr_ * std::sqrt(1.0 - std::pow(b2_, t)) / (1.0 - std::pow(b1_, t)));
		const auto b1 = static_cast<float>(b1_), b2 = static_cast<float>(b2_);
		float *m = m_.data(), *v = v_.data();
		for (int64_t i = 0; i < n; i++) {
			if (decay_ != 0.0f) {
				p[i] -= decay_ * p[i];
			}
			m[i] += (g[i] - m[i]) * (1.0f - b1);
			v[i] += (g[i] * g[i] - v[i]) * (1.0f - b2);
			p[i] -= lr_t * m[i] / (std::sqrt(v[i]) + eps_);
		}
	}

private:
	double lr_, b1_, b2_;
	float eps_, decay_;
	std::vector<float> m_, v_;
};

class RmsProp final : public Optimizer {
public:
	RmsProp(const OptimizerSpec &spec, int64_t n)
	    : lr_(static_cast<float>(spec.learning_rate)), rho_(static_cast<float>(spec.rho)),
	      momentum_(static_cast<float>(spec.momentum)), eps_(static_cast<float>(spec.epsilon)), acc_(n),
	      mom_(spec.momentum != 0.0 ? n : 0) {}
	void step(float *p, const float *g, int64_t n) override {
		iterations_++;
		float *a = acc_.data();
		for (int64_t i = 0; i < n; i++) {
			a[i] = rho_ * a[i] + (1.0f - rho_) * g[i] * g[i];
			float increment = lr_ * g[i] / std::sqrt(a[i] + eps_);
			if (momentum_ != 0.0f) {
				mom_[i] = momentum_ * mom_[i] + increment;
				increment = mom_[i];
			}
			p[i] -= increment;
		}
	}

private:
	float lr_, rho_, momentum_, eps_;
	std::vector<float> acc_, mom_;
};

class Adagrad final : public Optimizer {
public:
	Adagrad(const OptimizerSpec &spec, int64_t n)
	    : lr_(static_cast<float>(spec.learning_rate)), eps_(static_cast<float>(spec.epsilon)),
	      acc_(n, static_cast<float>(spec.initial_accumulator_value)) {}
	void step(float *p, const float *g, int64_t n) override {
		iterations_++;
		float *a = acc_.data();
		for (int64_t i = 0; i < n; i++) {
			a[i] += g[i] * g[i];
			p[i] -= lr_ * g[i] / std::sqrt(a[i] + eps_);
		}
	}

private:
	float lr_, eps_;
	std::vector<float> acc_;
};

} // namespace

std::unique_ptr<Optimizer> make_optimizer(const OptimizerSpec &spec, int64_t n) {
	if (!(spec.learning_rate > 0.0)) {
		throw std::invalid_argument("optimizer learning rate must be > 0, got " + std::to_string(spec.learning_rate));
	}
	if (spec.name == "sgd") {
		return std::make_unique<Sgd>(spec, n);
	}
	if (spec.name == "adam") {
		return std::make_unique<Adam>(spec, n, false);
	}
	if (spec.name == "adamw") {
		return std::make_unique<Adam>(spec, n, true);
	}
	if (spec.name == "rmsprop") {
		return std::make_unique<RmsProp>(spec, n);
	}
	if (spec.name == "adagrad") {
		return std::make_unique<Adagrad>(spec, n);
	}
	throw std::invalid_argument("unsupported optimizer '" + spec.name +
	                            "'; use one of adam, adamw, sgd, rmsprop, adagrad");
}

} // namespace kafkaml::ml
