#pragma once

// A JobExecutor for tests of what calls one (the REST API, the use cases of
// src/operations): it starts nothing, records each call as a line
// ("start_training 3", "start_inference 1 x2", "scale 1 x4",
// "stop training 3") and fails on request as a real executor would.
//
// Threading: calls may come from several threads (HTTP workers); the log is
// guarded by a mutex. Set the flags and hooks before the calls begin.

#include "executors/job_executor.h"

#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace kafkaml::executors {

class RecordingExecutor final : public JobExecutor {
public:
	void start_training(const store::Result &result) override {
		record("start_training " + std::to_string(result.id));
		if (on_start_training) {
			on_start_training(result);
		}
		if (fail) {
			throw std::runtime_error("no worker slots left");
		}
	}
	void start_inference(const store::Inference &inference) override {
		record("start_inference " + std::to_string(inference.id) + " x" + std::to_string(inference.replicas));
		if (fail_inference) {
			throw std::runtime_error("no worker slots left");
		}
	}
	void scale(int64_t inference, int64_t replicas) override {
		record("scale " + std::to_string(inference) + " x" + std::to_string(replicas));
	}
	void stop(store::JobKind kind, int64_t owner) override {
		record("stop " + std::string(store::to_string(kind)) + " " + std::to_string(owner));
		if (on_stop) {
			on_stop(kind, owner);
		}
	}
	std::vector<std::string> calls() {
		std::lock_guard lock(mutex);
		return log;
	}
	//! start_training throws, as an executor out of slots does.
	bool fail = false;
	//! start_inference throws.
	bool fail_inference = false;
	//! Plays a job that starts at once and reports before start_training returns.
	std::function<void(const store::Result &)> on_start_training;
	//! Plays a job that reports its own end while it is being stopped.
	std::function<void(store::JobKind, int64_t)> on_stop;

private:
	void record(std::string call) {
		std::lock_guard lock(mutex);
		log.push_back(std::move(call));
	}
	std::mutex mutex;
	std::vector<std::string> log;
};

} // namespace kafkaml::executors
