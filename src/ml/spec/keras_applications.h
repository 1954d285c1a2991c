#pragma once

// keras.applications architectures (VGG16, VGG19, ResNet50, MobileNetV2)
// expanded into their layer graphs. weights=None trains them from scratch;
// weights='imagenet' or '<file>.h5' means the Keras weights file uploaded
// with the model (nothing can be downloaded here): the call is recorded in
// Evaluator::pretrained() and becomes ModelSpec::pretrained, which the
// engine fills from the file once built. Each architecture is
// written here in the Python subset and evaluated like a user's
// definition, so its layers, names and parameter counts come out of the
// same code paths (and equal Keras' published counts).
//
// Thread-safety: pure functions over one Evaluator.

#include "ml/spec/evaluator.h"

#include <string>

namespace kafkaml::ml::spec {

bool is_application(const std::string &name);
//! "VGG16, VGG19, ResNet50, MobileNetV2" for messages.
std::string application_names();

//! keras.applications.<name>(include_top=..., weights=..., ...): a
//! functional Model object.
Object build_application(Evaluator &evaluator, const std::string &name, CallArgs &args);

} // namespace kafkaml::ml::spec
