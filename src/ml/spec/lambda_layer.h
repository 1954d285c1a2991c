#pragma once

// layers.Lambda: a model definition runs no user code, so a Lambda's
// function is not called. Its body is read instead, and the few forms Keras
// models commonly use are lowered to the built-in layer that computes the
// same: x combined with numbers by + - * / (`x / 255.0`, `(x - 0.5) * 2.0`:
// scale * x + offset) to Rescaling, `tf.reduce_mean(x, axis=1)` / `tf.reduce_max(x, axis=1)` to
// GlobalAverage/MaxPooling1D (axis=[1, 2]: the 2D ones). Every other body is
// an error that names the layer to write instead.
//
// Thread-safety: pure functions.

#include "ml/spec/eval_object.h"

#include <string>
#include <utility>
#include <vector>

namespace kafkaml::ml::spec {

//! The built-in layer a Lambda's function computes, with its arguments.
struct LambdaLowering {
	std::string layer; //!< canonical path, e.g. keras.layers.Rescaling
	std::vector<std::pair<std::string, Object>> keywords;
};

//! Lowers `function` (the Lambda's first argument) or fails at `at`
//! saying what to write instead.
LambdaLowering lower_lambda(const Object &function, SourceLocation at);

} // namespace kafkaml::ml::spec
