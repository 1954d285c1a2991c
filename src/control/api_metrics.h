#pragma once

// Prometheus metrics the server exposes at /metrics: HTTP requests, jobs by
// state (read from the store at each scrape), and the gauges the training
// and inference jobs feed (progress, throughput, consumer lag).
//
// Threading: prometheus-cpp metrics are atomic; any thread may update them.
// render() takes a snapshot of the store and serialises; call it from any
// thread.

#include "store/store.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>

namespace kafkaml::control {

class ApiMetrics {
public:
	ApiMetrics();
	//! Counts one answered HTTP request.
	void count_request(const std::string &method, int status);
	//! Training progress of a result in [0, 1] (epochs done / epochs asked).
	prometheus::Gauge &training_progress(int64_t result);
	//! Predictions per second of one inference replica.
	prometheus::Gauge &inference_throughput(int64_t inference, int64_t replica);
	//! Messages behind the log end of one inference's consumer group.
	prometheus::Gauge &inference_lag(int64_t inference);
	//! The text exposition format, with job gauges refreshed from `store`.
	std::string render(store::Store &store);

private:
	std::shared_ptr<prometheus::Registry> registry_;
	prometheus::Family<prometheus::Counter> &requests_;
	prometheus::Family<prometheus::Gauge> &jobs_;
	prometheus::Family<prometheus::Gauge> &progress_;
	prometheus::Family<prometheus::Gauge> &throughput_;
	prometheus::Family<prometheus::Gauge> &lag_;
};

} // namespace kafkaml::control
