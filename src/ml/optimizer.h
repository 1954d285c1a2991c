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
#include <vector>

namespace kafkaml::ml {

class Optimizer {
public:
	virtual ~Optimizer() = default;
	//! One update of the `n` parameters from their gradients (`n` is the sum
	//! of the variable sizes the optimizer was made for).
	void step(float *params, const float *grads, int64_t n);
	int64_t iterations() const { return iterations_; }
	//! The learning rate the next step uses.
	double learning_rate() const;

protected:
	Optimizer(const OptimizerSpec &spec, std::vector<int64_t> variable_sizes);
	//! The optimizer's own rule on already clipped gradients.
	virtual void update(float *params, const float *grads, int64_t n, float learning_rate) = 0;
	int64_t iterations_ = 0; //!< updates made before this one (Keras' `iterations`)

private:
	//! The gradients to use: `grads` itself or its clipped copy.
	const float *clip(const float *grads, int64_t n);

	OptimizerSpec spec_;
	std::vector<int64_t> variable_sizes_;
	int64_t size_;               //!< their sum
	std::vector<float> clipped_; //!< sized once, when clipping is on
};

//! For the model's trainable variables (ModelPlan::params: consecutive slots
//! of the flat buffer; Keras' clipnorm clips each by its own norm). Throws
//! std::invalid_argument naming the supported optimizers, or for arguments
//! Keras refuses (two kinds of clipping, a learning rate <= 0).
std::unique_ptr<Optimizer> make_optimizer(const OptimizerSpec &spec, const std::vector<ParamSlot> &variables);

} // namespace kafkaml::ml
