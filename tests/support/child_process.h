#pragma once

// A child process for tests: argv with environment changes and a working
// directory, stdout and stderr each inherited, discarded, captured in memory
// or written to a file, waited for with a timeout. The child leads a process
// group of its own; whenever this object reaps it, and at the latest in the
// destructor, SIGKILL goes to that whole group first, so nothing a test
// started (nor what its children started in the same group) outlives it.
// Processes that leave the group on purpose (setsid/setpgid, as `kafkaml
// server` does for its jobs) are not followed.
//
// Thread: every member may be called from any thread, concurrently; one
// mutex guards the state and the captured output. A reader thread per
// object (only when a stream is captured) moves pipe bytes into memory.

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <sys/types.h>
#include <thread>
#include <utility>
#include <vector>

namespace kafkaml::testing {

//! Where one output stream of a child goes.
struct Output {
	enum class Kind {
		inherit,   //!< the test's own stream (ctest keeps it in the test's log)
		discard,   //!< /dev/null
		capture,   //!< a pipe read into memory; see ChildProcess::out()/err()
		file,      //!< `path`, created or truncated
		to_stdout, //!< stderr only: wherever stdout goes (2>&1)
	};
	Kind kind = Kind::inherit;
	std::filesystem::path path;

	static Output inherit() { return {Kind::inherit, {}}; }
	static Output discard() { return {Kind::discard, {}}; }
	static Output capture() { return {Kind::capture, {}}; }
	static Output file(std::filesystem::path path) { return {Kind::file, std::move(path)}; }
	static Output to_stdout() { return {Kind::to_stdout, {}}; }
};

//! What to run. argv[0] is searched in PATH when it has no '/'. The child's
//! environment is the test's, with `set_env` added or replaced and
//! `unset_env` removed. stdin is always /dev/null: a test never types.
struct ProcessOptions {
	std::vector<std::string> argv;
	std::vector<std::pair<std::string, std::string>> set_env;
	std::vector<std::string> unset_env;
	std::filesystem::path working_dir; //!< empty: the test's own
	Output out = Output::capture();
	Output err = Output::inherit();
};

class ChildProcess {
public:
	//! Starts the process. Throws std::runtime_error naming the program when
	//! it cannot be started (not found, not executable, bad output file).
	explicit ChildProcess(ProcessOptions options);
	//! SIGKILL to the process group if it is still running, then reaps it.
	~ChildProcess();
	ChildProcess(const ChildProcess &) = delete;
	ChildProcess &operator=(const ChildProcess &) = delete;

	pid_t pid() const { return pid_; }

	//! The exit status once the process has ended (exit code, or 128 + the
	//! signal number that killed it); nullopt while it runs. Never blocks.
	std::optional<int> try_wait();
	//! Waits up to `timeout` for the process to end; nullopt when it is still
	//! running then (it is left running).
	std::optional<int> wait(std::chrono::milliseconds timeout);
	//! Sends `signal` to the process itself (not its group); no-op once reaped.
	void signal(int signal);
	//! SIGTERM, up to `grace` to end, then SIGKILL to the group; reaps.
	//! Returns the exit status.
	int terminate(std::chrono::milliseconds grace = std::chrono::seconds(15));
	//! SIGKILL to the group, then reaps. Returns the exit status.
	int kill();

	//! What the process wrote so far to a captured or file stdout (stderr).
	std::string out() const;
	std::string err() const;
	//! stdout's complete lines so far (and the unterminated last one once
	//! stdout has ended), without their '\n'.
	std::vector<std::string> out_lines() const;
	//! Waits until `done(out_lines())` holds: true then; false when `timeout`
	//! passes or stdout ends (the process exited) without it holding.
	bool wait_for_lines(const std::function<bool(const std::vector<std::string> &)> &done,
	                    std::chrono::milliseconds timeout);
	//! stdout's first line (daemons print their address there): nullopt when
	//! the process ended, or `timeout` passed, before printing one.
	std::optional<std::string> first_line(std::chrono::milliseconds timeout = std::chrono::seconds(30));
	//! first_line() for daemons a test cannot go on without: throws
	//! std::runtime_error naming the program, saying whether it ended, and
	//! with its stderr when that is captured or in a file.
	std::string required_first_line(std::chrono::milliseconds timeout = std::chrono::seconds(30));

private:
	struct Stream;

	bool leader_exited() const;
	int reap(std::unique_lock<std::mutex> &lock);
	void read_loop();
	std::string text_of(const Stream &stream) const;
	bool stream_ended(const Stream &stream) const;

	std::string program_;
	pid_t pid_ = -1;
	mutable std::mutex mutex_;
	std::condition_variable changed_;
	std::optional<int> status_;
	std::unique_ptr<Stream> out_;
	std::unique_ptr<Stream> err_;
	int wake_read_ = -1;
	int wake_write_ = -1;
	bool stop_reading_ = false;
	std::thread reader_;
};

//! What run() saw.
struct RunResult {
	int status = -1;        //!< exit code, or 128 + signal number
	bool timed_out = false; //!< killed (status 137) because `timeout` passed
	std::string out;
	std::string err;
};

//! Runs `options` to the end (its streams go where the options say), killing
//! its group after `timeout`. Thread: any; blocks the caller.
RunResult run(ProcessOptions options, std::chrono::milliseconds timeout = std::chrono::minutes(2));
//! `/bin/sh -c command` with stdout and stderr captured apart: for tests
//! that need a pipeline or a redirection.
RunResult run_shell(const std::string &command, std::chrono::milliseconds timeout = std::chrono::minutes(2));

} // namespace kafkaml::testing
