#pragma once

// Compiler-style rendering of a ModelDefinitionError for terminals and
// logs:
//   model.py:3:22: unknown layer 'Dense2'; expected one of Dense, ...
//       tf.keras.layers.Dense2(4),
//                        ^
// Thread-safety: pure function.

#include "ml/spec/parse.h"

#include <string>
#include <string_view>

namespace kafkaml::ml {

//! `source` names the text ("model.py", "<stdin>"); `text` is what was
//! parsed. Without a location: "source: reason".
std::string format_diagnostic(std::string_view source, std::string_view text, const ModelDefinitionError &error);

} // namespace kafkaml::ml
