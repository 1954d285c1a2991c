#pragma once

// Shape inference and Keras' exact parameter counts, one layer at a time:
// what a layer outputs for given inputs and how many weights it builds
// (trainable and not). summary.h walks a model's graph with these.
//
// Thread-safety: pure functions.

#include "ml/spec/summary.h"

#include <vector>

namespace kafkaml::ml::spec {

//! `inputs` are the shapes (batch excluded, -1 unknown) the layer is
//! applied to, in call order. Throws ModelDefinitionError at the layer's
//! location when a shape cannot flow through it or a size overflows.
LayerSummary infer_layer(const LayerSpec &layer, const std::vector<Shape> &inputs);

//! Throws unless the layer takes `count` inputs (merge layers two or more,
//! attention two or three, a recurrent layer one or one and its initial
//! states, every other layer one).
void check_arity(const LayerSpec &layer, size_t count);

//! The states of a recurrent layer (LSTM h and c, GRU and SimpleRNN h),
//! each of shape (units,): what return_state returns and initial_state
//! takes. 0 for other kinds.
size_t recurrent_state_count(const LayerSpec &layer);

//! "None, 26, 26, 32": dimensions for messages (-1 is None).
std::string format_dims(const Shape &shape);

} // namespace kafkaml::ml::spec
