#include "broker/storage/background_sync.h"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <sys/resource.h>
#include <unistd.h>

namespace kafkaml::broker::storage {

BackgroundSync::BackgroundSync() : thread_([this] { run(); }) {}

BackgroundSync::~BackgroundSync() {
	{
		std::lock_guard lock(mutex_);
		stop_ = true;
	}
	wake_.notify_one();
	thread_.join();
}

bool BackgroundSync::submit(std::vector<int> &fds) {
	{
		std::lock_guard lock(mutex_);
		if (running_ || !pending_.empty()) {
			return false;
		}
		pending_.swap(fds);
	}
	wake_.notify_one();
	return true;
}

bool BackgroundSync::busy() {
	std::lock_guard lock(mutex_);
	return running_ || !pending_.empty();
}

void BackgroundSync::run() {
	// Per-thread on Linux: the nice value of a thread id, not the process.
	if (::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 10) != 0) {
		spdlog::debug("periodic fsync thread keeps normal priority: {}", std::strerror(errno));
	}
	std::unique_lock lock(mutex_);
	while (true) {
		wake_.wait(lock, [this] { return stop_ || !pending_.empty(); });
		if (pending_.empty()) {
			return; // stopping with nothing left
		}
		auto fds = std::move(pending_);
		pending_.clear();
		running_ = true;
		lock.unlock();
		for (int fd : fds) {
			if (::fdatasync(fd) != 0) {
				spdlog::error("periodic fsync of a log segment failed: {}", std::strerror(errno));
			}
			::close(fd);
		}
		lock.lock();
		running_ = false;
	}
}

} // namespace kafkaml::broker::storage
