#pragma once

// Configurations: the models that train together, in parallel, on one
// stream. Thread: any (an HTTP worker); the store synchronises itself.

#include "store/store.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kafkaml::operations {

//! A configuration's fields as a request gives them: unset ones keep their
//! value (create: the caller requires name and ml_models).
struct ConfigurationChanges {
	std::optional<std::string> name;
	std::optional<std::string> description;
	std::optional<std::vector<int64_t>> ml_models;
};

//! Records a configuration of at least one model, each named once
//! (InvalidField "ml_models"); models that do not exist are the store's
//! InvalidArgument.
store::Configuration create_configuration(store::Store &store, const ConfigurationChanges &configuration);

//! Applies `changes` to configuration `id` under the same rules. NotFound
//! for an unknown id; the store's Conflict once it is deployed.
store::Configuration update_configuration(store::Store &store, int64_t id, const ConfigurationChanges &changes);

} // namespace kafkaml::operations
