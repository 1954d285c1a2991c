#include "ml/optimizer.h"

#include "ml/learning_rate.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

namespace kafkaml::ml {

namespace {

//! sqrt(sum of squares), accumulated in double so large models do not lose
//! the small gradients.
double l2_norm(const float *g, int64_t n) {
	double sum = 0.0;
	for (int64_t i = 0; i < n; i++) {
		sum += static_cast<double>(g[i]) * g[i];
	}
	return std::sqrt(sum);
}

//! out = g * clip / max(norm, clip): unchanged below the norm, as Keras.
void scale_to_norm(const float *g, float *out, int64_t n, double norm, double clip) {
	const auto scale = static_cast<float>(norm > clip ? clip / norm : 1.0);
	for (int64_t i = 0; i < n; i++) {
		out[i] = g[i] * scale;
	}
}

//! 1 - x rounded once to float: rounding x first would move 1 - 0.999 by
//! 1e-5 relative (Keras multiplies by the Python float 1 - beta).
float complement(double x) {
	return static_cast<float>(1.0 - x);
}

class Sgd final : public Optimizer {
public:
	Sgd(const OptimizerSpec &spec, std::vector<int64_t> sizes, int64_t n)
	    : Optimizer(spec, std::move(sizes)), momentum_(static_cast<float>(spec.momentum)), nesterov_(spec.nesterov),
	      velocity_(spec.momentum != 0.0 ? n : 0) {}

private:
	Slots slots() override { return {{&velocity_}, {}}; }
	void update(float *p, const float *g, int64_t n, float lr) override {
		if (momentum_ == 0.0f) {
			for (int64_t i = 0; i < n; i++) {
				p[i] -= lr * g[i];
			}
			return;
		}
		float *v = velocity_.data();
		for (int64_t i = 0; i < n; i++) {
			v[i] = momentum_ * v[i] - lr * g[i];
			p[i] += nesterov_ ? momentum_ * v[i] - lr * g[i] : v[i];
		}
	}

	float momentum_;
	bool nesterov_;
	std::vector<float> velocity_;
};

//! Adam, and AdamW when `decoupled` (Keras applies `p -= p * wd * lr` before
//! the update, with the step's learning rate); `amsgrad` divides by the
//! running maximum of v.
class Adam final : public Optimizer {
public:
	Adam(const OptimizerSpec &spec, std::vector<int64_t> sizes, int64_t n, bool decoupled)
	    : Optimizer(spec, std::move(sizes)), b1_(spec.beta_1), b2_(spec.beta_2), eps_(static_cast<float>(spec.epsilon)),
	      weight_decay_(decoupled ? static_cast<float>(spec.weight_decay) : 0), m_(n), v_(n),
	      v_max_(spec.amsgrad ? n : 0) {}

private:
	Slots slots() override { return {{&m_, &v_, &v_max_}, {}}; }
	void update(float *p, const float *g, int64_t n, float lr) override {
		double t = static_cast<double>(iterations_ + 1);
		auto lr_t = static_cast<float>(lr * std::sqrt(1.0 - std::pow(b2_, t)) / (1.0 - std::pow(b1_, t)));
		const float new_m = complement(b1_), new_v = complement(b2_);
		const float decay = weight_decay_ * lr;
		float *m = m_.data(), *v = v_.data(), *v_max = v_max_.empty() ? nullptr : v_max_.data();
		for (int64_t i = 0; i < n; i++) {
			if (decay != 0.0f) {
				p[i] -= p[i] * decay;
			}
			m[i] += (g[i] - m[i]) * new_m;
			v[i] += (g[i] * g[i] - v[i]) * new_v;
			float second = v[i];
			if (v_max) {
				v_max[i] = std::max(v_max[i], v[i]);
				second = v_max[i];
			}
			p[i] -= lr_t * m[i] / (std::sqrt(second) + eps_);
		}
	}

