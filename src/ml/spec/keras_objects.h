#pragma once

// Interpreters from Values (calls, names, strings) to the parts of a
// ModelSpec: layers, activations, optimizers, losses, metrics and compile().
// Every accepted argument, its type and Keras' default live here, once, for
// all three input forms. A Keras argument that we accept but do not model
// (regularizers, constraints, data_format, ...) is accepted only with the
// value that means "off"/default, so nothing the user set is ever ignored
// silently.
//
// Thread-safety: pure functions.

#include "ml/spec/value.h"

#include <optional>
#include <string>

namespace kafkaml::ml::spec {

//! A list element of Sequential([...]) or an argument of model.add(): a
//! layer, or an Input/InputLayer that only fixes the input shape.
struct LayerItem {
	bool is_input = false;
	Shape input_shape; //!< when is_input
	LayerSpec layer;   //!< when !is_input
};

//! `call` is a Call value (Python call or a JSON {"class_name", "config"}).
LayerItem layer_from_call(const Value &call);

Activation activation_from_value(const Value &value, std::string_view what);
OptimizerSpec optimizer_from_value(const Value &value);
LossSpec loss_from_value(const Value &value);
std::string metric_from_value(const Value &value);

//! model.compile(optimizer, loss, metrics, ...) as a Call value, or the
//! plain JSON spec's "compile" object as a Dict value.
CompileSpec compile_from_call(const Value &call);

//! Appends the layer that `call` describes to `model`, or records an
//! Input/InputLayer's shape in `input_shape` (allowed only before any layer).
void add_layer(ModelSpec &model, std::optional<Shape> &input_shape, const Value &call);

//! Is `dotted` one of Keras' names for Sequential?
bool is_sequential_name(std::string_view dotted);

//! Gives every unnamed layer Keras' automatic name, rejects duplicate
//! names, checks input shapes and every layer's shape (via summarize())
//! and normalises what the engine should not have to interpret.
void finish_model(ModelSpec &model, std::optional<Shape> input_shape, SourceLocation model_location);

} // namespace kafkaml::ml::spec
