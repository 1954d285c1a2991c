#pragma once

#include "client/api_client.h"
#include "workers/job_coordinator.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace kafkaml::workers {

//! One inference replica's figures, as POSTed to inferences/{id}/stats.
struct ReplicaStats {
	std::string replica; //!< unique within the inference
	uint64_t predictions_total = 0;
	double predictions_per_second = 0; //!< over the last reporting interval
	std::optional<int64_t> consumer_lag;
	bool consuming = false;               //!< in the group with partitions assigned
	std::optional<int64_t> model_version; //!< the version served; unset for a trained model
	//! A stage replica of an early-exit chain: its stage, and the inputs it
	//! forwarded (predictions_total then counts those answered at its exit).
	std::optional<int64_t> stage;
	uint64_t forwarded_total = 0;
};

//! The coordinator over the server's REST API (`/api/v1`, through
//! client::ApiClient), authenticated with the admin bearer token. Transient
//! failures (connection refused, 5xx) are retried for up to `retry_for`,
//! then thrown as RetriableError, so a
//! job outlives a server restart; a 4xx answer throws the error it means
//! (answered()).
//!
//! Epochs are reported by a reporter thread, not by the training thread:
//! training_epoch() only queues the epoch and returns at once; the reporter
//! sends the first epoch at once and then, at most every `epoch_interval`,
//! every epoch queued since as one `POST results/{id}/epochs` batch. A 404
//! or 409 answer (result deleted or stopped) makes the next training_epoch()
//! return false, so a stop reaches the job within one reporting round. A
//! failure after the retries is rethrown by the next call on the job's
//! thread. training_finished/failed/stopped send what is queued first.
//!
//! Thread: the job's main thread calls the JobCoordinator methods (one at a
//! time); the reporter thread is internal; HTTP calls from either are
//! serialised by `http_mutex_`. report_inference_stats may be called from
//! another thread.
class HttpJobCoordinator final : public JobCoordinator {
public:
	HttpJobCoordinator(const std::string &server_url, std::string token,
	                   std::chrono::milliseconds retry_for = std::chrono::seconds(60),
	                   std::chrono::milliseconds epoch_interval = std::chrono::milliseconds(150));
	~HttpJobCoordinator() override;

	TrainingAssignment training_assignment(int64_t result_id) override;
	void training_started(int64_t result_id, const StreamInfo &stream) override;
	void training_detail(int64_t result_id, const std::string &detail) override;
	bool training_epoch(int64_t result_id, const ml::EpochLog &epoch) override;
	bool training_version(int64_t result_id, const ModelVersion &version) override;
	bool training_drift(int64_t result_id, const DriftEvent &drift) override;
	void training_finished(int64_t result_id, const TrainingReport &report, const std::string &model_blob) override;
	void training_failed(int64_t result_id, const std::string &reason) override;
	void training_stopped(int64_t result_id, const std::optional<LearnedModel> &learned) override;
	InferenceAssignment inference_assignment(int64_t inference_id) override;
	//! GET inferences/{id}/version. Safe from any thread (one call at a time).
	ServingTarget inference_target(int64_t inference_id) override;
	//! GET results/{id}/model or results/{id}/versions/{v}/model. Safe from
	//! any thread (one call at a time).
	std::string served_model(const ServingTarget &target) override;
	void inference_failed(int64_t inference_id, const std::string &replica, const std::string &reason) override;
	//! Returns false when the inference was stopped or deleted (the replica
	//! should end). Throws RetriableError when the server stays unreachable.
	//! `thresholds`, when given, receives the thresholds of the inference's
	//! stages as the answer gives them (empty without exits): a stage
	//! replica learns a changed threshold from its next report.
	bool report_inference_stats(int64_t inference_id, const ReplicaStats &stats,
	                            std::vector<double> *thresholds = nullptr);

private:
	using Response = client::ApiClient::Response;
	//! One call with retries on transport errors and 5xx; a 4xx is
	//! returned, for the caller to say what it means.
	Response call(const std::string &method, const std::string &path, const std::string &body = {},
	              const std::string &content_type = "application/json");
	//! Throws the error a 4xx answer means for the job (common/error.h).
	[[noreturn]] static void answered(const std::string &method, const std::string &path, const Response &response);
	nlohmann::json get_json(const std::string &path);
	void post_status(int64_t result_id, const nlohmann::json &body);
	//! The result's last version (an entry of GET results/{id}/versions)
	//! with its model, for a restarted job to carry on from.
	ResumePoint resume_point(int64_t result_id, const nlohmann::json &version);
	//! PUT results/{id}/model. Returns false when the result is gone (404).
	bool put_model(int64_t result_id, const std::string &model_blob);
	//! Reporter thread: sends queued epochs in batches until quit_.
	void report_epochs();
	//! Waits until every queued epoch was sent; rethrows a reporter failure.
	void flush_epochs();

	//! One call at a time: the reporter's epochs and the job's own calls
	//! reach the server one after the other, not interleaved.
	std::mutex http_mutex_;
	const client::ApiClient client_; //!< immutable; thread-safe
	std::chrono::milliseconds epoch_interval_;

	std::mutex epochs_mutex_; //!< guards the fields below
	std::condition_variable epochs_changed_;
	int64_t epochs_result_ = 0;
	std::vector<nlohmann::json> queued_epochs_;
	bool sending_ = false;
	bool flushing_ = false;
	bool quit_ = false;
	std::exception_ptr reporter_error_;
	std::atomic<bool> stop_requested_{false};
	std::thread reporter_;
};

//! "loss" -> value object from metric pairs; with `prefix` ("val_") on each name.
nlohmann::json metrics_json(const ml::MetricValues &values, const std::string &prefix = "");
//! A result's "exits" (kept in its val_metrics): [{"index", "name",
//! "metrics": {...}, "thresholds": [{"threshold", "count", "share",
//! "accuracy" (null when the exit answers none)}]}].
nlohmann::json exits_json(const std::vector<ml::ExitReport> &exits);

} // namespace kafkaml::workers
