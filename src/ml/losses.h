#pragma once

// Keras' losses: the value of a batch and its gradient with respect to the
// model output, shared by every executor (fused, libtorch, TorchScript) and
// by the metrics that average a loss function over an epoch.
//
// Keras 3 semantics kept (formulas in README.md): probability outputs are
// clipped to [1e-7, 1 - 1e-7] before the log (gradient 0 where clipped),
// categorical probabilities are renormalised to sum 1 first; elementwise
// losses are averaged over the last axis (kl_divergence, categorical_hinge,
// cosine_similarity and the categorical crossentropies sum over it); the
// batch value is the mean over rows ("sum_over_batch_size", Keras'
// default) or their sum (reduction="sum"). Hinge losses read labels that
// are all 0 or 1 in a batch as -1/1, as Keras does.
//
// Thread-safety: pure functions.

#include "ml/spec/model_spec.h"

#include <cstdint>
#include <optional>

namespace kafkaml::ml {

//! Keras' backend epsilon used by the losses.
inline constexpr float k_loss_epsilon = 1e-7f;

enum class LossKind {
	Mse,
	Mae,
	Mape,
	Msle,
	Huber,
	LogCosh,
	BinaryCrossentropy,
	BinaryFocalCrossentropy,
	CategoricalCrossentropy,
	CategoricalFocalCrossentropy,
	SparseCategoricalCrossentropy,
	Hinge,
	SquaredHinge,
	CategoricalHinge,
	KlDivergence,
	Poisson,
	CosineSimilarity,
};

struct Loss {
	LossKind kind = LossKind::Mse;
	bool from_logits = false;
	float delta = 1.0f;           //!< huber
	float label_smoothing = 0.0f; //!< binary/categorical (focal) crossentropy
	float gamma = 2.0f;           //!< focal
	float alpha = 0.25f;          //!< focal (binary: with class_balancing only)
	bool class_balancing = false; //!< binary focal
	//! Sparse crossentropy: rows with this label count for nothing.
	std::optional<int64_t> ignore_class;
	bool sum = false; //!< reduction="sum": the batch total instead of its mean
	//! Labels per row the loss expects: 1 for sparse, else the output width.
	bool sparse() const { return kind == LossKind::SparseCategoricalCrossentropy; }
};

//! How losses and metrics read a model output of `shape` (batch excluded):
//! Keras computes them over the last axis, so a sample is `rows` rows of
//! `width` values, and class-index labels are one per row (a sequence of
//! classes for an output (T, C)).
struct OutputRows {
	int64_t rows = 1;  //!< per sample: the product of the other axes
	int64_t width = 1; //!< the last axis
	//! Label values per sample the loss reads.
	int64_t labels(const Loss &loss) const { return loss.sparse() ? rows : rows * width; }
};
OutputRows output_rows(const Shape &shape);

//! Throws std::invalid_argument for unknown names (with the list of known
//! ones) and for options the engine does not compute (reduction "none", an
//! axis other than the last).
Loss resolve_loss(const LossSpec &spec);

//! The batch loss over `rows` rows of `width` outputs. `labels` holds one
//! class index per row for the sparse loss, else rows x width targets. When
//! `dout` is not null it receives dL/dout of that batch value (already
//! divided by the rows for the mean). Throws std::invalid_argument for a
//! sparse label that is not a class index (nor the ignored class).
double loss_forward_backward(const Loss &loss, const float *out, const float *labels, int64_t rows, int64_t width,
                             float *dout);

} // namespace kafkaml::ml