	double b1_, b2_;
	float eps_, weight_decay_;
	std::vector<float> m_, v_, v_max_;
};

class RmsProp final : public Optimizer {
public:
	RmsProp(const OptimizerSpec &spec, std::vector<int64_t> sizes, int64_t n)
	    : Optimizer(spec, std::move(sizes)), rho_(static_cast<float>(spec.rho)), new_(complement(spec.rho)),
	      momentum_(static_cast<float>(spec.momentum)), eps_(static_cast<float>(spec.epsilon)), acc_(n),
	      mom_(spec.momentum > 0.0 ? n : 0), mean_(spec.centered ? n : 0) {}

private:
	Slots slots() override { return {{&acc_, &mom_, &mean_}, {}}; }
	void update(float *p, const float *g, int64_t n, float lr) override {
		float *a = acc_.data();
		for (int64_t i = 0; i < n; i++) {
			a[i] = rho_ * a[i] + new_ * g[i] * g[i];
			float denominator = a[i] + eps_;
			if (!mean_.empty()) {
				// Centered: the variance of the gradient instead of its second moment.
				mean_[i] = rho_ * mean_[i] + new_ * g[i];
				denominator = a[i] - mean_[i] * mean_[i] + eps_;
			}
			float increment = lr * g[i] / std::sqrt(denominator);
			if (!mom_.empty()) {
				mom_[i] = momentum_ * mom_[i] + increment;
				increment = mom_[i];
			}
			p[i] -= increment;
		}
	}

	float rho_, new_, momentum_, eps_;
	std::vector<float> acc_, mom_, mean_;
};

class Adagrad final : public Optimizer {
public:
	Adagrad(const OptimizerSpec &spec, std::vector<int64_t> sizes, int64_t n)
	    : Optimizer(spec, std::move(sizes)), eps_(static_cast<float>(spec.epsilon)),
	      acc_(n, static_cast<float>(spec.initial_accumulator_value)) {}

private:
	Slots slots() override { return {{&acc_}, {}}; }
	void update(float *p, const float *g, int64_t n, float lr) override {
		float *a = acc_.data();
		for (int64_t i = 0; i < n; i++) {
			a[i] += g[i] * g[i];
			p[i] -= lr * g[i] / std::sqrt(a[i] + eps_);
		}
	}

	float eps_;
	std::vector<float> acc_;
};

class Adadelta final : public Optimizer {
public:
	Adadelta(const OptimizerSpec &spec, std::vector<int64_t> sizes, int64_t n)
	    : Optimizer(spec, std::move(sizes)), rho_(static_cast<float>(spec.rho)), new_(complement(spec.rho)),
	      eps_(static_cast<float>(spec.epsilon)), grad_sq_(n), delta_sq_(n) {}

private:
	Slots slots() override { return {{&grad_sq_, &delta_sq_}, {}}; }
	void update(float *p, const float *g, int64_t n, float lr) override {
		float *gs = grad_sq_.data(), *ds = delta_sq_.data();
		for (int64_t i = 0; i < n; i++) {
			gs[i] = rho_ * gs[i] + new_ * g[i] * g[i];
			float delta = -std::sqrt(ds[i] + eps_) * g[i] / std::sqrt(gs[i] + eps_);
			ds[i] = rho_ * ds[i] + new_ * delta * delta;
			p[i] += lr * delta;
		}
	}

	float rho_, new_, eps_;
	std::vector<float> grad_sq_, delta_sq_;
};

class Adamax final : public Optimizer {
public:
	Adamax(const OptimizerSpec &spec, std::vector<int64_t> sizes, int64_t n)
	    : Optimizer(spec, std::move(sizes)), b1_(spec.beta_1), b2_(static_cast<float>(spec.beta_2)),
	      eps_(static_cast<float>(spec.epsilon)), m_(n), u_(n) {}

private:
	Slots slots() override { return {{&m_, &u_}, {}}; }
	void update(float *p, const float *g, int64_t n, float lr) override {
		const auto correction = static_cast<float>(1.0 - std::pow(b1_, static_cast<double>(iterations_ + 1)));
		const float new_m = complement(b1_);
		float *m = m_.data(), *u = u_.data();
		for (int64_t i = 0; i < n; i++) {
			m[i] += (g[i] - m[i]) * new_m;
			u[i] = std::max(b2_ * u[i], std::fabs(g[i]));
			p[i] -= lr * m[i] / (correction * (u[i] + eps_));
		}
	}

