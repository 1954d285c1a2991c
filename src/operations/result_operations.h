#pragma once

// Results: stopping a training job, what the job reports of itself (its
// status, its epochs, its trained model), and the trained model's download. Thread: any (an HTTP
// worker); the store and the executor synchronise themselves.

#include "executors/job_executor.h"
#include "store/store.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kafkaml::operations {

//! Stops result `id`'s training job, then marks it stopped ("stopped by the
//! user"): the executor first, so that nothing keeps running under a
//! "stopped" status. NotFound for an unknown id; store::Conflict when it is
//! already finished, failed or stopped (nothing to stop).
store::Result stop_result(store::Store &store, executors::JobExecutor &executor, int64_t id);

//! Marks result `id` stopped once its job was told to stop. A job that gets
//! SIGTERM reports "stopped" itself before it ends, so by the time the
//! executor returned the result may already be where the user wanted it (or
//! finished or failed in the meantime): then it is returned as it is, not a
//! conflict. One store call, or two on a conflict.
store::Result mark_result_stopped(store::Store &store, int64_t id);

//! A training job's report of its status, with what it reports alongside
//! (metrics, the stream's format and config with "running"), as the store's
//! state machine allows: Conflict for a step it refuses (any once
//! terminal), NotFound for an unknown id. The input format is stored by its
//! name (format_name: "raw" -> "RAW").
store::Result report_result_status(store::Store &store, int64_t id, store::ResultStatus to, store::ResultReport report);

//! A training job's report of the epochs that ended since its last one,
//! recorded together (all or none; Conflict once terminal). Returns how far
//! the training got: the highest epoch reported over the epochs the
//! deployment planned (its fit kwargs' "epochs", 1 when unset), at most 1;
//! nullopt when `epochs` is empty (then the store is not asked, not even
//! whether `id` exists) or the plan has no positive number of epochs.
std::optional<double> record_epochs(store::Store &store, int64_t id, const std::vector<store::EpochMetrics> &epochs);

//! A training job's trained model, stored for download in place of an
//! earlier one. Empty bytes are a UserError (nothing is stored, the store
//! is not asked); NotFound for an unknown id.
void upload_trained_model(store::Store &store, int64_t id, std::string_view bytes);

//! The forms a trained model downloads in: the project's own file (what
//! `kafkaml infer` loads), or a file PyTorch reads (torch.load's dict of
//! weights, or a TorchScript module for models uploaded as one).
enum class ModelFormat { kafkaml, pytorch };

//! Turns the project's model file into the file PyTorch reads; throws
//! std::exception when it cannot. Empty in a server without a model engine.
using PytorchExporter = std::function<std::string(std::string_view model_blob)>;

//! A trained model ready to download, with the file name that says what it is.
struct ModelDownload {
	std::string bytes;
	std::string file_name;
};

//! `bytes`, a model file of result `id`, as a download in `format` whose
//! file name starts with `name` ("result-7"; the format adds what it is:
//! ".kafkaml", "-weights.pt", "-torchscript.pt"). NotSupported for pytorch
//! without an exporter; FatalError when the conversion fails.
ModelDownload model_download(store::Store &store, int64_t id, std::string bytes, ModelFormat format,
                             const PytorchExporter &export_pytorch, const std::string &name);

//! Result `id`'s trained model in `format`, as model_download() says.
//! NotFound for an unknown id or a result with no model yet (saying its
//! status).
ModelDownload download_trained_model(store::Store &store, int64_t id, ModelFormat format,
                                     const PytorchExporter &export_pytorch);

} // namespace kafkaml::operations
