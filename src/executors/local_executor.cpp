#include "executors/local_executor.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace kafkaml::executors {
namespace {

const char *job_prefix(store::JobKind kind) {
	return kind == store::JobKind::Training ? "train" : "infer";
}

std::string host_name() {
	char name[256] = {};
	::gethostname(name, sizeof(name) - 1);
	return name;
}

//! "train-3" -> (Training, 3, 0); "infer-2-1" -> (Inference, 2, 1).
bool parse_job_id(const std::string &id, store::JobKind &kind, int64_t &owner, int64_t &replica) {
	try {
		if (id.rfind("train-", 0) == 0) {
			kind = store::JobKind::Training;
			owner = std::stoll(id.substr(6));
			replica = 0;
			return true;
		}
		if (id.rfind("infer-", 0) == 0) {
			auto dash = id.find('-', 6);
			kind = store::JobKind::Inference;
			owner = std::stoll(id.substr(6, dash - 6));
			replica = std::stoll(id.substr(dash + 1));
			return true;
		}
	} catch (const std::exception &) {
	}
	return false;
}

//! The last few lines of a job's log on one line, for a failure's detail.
std::string log_tail(const std::string &path) {
	constexpr std::streamoff window = 2048;
	constexpr size_t keep_lines = 3;
	std::ifstream in(path, std::ios::binary | std::ios::ate);
	if (path.empty() || !in) {
		return {};
	}
	std::streamoff size = in.tellg();
	in.seekg(std::max<std::streamoff>(0, size - window));
	std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
	std::vector<std::string> lines;
	std::istringstream split(text);
	for (std::string line; std::getline(split, line);) {
		if (line.find_first_not_of(" \t\r") != std::string::npos) {
			lines.push_back(line);
		}
	}
	std::string tail;
	for (size_t i = lines.size() > keep_lines ? lines.size() - keep_lines : 0; i < lines.size(); i++) {
		tail += (tail.empty() ? "" : " | ") + lines[i];
	}
	return tail;
}

} // namespace

LocalExecutor::LocalExecutor(store::Store &store, LocalExecutorConfig config,
                             std::unique_ptr<supervisor::Runtime> runtime)
    : store_(store), config_(std::move(config)) {
	if (!config_.log_dir.empty()) {
		std::filesystem::create_directories(config_.log_dir);
	}
	supervisor_ = std::make_unique<supervisor::Supervisor>(
	    config_.restart_policy, [this](const supervisor::JobEvent &event) { on_event(event); },
	    [this](const std::string &id) {
		    store::JobKind kind;
		    int64_t owner = 0;
		    int64_t replica = 0;
		    return parse_job_id(id, kind, owner, replica) && owner_is_final(kind, owner);
	    },
	    std::move(runtime));
}

bool LocalExecutor::owner_is_final(store::JobKind kind, int64_t owner) {
	return owner_has_ended(store_, kind, owner);
}

LocalExecutor::~LocalExecutor() = default;

std::string LocalExecutor::job_id(store::JobKind kind, int64_t owner, int64_t replica) {
	auto id = std::string(job_prefix(kind)) + "-" + std::to_string(owner);
	if (kind == store::JobKind::Inference) {
		id += "-" + std::to_string(replica);
	}
	return id;
}

supervisor::ProcessSpec LocalExecutor::spec_for(store::JobKind kind, int64_t owner, int64_t replica) const {
	auto spec = job_spec(config_, store_, kind, owner, replica);
	spec.log_path = log_path(kind, owner, replica);
	return spec;
}

std::string LocalExecutor::log_path(store::JobKind kind, int64_t owner, int64_t replica) const {
	if (config_.log_dir.empty()) {
		return {};
	}
	return (std::filesystem::path(config_.log_dir) / (job_id(kind, owner, replica) + ".log")).string();
}

std::optional<store::Job> LocalExecutor::record_of(store::JobKind kind, int64_t owner, int64_t replica) {
	for (auto &job : store_.list_jobs()) {
		if (job.kind == kind && job.owner == owner && job.replica == replica) {
			return job;
		}
	}
	return std::nullopt;
}

void LocalExecutor::launch(store::JobKind kind, int64_t owner, int64_t replica) {
	auto id = job_id(kind, owner, replica);
	supervisor_->start(id, spec_for(kind, owner, replica));
	store::Job record;
	record.kind = kind;
	record.owner = owner;
	record.replica = replica;
	record.desired_state = "running";
	record.pid = supervisor_->pid(id);
	record.host = host_name();
	store_.upsert_job(record);
}

