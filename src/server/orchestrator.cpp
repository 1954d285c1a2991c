#include "server/orchestrator.h"

#include "executors/local_executor.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <sys/wait.h>

namespace kafkaml::server {

Orchestrator::Orchestrator(store::Store &store, store::Coordination &coordination, LeaseKeeper &lease,
                           ExecutorFactory make_executor, std::chrono::milliseconds period)
    : store_(store), coordination_(coordination), lease_(lease), make_executor_(std::move(make_executor)),
      period_(period) {}

Orchestrator::~Orchestrator() {
	{
		std::lock_guard lock(loop_mutex_);
		stopping_ = true;
	}
	wake_.notify_all();
	if (loop_.joinable()) {
		loop_.join();
	}
}

size_t Orchestrator::lead_now() {
	if (!lease_.leads()) {
		return 0;
	}
	std::unique_lock lock(executor_mutex_);
	if (!executor_) {
		executor_ = make_executor_();
	}
	return executor_->recover();
}

void Orchestrator::start() {
	loop_ = std::thread([this] { run(); });
}

void Orchestrator::stop(bool stop_jobs) {
	{
		std::lock_guard lock(loop_mutex_);
		stopping_ = true;
	}
	wake_.notify_all();
	if (loop_.joinable()) {
		loop_.join();
	}
	std::unique_lock lock(executor_mutex_);
	if (executor_ && stop_jobs) {
		executor_->stop_all();
	}
	executor_.reset();
}

bool Orchestrator::orchestrates() const {
	std::shared_lock lock(executor_mutex_);
	return leading_executor() != nullptr;
}

executors::JobExecutor *Orchestrator::leading_executor() const {
	// Fencing: the lease is checked at each use, not only when it changes
	// hands, so an executor kept a moment after the lease lapsed is not used.
	return executor_ && lease_.leads() ? executor_.get() : nullptr;
}

void Orchestrator::run() {
	std::unique_lock loop_lock(loop_mutex_);
	while (!wake_.wait_for(loop_lock, period_, [this] { return stopping_; })) {
		loop_lock.unlock();
		bool leads = lease_.leads();
		bool has_executor = false;
		{
			std::shared_lock lock(executor_mutex_);
			has_executor = executor_ != nullptr;
		}
		try {
			if (leads && !has_executor) {
				auto running = lead_now();
				spdlog::info("server: orchestrating; {} job(s) adopted or started", running);
			} else if (!leads && has_executor) {
				follow();
			} else if (leads) {
				std::shared_lock lock(executor_mutex_);
				if (auto *executor = leading_executor()) {
					executor->reconcile();
				}
			} else {
				reap_former_children();
			}
			last_error_.clear();
		} catch (const std::exception &e) {
			// Said once, not at every pass (an executor that cannot run jobs).
			if (last_error_ != e.what()) {
				spdlog::error("server: orchestrator: {}", e.what());
				last_error_ = e.what();
			}
		}
		loop_lock.lock();
	}
}

void Orchestrator::follow() {
	std::unique_lock lock(executor_mutex_);
	if (!executor_) {
		return;
	}
	spdlog::warn("server: the orchestrator's lease was lost; this server stops orchestrating and leaves the jobs "
	             "running for the server that takes the lease");
	auto children = executor_->child_processes();
	former_children_.insert(former_children_.end(), children.begin(), children.end());
	executor_.reset();
}

void Orchestrator::reap_former_children() {
	std::erase_if(former_children_, [](pid_t pid) {
		int status = 0;
		auto reaped = ::waitpid(pid, &status, WNOHANG);
		return reaped == pid || (reaped < 0 && errno == ECHILD);
	});
}

void Orchestrator::ask_for(store::JobKind kind, int64_t owner, int64_t replica) {
	store::Job job;
	job.kind = kind;
	job.owner = owner;
	job.replica = replica;
	job.desired_state = "running";
	coordination_.add_job_if_absent(job);
}

void Orchestrator::start_training(const store::Result &result) {
	std::shared_lock lock(executor_mutex_);
	if (auto *executor = leading_executor()) {
		executor->start_training(result);
		return;
	}
	ask_for(store::JobKind::Training, result.id, 0);
}

void Orchestrator::start_inference(const store::Inference &inference) {
	std::shared_lock lock(executor_mutex_);
	if (auto *executor = leading_executor()) {
		executor->start_inference(inference);
		return;
	}
	for (int64_t replica = 0; replica < inference.replicas; ++replica) {
		ask_for(store::JobKind::Inference, inference.id, replica);
	}
}

void Orchestrator::scale(int64_t inference, int64_t replicas) {
	std::shared_lock lock(executor_mutex_);
	if (auto *executor = leading_executor()) {
		executor->scale(inference, replicas);
		return;
	}
	for (int64_t replica = 0; replica < replicas; ++replica) {
		ask_for(store::JobKind::Inference, inference, replica);
	}
	for (const auto &record : store_.list_jobs()) {
		if (record.kind == store::JobKind::Inference && record.owner == inference && record.replica >= replicas) {
			store_.delete_job(record.id);
		}
	}
}

void Orchestrator::stop(store::JobKind kind, int64_t owner) {
	std::shared_lock lock(executor_mutex_);
	if (auto *executor = leading_executor()) {
		executor->stop(kind, owner);
		return;
	}
	for (const auto &record : store_.list_jobs()) {
		if (record.kind == kind && record.owner == owner) {
			store_.delete_job(record.id);
		}
	}
}

} // namespace kafkaml::server
