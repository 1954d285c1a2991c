#pragma once

// Inside libkafkaml_torch.so only (see torch_backend.h): the functions its
// TorchBackend table points at. The rest of the engine reaches them through
// torch_backend(), never by name.

#include "ml/keras_weights.h"
#include "ml/model_impl.h"

namespace kafkaml::ml::torch_engine {

std::unique_ptr<Executor> make_executor(const ModelPlan &plan, float *params, float *states);
void set_threads(int threads);
std::unique_ptr<Model::Impl> load_torchscript(std::string_view module_bytes, const CompileSpec &compile,
                                              Shape input_shape, uint64_t seed);
std::string pickle_weights(const Model::Impl &impl, const std::string &spec_json);
int64_t check_torchscript(std::string_view module_bytes);
//! keras_weights_hdf5.cpp: see read_keras_weights in keras_weights.h.
KerasWeightsFile read_keras_weights(std::string_view bytes, int64_t max_values);

} // namespace kafkaml::ml::torch_engine
