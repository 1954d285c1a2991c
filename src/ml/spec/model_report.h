#pragma once

// What `kafkaml model check FILE` prints for a valid definition: Keras'
// summary table (with "Connected to" for graphs), the inputs and outputs,
// compile() (per output for several outputs) and the statements that were
// evaluated but change nothing in the model.
//
// Thread-safety: pure functions.

#include "ml/spec/model_spec.h"

#include <string>

namespace kafkaml::ml {

//! "Compile: optimizer adam (learning_rate 0.001), loss mse, metrics mae\n".
std::string describe_compile(const CompileSpec &compile, const std::vector<OutputSpec> &outputs);

//! The whole report. Throws ModelDefinitionError when shapes cannot flow
//! (parse_model_definition() has checked that already).
std::string format_model_check(const ModelSpec &spec);

} // namespace kafkaml::ml
