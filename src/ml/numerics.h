#pragma once

// The one source of truth for the engine's element-wise numerics: Keras'
// activations (value and derivative), losses (value and gradient with
// respect to the model output) and dropout masks. Both executors use these
// losses and masks as is; the fused executor also uses the activations, and
// the general (libtorch) executor's activations are checked against them in
// tests (fused_equivalence_test).
//
// Keras semantics kept: probability outputs are clipped to
// [1e-7, 1 - 1e-7] before the log (gradient 0 where clipped), categorical
// probabilities are renormalised to sum 1 first, binary cross-entropy adds
// epsilon inside the log, and losses are averaged over the last axis and
// then over the batch ("sum_over_batch_size").
//
// Thread-safety: pure functions.

#include "ml/rng.h"
#include "ml/spec/model_spec.h"

#include <cstdint>
#include <string>

namespace kafkaml::ml {

//! Keras' backend epsilon used by the losses.
inline constexpr float k_loss_epsilon = 1e-7f;

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

enum class LossKind { Mse, Mae, Huber, BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy };

struct Loss {
	LossKind kind = LossKind::Mse;
	bool from_logits = false;
	float delta = 1.0f;
	//! Labels per row the loss expects: 1 for sparse, else the output width.
	bool sparse() const { return kind == LossKind::SparseCategoricalCrossentropy; }
};

//! Throws std::invalid_argument for unknown names (with the list of known ones).
Loss resolve_loss(const LossSpec &spec);

//! Mean loss over `rows` rows of `width` outputs. `labels` holds one class
//! index per row for the sparse loss, else rows x width targets. When `dout`
//! is not null it receives dL/dout for the mean (already divided by rows).
double loss_forward_backward(const Loss &loss, const float *out, const float *labels, int64_t rows, int64_t width,
                             float *dout);

//! Fills `mask` with 0 (dropped, probability `rate`) or 1 / (1 - rate).
void fill_dropout_mask(Rng &rng, float *mask, int64_t n, float rate);

} // namespace kafkaml::ml
