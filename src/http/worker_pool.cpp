#include "http/worker_pool.h"

namespace kafkaml::http {

WorkerPool::WorkerPool(size_t threads, size_t max_queued) : max_queued_(max_queued) {
	threads_.reserve(threads);
	for (size_t i = 0; i < threads; i++) {
		threads_.emplace_back([this] { run(); });
	}
}

WorkerPool::~WorkerPool() {
	stop();
}

bool WorkerPool::try_post(std::function<void()> task) {
	{
		std::lock_guard lock(mutex_);
		if (stopping_ || tasks_.size() >= max_queued_) {
			return false;
		}
		tasks_.push_back(std::move(task));
	}
	wake_.notify_one();
	return true;
}

void WorkerPool::stop() {
	std::deque<std::function<void()>> dropped;
	{
		std::lock_guard lock(mutex_);
		stopping_ = true;
		dropped.swap(tasks_);
	}
	wake_.notify_all();
	for (auto &thread : threads_) {
		if (thread.joinable()) {
			thread.join();
		}
	}
	// `dropped` is destroyed here, outside the lock: a task may own
	// objects whose destructors take locks of their own.
}

size_t WorkerPool::queued() const {
	std::lock_guard lock(mutex_);
	return tasks_.size();
}

void WorkerPool::run() {
	for (;;) {
		std::function<void()> task;
		{
			std::unique_lock lock(mutex_);
			wake_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
			if (stopping_) {
				return;
			}
			task = std::move(tasks_.front());
			tasks_.pop_front();
		}
		task();
	}
}

} // namespace kafkaml::http
