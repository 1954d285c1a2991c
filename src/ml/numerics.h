#pragma once

// The one source of truth for the engine's element-wise numerics: Keras'
// activations (value and derivative) and dropout masks, and through
// losses.h the losses (value and gradient with respect to the model
// output). Both executors use the losses and masks as is; the fused
// executor also uses the activations, and the general (libtorch) executor's
// activations are checked against them in tests (fused_equivalence_test).
//
// Thread-safety: pure functions.

#include "ml/losses.h"
#include "ml/rng.h"
#include "ml/spec/model_spec.h"

#include <cstdint>
#include <string>

namespace kafkaml::ml {

enum class ActivationKind { Linear, Relu, Sigmoid, Softmax, Tanh, Elu, Selu, Softplus, LeakyRelu, Swish };

struct ActivationFn {
	ActivationKind kind = ActivationKind::Linear;
	float alpha = 0.2f; //!< leaky_relu slope
};

//! Resolves a Keras activation name; throws std::invalid_argument naming the
//! supported ones.
ActivationFn resolve_activation(const std::string &name, double alpha);

//! y = f(x) over `rows` rows of `width` values (softmax is per row).
void activation_forward(ActivationFn f, const float *x, float *y, int64_t rows, int64_t width);
//! dx = dL/dx given dy = dL/dy, the input x and output y of the forward.
void activation_backward(ActivationFn f, const float *x, const float *y, const float *dy, float *dx, int64_t rows,
                         int64_t width);

//! Fills `mask` with 0 (dropped, probability `rate`) or 1 / (1 - rate).
void fill_dropout_mask(Rng &rng, float *mask, int64_t n, float rate);

} // namespace kafkaml::ml
