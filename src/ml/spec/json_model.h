#pragma once

// The two JSON forms of a model definition: Keras' `model.to_json()` of a
// Sequential model, and our plain JSON spec (README.md). Both are read into
// Values first, so errors carry line and column like the Python form.
// Thread-safety: pure functions.

#include "ml/spec/model_spec.h"
#include "ml/spec/value.h"

#include <string_view>

namespace kafkaml::ml::spec {

//! `document` is the parsed JSON (a Dict). Throws ModelDefinitionError.
ModelSpec model_from_json(const Value &document);

} // namespace kafkaml::ml::spec
