#pragma once

// Internal to the model file (model_file.cpp): a loss and a metric with all
// their arguments, so a loaded model evaluates as it was compiled. Files
// written before the arguments were kept hold a loss's name, from_logits and
// delta and a metric's name and display_name only; every other field is
// optional on reading, with Keras' default.
//
// Thread-safety: pure functions.

#include "ml/spec/model_spec.h"

#include <nlohmann/json.hpp>

namespace kafkaml::ml {

nlohmann::json loss_to_json(const LossSpec &loss);
LossSpec loss_from_json(const nlohmann::json &j);

nlohmann::json metric_to_json(const MetricSpec &metric);
MetricSpec metric_from_json(const nlohmann::json &j);

} // namespace kafkaml::ml
