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

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

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

	// The server's side: called by the server's own thread around the API.

	//! After a server start: adopt or bring back every job that should run.
	//! Returns how many run afterwards.
	virtual size_t recover() { return 0; }
	//! For the server holding the orchestrator's lease among several (see
	//! src/server/README.md), twice a second: makes what runs what the job
	//! records ask for, which other servers write: starts the jobs asked
	//! for, stops those whose record is gone. Returns how many run. The
	//! default, for an executor that keeps no jobs, does nothing.
	virtual size_t reconcile() { return 0; }
	//! The processes this executor started as children of the server, for
	//! the server to reap once another server has adopted and ended them;
	//! empty for executors whose jobs are not the server's children.
	virtual std::vector<pid_t> child_processes() const { return {}; }
	//! At the server's shutdown. Jobs an orchestrator keeps (containers,
	//! pods) are left to it; the local executor stops its processes, keeping
	//! their desired state for the next start's recover().
	virtual void stop_all() {}
	//! Where jobs find the REST API, once the server knows its port.
	virtual void set_server_url(std::string) {}
};

} // namespace kafkaml::executors