void LocalExecutor::start_training(const store::Result &result) {
	std::lock_guard lock(mutex_);
	launch(store::JobKind::Training, result.id, 0);
}

void LocalExecutor::start_inference(const store::Inference &inference) {
	std::lock_guard lock(mutex_);
	for (int64_t replica = 0; replica < inference.replicas; ++replica) {
		launch(store::JobKind::Inference, inference.id, replica);
	}
}

std::vector<int64_t> LocalExecutor::replicas_of(store::JobKind kind, int64_t owner) const {
	std::vector<int64_t> replicas;
	for (const auto &id : supervisor_->job_ids()) {
		store::JobKind job_kind;
		int64_t job_owner = 0;
		int64_t replica = 0;
		if (parse_job_id(id, job_kind, job_owner, replica) && job_kind == kind && job_owner == owner) {
			replicas.push_back(replica);
		}
	}
	return replicas;
}

void LocalExecutor::scale(int64_t inference, int64_t replicas) {
	std::lock_guard lock(mutex_);
	auto running = replicas_of(store::JobKind::Inference, inference);
	for (int64_t replica = 0; replica < replicas; ++replica) {
		if (std::find(running.begin(), running.end(), replica) == running.end()) {
			launch(store::JobKind::Inference, inference, replica);
		}
	}
	for (auto replica : running) {
		if (replica >= replicas) {
			supervisor_->stop(job_id(store::JobKind::Inference, inference, replica));
		}
	}
	for (auto &record : store_.list_jobs()) {
		if (record.kind == store::JobKind::Inference && record.owner == inference && record.replica >= replicas) {
			store_.delete_job(record.id);
		}
	}
}

void LocalExecutor::stop(store::JobKind kind, int64_t owner) {
	std::lock_guard lock(mutex_);
	// Records first: a job that crashes while being stopped must not be
	// brought back by recover() later.
	for (auto &record : store_.list_jobs()) {
		if (record.kind == kind && record.owner == owner) {
			store_.delete_job(record.id);
		}
	}
	for (auto replica : replicas_of(kind, owner)) {
		supervisor_->stop(job_id(kind, owner, replica));
	}
}

size_t LocalExecutor::recover() {
	std::lock_guard lock(mutex_);
	return bring_back(store_.list_jobs());
}

size_t LocalExecutor::reconcile() {
	std::lock_guard lock(mutex_);
	auto records = store_.list_jobs();
	// A supervised job without its record was stopped or scaled away
	// through another server, which deleted the record (what stop() and
	// scale() do here, first, for the same reason).
	for (const auto &id : supervisor_->job_ids()) {
		store::JobKind kind;
		int64_t owner = 0;
		int64_t replica = 0;
		if (!parse_job_id(id, kind, owner, replica)) {
			continue;
		}
		bool recorded = std::any_of(records.begin(), records.end(), [&](const store::Job &record) {
			return record.kind == kind && record.owner == owner && record.replica == replica;
		});
		if (!recorded) {
			spdlog::info("executor: {} is no longer asked for; stopping it", id);
			supervisor_->stop(id);
		}
	}
	return bring_back(records);
}

// Every record that asks for a running job the supervisor does not have:
// adopted when its process still runs with this server's spec, started
// otherwise (unless its result or inference has ended). A job that cannot
// be brought back is logged once, not at every pass.
size_t LocalExecutor::bring_back(const std::vector<store::Job> &records) {
	auto supervised = supervisor_->job_ids();
	size_t running = 0;
	for (const auto &record : records) {
		if (record.desired_state != "running") {
			continue;
		}
		auto id = job_id(record.kind, record.owner, record.replica);
		// Supervised: running, or waiting for its restart.
		if (std::find(supervised.begin(), supervised.end(), id) != supervised.end()) {
			++running;
			continue;
		}
		supervisor::ProcessSpec spec;
		try {
			spec = spec_for(record.kind, record.owner, record.replica);
		} catch (const std::runtime_error &e) {
			// A cluster this start does not configure: the record stays, so a
			// start that configures it again adopts or restarts the job.
			if (owner_is_final(record.kind, record.owner)) {
				store_.delete_job(record.id);
			} else if (not_brought_back_.insert(id).second) {
				spdlog::error("executor: {} is not brought back: {}", id, e.what());
			}
			continue;
		}
		auto pid = record.pid ? std::optional<pid_t>(static_cast<pid_t>(*record.pid)) : std::nullopt;
		if (supervisor_->adopt(id, pid, spec)) {
			spdlog::info("executor: adopted {} (pid {})", id, supervisor_->pid(id).value_or(-1));
			not_brought_back_.erase(id);
			++running;
			continue;
		}
		// Its job may have ended while no server watched it: a finished
		// result's job must not train again.
		if (owner_is_final(record.kind, record.owner)) {
			spdlog::info("executor: {} has ended; not brought back", id);
			store_.delete_job(record.id);
			continue;
		}
		try {
			launch(record.kind, record.owner, record.replica);
			spdlog::info("executor: {} {}", record.pid ? "restarted" : "started", id);
			not_brought_back_.erase(id);
			++running;
		} catch (const std::exception &e) {
			if (not_brought_back_.insert(id).second) {
				spdlog::error("executor: cannot start {}: {}", id, e.what());
			}
		}
	}
	return running;
}

