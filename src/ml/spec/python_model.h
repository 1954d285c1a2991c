#pragma once

// The Keras-subset Python form of a model definition.
// Thread-safety: pure function.

#include "ml/spec/model_spec.h"

#include <string_view>

namespace kafkaml::ml::spec {

//! Throws ModelDefinitionError.
ModelSpec parse_python_model(std::string_view text);

} // namespace kafkaml::ml::spec
