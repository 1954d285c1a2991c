#pragma once

// Deployments: a configuration sent to train (one result and one training
// job per model) and stopping every job of one. Thread: any (an HTTP
// worker); the store and the executor synchronise themselves.

#include "executors/job_executor.h"
#include "operations/validation.h"
#include "store/store.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <vector>

namespace kafkaml::operations {

struct DeploymentRequest {
	int64_t configuration = 0;
	int64_t batch = 1;
	//! Each an object or the original's "epochs=5, steps_per_epoch=1000"
	//! text (null or "": none), stored as given beside the parsed object.
	nlohmann::json kwargs_fit = "";
	nlohmann::json kwargs_val = "";
	//! Limits of each training job's container (null: none); see store/resources.h.
	nlohmann::json resources;
	//! The training mode's fields as the body gives them (absent: default):
	//! "mode" ("batch", "incremental", "indefinite"; without it the
	//! original's booleans "incremental" and "indefinite" say which),
	//! "stream_timeout" (ms, default 60000), "window_size" (records, default
	//! 1000), "monitoring_metric" (default "loss"), "change" ("up"/"down",
	//! default "down" for a loss or error, else "up"), "improvement"
	//! (default 0.05), "version_every_records" (a model version every that
	//! many records besides on improvement; default null: only then),
	//! "drift_detection" (default true), "drift_threshold" (default 100),
	//! "drift_delta" (default 0.005), "drift_response" ("none",
	//! "reset_optimizer", "boost_learning_rate"; default "none").
	nlohmann::json training = nlohmann::json::object();
};

//! A deployment with its results as the store holds them after the call.
struct DeploymentAndResults {
	store::Deployment deployment;
	std::vector<store::Result> results;
};

//! Records the deployment and its results, then starts one training job per
//! result: each result is marked deployed before its job starts, so a fast
//! job's "running" is never overwritten. Refused before anything is
//! recorded: a batch below 1, kwargs the training job's parser rejects
//! (InvalidField, with line and column for kwargs), a training mode field
//! out of its domain (InvalidField naming it), a PyTorch model of the
//! configuration without its module, a Keras model whose code takes a
//! weights file (`weights_needed`, when given) without one (StateConflict
//! naming the model); an
//! unknown configuration is the store's to refuse. A job that cannot start
//! marks its result failed (with why) and, after the others were started,
//! NotStarted<DeploymentAndResults> says which failed.
DeploymentAndResults deploy(store::Store &store, executors::JobExecutor &executor, const DeploymentRequest &request,
                            const WeightsRequirement &weights_needed = {});

//! Stops the training job of each result that is still active and marks it
//! stopped. NotFound for an unknown id; store::Conflict when no result is
//! active (every one finished, failed or stopped: deploy again).
DeploymentAndResults stop_deployment(store::Store &store, executors::JobExecutor &executor, int64_t id);

} // namespace kafkaml::operations
