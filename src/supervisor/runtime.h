#pragma once

// Where a supervised job runs. The supervisor's policy (back-off, crash-loop
// detection, the DoneCheck, ordered events) does not depend on it: a
// `Runtime` starts instances of a job and finds those an earlier server left
// running; a `JobInstance` is one of them, polled and stopped by the
// supervisor. `ProcessRuntime` runs local child processes; the Docker
// executor's runtime runs containers (executors/docker_runtime.h).

#include "supervisor/child_process.h"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace kafkaml::supervisor {

//! One running instance of a job. Thread: the supervisor's, one call at a
//! time (under its lock); calls should be quick.
class JobInstance {
public:
	virtual ~JobInstance() = default;
	//! The process id to report in events and the store; -1 when none.
	virtual pid_t pid() const = 0;
	//! Non-blocking: the exit status once the instance has ended (the exit
	//! code, or 128 + signal), -1 when it ended with its status unknown.
	virtual std::optional<int> try_wait() = 0;
	//! SIGTERM, then SIGKILL after `grace`; returns the exit status or -1.
	virtual int terminate(std::chrono::milliseconds grace) = 0;
};

class Runtime {
public:
	virtual ~Runtime() = default;
	//! Starts an instance of `job_id`. Throws std::runtime_error saying why
	//! it cannot.
	virtual std::unique_ptr<JobInstance> spawn(const std::string &job_id, const ProcessSpec &spec) = 0;
	//! The instance of `job_id` an earlier server started with `spec` (at
	//! `pid`, when it recorded one), still running; nullptr when there is
	//! none. One started with other settings is stopped and not returned:
	//! the caller starts the job afresh.
	virtual std::unique_ptr<JobInstance> find(const std::string &job_id, std::optional<pid_t> pid,
	                                          const ProcessSpec &spec) = 0;
	//! The supervisor hands over what wakes its monitor (null when it goes):
	//! a runtime told of an instance's end (an event rather than a poll)
	//! calls it so the end is handled at once, not at the next poll. Thread:
	//! set on the supervisor's caller's; `wake` may be called from any.
	virtual void set_wake(std::function<void()> wake) { (void)wake; }
};

//! Local child processes (ChildProcess); adoption by pid (match_process).
class ProcessRuntime final : public Runtime {
public:
	std::unique_ptr<JobInstance> spawn(const std::string &job_id, const ProcessSpec &spec) override;
	std::unique_ptr<JobInstance> find(const std::string &job_id, std::optional<pid_t> pid,
	                                  const ProcessSpec &spec) override;
};

} // namespace kafkaml::supervisor
