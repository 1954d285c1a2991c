#pragma once

#include "api/validation.h"
#include "ml/spec/model_spec.h"

#include <nlohmann/json.hpp>

namespace kafkaml::server {

//! The API's model check: the real parser, its line:column kept.
api::ModelValidator model_validator();

//! The API's checks of a PyTorch model: its compile() arguments, parsed as
//! the training job parses them, and its TorchScript module, loaded by the
//! engine. Empty functions in a build without the engine.
api::CompileValidator compile_validator();
api::ModuleValidator module_validator();

//! The API's kwargs parser: the original's "epochs=5, shuffle=True" string
//! or a JSON object's text, checked by the same parser the training job
//! uses, so a deployment the API accepted never fails on its kwargs later.
api::KwargsParser kwargs_parser();

//! The API's inference input check: the decoder the replicas will build
//! from the same format and config, so a config the API accepted decodes.
api::InputValidator input_validator();

//! FitOptions as the JSON object stored in `kwargs_*_parsed`.
nlohmann::json fit_options_to_json(const ml::FitOptions &options);

} // namespace kafkaml::server
