#pragma once

#include "workers/job_coordinator.h"

#include <map>
#include <vector>

namespace kafkaml::workers::testing {

//! Records what a job reports; hands out assignments set by the test.
class FakeJobCoordinator final : public JobCoordinator {
public:
	std::map<int64_t, TrainingAssignment> training;
	std::map<int64_t, InferenceAssignment> inference;
	std::vector<std::string> inference_failures; //!< "id replica: reason"

	std::vector<std::string> statuses; //!< "running", "finished", "failed: ...", "stopped"
	std::vector<std::string> details;  //!< training_detail reports, in order
	std::optional<StreamInfo> stream;
	std::vector<ml::EpochLog> epochs;
	std::optional<TrainingReport> report;
	std::string model_blob;
	std::vector<ModelVersion> versions;
	int64_t stop_after_epochs = -1; //!< training_epoch returns false from this epoch on

	TrainingAssignment training_assignment(int64_t result_id) override { return training.at(result_id); }
	void training_started(int64_t, const StreamInfo &info) override {
		stream = info;
		statuses.push_back("running");
	}
	void training_detail(int64_t, const std::string &detail) override { details.push_back(detail); }
	bool training_epoch(int64_t, const ml::EpochLog &epoch) override {
		epochs.push_back(epoch);
		return stop_after_epochs < 0 || static_cast<int64_t>(epochs.size()) < stop_after_epochs;
	}
	bool training_version(int64_t, const ModelVersion &version) override {
		versions.push_back(version);
		return true;
	}
	void training_finished(int64_t, const TrainingReport &r, const std::string &blob) override {
		report = r;
		model_blob = blob;
		statuses.push_back("finished");
	}
	void training_failed(int64_t, const std::string &reason) override { statuses.push_back("failed: " + reason); }
	void training_stopped(int64_t, const std::optional<LearnedModel> &learned) override {
		if (learned) {
			report = learned->report;
			model_blob = learned->model_blob;
		}
		statuses.push_back("stopped");
	}
	InferenceAssignment inference_assignment(int64_t inference_id) override { return inference.at(inference_id); }
	void inference_failed(int64_t inference_id, const std::string &replica, const std::string &reason) override {
		inference_failures.push_back(std::to_string(inference_id) + " " + replica + ": " + reason);
	}
};

} // namespace kafkaml::workers::testing
