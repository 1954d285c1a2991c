#include "store/store.h"

#include <array>

namespace kafkaml::store {
namespace {

constexpr std::array<std::string_view, 6> RESULT_STATUS_NAMES = {"created",  "deployed", "running",
                                                                 "finished", "stopped",  "failed"};
constexpr std::array<std::string_view, 4> INFERENCE_STATUS_NAMES = {"deployed", "running", "stopped", "failed"};
constexpr std::array<std::string_view, 2> JOB_KIND_NAMES = {"training", "inference"};

template <typename Enum, size_t N>
Enum from_names(const std::array<std::string_view, N> &names, std::string_view text, std::string_view what) {
	std::string accepted;
	for (size_t i = 0; i < N; i++) {
		if (names[i] == text) {
			return Enum(i);
		}
		accepted += (i ? ", " : "") + std::string(names[i]);
	}
	throw InvalidArgument("unknown " + std::string(what) + " \"" + std::string(text) + "\"; use one of " + accepted);
}

} // namespace

std::string_view to_string(ResultStatus status) {
	return RESULT_STATUS_NAMES.at(size_t(status));
}
ResultStatus result_status_from_string(std::string_view text) {
	return from_names<ResultStatus>(RESULT_STATUS_NAMES, text, "result status");
}
bool is_terminal(ResultStatus status) {
	return status == ResultStatus::Finished || status == ResultStatus::Stopped || status == ResultStatus::Failed;
}

bool is_valid_transition(ResultStatus from, ResultStatus to) {
	if (is_terminal(from)) {
		return false;
	}
	if (from == to) {
		return true;
	}
	switch (to) {
	case ResultStatus::Created:
		return false;
	case ResultStatus::Deployed:
		return from == ResultStatus::Created;
	case ResultStatus::Running:
		return from == ResultStatus::Deployed;
	case ResultStatus::Finished:
		return from == ResultStatus::Running;
	case ResultStatus::Stopped:
	case ResultStatus::Failed:
		return true;
	}
	return false;
}

std::string_view to_string(InferenceStatus status) {
	return INFERENCE_STATUS_NAMES.at(size_t(status));
}
InferenceStatus inference_status_from_string(std::string_view text) {
	return from_names<InferenceStatus>(INFERENCE_STATUS_NAMES, text, "inference status");
}
bool is_terminal(InferenceStatus status) {
	return status == InferenceStatus::Stopped || status == InferenceStatus::Failed;
}

std::string_view to_string(JobKind kind) {
	return JOB_KIND_NAMES.at(size_t(kind));
}
JobKind job_kind_from_string(std::string_view text) {
	return from_names<JobKind>(JOB_KIND_NAMES, text, "job kind");
}

std::pair<size_t, int64_t> stage_of_replica(const Inference &inference, int64_t replica) {
	for (size_t stage = 0; stage < inference.exits.size(); ++stage) {
		if (replica < inference.exits[stage].replicas) {
			return {stage, replica};
		}
		replica -= inference.exits[stage].replicas;
	}
	// Past the stages' replicas (or no exits): the inference's own input.
	return {0, replica};
}

} // namespace kafkaml::store
