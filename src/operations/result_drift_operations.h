#pragma once

// Drifts of a continual training's result (deployment mode incremental or
// indefinite): the job reports each drift its detector found in the
// prequential error; the result carries them. Thread: any (an HTTP
// worker); the store synchronises itself.

#include "store/store.h"

#include <nlohmann/json.hpp>

#include <utility>

namespace kafkaml::operations {

//! Stores the drift that the job of result `id` reports as `body`
//! ({"records", "error_before", "error_after", "measure", "response"});
//! returns it and whether it is new (one at the same records again returns
//! the one stored first). Refused before the store is asked to write:
//! records below 1, errors that are not numbers, a measure or response that
//! is not text (InvalidField naming it); a result whose deployment trains
//! in mode batch (StateConflict). NotFound for an unknown result, Conflict
//! once it ended.
std::pair<store::ResultDrift, bool> add_result_drift(store::Store &store, int64_t id, const nlohmann::json &body);

} // namespace kafkaml::operations