	double b1_;
	float b2_, eps_;
	std::vector<float> m_, u_;
};

//! Nadam with Keras' momentum schedule u_t = beta_1 (1 - 0.5 * 0.96^t).
class Nadam final : public Optimizer {
public:
	Nadam(const OptimizerSpec &spec, std::vector<int64_t> sizes, int64_t n)
	    : Optimizer(spec, std::move(sizes)), b1_(spec.beta_1), b2_(spec.beta_2), eps_(static_cast<float>(spec.epsilon)),
	      m_(n), v_(n) {}

private:
	Slots slots() override { return {{&m_, &v_}, {&u_product_}}; }
	void update(float *p, const float *g, int64_t n, float lr) override {
		const double t = static_cast<double>(iterations_ + 1);
		const double u_t = b1_ * (1.0 - 0.5 * std::pow(0.96, t));
		const double u_next = b1_ * (1.0 - 0.5 * std::pow(0.96, t + 1.0));
		u_product_ *= u_t;
		// m_hat = u_next m / (1 - u_product u_next) + (1 - u_t) g / (1 - u_product)
		const auto m_scale = static_cast<float>(u_next / (1.0 - u_product_ * u_next));
		const auto g_scale = static_cast<float>((1.0 - u_t) / (1.0 - u_product_));
		const auto v_correction = static_cast<float>(1.0 - std::pow(b2_, t));
		const float new_m = complement(b1_), new_v = complement(b2_);
		float *m = m_.data(), *v = v_.data();
		for (int64_t i = 0; i < n; i++) {
			m[i] += (g[i] - m[i]) * new_m;
			v[i] += (g[i] * g[i] - v[i]) * new_v;
			float m_hat = m_scale * m[i] + g_scale * g[i];
			p[i] -= m_hat * lr / (std::sqrt(v[i] / v_correction) + eps_);
		}
	}

	double b1_, b2_;
	float eps_;
	double u_product_ = 1.0;
	std::vector<float> m_, v_;
};

//! Follow-the-regularized-leader: the parameters are recomputed from the
//! accumulated "linear" term, which is why l1 gives exact zeros.
class Ftrl final : public Optimizer {
public:
	Ftrl(const OptimizerSpec &spec, std::vector<int64_t> sizes, int64_t n)
	    : Optimizer(spec, std::move(sizes)), power_(static_cast<float>(-spec.learning_rate_power)),
	      l1_(static_cast<float>(spec.l1_regularization_strength)),
	      l2_(static_cast<float>(spec.l2_regularization_strength)),
	      shrinkage_(static_cast<float>(spec.l2_shrinkage_regularization_strength)),
	      beta_(static_cast<float>(spec.beta)), acc_(n, static_cast<float>(spec.initial_accumulator_value)),
	      linear_(n) {}

private:
	Slots slots() override { return {{&acc_, &linear_}, {}}; }
	float root(float x) const { return power_ == 0.5f ? std::sqrt(x) : std::pow(x, power_); }

	void update(float *p, const float *g, int64_t n, float lr) override {
		const float l2 = l2_ + beta_ / (2.0f * lr);
		float *acc = acc_.data(), *linear = linear_.data();
		for (int64_t i = 0; i < n; i++) {
			float shrunk = g[i] + 2.0f * shrinkage_ * p[i];
			float next = acc[i] + g[i] * g[i];
			float next_root = root(next);
			linear[i] += shrunk - (next_root - root(acc[i])) / lr * p[i];
			float quadratic = next_root / lr + 2.0f * l2;
			p[i] = (std::clamp(linear[i], -l1_, l1_) - linear[i]) / quadratic;
			acc[i] = next;
		}
	}

