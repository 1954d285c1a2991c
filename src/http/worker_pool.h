#pragma once

// Threads that run request handlers, with a bounded queue: handlers block
// (on the store, on Kafka), the I/O thread must not, and a burst larger
// than the queue is refused at once (503) rather than piling up requests
// whose clients have long given up.
//
// Thread-safety: try_post() from any thread; stop() from the owner's.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace kafkaml::http {

class WorkerPool {
public:
	WorkerPool(size_t threads, size_t max_queued);
	~WorkerPool();
	WorkerPool(const WorkerPool &) = delete;
	WorkerPool &operator=(const WorkerPool &) = delete;

	//! Queues `task`; false when the queue is full or the pool stopped.
	bool try_post(std::function<void()> task);
	//! Lets running tasks finish, drops queued ones, joins the threads.
	void stop();
	size_t queued() const;

private:
	void run();

	const size_t max_queued_;
	mutable std::mutex mutex_;
	std::condition_variable wake_;
	std::deque<std::function<void()>> tasks_;
	bool stopping_ = false;
	std::vector<std::thread> threads_;
};

} // namespace kafkaml::http
