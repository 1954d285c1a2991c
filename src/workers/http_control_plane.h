#pragma once

#include "workers/control_plane.h"

#include <memory>
#include <string>

namespace httplib {
class Client;
}

namespace kafkaml::workers {

//! The control plane over the server's REST API (`/api/v1`), authenticated
//! with the admin bearer token. Transient failures (connection refused, 5xx)
//! are retried for up to `retry_for`, then thrown as std::runtime_error, so a
//! job outlives a server restart.
//! Thread: one thread at a time.
class HttpControlPlane final : public ControlPlane {
public:
	HttpControlPlane(const std::string &server_url, std::string token,
	                 std::chrono::milliseconds retry_for = std::chrono::seconds(60));
	~HttpControlPlane() override;

	TrainingAssignment training_assignment(int64_t result_id) override;
	void training_started(int64_t result_id, const StreamInfo &stream) override;
	bool training_epoch(int64_t result_id, const ml::EpochLog &epoch) override;
	void training_finished(int64_t result_id, const TrainingReport &report, const std::string &model_blob) override;
	void training_failed(int64_t result_id, const std::string &reason) override;
	void training_stopped(int64_t result_id) override;
	InferenceAssignment inference_assignment(int64_t inference_id) override;

private:
	struct Response {
		int status = 0;
		std::string body;
	};
	//! One call with retries on transport errors and 5xx. 4xx are returned.
	Response call(const std::string &method, const std::string &path, const std::string &body = {},
	              const std::string &content_type = "application/json");
	nlohmann::json get_json(const std::string &path);
	void post_status(int64_t result_id, const nlohmann::json &body);

	std::unique_ptr<httplib::Client> client_;
	std::string token_;
	std::chrono::milliseconds retry_for_;
};

//! "loss" -> value object from metric pairs; with `prefix` ("val_") on each name.
nlohmann::json metrics_json(const ml::MetricValues &values, const std::string &prefix = "");

} // namespace kafkaml::workers