void LocalExecutor::stop_all() {
	supervisor_->stop_all(std::chrono::seconds(10));
}

std::vector<std::string> LocalExecutor::running_jobs() const {
	return supervisor_->job_ids();
}

std::optional<pid_t> LocalExecutor::pid_of(const std::string &job_id) const {
	return supervisor_->pid(job_id);
}

void LocalExecutor::on_event(const supervisor::JobEvent &event) {
	store::JobKind kind;
	int64_t owner = 0;
	int64_t replica = 0;
	if (!parse_job_id(event.job_id, kind, owner, replica)) {
		return;
	}
	try {
		switch (event.kind) {
		case supervisor::JobEventKind::started:
		case supervisor::JobEventKind::crashed: {
			if (event.kind == supervisor::JobEventKind::crashed) {
				auto exit = supervisor::describe_exit(event.exit_status);
				spdlog::warn("executor: {} ended with {}; restart {} in {} ms", event.job_id, exit, event.restarts,
				             event.next_restart_in.count());
				store_.record_restart(
				    kind, owner,
				    kind == store::JobKind::Inference ? "replica " + std::to_string(replica) + ": " + exit : exit);
			}
			auto record = record_of(kind, owner, replica);
			if (!record || record->desired_state != "running") {
				return;
			}
			record->pid =
			    event.kind == supervisor::JobEventKind::started ? std::optional<int64_t>(event.pid) : std::nullopt;
			record->restarts = event.restarts;
			store_.upsert_job(*record);
			return;
		}
		case supervisor::JobEventKind::completed: {
			spdlog::info("executor: {} completed", event.job_id);
			if (auto record = record_of(kind, owner, replica)) {
				store_.delete_job(record->id);
			}
			return;
		}
		case supervisor::JobEventKind::gave_up:
			give_up(kind, owner, replica, event);
			return;
		case supervisor::JobEventKind::adopted:
		case supervisor::JobEventKind::stopped:
			return;
		}
	} catch (const std::exception &e) {
		// The store may be gone at shutdown; the job itself is unaffected.
		spdlog::warn("executor: cannot record event of {}: {}", event.job_id, e.what());
	}
}

// A crash loop is a problem someone must look at (a model the server cannot
// load, Kafka refusing the job, a bug): say so where users look, with the
// job's last words, instead of restarting it forever.
void LocalExecutor::give_up(store::JobKind kind, int64_t owner, int64_t replica, const supervisor::JobEvent &event) {
	auto seconds = std::chrono::duration_cast<std::chrono::seconds>(config_.restart_policy.stable_after).count();
	std::string reason =
	    (kind == store::JobKind::Training ? "the training job" : "replica " + std::to_string(replica)) + " failed " +
	    std::to_string(config_.restart_policy.crash_loop_limit) + " times in a row within " + std::to_string(seconds) +
	    " s of starting (last exit: " + supervisor::describe_exit(event.exit_status) + ") and is not restarted";
	auto tail = log_tail(log_path(kind, owner, replica));
	if (!tail.empty()) {
		reason += "; its log ends: " + tail;
	}
	spdlog::error("executor: {}: {}", event.job_id, reason);
	// The owner's end first, then the record: a reconcile() in between
	// finds the owner ended and drops the record rather than start the job
	// again.
	mark_owner_failed(store_, kind, owner, reason);
	if (auto record = record_of(kind, owner, replica)) {
		store_.delete_job(record->id);
	}
}

std::vector<pid_t> LocalExecutor::child_processes() const {
	std::vector<pid_t> pids;
	for (const auto &id : running_jobs()) {
		if (auto pid = pid_of(id)) {
			pids.push_back(*pid);
		}
	}
	return pids;
}

} // namespace kafkaml::executors
