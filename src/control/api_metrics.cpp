#include "control/api_metrics.h"

#include <prometheus/text_serializer.h>

#include <map>

namespace kafkaml::control {

ApiMetrics::ApiMetrics(std::chrono::milliseconds replica_expiry)
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
                      .Help("Predictions per second of an inference, summed over its replicas")
                      .Register(*registry_)),
      lag_(prometheus::BuildGauge()
               .Name("kafkaml_inference_consumer_lag")
               .Help("Input messages not yet consumed by an inference's consumer group")
               .Register(*registry_)),
      replica_expiry_(replica_expiry) {}

void ApiMetrics::count_request(const std::string &method, int status) {
	requests_.Add({{"method", method}, {"code", std::to_string(status)}}).Increment();
}

prometheus::Gauge &ApiMetrics::training_progress(int64_t result) {
	return progress_.Add({{"result", std::to_string(result)}});
}

void ApiMetrics::report_replica(int64_t inference, const std::string &replica, double throughput,
                                std::optional<int64_t> lag) {
	std::lock_guard lock(replicas_mutex_);
	replicas_[inference][replica] = {throughput, lag, std::chrono::steady_clock::now()};
}

void ApiMetrics::refresh_inference_gauges() {
	std::lock_guard lock(replicas_mutex_);
	auto now = std::chrono::steady_clock::now();
	for (auto inference = replicas_.begin(); inference != replicas_.end();) {
		std::erase_if(inference->second, [&](const auto &entry) { return now - entry.second.at > replica_expiry_; });
		inference = inference->second.empty() ? replicas_.erase(inference) : std::next(inference);
	}
	for (auto it = exported_.begin(); it != exported_.end();) {
		if (replicas_.contains(it->first)) {
			++it;
			continue;
		}
		throughput_.Remove(it->second.first);
		if (it->second.second) {
			lag_.Remove(it->second.second);
		}
		it = exported_.erase(it);
	}
	for (const auto &[inference, replicas] : replicas_) {
		double throughput = 0;
		std::optional<int64_t> lag;
		for (const auto &[name, figures] : replicas) {
			throughput += figures.throughput;
			if (figures.lag) {
				lag = lag.value_or(0) + *figures.lag;
			}
		}
		auto &gauges = exported_[inference];
		auto label = prometheus::Labels{{"inference", std::to_string(inference)}};
		if (!gauges.first) {
			gauges.first = &throughput_.Add(label);
		}
		gauges.first->Set(throughput);
		if (!lag) {
			// No replica has fetched yet: no figure rather than a made-up 0.
			if (gauges.second) {
				lag_.Remove(gauges.second);
				gauges.second = nullptr;
			}
			continue;
		}
		if (!gauges.second) {
			gauges.second = &lag_.Add(label);
		}
		gauges.second->Set(double(*lag));
	}
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
	refresh_inference_gauges();
	return prometheus::TextSerializer().Serialize(registry_->Collect());
}

} // namespace kafkaml::control
