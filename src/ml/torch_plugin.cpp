// Entry point of libkafkaml_torch.so: the only symbol it exports.

#include "ml/torch_backend.h"
#include "ml/torch_engine.h"

namespace {

const kafkaml::ml::TorchBackend kBackend = [] {
	using namespace kafkaml::ml;
	TorchBackend backend;
	backend.impl_size = sizeof(Model::Impl);
	backend.make_executor = &torch_engine::make_executor;
	backend.set_threads = &torch_engine::set_threads;
	backend.load_torchscript = &torch_engine::load_torchscript;
	backend.pickle_weights = &torch_engine::pickle_weights;
	backend.check_torchscript = &torch_engine::check_torchscript;
	backend.read_keras_weights = &torch_engine::read_keras_weights;
	return backend;
}();

} // namespace

extern "C" __attribute__((visibility("default"))) const kafkaml::ml::TorchBackend *kafkaml_torch_backend() {
	return &kBackend;
}
