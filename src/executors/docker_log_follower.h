#pragma once

// A running container's output, appended to its job's log file as it comes
// (the logs endpoint with follow=1, its 8-byte frame headers removed): the
// job's log shows what a running container prints, as a process's does.
// The stream ends when the container does.

#include "executors/docker_client.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace kafkaml::executors {

//! Thread: one thread of its own per followed container, from construction
//! to finish(); finish() and the destructor on the owner's thread.
class DockerLogFollower {
public:
	//! Follows container `id` into `log_path`, from its start or, given
	//! `since` (Unix seconds, as the logs endpoint takes them), from then on.
	DockerLogFollower(const DockerClient &client, std::string id, std::string log_path, std::string since = "");
	~DockerLogFollower() { finish(std::chrono::milliseconds(0)); }
	DockerLogFollower(const DockerLogFollower &) = delete;
	DockerLogFollower &operator=(const DockerLogFollower &) = delete;

	//! Waits up to `wait` for the rest of the output (the stream ends soon
	//! after the container), then stops following. The log then holds the
	//! first written() bytes of the output since `since`: the owner fetches
	//! the rest, if any. Idempotent.
	void finish(std::chrono::milliseconds wait);
	//! Bytes of output appended so far. Thread: the owner's, after finish().
	size_t written() const { return written_; }

	//! The logs endpoint's path for `id`, with `since` when given.
	static std::string path(const std::string &id, const std::string &since, bool follow);
	//! When `log_path` was last written, as `since` takes it; empty when
	//! there is no such file (everything is new).
	static std::string since_last_write(const std::string &log_path);

private:
	void run(const DockerClient &client, const std::string &since);

	std::string id_;
	std::string log_path_;
	std::atomic<bool> stop_{false};
	std::mutex mutex_;
	std::condition_variable ended_;
	bool done_ = false;
	size_t written_ = 0;
	std::thread thread_;
};

} // namespace kafkaml::executors
