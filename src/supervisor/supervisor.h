#pragma once

#include "supervisor/child_process.h"
#include "supervisor/runtime.h"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace kafkaml::supervisor {

struct RestartPolicy {
	std::chrono::milliseconds initial_backoff{1000};
	std::chrono::milliseconds max_backoff{60000};
	//! A run this long resets the back-off to `initial_backoff`; a shorter
	//! one that fails is a quick failure.
	std::chrono::milliseconds stable_after{60000};
	//! Quick failures in a row after which a job is given up (gave_up, not
	//! restarted): a crash loop that back-off alone would repeat forever.
	//! 0: restart forever, as Kubernetes does.
	int crash_loop_limit = 0;
	//! Poll period of the monitor thread.
	std::chrono::milliseconds poll_interval{50};
};

enum class JobEventKind {
	started,   //!< a process was spawned (first start or restart)
	adopted,   //!< an earlier server's process was taken over
	completed, //!< exited with status 0, or the DoneCheck said it is done; not restarted
	crashed,   //!< exited non-zero or vanished; a restart is scheduled
	stopped,   //!< stopped on request
	gave_up,   //!< failed crash_loop_limit times in a row soon after starting; not restarted
};

struct JobEvent {
	std::string job_id;
	JobEventKind kind;
	pid_t pid = -1;
	int exit_status = -1; //!< crashed/completed/stopped/gave_up; -1 when unknown (adopted)
	int restarts = 0;     //!< restarts so far
	std::chrono::milliseconds next_restart_in{0};
};

//! Keeps named jobs running. See README.md for the guarantees.
//! Thread-safety: every public method may be called from any thread.
class Supervisor {
public:
	using EventCallback = std::function<void(const JobEvent &)>;
	//! Asked before a job that exited non-zero, or vanished with its status
	//! unknown (adopted), is restarted: true when the job is done whatever
	//! its exit status says (it reported its own end elsewhere), so it
	//! completes instead. Runs on the monitor thread with no lock held.
	using DoneCheck = std::function<bool(const std::string &job_id)>;

	//! `runtime`: where jobs run; null: local child processes.
	Supervisor(RestartPolicy policy, EventCallback on_event, DoneCheck is_done = {},
	           std::unique_ptr<Runtime> runtime = nullptr);
	//! Stops the monitor thread; running jobs are left running (see README).
	~Supervisor();
	Supervisor(const Supervisor &) = delete;
	Supervisor &operator=(const Supervisor &) = delete;

	//! Starts a job. Throws std::runtime_error when a job of that id is
	//! already supervised or the process cannot be spawned.
	void start(const std::string &job_id, ProcessSpec spec);
	//! Takes over the instance of `job_id` an earlier server started with
	//! `spec` (at `pid`, when known; the runtime finds it). Returns false
	//! (and takes nothing over) when it is gone, is another program, or was
	//! started with other settings; the caller then starts the job afresh.
	bool adopt(const std::string &job_id, std::optional<pid_t> pid, ProcessSpec spec);
	//! Stops a job: SIGTERM, SIGKILL after `grace`. Blocks until it is gone.
	//! Returns false when no such job was supervised.
	bool stop(const std::string &job_id, std::chrono::milliseconds grace = std::chrono::seconds(10));
	//! Stops every job (in parallel) and waits for all of them.
	void stop_all(std::chrono::milliseconds grace = std::chrono::seconds(10));

	std::optional<pid_t> pid(const std::string &job_id) const;
	std::vector<std::string> job_ids() const;

private:
	struct Job {
		ProcessSpec spec;
		//! What runs now; null while waiting for a restart.
		std::unique_ptr<JobInstance> instance;
		int restarts = 0;
		int quick_failures = 0; //!< in a row
		std::chrono::milliseconds backoff{0};
		std::chrono::steady_clock::time_point started_at;
		std::optional<std::chrono::steady_clock::time_point> restart_at;
		//! Set when the process ended with a failure, until is_done_ has
		//! been asked whether to restart it.
		std::optional<JobEvent> failed;
		//! False from start()/adopt() putting the job in the map until they
		//! have delivered its started/adopted event: the monitor leaves it
		//! alone meanwhile, so a job's events arrive in order even when it
		//! ends at once.
		bool announced = false;
	};

	void monitor_loop();
	//! Checks one job; returns the event to emit, if any. Lock held.
	std::optional<JobEvent> poll_job(const std::string &job_id, Job &job, std::chrono::steady_clock::time_point now,
	                                 bool &remove);
	//! Completes a failed job the DoneCheck called done, gives up a crash
	//! loop, or schedules the restart. Lock held.
	JobEvent after_failure(Job &job, bool done, std::chrono::steady_clock::time_point now, bool &remove);
	static int stop_job(Job &job, std::chrono::milliseconds grace);
	//! Lets the monitor watch a job whose first event was delivered. Takes the lock.
	void announce(const std::string &job_id);

	RestartPolicy policy_;
	std::unique_ptr<Runtime> runtime_;
	EventCallback on_event_;
	DoneCheck is_done_;
	mutable std::mutex mutex_;
	std::condition_variable wake_;
	bool shutting_down_ = false;
	std::map<std::string, Job> jobs_;
	std::thread monitor_;
};

} // namespace kafkaml::supervisor
