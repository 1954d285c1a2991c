#pragma once

// An inference replica's figures for the server's /metrics: predictions per
// second (inputs handled per second: answered or forwarded, for a stage of
// an early-exit chain, with both counts) and consumer lag, sent about once a second from a thread of its
// own, so the replica's polling loop never waits on the server. The server
// sums the replicas of an inference and forgets one that stops reporting.

#include "workers/http_job_coordinator.h"
#include "workers/inference_job.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace kafkaml::workers {

//! Where the replica stands in its consumer group.
struct ConsumerPosition {
	bool assigned = false;      //!< has partitions to read
	std::optional<int64_t> lag; //!< input messages not consumed yet; unset while unknown
};

//! Thread: constructed and destroyed on the replica's main thread; the
//! reporter thread reads the counters (atomics) and calls `position` and
//! `send`, which must be safe to call from it. ended() from any thread.
class ReplicaStatsReporter {
public:
	//! Returns false when the inference ended (stopped or deleted).
	using Send = std::function<bool(const ReplicaStats &)>;

	ReplicaStatsReporter(std::string replica, const InferenceCounters &counters,
	                     std::function<ConsumerPosition()> position, Send send,
	                     std::chrono::milliseconds interval = std::chrono::seconds(1),
	                     std::optional<int64_t> stage = std::nullopt);
	//! Stops the thread (after a report in progress).
	~ReplicaStatsReporter();
	ReplicaStatsReporter(const ReplicaStatsReporter &) = delete;
	ReplicaStatsReporter &operator=(const ReplicaStatsReporter &) = delete;

	//! True once the server said the inference ended: the replica should stop.
	bool ended() const { return ended_.load(); }

private:
	void run();
	//! One report: the figures since the previous one. Failures are logged;
	//! figures are advisory and the next round tries again.
	void report_once();

	std::string replica_;
	const InferenceCounters &counters_;
	std::function<ConsumerPosition()> position_;
	Send send_;
	std::chrono::milliseconds interval_;
	std::optional<int64_t> stage_; //!< an early-exit stage replica's stage
	uint64_t last_handled_ = 0;    //!< predicted + forwarded at the last report
	std::chrono::steady_clock::time_point last_at_;
	std::atomic<bool> ended_{false};

	std::mutex mutex_; //!< guards quit_
	std::condition_variable wake_;
	bool quit_ = false;
	std::thread thread_;
};

} // namespace kafkaml::workers
