#pragma once

// Keras optimizers as one fused update over the model's flat parameter
// buffer: every executor (fused, libtorch, TorchScript) keeps its trainable
// parameters in one contiguous float array and its gradients in another, so
// a step is one loop over memory instead of one kernel per tensor.
//
// A step does what Keras 3's Optimizer.apply does, in its order: clip the
// gradients (clipnorm per variable, global_clipnorm over all of them, or
// clipvalue per element; Keras 3 accepts only one), then the optimizer's
// rule at this step's learning rate (learning_rate.h: schedule and Keras 2's
// decay), AdamW's decoupled weight decay first. The rules are Keras 3's (see
// README.md for the exact formulas): sgd, adam/adamw (amsgrad), rmsprop
// (centered, momentum), adagrad, adadelta, adamax, nadam, ftrl.
//
// Thread-safety: none; owned by one model, used by its training thread.

#include "ml/plan.h"
#include "ml/spec/model_spec.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace kafkaml::ml {

//! What an optimizer carries from one step to the next: a copy taken by
//! Optimizer::state(), given back to an optimizer of the same rule and
//! sizes by Optimizer::restore() (a resumed continual training).
struct OptimizerState {
	std::string name; //!< OptimizerSpec::name of the rule
	int64_t iterations = 0;
	std::vector<double> scalars; //!< the rule's running scalars (Nadam's momentum product)
	//! The rule's buffers in its fixed order (moments, velocities,
	//! accumulators); one the rule's options leave unused is empty.
	std::vector<std::vector<float>> buffers;
};

class Optimizer {
public:
	virtual ~Optimizer() = default;
	//! One update of the `n` parameters from their gradients (`n` is the sum
	//! of the variable sizes the optimizer was made for).
	void step(float *params, const float *grads, int64_t n);
	int64_t iterations() const { return iterations_; }
	//! The learning rate the next step uses: the schedule's, times the factor.
	double learning_rate() const;
	//! Multiplies every later step's learning rate (1: the schedule's own).
	//! A continual training boosts it for a new learning phase after a drift.
	void set_learning_rate_factor(double factor) { factor_ = factor; }
	//! A copy of the state later steps depend on (not the factor: the
	//! model keeps that).
	OptimizerState state() const;
	//! Carries on from `state`, as if its steps had been made here. Throws
	//! std::invalid_argument saying what does not fit (another rule, other
	//! buffers or sizes: other options or another model); the optimizer is
	//! then unchanged.
	void restore(const OptimizerState &state);

protected:
	Optimizer(const OptimizerSpec &spec, std::vector<int64_t> variable_sizes);
	//! The optimizer's own rule on already clipped gradients.
	virtual void update(float *params, const float *grads, int64_t n, float learning_rate) = 0;
	//! Where the rule keeps its state, in a fixed order (OptimizerState).
	struct Slots {
		std::vector<std::vector<float> *> buffers;
		std::vector<double *> scalars;
	};
	virtual Slots slots() = 0;
	int64_t iterations_ = 0; //!< updates made before this one (Keras' `iterations`)

private:
	//! The gradients to use: `grads` itself or its clipped copy.
	const float *clip(const float *grads, int64_t n);

	OptimizerSpec spec_;
	std::vector<int64_t> variable_sizes_;
	int64_t size_;               //!< their sum
	double factor_ = 1;          //!< set_learning_rate_factor
	std::vector<float> clipped_; //!< sized once, when clipping is on
};

//! For the model's trainable variables (ModelPlan::params: consecutive slots
//! of the flat buffer; Keras' clipnorm clips each by its own norm). Throws
//! std::invalid_argument naming the supported optimizers, or for arguments
//! Keras refuses (two kinds of clipping, a learning rate <= 0).
std::unique_ptr<Optimizer> make_optimizer(const OptimizerSpec &spec, const std::vector<ParamSlot> &variables);

} // namespace kafkaml::ml
