#pragma once

// The one table of layer kinds: Keras class names, their aliases and the
// base of Keras' automatic layer names (dense, dense_1, ...).
//
// Thread-safety: constant data.

#include "ml/spec/model_spec.h"

#include <optional>
#include <string>
#include <string_view>

namespace kafkaml::ml {

//! Keras' class name: "Dense", "MaxPooling2D", ...
std::string_view layer_class_name(LayerKind kind);

//! Keras' automatic name base: "dense", "max_pooling2d", ...
std::string_view layer_base_name(LayerKind kind);

//! From a class name or alias ("MaxPool2D"); nullopt when unknown.
std::optional<LayerKind> layer_kind_from_class_name(std::string_view name);

//! "Dense, Dropout, ..." for messages.
std::string supported_layer_names();

} // namespace kafkaml::ml
