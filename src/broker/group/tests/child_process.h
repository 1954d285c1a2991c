#pragma once

// A child process with its stdout captured line by line (integration tests).
// A reader thread appends lines; test threads wait on them under a mutex.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <sys/types.h>
#include <thread>
#include <vector>

namespace kafkaml::broker::group::testing {

class ChildProcess {
public:
	//! Starts argv[0] (looked up in PATH) with stdout piped; stderr is inherited.
	explicit ChildProcess(std::vector<std::string> argv);
	~ChildProcess();
	ChildProcess(const ChildProcess &) = delete;
	ChildProcess &operator=(const ChildProcess &) = delete;

	//! Waits until `pred` holds for the lines read so far; false on timeout.
	bool wait_lines(const std::function<bool(const std::vector<std::string> &)> &pred,
	                std::chrono::milliseconds timeout);
	std::vector<std::string> lines();
	void signal(int sig);
	//! Waits for exit (killing it after `timeout`); returns the exit status, or
	//! 128 + signal number.
	int wait(std::chrono::milliseconds timeout = std::chrono::seconds(30));
	pid_t pid() const { return pid_; }

private:
	void read_loop(int fd);

	pid_t pid_ = -1;
	bool exited_ = false;
	int status_ = 0;
	std::mutex mutex_;
	std::condition_variable changed_;
	std::vector<std::string> lines_;
	bool eof_ = false;
	std::thread reader_;
};

} // namespace kafkaml::broker::group::testing
