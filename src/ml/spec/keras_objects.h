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

//! Throws at `location` when `layer` returns several tensors (return_state),
//! which a Sequential model's layer cannot.
void need_one_output(const LayerSpec &layer, SourceLocation location);

Activation activation_from_value(const Value &value, std::string_view what);
//! 'l2', regularizers.l2(0.01), regularizers.L1L2(l1=..., l2=...), None.
RegularizerSpec regularizer_from_value(const Value &value, const std::string &what);
OptimizerSpec optimizer_from_value(const Value &value);
//! keras.optimizers.schedules.ExponentialDecay(...) and its siblings.
LearningRateSchedule schedule_from_value(const Value &value);
LossSpec loss_from_value(const Value &value);
MetricSpec metric_from_value(const Value &value);

//! Checks a Keras object when it is made (optimizers, schedules, losses,
//! metrics, regularizers, initializers), so that errors point at it.
void validate_keras_object(const Value &call);

//! model.compile(optimizer, loss, metrics, loss_weights, ...) as a Call
//! value, or the plain JSON spec's "compile" object as a Dict value;
//! `outputs` names the model's outputs (per-output losses and metrics).
CompileSpec compile_from_call(const Value &call, const std::vector<std::string> &outputs = {""});

//! Appends the layer that `call` describes to `model`, or records an
//! Input/InputLayer's shape in `input_shape` (allowed only before any layer).
void add_layer(ModelSpec &model, std::optional<Shape> &input_shape, const Value &call);

//! Is `dotted` one of Keras' names for Sequential?
bool is_sequential_name(std::string_view dotted);

//! Makes a chain of `model.layers` a graph: gives every unnamed layer
//! Keras' automatic name, rejects duplicate names, fills inputs, nodes and
//! outputs, and checks every layer's shape when the input shape is known
//! (absent: it comes from the training stream).
void finish_model(ModelSpec &model, std::optional<Shape> input_shape, SourceLocation model_location);

//! What the engine should not have to interpret, once shapes are known
//! (BatchNormalization's axis as -1). Throws on shapes that cannot flow.
void normalize_model(ModelSpec &model);

} // namespace kafkaml::ml::spec
