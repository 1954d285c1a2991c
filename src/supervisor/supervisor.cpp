#include "supervisor/supervisor.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <future>
#include <stdexcept>
#include <sys/wait.h>

namespace kafkaml::supervisor {

Supervisor::Supervisor(RestartPolicy policy, EventCallback on_event, DoneCheck is_done,
                       std::unique_ptr<Runtime> runtime)
    : policy_(policy), runtime_(runtime ? std::move(runtime) : std::make_unique<ProcessRuntime>()),
      on_event_(std::move(on_event)), is_done_(std::move(is_done)), monitor_([this] { monitor_loop(); }) {
	runtime_->set_wake([this] { wake_.notify_all(); });
}

Supervisor::~Supervisor() {
	runtime_->set_wake(nullptr); // before wake_ goes
	{
		std::lock_guard lock(mutex_);
		shutting_down_ = true;
	}
	wake_.notify_all();
	monitor_.join();
}

void Supervisor::start(const std::string &job_id, ProcessSpec spec) {
	JobEvent event{job_id, JobEventKind::started};
	{
		std::lock_guard lock(mutex_);
		if (jobs_.count(job_id)) {
			throw std::runtime_error("job '" + job_id + "' is already running");
		}
		Job job;
		job.instance = runtime_->spawn(job_id, spec);
		job.spec = std::move(spec);
		job.backoff = policy_.initial_backoff;
		job.started_at = std::chrono::steady_clock::now();
		event.pid = job.instance->pid();
		jobs_.emplace(job_id, std::move(job));
	}
	if (on_event_) {
		on_event_(event);
	}
	announce(job_id);
}

void Supervisor::announce(const std::string &job_id) {
	std::lock_guard lock(mutex_);
	if (auto it = jobs_.find(job_id); it != jobs_.end()) {
		it->second.announced = true;
	}
}

bool Supervisor::adopt(const std::string &job_id, std::optional<pid_t> pid, ProcessSpec spec) {
	auto instance = runtime_->find(job_id, pid, spec);
	if (!instance) {
		return false;
	}
	JobEvent event{job_id, JobEventKind::adopted, instance->pid()};
	{
		std::lock_guard lock(mutex_);
		if (jobs_.count(job_id)) {
			throw std::runtime_error("job '" + job_id + "' is already running");
		}
		Job job;
		job.spec = std::move(spec);
		job.instance = std::move(instance);
		job.backoff = policy_.initial_backoff;
		job.started_at = std::chrono::steady_clock::now();
		jobs_.emplace(job_id, std::move(job));
	}
	if (on_event_) {
		on_event_(event);
	}
	announce(job_id);
	return true;
}

int Supervisor::stop_job(Job &job, std::chrono::milliseconds grace) {
	if (!job.instance) {
		return -1; // waiting for a restart: nothing runs
	}
	return job.instance->terminate(grace);
}

bool Supervisor::stop(const std::string &job_id, std::chrono::milliseconds grace) {
	Job job;
	{
		std::lock_guard lock(mutex_);
		auto it = jobs_.find(job_id);
		if (it == jobs_.end()) {
			return false;
		}
		// Taken out of the map first, so the monitor thread never touches a
		// process that is being stopped and never restarts it.
		job = std::move(it->second);
		jobs_.erase(it);
	}
	JobEvent event{job_id, JobEventKind::stopped};
	event.pid = job.instance ? job.instance->pid() : -1;
	event.restarts = job.restarts;
	event.exit_status = stop_job(job, grace);
	if (on_event_) {
		on_event_(event);
	}
	return true;
}

void Supervisor::stop_all(std::chrono::milliseconds grace) {
	std::vector<std::future<bool>> stops;
	for (const auto &id : job_ids()) {
		stops.push_back(std::async(std::launch::async, [this, id, grace] { return stop(id, grace); }));
	}
	for (auto &s : stops) {
		s.get();
	}
}

std::optional<pid_t> Supervisor::pid(const std::string &job_id) const {
	std::lock_guard lock(mutex_);
	auto it = jobs_.find(job_id);
	if (it == jobs_.end()) {
		return std::nullopt;
	}
	if (it->second.instance && it->second.instance->pid() > 0) {
		return it->second.instance->pid();
	}
	return std::nullopt;
}

std::vector<std::string> Supervisor::job_ids() const {
	std::lock_guard lock(mutex_);
	std::vector<std::string> ids;
	for (const auto &[id, job] : jobs_) {
		ids.push_back(id);
	}
	return ids;
}

std::optional<JobEvent> Supervisor::poll_job(const std::string &job_id, Job &job,
                                             std::chrono::steady_clock::time_point now, bool &remove) {
	if (!job.announced) {
		return std::nullopt; // its first event is not delivered yet
	}
	if (job.failed) {
		return std::nullopt; // waiting for the DoneCheck
	}
	if (job.restart_at) {
		if (now < *job.restart_at) {
			return std::nullopt;
		}
		job.restart_at.reset();
		try {
			job.instance = runtime_->spawn(job_id, job.spec);
		} catch (const std::exception &e) {
			spdlog::error("job {}: restart failed: {}", job_id, e.what());
			job.restart_at = now + job.backoff;
			return std::nullopt;
		}
		job.started_at = now;
		return JobEvent{job_id, JobEventKind::started, job.instance->pid(), -1, job.restarts};
	}

	if (!job.instance) {
		return std::nullopt;
	}
	pid_t pid = job.instance->pid();
	auto status = job.instance->try_wait();
	if (!status) {
		return std::nullopt;
	}
	job.instance.reset();
	if (*status == 0) {
		remove = true;
		return JobEvent{job_id, JobEventKind::completed, pid, 0, job.restarts};
	}
	// An exit status says little of an adopted process (not ours to reap)
	// and nothing of a job that reported its end and then failed: the
	// monitor asks the DoneCheck before restarting.
	job.failed = JobEvent{job_id, JobEventKind::crashed, pid, *status, job.restarts};
	return std::nullopt;
}

JobEvent Supervisor::after_failure(Job &job, bool done, std::chrono::steady_clock::time_point now, bool &remove) {
	JobEvent event = *job.failed;
	job.failed.reset();
	if (done) {
		remove = true;
		event.kind = JobEventKind::completed;
		return event;
	}
	bool quick = now - job.started_at < policy_.stable_after;
	job.quick_failures = quick ? job.quick_failures + 1 : 0;
	if (policy_.crash_loop_limit > 0 && job.quick_failures >= policy_.crash_loop_limit) {
		remove = true;
		event.kind = JobEventKind::gave_up;
		return event;
	}
	if (!quick) {
		job.backoff = policy_.initial_backoff;
	}
	job.restarts++;
	job.restart_at = now + job.backoff;
	event.restarts = job.restarts;
	event.next_restart_in = job.backoff;
	job.backoff = std::min(job.backoff * 2, policy_.max_backoff);
	return event;
}

void Supervisor::monitor_loop() {
	std::unique_lock lock(mutex_);
	while (!shutting_down_) {
		wake_.wait_for(lock, policy_.poll_interval);
		if (shutting_down_) {
			break;
		}
		std::vector<JobEvent> events;
		std::vector<std::string> failed;
		auto now = std::chrono::steady_clock::now();
		for (auto it = jobs_.begin(); it != jobs_.end();) {
			bool remove = false;
			if (auto event = poll_job(it->first, it->second, now, remove)) {
				events.push_back(std::move(*event));
			}
			if (it->second.failed) {
				failed.push_back(it->first);
			}
			it = remove ? jobs_.erase(it) : std::next(it);
		}
		if (!failed.empty()) {
			// The DoneCheck may read a database: ask it without the lock. A
			// job stopped meanwhile is gone from the map and stays gone.
			std::vector<bool> done;
			lock.unlock();
			for (const auto &id : failed) {
				done.push_back(is_done_ && is_done_(id));
			}
			lock.lock();
			for (size_t i = 0; i < failed.size(); i++) {
				auto it = jobs_.find(failed[i]);
				if (it == jobs_.end() || !it->second.failed) {
					continue;
				}
				bool remove = false;
				events.push_back(after_failure(it->second, done[i], now, remove));
				if (remove) {
					jobs_.erase(it);
				}
			}
		}
		if (events.empty() || !on_event_) {
			continue;
		}
		lock.unlock();
		for (const auto &event : events) {
			on_event_(event);
		}
		lock.lock();
	}
}

} // namespace kafkaml::supervisor
