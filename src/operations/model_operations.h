#pragma once

// Models: a Keras model's definition (its code), or a PyTorch model's
// compile() arguments with its TorchScript module, checked before they are
// stored. Thread: any (an HTTP worker); the store and the injected checks
// synchronise themselves.

#include "operations/validation.h"
#include "store/store.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kafkaml::operations {

//! The server's checks of what users write; validate_model is required,
//! the other two may be empty (a build without the model engine: PyTorch
//! models are then NotSupported). weights_needed may be empty (weights
//! files are then taken for any Keras model).
struct ModelChecks {
	ModelValidator validate_model;
	CompileValidator validate_compile;
	ModuleValidator validate_module;
	WeightsRequirement weights_needed;
};

//! A model's fields as a request gives them: unset ones keep their value
//! (create: name and code are required by the caller; the framework is
//! keras by default).
struct ModelChanges {
	std::optional<std::string> name;
	std::optional<std::string> description;
	std::optional<std::string> imports;
	std::optional<std::string> code;
	//! keras or pytorch, also by the names users and the original's API give
	//! them (tf, tensorflow, pth, torch, ...).
	std::optional<std::string> framework;
	//! The original Kafka-ML's distributed sub-models (store::Model).
	std::optional<bool> distributed;
	//! Absent: unchanged; holding nullopt: no upper model; else its id.
	std::optional<std::optional<int64_t>> father;
};

//! Checks the model and records it. A Keras model's code is its
//! definition; a PyTorch model's code is the arguments of its compile()
//! (its network is the module uploaded later). InvalidField ("code", with
//! line and column; "framework"); NotSupported for a PyTorch model on a
//! server without the engine.
store::Model create_model(store::Store &store, const ModelChecks &checks, const ModelChanges &model);

//! Applies `changes` to model `id`, checks it as create_model does and
//! stores it. NotFound for an unknown id; the store's Conflict once a
//! deployment trained it.
store::Model update_model(store::Store &store, const ModelChecks &checks, int64_t id, const ModelChanges &changes);

//! Stores `bytes` (torch.jit.save's) as PyTorch model `id`'s network once
//! the ModuleValidator loaded them. NotFound for an unknown id;
//! store::Conflict for a Keras model; a UserError for no bytes or bytes
//! that are no module; NotSupported without the engine.
store::Model upload_module(store::Store &store, const ModelChecks &checks, int64_t id, std::string_view bytes);

//! Stores `bytes` as Keras model `id`'s weights file: the Keras HDF5 file
//! (model.save_weights('x.h5'), or keras.applications' published file) of
//! the keras.applications base its code builds with weights='imagenet' or
//! weights='<file>.h5'. Only the HDF5 signature is checked here; the
//! training job reads the file and says which layer or shape does not fit
//! (parsing untrusted HDF5 stays out of the server process, and Debian's
//! HDF5 library is not thread-safe). NotFound for an unknown id;
//! store::Conflict for a PyTorch model, for a model whose code takes no
//! weights file, and once deployed; a UserError for no bytes or bytes that
//! are not HDF5.
store::Model upload_weights(store::Store &store, const ModelChecks &checks, int64_t id, std::string_view bytes);

} // namespace kafkaml::operations
