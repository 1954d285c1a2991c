#include "api/api_metrics.h"

#include <prometheus/text_serializer.h>

#include <algorithm>
#include <map>
#include <set>

namespace kafkaml::api {

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
      restarts_(prometheus::BuildCounter()
                    .Name("kafkaml_job_restarts_total")
                    .Help("Restarts of the training job of a result or of the replicas of an inference")
                    .Register(*registry_)),
      drifts_(prometheus::BuildCounter()
                  .Name("kafkaml_training_drifts_total")
                  .Help("Drifts the detector of a continual training found in its prequential error, by result")
                  .Register(*registry_)),
      http_open_(prometheus::BuildGauge()
                     .Name("kafkaml_http_open")
                     .Help("Connections and server-sent event streams the HTTP server holds")
                     .Register(*registry_)),
      http_refused_(prometheus::BuildCounter()
                        .Name("kafkaml_http_refused_total")
                        .Help("Requests and connections the HTTP server refused or cut off, by reason")
                        .Register(*registry_)),
      leader_(prometheus::BuildGauge()
                  .Name("kafkaml_orchestrator_leader")
                  .Help("1 when this server orchestrates (holds the lease and runs the jobs) of the servers sharing "
                        "its store, 0 when another does")
                  .Register(*registry_)
                  .Add({})),
      replica_expiry_(replica_expiry) {}

void ApiMetrics::count_request(const std::string &method, int status) {
	// Any token is a method to HTTP: labels take the ones we serve, so that
	// a client inventing methods cannot grow the registry without bound.
	static const std::set<std::string, std::less<>> known = {"GET",    "HEAD",  "POST",   "PUT",
	                                                         "DELETE", "PATCH", "OPTIONS"};
	const std::string &label = known.contains(method) ? method : "other";
	requests_.Add({{"method", label}, {"code", std::to_string(status)}}).Increment();
}

void ApiMetrics::refresh_http(const http::ServerStats &http) {
	http_open_.Add({{"what", "connections"}}).Set(double(http.connections));
	http_open_.Add({{"what", "streams"}}).Set(double(http.streams));
	std::lock_guard lock(http_mutex_);
	auto add = [&](const char *reason, uint64_t now, uint64_t &seen) {
		auto &counter = http_refused_.Add({{"reason", reason}});
		if (now > seen) {
			counter.Increment(double(now - seen));
			seen = now;
		}
	};
	add("connections", http.refused_connections, http_seen_.refused_connections);
	add("busy", http.refused_busy, http_seen_.refused_busy);
	add("streams", http.refused_streams, http_seen_.refused_streams);
	add("too_large", http.refused_too_large, http_seen_.refused_too_large);
	add("timed_out", http.timed_out, http_seen_.timed_out);
}

prometheus::Gauge &ApiMetrics::training_progress(int64_t result) {
	return progress_.Add({{"result", std::to_string(result)}});
}

void ApiMetrics::report_replica(int64_t inference, const std::string &replica, double throughput,
                                std::optional<int64_t> lag, std::optional<int64_t> model_version,
                                std::optional<StageCounts> stage) {
	std::lock_guard lock(replicas_mutex_);
	replicas_[inference][replica] = {throughput, lag, model_version, std::chrono::steady_clock::now(), stage};
}

std::vector<ApiMetrics::LiveReplica> ApiMetrics::live_replicas(int64_t inference) {
	std::lock_guard lock(replicas_mutex_);
	std::vector<LiveReplica> live;
	auto found = replicas_.find(inference);
	if (found == replicas_.end()) {
		return live;
	}
	auto now = std::chrono::steady_clock::now();
	for (const auto &[name, figures] : found->second) {
		auto age = now - figures.at;
		if (age > replica_expiry_) {
			continue;
		}
		live.push_back({name, figures.throughput, figures.lag, figures.model_version,
		                std::chrono::duration<double>(age).count(), figures.stage});
	}
	return live;
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

// The store holds the counts (they outlive a server restart); a counter
// is moved up to its count, which only grows.
void ApiMetrics::refresh_restart_counters(const std::vector<store::Result> &results,
                                          const std::vector<store::Inference> &inferences) {
	std::map<std::pair<std::string, int64_t>, int64_t> counts;
	for (const auto &result : results) {
		if (result.restarts > 0) {
			counts[{"training", result.id}] = result.restarts;
		}
	}
	for (const auto &inference : inferences) {
		if (inference.restarts > 0) {
			counts[{"inference", inference.id}] = inference.restarts;
		}
	}
	std::lock_guard lock(restarts_mutex_);
	for (auto it = restart_counters_.begin(); it != restart_counters_.end();) {
		if (counts.contains(it->first)) {
			++it;
			continue;
		}
		restarts_.Remove(it->second);
		it = restart_counters_.erase(it);
	}
	for (const auto &[key, count] : counts) {
		auto &counter = restart_counters_[key];
		if (!counter) {
			const char *owner = key.first == "training" ? "result" : "inference";
			counter = &restarts_.Add({{"kind", key.first}, {owner, std::to_string(key.second)}});
		}
		if (double(count) > counter->Value()) {
			counter->Increment(double(count) - counter->Value());
		}
	}
}

// As the restart counters: the store holds the counts, a counter is moved
// up to its count.
void ApiMetrics::refresh_drift_counters(store::Store &store) {
	auto counts = store.count_result_drifts();
	std::lock_guard lock(drifts_mutex_);
	for (auto it = drift_counters_.begin(); it != drift_counters_.end();) {
		bool kept =
		    std::any_of(counts.begin(), counts.end(), [&](const auto &count) { return count.first == it->first; });
		if (kept) {
			++it;
			continue;
		}
		drifts_.Remove(it->second);
		it = drift_counters_.erase(it);
	}
	for (const auto &[result, count] : counts) {
		auto &counter = drift_counters_[result];
		if (!counter) {
			counter = &drifts_.Add({{"result", std::to_string(result)}});
		}
		if (double(count) > counter->Value()) {
			counter->Increment(double(count) - counter->Value());
		}
	}
}

std::string ApiMetrics::render(store::Store &store, const http::ServerStats &http) {
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
	auto results = store.list_results();
	auto inferences = store.list_inferences();
	for (const auto &result : results) {
		training[std::string(store::to_string(result.status))]++;
	}
	for (const auto &i : inferences) {
		inference[std::string(store::to_string(i.status))]++;
	}
	for (const auto &[state, count] : training) {
		jobs_.Add({{"kind", "training"}, {"state", state}}).Set(double(count));
	}
	for (const auto &[state, count] : inference) {
		jobs_.Add({{"kind", "inference"}, {"state", state}}).Set(double(count));
	}
	refresh_inference_gauges();
	refresh_restart_counters(results, inferences);
	refresh_drift_counters(store);
	refresh_http(http);
	return prometheus::TextSerializer().Serialize(registry_->Collect());
}

} // namespace kafkaml::api
