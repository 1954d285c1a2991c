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
//! models are then NotSupported).
struct ModelChecks {
	ModelValidator validate_model;
	CompileValidator validate_compile;
	ModuleValidator validate_module;
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

} // namespace kafkaml::operations
