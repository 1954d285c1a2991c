#pragma once

// Model versions of a continual training's result (deployment mode
// incremental or indefinite): the job stores each version it cuts, users
// list them and download any one. Thread: any (an HTTP worker); the store
// synchronises itself.

#include "operations/result_operations.h"
#include "store/store.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kafkaml::operations {

//! What a job says of a version beside its model's bytes.
struct VersionUpload {
	int64_t version = 0;                               //!< 1, 2, ... as the job numbers them
	int64_t records = 0;                               //!< learned from when it was cut
	nlohmann::json metrics = nlohmann::json::object(); //!< name -> number
	//! Where the run stood (store::ResultVersion): what a restarted job
	//! resumes from.
	int64_t epoch = 0;
	nlohmann::json prequential = nlohmann::json::object(); //!< name -> number
	double training_time = 0;
	nlohmann::json offsets = nlohmann::json::array(); //!< [{"topic", "partition", "offset"}]
};

//! Stores a version the job of result `id` cut; returns it and whether it is
//! new. The same version number again returns the one stored first
//! (idempotent: a job re-sends a version whose answer it lost). Refused
//! before the store is asked to write: empty bytes, a version below 1,
//! negative records, epoch or training time, metrics or prequential that
//! are not an object of numbers, offsets that are not a list of {"topic",
//! "partition", "offset"} (InvalidField naming it); a result whose deployment trains in mode batch
//! (StateConflict). NotFound for an unknown result, Conflict once it ended.
std::pair<store::ResultVersion, bool> add_result_version(store::Store &store, int64_t id, const VersionUpload &upload,
                                                         std::string_view bytes);

//! Stores the training state (ml::Model::save_training_state bytes) of
//! version `version` of result `id`, which its job sends after the version:
//! returns the version and whether the state is new. A state sent again
//! leaves the first one (idempotent, as add_result_version). InvalidField
//! for an empty body; NotFound for an unknown result or a version it does
//! not have; Conflict once it ended.
std::pair<store::ResultVersion, bool> set_result_version_state(store::Store &store, int64_t id, int64_t version,
                                                               std::string_view bytes);

//! The training state of version `version` of result `id`, for its job
//! resuming from it. NotFound for an unknown result, a version it does not
//! have, and a version stored without one (saying so).
std::string result_version_state(store::Store &store, int64_t id, int64_t version);

//! The versions of result `id`, oldest first, without their models.
//! NotFound for an unknown result.
std::vector<store::ResultVersion> list_result_versions(store::Store &store, int64_t id);

//! The model bytes of version `version` of result `id`, as the job uploaded
//! them. NotFound for an unknown result, and for a version it does not have
//! (saying which versions it has).
std::string result_version_model(store::Store &store, int64_t id, int64_t version);

//! That model as a download in `format` (file "result-<id>-v<version>...",
//! as model_download() says).
ModelDownload download_result_version(store::Store &store, int64_t id, int64_t version, ModelFormat format,
                                      const PytorchExporter &export_pytorch);

} // namespace kafkaml::operations
