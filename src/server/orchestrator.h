#pragma once

// What the REST API calls to run jobs, on every one of several servers
// sharing a store. The server holding the orchestrator's lease
// (lease_keeper.h) has an executor and runs the jobs: the API's calls go to
// it directly, and a reconcile pass twice a second makes what runs what
// the store's job records ask for. Any other server only records what it
// is asked in the job records (the desired state), which the leader's next
// pass carries out: a job asked for is started, a job whose record was
// deleted (stopped, scaled away) is stopped. A server that takes the lease
// makes a fresh executor, which adopts the running jobs (recover()); one
// that loses it drops its executor, leaving the jobs running for the next
// leader to adopt.

#include "executors/job_executor.h"
#include "server/lease_keeper.h"

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

namespace kafkaml::server {

//! Thread: the JobExecutor methods from HTTP workers, concurrently;
//! `lead_now`, `start` and `stop` on the owner's thread; the reconcile
//! loop on its own thread.
class Orchestrator final : public executors::JobExecutor {
public:
	//! Makes the executor of a server that has just taken the lease; may
	//! throw std::runtime_error (the executor cannot run jobs).
	using ExecutorFactory = std::function<std::unique_ptr<executors::JobExecutor>()>;

	Orchestrator(store::Store &store, store::Coordination &coordination, LeaseKeeper &lease,
	             ExecutorFactory make_executor, std::chrono::milliseconds period = std::chrono::milliseconds(500));
	//! Leaves the jobs running; call stop() first for a clean shutdown.
	~Orchestrator() override;

	//! When the lease is held: makes the executor and brings back the jobs
	//! (recover()); returns how many run. Errors of the executor's factory
	//! propagate. 0 when the lease is not held.
	size_t lead_now();
	//! Starts the loop that follows the lease and reconciles.
	void start();
	//! Ends the loop; with `stop_jobs`, stops every job this server runs
	//! (their records stay, for the next leader or start to bring back).
	void stop(bool stop_jobs);

	//! Whether this server has an executor and holds the lease.
	bool orchestrates() const;

	void start_training(const store::Result &result) override;
	void start_inference(const store::Inference &inference) override;
	void scale(int64_t inference, int64_t replicas) override;
	void stop(store::JobKind kind, int64_t owner) override;

private:
	void run();
	//! The executor, when this server holds the lease; the caller holds
	//! mutex_ (shared) for as long as it uses it.
	executors::JobExecutor *leading_executor() const;
	//! Drops the executor (lost lease), remembering its processes to reap.
	void follow();
	//! Collects the jobs a former executor of this server started that
	//! have ended since (another server adopted them, and a process that
	//! is still our child stays a zombie until we reap it).
	void reap_former_children();
	void ask_for(store::JobKind kind, int64_t owner, int64_t replica);

	store::Store &store_;
	store::Coordination &coordination_;
	LeaseKeeper &lease_;
	ExecutorFactory make_executor_;
	const std::chrono::milliseconds period_;

	//! Exclusive while the executor is made or dropped; shared while used.
	mutable std::shared_mutex executor_mutex_;
	std::unique_ptr<executors::JobExecutor> executor_;
	std::vector<pid_t> former_children_; //!< loop thread only
	std::string last_error_;             //!< loop thread only

	std::mutex loop_mutex_; //!< guards stopping_
	std::condition_variable wake_;
	bool stopping_ = false;
	std::thread loop_;
};

} // namespace kafkaml::server
