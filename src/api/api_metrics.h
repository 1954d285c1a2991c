#pragma once

// Prometheus metrics the server exposes at /metrics: HTTP requests, jobs by
// state, job restarts and drifts of continual trainings (read from the
// store at each scrape), and the
// gauges the training and inference jobs feed (progress, throughput,
// consumer lag).
//
// Inference figures come from the replicas themselves: each POSTs its
// counters about once a second (report_replica); render() sums the replicas
// of an inference that reported within `replica_expiry`, so a replica that
// died stops counting without anyone telling the server.
//
// Threading: prometheus-cpp metrics are atomic; any thread may update them.
// The replica figures are guarded by a mutex. render() takes a snapshot of
// the store and serialises; call it from any thread.

#include "http/server.h"
#include "store/store.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace kafkaml::api {

class ApiMetrics {
public:
	explicit ApiMetrics(std::chrono::milliseconds replica_expiry = std::chrono::seconds(5));
	//! Counts one answered HTTP request.
	void count_request(const std::string &method, int status);
	//! Training progress of a result in [0, 1] (epochs done / epochs asked).
	prometheus::Gauge &training_progress(int64_t result);
	//! One replica's latest figures: predictions per second over its last
	//! reporting interval and the input messages its partitions are behind
	//! (unknown until it has fetched from them).
	//! `model_version` is the version it serves (unset: a trained model).
	//! A stage replica of an early-exit chain: its stage and the inputs it
	//! answered at its exit and forwarded since it started.
	struct StageCounts {
		int64_t stage = 0;
		uint64_t answered_total = 0;
		uint64_t forwarded_total = 0;
	};
	void report_replica(int64_t inference, const std::string &replica, double throughput, std::optional<int64_t> lag,
	                    std::optional<int64_t> model_version = std::nullopt,
	                    std::optional<StageCounts> stage = std::nullopt);
	//! The replicas of `inference` that reported within the expiry, by
	//! name: what each serves and its figures (shown on the inference).
	struct LiveReplica {
		std::string replica;
		double throughput = 0;
		std::optional<int64_t> lag;
		std::optional<int64_t> model_version;
		double seconds_since_report = 0;
		std::optional<StageCounts> stage;
	};
	std::vector<LiveReplica> live_replicas(int64_t inference);
	//! Whether this server orchestrates (runs the jobs) of the servers
	//! sharing its store: the gauge kafkaml_orchestrator_leader.
	void set_orchestrator(bool leader) { leader_.Set(leader ? 1 : 0); }
	//! The text exposition format, with job gauges refreshed from `store`
	//! and the HTTP server's figures from `http`.
	std::string render(store::Store &store, const http::ServerStats &http = {});

private:
	std::shared_ptr<prometheus::Registry> registry_;
	prometheus::Family<prometheus::Counter> &requests_;
	prometheus::Family<prometheus::Gauge> &jobs_;
	prometheus::Family<prometheus::Gauge> &progress_;
	prometheus::Family<prometheus::Gauge> &throughput_;
	prometheus::Family<prometheus::Gauge> &lag_;
	prometheus::Family<prometheus::Counter> &restarts_;
	prometheus::Family<prometheus::Counter> &drifts_;
	prometheus::Family<prometheus::Gauge> &http_open_;
	prometheus::Family<prometheus::Counter> &http_refused_;
	prometheus::Gauge &leader_;
	//! The refusals counted so far, to add only what is new. Guarded by http_mutex_.
	std::mutex http_mutex_;
	http::ServerStats http_seen_;
	void refresh_http(const http::ServerStats &http);
	//! The restart counters exported, by {kind, id}, so that those of
	//! deleted results and inferences go. Guarded by restarts_mutex_.
	std::mutex restarts_mutex_;
	std::map<std::pair<std::string, int64_t>, prometheus::Counter *> restart_counters_;
	void refresh_restart_counters(const std::vector<store::Result> &results,
	                              const std::vector<store::Inference> &inferences);

	//! The drift counters exported, by result, so that those of deleted
	//! results go. Guarded by drifts_mutex_.
	std::mutex drifts_mutex_;
	std::map<int64_t, prometheus::Counter *> drift_counters_;
	void refresh_drift_counters(store::Store &store);

	struct ReplicaFigures {
		double throughput = 0;
		std::optional<int64_t> lag;
		std::optional<int64_t> model_version;
		std::chrono::steady_clock::time_point at;
		std::optional<StageCounts> stage;
	};
	//! Sums the live replicas into the inference gauges; drops the expired.
	void refresh_inference_gauges();
	std::chrono::milliseconds replica_expiry_;
	std::mutex replicas_mutex_;
	std::map<int64_t, std::map<std::string, ReplicaFigures>> replicas_;
	std::map<int64_t, std::pair<prometheus::Gauge *, prometheus::Gauge *>> exported_; //!< throughput, lag
};

} // namespace kafkaml::api
