#include "control/orchestrator.h"

#include <spdlog/spdlog.h>

namespace kafkaml::control {

void NoopOrchestrator::start_training(const store::Result &result) {
	spdlog::info("no orchestrator: training job for result {} is not started", result.id);
}
void NoopOrchestrator::start_inference(const store::Inference &inference) {
	spdlog::info("no orchestrator: inference {} ({} replicas) is not started", inference.id, inference.replicas);
}
void NoopOrchestrator::scale(int64_t inference, int64_t replicas) {
	spdlog::info("no orchestrator: inference {} is not scaled to {}", inference, replicas);
}
void NoopOrchestrator::stop(store::JobKind kind, int64_t owner) {
	spdlog::info("no orchestrator: {} job {} has nothing to stop", store::to_string(kind), owner);
}

} // namespace kafkaml::control