	float power_, l1_, l2_, shrinkage_, beta_;
	std::vector<float> acc_, linear_;
};

} // namespace

Optimizer::Optimizer(const OptimizerSpec &spec, std::vector<int64_t> variable_sizes)
    : spec_(spec), variable_sizes_(std::move(variable_sizes)),
      size_(std::accumulate(variable_sizes_.begin(), variable_sizes_.end(), int64_t{0})) {
	if (spec.clipnorm || spec.global_clipnorm || spec.clipvalue) {
		clipped_.resize(static_cast<size_t>(size_));
	}
}

double Optimizer::learning_rate() const {
	return learning_rate_at(spec_, iterations_) * factor_;
}

const float *Optimizer::clip(const float *g, int64_t n) {
	if (clipped_.empty()) {
		return g;
	}
	float *out = clipped_.data();
	if (spec_.clipnorm) {
		int64_t offset = 0;
		for (int64_t size : variable_sizes_) {
			scale_to_norm(g + offset, out + offset, size, l2_norm(g + offset, size), *spec_.clipnorm);
			offset += size;
		}
	} else if (spec_.global_clipnorm) {
		scale_to_norm(g, out, n, l2_norm(g, n), *spec_.global_clipnorm);
	} else {
		const auto limit = static_cast<float>(*spec_.clipvalue);
		for (int64_t i = 0; i < n; i++) {
			out[i] = std::clamp(g[i], -limit, limit);
		}
	}
	return out;
}

OptimizerState Optimizer::state() const {
	// slots() only hands out where the state is; nothing is written here.
	auto slots = const_cast<Optimizer &>(*this).slots();
	OptimizerState state{spec_.name, iterations_, {}, {}};
	for (const double *scalar : slots.scalars) {
		state.scalars.push_back(*scalar);
	}
	for (const auto *buffer : slots.buffers) {
		state.buffers.push_back(*buffer);
	}
	return state;
}

void Optimizer::restore(const OptimizerState &state) {
	if (state.name != spec_.name) {
		throw std::invalid_argument("the optimizer state is of optimizer '" + state.name +
		                            "', this model trains with '" + spec_.name + "'");
	}
	if (state.iterations < 0) {
		throw std::invalid_argument("the optimizer state has a negative step count");
	}
	auto slots = this->slots();
	if (state.scalars.size() != slots.scalars.size() || state.buffers.size() != slots.buffers.size()) {
		throw std::invalid_argument(
		    "the optimizer state of '" + state.name + "' has " + std::to_string(state.buffers.size()) +
		    " buffers and " + std::to_string(state.scalars.size()) + " scalars, this one " +
		    std::to_string(slots.buffers.size()) + " and " + std::to_string(slots.scalars.size()));
	}
	for (size_t i = 0; i < slots.buffers.size(); i++) {
		if (state.buffers[i].size() != slots.buffers[i]->size()) {
			throw std::invalid_argument(
			    "buffer " + std::to_string(i + 1) + " of the optimizer state of '" + state.name + "' holds " +
			    std::to_string(state.buffers[i].size()) + " values, this optimizer's " +
			    std::to_string(slots.buffers[i]->size()) +
			    " (another model, or the optimizer's options differ: momentum, amsgrad, centered)");
		}
	}
	for (size_t i = 0; i < slots.buffers.size(); i++) {
		*slots.buffers[i] = state.buffers[i];
	}
	for (size_t i = 0; i < slots.scalars.size(); i++) {
		*slots.scalars[i] = state.scalars[i];
	}
	iterations_ = state.iterations;
}

void Optimizer::step(float *params, const float *grads, int64_t n) {
	if (n != size_) {
		throw std::invalid_argument("the optimizer was made for another number of parameters");
	}
	update(params, clip(grads, n), n, static_cast<float>(learning_rate()));
	iterations_++;
}

std::unique_ptr<Optimizer> make_optimizer(const OptimizerSpec &spec, const std::vector<ParamSlot> &variables) {
	check_learning_rate(spec);
	std::vector<int64_t> sizes;
	for (const auto &slot : variables) {
		if (slot.offset != std::accumulate(sizes.begin(), sizes.end(), int64_t{0})) {
			throw std::invalid_argument("the optimizer needs the variables in buffer order, without gaps");
		}
		sizes.push_back(slot.size);
	}
	if ((spec.clipnorm.has_value() + spec.global_clipnorm.has_value() + spec.clipvalue.has_value()) > 1) {
		throw std::invalid_argument("give only one of the optimizer's clipnorm, clipvalue and global_clipnorm");
	}
	const int64_t n = std::accumulate(sizes.begin(), sizes.end(), int64_t{0});
	const std::string &name = spec.name;
	if (name == "sgd") {
		return std::make_unique<Sgd>(spec, std::move(sizes), n);
	}
	if (name == "adam" || name == "adamw") {
		return std::make_unique<Adam>(spec, std::move(sizes), n, name == "adamw");
	}
	if (name == "rmsprop") {
		return std::make_unique<RmsProp>(spec, std::move(sizes), n);
	}
	if (name == "adagrad") {
		return std::make_unique<Adagrad>(spec, std::move(sizes), n);
	}
	if (name == "adadelta") {
		return std::make_unique<Adadelta>(spec, std::move(sizes), n);
	}
	if (name == "adamax") {
		return std::make_unique<Adamax>(spec, std::move(sizes), n);
	}
	if (name == "nadam") {
		return std::make_unique<Nadam>(spec, std::move(sizes), n);
	}
	if (name == "ftrl") {
		return std::make_unique<Ftrl>(spec, std::move(sizes), n);
	}
	throw std::invalid_argument("unsupported optimizer '" + name +
	                            "'; use one of adam, adamw, sgd, rmsprop, adagrad, adadelta, adamax, nadam, ftrl");
}

} // namespace kafkaml::ml
