#include "executors/local_executor.h"

#include "common/kafka_address.h"

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
	try {
		if (kind == store::JobKind::Training) {
			return store::is_terminal(store_.get_result(owner, {.which = store::EpochQuery::Which::none}).status);
		}
		return store::is_terminal(store_.get_inference(owner).status);
	} catch (const std::exception &e) {
		// Unknown (or not stored): restarting is the safe side, as a job
		// with nothing left to do ends again by itself.
		spdlog::warn("executor: cannot read the state of {} {}: {}", store::to_string(kind), owner, e.what());
		return false;
	}
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
	supervisor::ProcessSpec spec;
	spec.argv = {config_.kafkaml_binary};
	spec.argv.insert(spec.argv.end(), config_.extra_args.begin(), config_.extra_args.end());
	if (kind == store::JobKind::Training) {
		spec.argv.insert(spec.argv.end(), {"train", "--result-id", std::to_string(owner)});
		spec.argv.insert(spec.argv.end(), config_.training_args.begin(), config_.training_args.end());
	} else {
		spec.argv.insert(spec.argv.end(),
		                 {"infer", "--inference-id", std::to_string(owner), "--replica", std::to_string(replica)});
	}
	spec.argv.insert(spec.argv.end(), {"--server", config_.server_url, "--bootstrap-servers", config_.bootstrap_servers,
	                                   "--control-topic", config_.control_topic});
	spec.extra_env = {"KAFKAML_TOKEN=" + config_.token};
	if (!config_.kafka_config_file.empty()) {
		spec.argv.insert(spec.argv.end(), {"--kafka-config", config_.kafka_config_file});
		spec.extra_env.push_back("KAFKAML_KAFKA_SETTINGS=" + config_.kafka_config_digest);
	}
	if (kind == store::JobKind::Inference) {
		std::optional<store::Inference> inference;
		try {
			inference = store_.get_inference(owner);
		} catch (const store::NotFound &) {
			// Deleted: the replica learns it from the API and ends.
		}
		if (inference && !inference->exits.empty()) {
			// A stage replica: its stage's topic and cluster in, the output
			// and the next stage's topic out (store::stage_of_replica numbers
			// the replicas stage after stage).
			auto stage = store::stage_of_replica(*inference, replica).first;
			spec.argv.insert(spec.argv.end(), {"--stage", std::to_string(stage)});
			add_inference_cluster(spec, owner, "input", inference->exits[stage].kafka_broker);
			add_inference_cluster(spec, owner, "output", inference->output_kafka_broker);
			if (stage + 1 < inference->exits.size()) {
				add_inference_cluster(spec, owner, "next", inference->exits[stage + 1].kafka_broker);
			}
		} else if (inference) {
			add_inference_cluster(spec, owner, "input", inference->input_kafka_broker);
			add_inference_cluster(spec, owner, "output", inference->output_kafka_broker);
		}
	}
	spec.log_path = log_path(kind, owner, replica);
	auto resources = resources_of(kind, owner);
	spec.cpus = resources.cpu;
	spec.memory_bytes = resources.memory;
	return spec;
}

// The consumer and the producer of a replica each get their own cluster;
// the settings stay in files (never on the command line, which other users
// may list). A bootstrap list is reached with the default cluster's
// settings, as --kafka-config already gives them.
void LocalExecutor::add_inference_cluster(supervisor::ProcessSpec &spec, int64_t inference, const std::string &side,
                                          const std::string &broker) const {
	if (broker.empty() || broker == kDefaultKafkaCluster) {
		return;
	}
	if (auto named = config_.kafka_clusters.find(broker); named != config_.kafka_clusters.end()) {
		spec.argv.insert(spec.argv.end(), {"--" + side + "-bootstrap-servers", named->second.bootstrap_servers,
		                                   "--" + side + "-kafka-config", named->second.kafka_config_file});
		std::string variable = side == "input"    ? "KAFKAML_INPUT_KAFKA_SETTINGS="
		                       : side == "output" ? "KAFKAML_OUTPUT_KAFKA_SETTINGS="
		                                          : "KAFKAML_NEXT_KAFKA_SETTINGS=";
		spec.extra_env.push_back(variable + named->second.kafka_config_digest);
		return;
	}
	if (is_bootstrap_list(broker)) {
		spec.argv.insert(spec.argv.end(), {"--" + side + "-bootstrap-servers", broker});
		return;
	}
	throw std::runtime_error(
	    "inference " + std::to_string(inference) + " has its " + side + " on the Kafka cluster \"" + broker +
	    "\", which this server does not configure: start the server with --kafka-cluster " + broker + "=FILE");
}

store::Resources LocalExecutor::resources_of(store::JobKind kind, int64_t owner) const {
	try {
		if (kind == store::JobKind::Training) {
			auto result = store_.get_result(owner, {.which = store::EpochQuery::Which::none});
			return store_.get_deployment(result.deployment).resources;
		}
		return store_.get_inference(owner).resources;
	} catch (const store::NotFound &) {
		return {}; // not stored (yet): no limits
	}
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
	size_t running = 0;
	for (auto &record : store_.list_jobs()) {
		if (record.desired_state != "running") {
			continue;
		}
		auto id = job_id(record.kind, record.owner, record.replica);
		if (supervisor_->pid(id)) {
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
			} else {
				spdlog::error("executor: {} is not brought back: {}", id, e.what());
			}
			continue;
		}
		auto pid = record.pid ? std::optional<pid_t>(static_cast<pid_t>(*record.pid)) : std::nullopt;
		if (supervisor_->adopt(id, pid, spec)) {
			spdlog::info("executor: adopted {} (pid {})", id, supervisor_->pid(id).value_or(-1));
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
			spdlog::info("executor: restarted {}", id);
			++running;
		} catch (const std::exception &e) {
			spdlog::error("executor: cannot restart {}: {}", id, e.what());
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
	if (auto record = record_of(kind, owner, replica)) {
		store_.delete_job(record->id);
	}
	try {
		if (kind == store::JobKind::Training) {
			store_.update_result_status(owner, store::ResultStatus::Failed, {.detail = reason});
		} else {
			// The other replicas learn it from their next report and end.
			store_.update_inference_status(owner, store::InferenceStatus::Failed, reason);
		}
	} catch (const store::Conflict &) {
		// Ended meanwhile (stopped, or the job reported its end): that stands.
	}
}

} // namespace kafkaml::executors
