#pragma once

// What the REST API asks of whoever runs the jobs: the local executor (child
// processes, supervised, local_executor.h) implements it, and executors on
// containers (Docker, Kubernetes) will sit beside it; the API only says what
// should run.
//
// Threading: called from HTTP worker threads, possibly concurrently;
// implementations synchronise themselves. Calls should return quickly
// (start a process, not wait for it to finish). An implementation throws
// std::runtime_error with a user-facing message when it cannot comply; the
// API then reports 503 and marks the result or inference failed.

#include "store/store.h"

#include <cstdint>

namespace kafkaml::executors {

class JobExecutor {
public:
	virtual ~JobExecutor() = default;
	//! Starts the training job of one result (status created at the call).
	virtual void start_training(const store::Result &result) = 0;
	//! Starts `inference.replicas` replicas of an inference.
	virtual void start_inference(const store::Inference &inference) = 0;
	//! Changes the number of running replicas of an inference.
	virtual void scale(int64_t inference, int64_t replicas) = 0;
	//! Stops every process of a training result or an inference; idempotent.
	virtual void stop(store::JobKind kind, int64_t owner) = 0;
};

} // namespace kafkaml::executors
