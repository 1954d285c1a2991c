#pragma once

#include "ml/spec/model_spec.h"
#include "operations/validation.h"

#include <nlohmann/json.hpp>

namespace kafkaml::server {

//! The API's model check: the real parser, its line:column kept.
operations::ModelValidator model_validator();

//! The API's checks of a PyTorch model: its compile() arguments, parsed as
//! the training job parses them, and its TorchScript module, loaded by the
//! engine. Empty functions in a build without the engine.
operations::CompileValidator compile_validator();
operations::ModuleValidator module_validator();

//! Whether a Keras model's code takes an uploaded weights file, by the
//! real parser (ModelSpec::pretrained), with the parser's message.
operations::WeightsRequirement weights_requirement();

//! The API's inference input check: the decoder the replicas will build
//! from the same format and config, so a config the API accepted decodes.
operations::InputValidator input_validator();

} // namespace kafkaml::server
