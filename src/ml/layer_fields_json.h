#pragma once

// Internal to the model file (model_file.cpp): the LayerSpec fields of the
// layer kinds added after the file format's first version (activation and
// normalisation layers, wrappers, convolutions, image layers, merge layers
// and attention, regularizers, trainable). Kept apart from the original fields so a file written before
// them still loads: every one is optional on reading, with the spec's
// default.
//
// Thread-safety: pure functions.

#include "ml/spec/model_spec.h"

#include <nlohmann/json.hpp>

#include <functional>

namespace kafkaml::ml {

//! Adds the fields to `j`; `layer_to_json` writes a wrapped layer whole.
void added_layer_fields_to_json(const LayerSpec &layer, nlohmann::json &j,
                                const std::function<nlohmann::json(const LayerSpec &)> &layer_to_json);

//! Reads what added_layer_fields_to_json() wrote, keeping defaults for absent keys.
void added_layer_fields_from_json(const nlohmann::json &j, LayerSpec &layer,
                                  const std::function<LayerSpec(const nlohmann::json &)> &layer_from_json);

} // namespace kafkaml::ml
