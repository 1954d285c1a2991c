#pragma once

// Keras models over the symbolic graph: Sequential (layers in order, input
// from the first layer, an Input or the stream), functional (inputs and
// outputs of the graph) and subclassed (a user class whose call() is
// evaluated over symbolic tensors). A model is itself a layer: applying it
// to tensors replays its layers on them (shared weights).
//
// Thread-safety: pure functions over one Evaluator.

#include "ml/spec/evaluator.h"

namespace kafkaml::ml::spec {

//! Registers a model; returns its Model object.
Object add_model(Evaluator &evaluator, ModelData model);

//! Builds the graph of a Sequential or subclassed model if not built yet
//! (input shapes unknown stay unknown: the stream gives them later).
void materialize(Evaluator &evaluator, int64_t model, SourceLocation location);

//! Applies a model to tensors as a layer; returns its output tensors.
//! `training` (the call's training=) applies to every layer it replays.
std::vector<int64_t> apply_model(Evaluator &evaluator, int64_t model, const std::vector<int64_t> &inputs,
                                 SourceLocation location, std::optional<bool> training = std::nullopt);

//! Calls a subclassed model's or custom layer's call() on `inputs` (a
//! tensor or a list of them), with `args`' other keywords (training=...).
Object call_instance(Evaluator &evaluator, const Object &instance, CallArgs &args);

//! The finished spec of a model: graph, names, compile() and checks.
ModelSpec model_spec(Evaluator &evaluator, int64_t model);

} // namespace kafkaml::ml::spec
