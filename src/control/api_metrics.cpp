#include "control/api_metrics.h"

#include <prometheus/text_serializer.h>

#include <map>

namespace kafkaml::control {

ApiMetrics::ApiMetrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      requests_(prometheus::BuildCounter()
                    .Name("kafkaml_http_requests_total")
                    .Help("HTTP requests answered by the REST API, by method and status code")
                    .Register(*registry_)),
      jobs_(prometheus::BuildGauge()
                .Name("kafkaml_jobs")
                .Help("Training results and inferences by state")
                .Register(*registry_)),
      progress_(prometheus::BuildGauge()
                    .Name("kafkaml_training_progress")
                    .Help("Share of the requested epochs a training result has completed (0..1)")
                    .Register(*registry_)),
      throughput_(prometheus::BuildGauge()
                      .Name("kafkaml_inference_throughput")
                      .Help("Predictions per second of an inference replica")
                      .Register(*registry_)),
      lag_(prometheus::BuildGauge()
               .Name("kafkaml_inference_consumer_lag")
               .Help("Input messages not yet consumed by an inference's consumer group")
               .Register(*registry_)) {}

void ApiMetrics::count_request(const std::string &method, int status) {
	requests_.Add({{"method", method}, {"code", std::to_string(status)}}).Increment();
}

prometheus::Gauge &ApiMetrics::training_progress(int64_t result) {
	return progress_.Add({{"result", std::to_string(result)}});
}

prometheus::Gauge &ApiMetrics::inference_throughput(int64_t inference, int64_t replica) {
	return throughput_.Add({{"inference", std::to_string(inference)}, {"replica", std::to_string(replica)}});
}

prometheus::Gauge &ApiMetrics::inference_lag(int64_t inference) {
	return lag_.Add({{"inference", std::to_string(inference)}});
}

std::string ApiMetrics::render(store::Store &store) {
	// Every state is reported, zeros included, so dashboards see a stable set.
	std::map<std::string, int64_t> training, inference;
	for (auto s : {store::ResultStatus::Created, store::ResultStatus::Deployed, store::ResultStatus::Running,
	               store::ResultStatus::Finished, store::ResultStatus::Stopped, store::ResultStatus::Failed}) {
		training[std::string(store::to_string(s))] = 0;
	}
	for (auto s : {store::InferenceStatus::Deployed, store::InferenceStatus::Running, store::InferenceStatus::Stopped,
	               store::InferenceStatus::Failed}) {
		inference[std::string(store::to_string(s))] = 0;
	}
	for (const auto &result : store.list_results()) {
		training[std::string(store::to_string(result.status))]++;
	}
	for (const auto &i : store.list_inferences()) {
		inference[std::string(store::to_string(i.status))]++;
	}
	for (const auto &[state, count] : training) {
		jobs_.Add({{"kind", "training"}, {"state", state}}).Set(double(count));
	}
	for (const auto &[state, count] : inference) {
		jobs_.Add({{"kind", "inference"}, {"state", state}}).Set(double(count));
	}
	return prometheus::TextSerializer().Serialize(registry_->Collect());
}

} // namespace kafkaml::control
