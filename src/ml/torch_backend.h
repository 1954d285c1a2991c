#pragma once

// The libtorch half of the engine lives in its own shared object,
// libkafkaml_torch.so, loaded with dlopen the first time a model needs it
// (a layer the fused executor does not compute, a TorchScript upload, a
// PyTorch export). Linking libtorch into the `kafkaml` binary would make
// every command pay for loading it and its ~290 dependent libraries and
// their static initialisers (~0.5 s) — `kafkaml send`, the CLI client and
// the broker among them, which never train.
//
// The table below is the whole interface. Both sides are built from the
// same sources in the same build, so C++ types cross it; `abi_version` and
// `impl_size` catch a stale library left from another build.
//
// Thread-safety: torch_backend() may be called from any thread; the library
// is loaded once (under a mutex) and never unloaded, because models keep
// pointers to code inside it.

#include "ml/executor.h"
#include "ml/keras_weights.h"
#include "ml/model.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace kafkaml::ml {

struct TorchBackend {
	static constexpr uint32_t kAbiVersion = 3;
	uint32_t abi_version = kAbiVersion;
	size_t impl_size = 0; //!< sizeof(Model::Impl) as the library was built
	std::unique_ptr<Executor> (*make_executor)(const ModelPlan &plan, float *params, float *states) = nullptr;
	void (*set_threads)(int threads) = nullptr;
	std::unique_ptr<Model::Impl> (*load_torchscript)(std::string_view module_bytes, const CompileSpec &compile,
	                                                 Shape input_shape, uint64_t seed) = nullptr;
	std::string (*pickle_weights)(const Model::Impl &impl, const std::string &spec_json) = nullptr;
	int64_t (*check_torchscript)(std::string_view module_bytes) = nullptr;
	//! Keras weights files (HDF5) are read on this side too (keras_weights.h).
	KerasWeightsFile (*read_keras_weights)(std::string_view bytes, int64_t max_values) = nullptr;
};

//! The loaded backend. Throws std::runtime_error saying which files were
//! tried and what to do when the library cannot be loaded.
const TorchBackend &torch_backend();

//! Symbol the library exports (torch_plugin.cpp).
extern "C" using TorchBackendEntry = const TorchBackend * ();
inline constexpr const char *kTorchBackendSymbol = "kafkaml_torch_backend";
inline constexpr const char *kTorchLibraryName = "libkafkaml_torch.so";

} // namespace kafkaml::ml
