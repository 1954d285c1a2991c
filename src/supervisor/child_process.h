#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace kafkaml::supervisor {

//! What to run: argv[0] is the executable path (no PATH search), the
//! environment is the parent's plus `extra_env` ("NAME=value").
struct ProcessSpec {
	std::vector<std::string> argv;
	std::vector<std::string> extra_env;
	std::string log_path;    //!< stdout+stderr appended here; empty = inherit
	std::string stdout_path; //!< when set, stdout goes here instead (log_path keeps stderr)
	//! Limits a runtime that can apply them (containers) gives the job;
	//! child processes run without. 0: none.
	double cpus = 0;
	int64_t memory_bytes = 0;
};

//! One child process of ours. Not copyable; the destructor does NOT kill
//! the child (a server restart must leave jobs running for adoption).
//! Thread: any, but one thread at a time per object.
class ChildProcess {
public:
	//! Forks and execs `spec`. Throws std::runtime_error saying why when the
	//! executable cannot be started (the message names it).
	static ChildProcess spawn(const ProcessSpec &spec);

	ChildProcess(ChildProcess &&other) noexcept;
	ChildProcess &operator=(ChildProcess &&other) noexcept;
	ChildProcess(const ChildProcess &) = delete;
	ChildProcess &operator=(const ChildProcess &) = delete;
	~ChildProcess() = default;

	pid_t pid() const { return pid_; }
	//! Non-blocking reap. Returns the exit status once the child is gone:
	//! the exit code, or 128 + signal number when a signal killed it.
	std::optional<int> try_wait();
	//! SIGTERM, then SIGKILL after `grace`; reaps. Returns the exit status.
	int terminate(std::chrono::milliseconds grace);

private:
	explicit ChildProcess(pid_t pid) : pid_(pid) {}
	pid_t pid_ = -1;
	std::optional<int> status_;
};

//! How a process ended, for people: "exit status 3", "signal 9", or that it
//! is unknown (-1: an adopted process, not ours to reap).
std::string describe_exit(int exit_status);

//! How a running process compares with what we would start.
enum class ProcessMatch {
	gone,           //!< no such process
	other_program,  //!< a recycled pid: another program runs under it
	other_settings, //!< our program, but other arguments or environment
	same,
};

//! Compares `pid` with `spec`: its program (by file name), every argument,
//! and each of spec.extra_env. Before adopting a process an earlier server
//! started, this tells a recycled pid and a job that still points at
//! another server or broker (started with other addresses) from one that
//! can simply be taken over.
ProcessMatch match_process(pid_t pid, const ProcessSpec &spec);

} // namespace kafkaml::supervisor
