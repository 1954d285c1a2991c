#pragma once

#include "executors/job_command.h"
#include "executors/job_executor.h"
#include "store/store.h"
#include "supervisor/supervisor.h"

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

namespace kafkaml::executors {

//! Runs jobs as supervised local processes, or, given another runtime, as
//! that runtime's instances (DockerExecutor: containers). See README.md.
class LocalExecutor : public executors::JobExecutor {
public:
	//! `runtime`: where jobs run; null: local child processes.
	LocalExecutor(store::Store &store, LocalExecutorConfig config,
	              std::unique_ptr<supervisor::Runtime> runtime = nullptr);
	//! Leaves the jobs running (a restarted server adopts them); call
	//! `stop_all()` first for a clean shutdown.
	~LocalExecutor() override;

	void start_training(const store::Result &result) override;
	void start_inference(const store::Inference &inference) override;
	void scale(int64_t inference, int64_t replicas) override;
	void stop(store::JobKind kind, int64_t owner) override;

	//! After a server start: adopt or restart every job whose desired state
	//! is running. Returns how many jobs are running afterwards.
	size_t recover() override;
	//! Makes what runs what the job records ask for: recover(), and stops
	//! the jobs whose record is gone. For a server that runs the jobs of
	//! several servers, whose others record what they are asked (see
	//! src/server/README.md). Returns how many jobs are running afterwards.
	size_t reconcile() override;
	std::vector<pid_t> child_processes() const override;
	//! Stops every job, keeping their desired state so that `recover()` on
	//! the next start brings them back.
	void stop_all() override;

	//! Where jobs find the REST API, once the server knows its port.
	void set_server_url(std::string url) override {
		std::lock_guard lock(mutex_);
		config_.server_url = std::move(url);
	}

	//! Supervised job ids, e.g. "train-3", "infer-2-0". For tests and metrics.
	std::vector<std::string> running_jobs() const;
	std::optional<pid_t> pid_of(const std::string &job_id) const;

private:
	static std::string job_id(store::JobKind kind, int64_t owner, int64_t replica);
	//! job_spec() with the job's log file. Throws std::runtime_error as it does.
	supervisor::ProcessSpec spec_for(store::JobKind kind, int64_t owner, int64_t replica) const;
	void launch(store::JobKind kind, int64_t owner, int64_t replica);
	void on_event(const supervisor::JobEvent &event);
	//! Marks the owner of a crash-looping job failed, with the reason and
	//! the end of the job's log. Monitor thread.
	void give_up(store::JobKind kind, int64_t owner, int64_t replica, const supervisor::JobEvent &event);
	std::string log_path(store::JobKind kind, int64_t owner, int64_t replica) const;
	//! Whether the job's result or inference has ended (the job reported it,
	//! or it was stopped): then nothing is left for a process to do, whatever
	//! its exit status said. Thread: any (reads the store).
	bool owner_is_final(store::JobKind kind, int64_t owner);
	//! Replicas of `owner` the supervisor runs now. Lock held.
	std::vector<int64_t> replicas_of(store::JobKind kind, int64_t owner) const;
	std::optional<store::Job> record_of(store::JobKind kind, int64_t owner, int64_t replica);
	//! recover()'s work over `records`. Lock held.
	size_t bring_back(const std::vector<store::Job> &records);

	store::Store &store_;
	LocalExecutorConfig config_;
	std::mutex mutex_;
	std::unique_ptr<supervisor::Supervisor> supervisor_;
	//! Jobs that could not be brought back, logged once. Guarded by mutex_.
	std::set<std::string> not_brought_back_;
};

} // namespace kafkaml::executors
