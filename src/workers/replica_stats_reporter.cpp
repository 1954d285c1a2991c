#include "workers/replica_stats_reporter.h"

#include <spdlog/spdlog.h>

namespace kafkaml::workers {

ReplicaStatsReporter::ReplicaStatsReporter(std::string replica, const InferenceCounters &counters,
                                           std::function<ConsumerPosition()> position, Send send,
                                           std::chrono::milliseconds interval, std::optional<int64_t> stage)
    : replica_(std::move(replica)), counters_(counters), position_(std::move(position)), send_(std::move(send)),
      interval_(interval), stage_(stage), last_handled_(counters.predicted.load() + counters.forwarded.load()),
      last_at_(std::chrono::steady_clock::now()) {
	thread_ = std::thread([this] { run(); });
}

ReplicaStatsReporter::~ReplicaStatsReporter() {
	{
		std::lock_guard lock(mutex_);
		quit_ = true;
	}
	wake_.notify_all();
	thread_.join();
}

void ReplicaStatsReporter::run() {
	std::unique_lock lock(mutex_);
	while (!quit_) {
		if (wake_.wait_for(lock, interval_, [this] { return quit_; })) {
			return;
		}
		lock.unlock();
		report_once();
		lock.lock();
	}
}

void ReplicaStatsReporter::report_once() {
	auto now = std::chrono::steady_clock::now();
	uint64_t predicted = counters_.predicted.load();
	uint64_t forwarded = counters_.forwarded.load();
	uint64_t handled = predicted + forwarded;
	double seconds = std::chrono::duration<double>(now - last_at_).count();
	ReplicaStats stats;
	stats.replica = replica_;
	stats.predictions_total = predicted;
	stats.predictions_per_second = seconds > 0 ? double(handled - last_handled_) / seconds : 0;
	stats.stage = stage_;
	stats.forwarded_total = forwarded;
	auto position = position_ ? position_() : ConsumerPosition{};
	stats.consuming = position.assigned || handled > 0;
	stats.consumer_lag = position.lag;
	auto version = counters_.model_version.load();
	if (version >= 0) {
		stats.model_version = version;
	}
	last_handled_ = handled;
	last_at_ = now;
	try {
		if (!send_(stats)) {
			spdlog::info("replica {}: the server says the inference ended; stopping", replica_);
			ended_ = true;
		}
	} catch (const std::exception &e) {
		spdlog::warn("replica {}: figures not reported: {}", replica_, e.what());
	}
}

} // namespace kafkaml::workers
