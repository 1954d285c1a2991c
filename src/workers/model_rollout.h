#pragma once

// Model rollout in an inference replica: the replica serves the model the
// server names for its inference (ServingTarget) and changes to a new one
// without a restart, between two batches.
//
//   watcher thread   every `interval`: ask which model to serve; when it is
//                    not the one served or loaded, download and load it
//                    here, off the replica's thread, and leave it in the slot
//   replica thread   between batches (InferenceJob): take what is in the
//                    slot, if anything, and predict the next batch with it
//
// A batch is predicted by one model, and a swap does not touch the consumer,
// the producer or the offsets: no input is lost or predicted twice because
// of it. Each prediction names the version that made it (InferenceJob's
// kafkaml.model_version header).
//
// A model that fails to download or load is logged and the replica keeps
// serving the one it has; the watcher tries that target again only after
// `retry_after` (it would fail the same way several times a second), and at
// once for any other target. An unreachable server pauses rollouts, nothing
// else.
//
// Threading: construct, first(), follow(), take() and destroy on the
// replica's thread; the watcher thread calls the two functions given, which
// must be safe to call from it.

#include "ml/model.h"
#include "workers/job_coordinator.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace kafkaml::workers {

//! A loaded model and which one it is.
struct VersionedModel {
	ml::Model model;
	ServingTarget target;
};

class ModelRollout {
public:
	using FetchTarget = std::function<ServingTarget()>;
	using FetchModel = std::function<std::string(const ServingTarget &)>;

	ModelRollout(FetchTarget fetch_target, FetchModel fetch_model,
	             std::chrono::milliseconds interval = std::chrono::milliseconds(200),
	             std::chrono::milliseconds retry_after = std::chrono::seconds(10));
	//! Stops the watcher after a round in progress.
	~ModelRollout();
	ModelRollout(const ModelRollout &) = delete;
	ModelRollout &operator=(const ModelRollout &) = delete;

	//! The model to start serving with: waits while the target is not ready
	//! (a continual training without a version yet; `on_wait` is called once
	//! then, to say so). nullopt when `cancelled` turned true first. Errors
	//! (the model does not load, the server is unreachable after retries)
	//! are thrown: the replica has nothing to serve.
	std::optional<VersionedModel> first(const std::function<bool()> &cancelled,
	                                    const std::function<void(const ServingTarget &)> &on_wait = {});
	//! Starts the watcher; `serving` is what first() returned.
	void follow(const ServingTarget &serving);
	//! A model loaded since the last call, if any. Never blocks on the
	//! watcher's download or load.
	std::optional<VersionedModel> take();

private:
	void watch();
	//! One round: fetch the target, load it when it is new.
	void check_once();

	FetchTarget fetch_target_;
	FetchModel fetch_model_;
	std::chrono::milliseconds interval_;
	std::chrono::milliseconds retry_after_;

	//! Watcher thread only: the newest target loaded (served, or in the
	//! slot), and the last one that failed with when it may be tried again.
	ServingTarget loaded_;
	std::optional<ServingTarget> failed_;
	std::chrono::steady_clock::time_point failed_at_;

	std::mutex mutex_; //!< guards slot_, quit_
	std::optional<VersionedModel> slot_;
	bool quit_ = false;
	std::condition_variable wake_;
	std::thread thread_;
};

} // namespace kafkaml::workers
