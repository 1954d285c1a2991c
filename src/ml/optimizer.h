#pragma once

// Keras optimizers as one fused update over the model's flat parameter
// buffer: every executor (fused, libtorch, TorchScript) keeps its trainable
// parameters in one contiguous float array and its gradients in another, so
// a step is one loop over memory instead of one kernel per tensor.
//
// Semantics follow Keras 3 (see README.md for the exact formulas):
// adam/adamw put epsilon outside the bias-corrected square root the Keras way
// (lr_t = lr * sqrt(1 - b2^t) / (1 - b1^t); p -= lr_t * m / (sqrt(v) + eps)),
// rmsprop and adagrad divide by sqrt(acc + eps).
//
// Thread-safety: none; owned by one model, used by its training thread.

#include "ml/spec/model_spec.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace kafkaml::ml {

class Optimizer {
public:
	virtual ~Optimizer() = default;
	//! One update of `n` parameters from their gradients.
	virtual void step(float *params, const float *grads, int64_t n) = 0;
	int64_t iterations() const { return iterations_; }

protected:
	int64_t iterations_ = 0;
};

//! Throws std::invalid_argument naming the supported optimizers.
std::unique_ptr<Optimizer> make_optimizer(const OptimizerSpec &spec, int64_t parameter_count);

} // namespace kafkaml::ml
