#pragma once

// The original Kafka-ML's distributed models: sub-models chained through
// their upper model (edge -> fog -> cloud), each defined on its own. Every
// sub-model but the top one has two outputs, what its upper model takes
// then its exit; the top one has one, its exit. Chained, they are one
// functional model whose outputs are the exits, bottom first: the model
// with early exits that trains all of them together and is served as a
// chain of stages (README.md, "Early exits").
//
// Thread-safety: plain functions.

#include "ml/spec/model_spec.h"

#include <vector>

namespace kafkaml::ml {

//! One model of the sub-models, bottom first: its inputs are the bottom
//! one's, sub-model k+1 applied to sub-model k's first output, its outputs
//! the exits (named as in their sub-model; a layer or output name already
//! taken gets "_<n>"). Its compile is the last sub-model's that has one,
//! else the original's defaults (adam at 0.001,
//! sparse_categorical_crossentropy, sparse_categorical_accuracy). Throws
//! std::invalid_argument naming the sub-model whose outputs or input do not
//! fit.
ModelSpec chain_submodels(const std::vector<ModelSpec> &bottom_first);

} // namespace kafkaml::ml
