#pragma once

#include "workers/job_coordinator.h"

#include <functional>
#include <map>
#include <vector>

namespace kafkaml::workers::testing {

//! Records what a job reports; hands out assignments set by the test.
class FakeJobCoordinator final : public JobCoordinator {
public:
	std::map<int64_t, TrainingAssignment> training;
	std::map<int64_t, InferenceAssignment> inference;
	std::map<int64_t, ServingTarget> targets;
	//! By {result, version}; version 0 is the trained model.
	std::map<std::pair<int64_t, int64_t>, std::string> served_models;
	std::vector<std::string> inference_failures; //!< "id replica: reason"

	std::vector<std::string> statuses; //!< "running", "finished", "failed: ...", "stopped"
	std::vector<std::string> details;  //!< training_detail reports, in order
	std::optional<StreamInfo> stream;
	std::vector<ml::EpochLog> epochs;
	std::optional<TrainingReport> report;
	std::string model_blob;
	std::vector<ModelVersion> versions;
	std::vector<DriftEvent> drifts;
	int64_t stop_after_epochs = -1; //!< training_epoch returns false from this epoch on
	//! Called with each version before it is stored; may throw (the server
	//! did not store it).
	std::function<void(const ModelVersion &)> on_version;
	//! Called with each epoch before it is recorded; may throw (the job dies).
	std::function<void(const ml::EpochLog &)> on_epoch;

	TrainingAssignment training_assignment(int64_t result_id) override { return training.at(result_id); }
	//! As the server does, a run resuming from a version keeps only the
	//! epochs until that version's (unlike the server, a run from the start
	//! keeps them: tests read what every run reported).
	void training_started(int64_t, const StreamInfo &info) override {
		stream = info;
		statuses.push_back("running");
		if (info.resumes_version == 0) {
			return;
		}
		int64_t keep = 0;
		for (const auto &version : versions) {
			if (version.version == info.resumes_version) {
				keep = version.position.epoch;
			}
		}
		std::erase_if(epochs, [keep](const ml::EpochLog &epoch) { return epoch.epoch > keep; });
	}
	void training_detail(int64_t, const std::string &detail) override { details.push_back(detail); }
	bool training_epoch(int64_t, const ml::EpochLog &epoch) override {
		if (on_epoch) {
			on_epoch(epoch);
		}
		epochs.push_back(epoch);
		return stop_after_epochs < 0 || static_cast<int64_t>(epochs.size()) < stop_after_epochs;
	}
	bool training_version(int64_t, const ModelVersion &version) override {
		if (on_version) {
			on_version(version);
		}
		versions.push_back(version);
		return true;
	}
	bool training_drift(int64_t, const DriftEvent &drift) override {
		drifts.push_back(drift);
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
	ServingTarget inference_target(int64_t inference_id) override { return targets.at(inference_id); }
	std::string served_model(const ServingTarget &target) override {
		return served_models.at({target.result, target.version.value_or(0)});
	}
	void inference_failed(int64_t inference_id, const std::string &replica, const std::string &reason) override {
		inference_failures.push_back(std::to_string(inference_id) + " " + replica + ": " + reason);
	}
};

} // namespace kafkaml::workers::testing
