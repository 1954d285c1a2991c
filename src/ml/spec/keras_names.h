#pragma once

// Name handling shared by the Keras interpreters: module prefixes
// (tf.keras.layers.Dense → Dense), case conversions and message helpers.
//
// Thread-safety: pure functions.

#include "ml/spec/value.h"

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kafkaml::ml::spec {

//! Strips a Keras module path: `submodule` "layers" accepts X, layers.X,
//! keras.layers.X, tf.keras.layers.X and tensorflow.keras.layers.X; the
//! `extra` prefixes are accepted as well. Returns the bare name, or nullopt
//! when `dotted` is not in one of those modules.
std::optional<std::string> strip_module(std::string_view dotted, std::string_view submodule,
                                        std::initializer_list<std::string_view> extra = {});

//! Where an unknown class or function name is reported: its last segment.
SourceLocation name_at(const Value &value);

//! "a, b, c".
std::string join(const std::vector<std::string> &names);

//! "GlorotUniform" -> "glorot_uniform".
std::string snake_case(std::string_view camel);

//! "Same" -> "same".
std::string lowercase(std::string_view text);

} // namespace kafkaml::ml::spec
