#pragma once

#include "api/api_server.h"

namespace kafkaml::server {

//! The API's PyTorch export: the model file a training job uploaded, loaded
//! and written as `kafkaml model fit --export` writes it. Empty when this
//! build has no model engine.
api::PytorchExporter pytorch_exporter();

} // namespace kafkaml::server
