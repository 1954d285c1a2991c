#include "executors/kubernetes_executor.h"

#include "executors/keyed_digest.h"
#include "executors/url_encode.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

namespace kafkaml::executors {
namespace {

using nlohmann::json;

constexpr const char *kMergePatch = "application/merge-patch+json";
constexpr const char *kContainer = "job";
constexpr const char *kSpecAnnotation = "kafkaml.spec";
constexpr const char *kStageLabel = "kafkaml.stage";
//! The image's user (scripts/image): the pods run as it, and the Secret's
//! files are readable by its group.
constexpr int kImageUid = 1000;
constexpr int kSecretFileMode = 0440;
//! backoffLimit for "restart forever" (--crash-loop-limit 0): int32's most.
constexpr int64_t kNoBackoffLimit = 2147483647;

const char *kind_label(store::JobKind kind) {
	return kind == store::JobKind::Training ? "training" : "inference";
}

//! "exit code 137 (OOMKilled)" from a container status's lastState.
std::string describe_termination(const json &status) {
	auto terminated = status.value("lastState", json::object()).value("terminated", json::object());
	if (terminated.empty()) {
		return "an unknown status";
	}
	std::string text = "exit code " + std::to_string(terminated.value("exitCode", -1));
	if (auto reason = terminated.value("reason", ""); !reason.empty()) {
		text += " (" + reason + ")";
	}
	return text;
}

std::string read_file(const std::string &path) {
	std::ifstream in(path, std::ios::binary);
	if (!in) {
		throw std::runtime_error("cannot read " + path + " for the jobs' Secret");
	}
	return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

//! Kubernetes quantities: CPUs in millicores, memory in bytes.
json quantities(const store::Resources &resources) {
	auto out = json::object();
	if (resources.cpu > 0) {
		out["cpu"] = std::to_string(std::llround(resources.cpu * 1000)) + "m";
	}
	if (resources.memory > 0) {
		out["memory"] = std::to_string(resources.memory);
	}
	return out;
}

} // namespace

KubernetesExecutor::KubernetesExecutor(store::Store &store, LocalExecutorConfig jobs, KubernetesConfig config)
    : store_(store), jobs_(std::move(jobs)), config_(std::move(config)), client_(config_.credentials) {
	if (config_.image.empty()) {
		throw std::runtime_error("the Kubernetes executor needs an image (--image; build it with scripts/image)");
	}
	if (config_.namespace_name.empty()) {
		config_.namespace_name =
		    config_.credentials.namespace_name.empty() ? "default" : config_.credentials.namespace_name;
	}
	if (!config_.owner_deployment.empty()) {
		auto owner = client_.checked("cannot read the server's Deployment " + config_.owner_deployment, "GET",
		                             "/apis/apps/v1/namespaces/" + config_.namespace_name + "/deployments/" +
		                                 config_.owner_deployment);
		owner_reference_ = json::array({{
		    {"apiVersion", "apps/v1"},
		    {"kind", "Deployment"},
		    {"name", config_.owner_deployment},
		    {"uid", owner.json().value("metadata", json::object()).value("uid", "")},
		}});
	}
	// Fails now, with the API server's reason (no such namespace, not
	// allowed), rather than at the first job.
	write_secret();
	spdlog::info("executor: jobs run as Kubernetes Jobs and Deployments of {} in namespace {} at {}", config_.image,
	             config_.namespace_name, config_.credentials.server);
}

KubernetesExecutor::~KubernetesExecutor() {
	stop_all();
}

std::map<std::string, std::set<std::string>> KubernetesExecutor::verbs_used() {
	// Keys are "<API group>/<resource>" ("" is the core group).
	return {
	    {"/pods", {"list"}},
	    {"/pods/log", {"get"}},
	    {"/secrets", {"create", "update"}},
	    {"batch/jobs", {"create", "list", "delete"}},
	    {"apps/deployments", {"create", "get", "list", "patch", "delete"}},
	};
}

std::string KubernetesExecutor::object_name(store::JobKind kind, int64_t owner, int stage) {
	auto name =
	    std::string(kind == store::JobKind::Training ? "kafkaml-train-" : "kafkaml-infer-") + std::to_string(owner);
	return stage == kNoStage ? name : name + "-stage-" + std::to_string(stage);
}

bool KubernetesExecutor::key_of(const json &object, ObjectKey &key) {
	auto labels = object.value("metadata", json::object()).value("labels", json::object());
	auto kind_text = labels.value("kafkaml.kind", "");
	if (kind_text != "training" && kind_text != "inference") {
		return false;
	}
	try {
		key.owner = std::stoll(labels.value("kafkaml.owner", ""));
		auto stage = labels.value(kStageLabel, "");
		key.stage = stage.empty() ? kNoStage : std::stoi(stage);
	} catch (const std::exception &) {
		return false;
	}
	key.kind = kind_text == "training" ? store::JobKind::Training : store::JobKind::Inference;
	return true;
}

std::vector<std::pair<KubernetesExecutor::ObjectKey, int64_t>>
KubernetesExecutor::objects_of(const store::Inference &inference) {
	if (inference.exits.empty()) {
		return {{{store::JobKind::Inference, inference.id}, inference.replicas}};
	}
	// A Deployment runs one command line: a chain needs one per stage.
	std::vector<std::pair<ObjectKey, int64_t>> objects;
	for (size_t stage = 0; stage < inference.exits.size(); ++stage) {
		objects.push_back({{store::JobKind::Inference, inference.id, int(stage)}, inference.exits[stage].replicas});
	}
	return objects;
}

std::vector<std::pair<KubernetesExecutor::ObjectKey, int64_t>> KubernetesExecutor::objects_of(store::JobKind kind,
                                                                                              int64_t owner) const {
	if (kind == store::JobKind::Training) {
		return {{{kind, owner}, 1}};
	}
	return objects_of(store_.get_inference(owner));
}

std::string KubernetesExecutor::collection(store::JobKind kind) const {
	return (kind == store::JobKind::Training ? "/apis/batch/v1/namespaces/" : "/apis/apps/v1/namespaces/") +
	       config_.namespace_name + (kind == store::JobKind::Training ? "/jobs" : "/deployments");
}

std::string KubernetesExecutor::selector() const {
	return url_encode("app.kubernetes.io/managed-by=kafkaml-server,app.kubernetes.io/instance=" + config_.instance);
}

// The token and every Kafka settings file the command lines name go into
// one Secret the pods mount read-only: never in an object's env or args,
// which anyone allowed to read the Deployment sees.
void KubernetesExecutor::write_secret() {
	json data = {{"token", base64_encode(jobs_.token)}};
	secret_keys_.clear();
	if (!jobs_.kafka_config_file.empty()) {
		secret_keys_[jobs_.kafka_config_file] = "kafka.properties";
	}
	for (const auto &[name, cluster] : jobs_.kafka_clusters) {
		secret_keys_[cluster.kafka_config_file] = "cluster-" + name + ".properties";
	}
	for (const auto &[path, key] : secret_keys_) {
		data[key] = base64_encode(read_file(path));
	}
	json secret = {
	    {"apiVersion", "v1"},
	    {"kind", "Secret"},
	    {"metadata",
	     {{"name", config_.secret},
	      {"namespace", config_.namespace_name},
	      {"labels",
	       {{"app.kubernetes.io/name", "kafkaml"},
	        {"app.kubernetes.io/instance", config_.instance},
	        {"app.kubernetes.io/managed-by", "kafkaml-server"}}}}},
	    {"type", "Opaque"},
	    {"data", data},
	};
	if (!owner_reference_.is_null()) {
		secret["metadata"]["ownerReferences"] = owner_reference_;
	}
	auto secrets = "/api/v1/namespaces/" + config_.namespace_name + "/secrets";
	auto replaced = client_.request("PUT", secrets + "/" + config_.secret, secret.dump());
	if (replaced.status == 404) {
		client_.checked("cannot create the jobs' Secret " + config_.secret, "POST", secrets, secret.dump());
	} else if (replaced.status >= 400) {
		throw std::runtime_error("cannot write the jobs' Secret " + config_.secret + ": " + replaced.message() +
		                         " (HTTP " + std::to_string(replaced.status) + ")");
	}
}

// The local executor's command line, with what differs in a pod: the
// image's entry point is kafkaml, settings files and the token are the
// Secret's files, and an inference replica is named after its pod (a
// Deployment's pods are interchangeable: there is no replica number). A
// stage's command line is its first replica's: the replica number only
// picks the stage (store::stage_of_replica), the pod's name replaces it.
std::string KubernetesExecutor::pod_template(const ObjectKey &key, json &labels) const {
	auto [kind, owner, stage] = key;
	int64_t replica = 0;
	if (stage != kNoStage) {
		auto inference = store_.get_inference(owner);
		for (int before = 0; before < stage && size_t(before) < inference.exits.size(); ++before) {
			replica += inference.exits[before].replicas;
		}
	}
	auto spec = job_spec(jobs_, store_, kind, owner, replica);
	std::string mount = kSecretsMount;
	json args = json::array();
	for (size_t i = 1; i < spec.argv.size(); ++i) {
		const auto &arg = spec.argv[i];
		args.push_back(arg);
		if (i + 1 >= spec.argv.size()) {
			continue;
		}
		if (arg == "--replica") {
			args.push_back("$(KAFKAML_POD_NAME)");
			++i;
		} else if (arg == "--kafka-config" || arg == "--input-kafka-config" || arg == "--output-kafka-config" ||
		           arg == "--next-kafka-config") {
			auto file = secret_keys_.find(spec.argv[i + 1]);
			if (file == secret_keys_.end()) {
				throw std::runtime_error("the settings file " + spec.argv[i + 1] + " is not in the jobs' Secret");
			}
			args.push_back(mount + "/" + file->second);
			++i;
		}
	}
	json env = json::array();
	for (const auto &entry : spec.extra_env) {
		auto equals = entry.find('=');
		auto name = entry.substr(0, equals);
		if (name == "KAFKAML_TOKEN") {
			env.push_back({{"name", "KAFKAML_TOKEN_FILE"}, {"value", mount + "/token"}});
			continue;
		}
		env.push_back({{"name", name}, {"value", entry.substr(equals + 1)}});
	}
	if (kind == store::JobKind::Inference) {
		env.push_back({{"name", "KAFKAML_POD_NAME"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "metadata.name"}}}}}});
	}
	auto resources = job_resources(store_, kind, owner);
	auto limits = quantities(resources);
	if (resources.gpu > 0) {
		limits["nvidia.com/gpu"] = std::to_string(resources.gpu);
	}
	json container = {
	    {"name", kContainer},
	    {"image", config_.image},
	    {"args", args},
	    {"env", env},
	    {"volumeMounts", {{{"name", "kafkaml-secrets"}, {"mountPath", mount}, {"readOnly", true}}}},
	};
	if (!limits.empty()) {
		// Requests as limits: the scheduler places a job where its limits fit.
		container["resources"] = {{"requests", quantities(resources)}, {"limits", limits}};
		if (container["resources"]["requests"].empty()) {
			container["resources"].erase("requests");
		}
	}
	json pod = {
	    {"metadata", {{"labels", labels}}},
	    {"spec",
	     {
	         {"restartPolicy", kind == store::JobKind::Training ? "OnFailure" : "Always"},
	         // Jobs talk to kafkaml's API, never to Kubernetes'.
	         {"automountServiceAccountToken", false},
	         {"securityContext",
	          {{"runAsNonRoot", true}, {"runAsUser", kImageUid}, {"runAsGroup", kImageUid}, {"fsGroup", kImageUid}}},
	         {"containers", {container}},
	         {"volumes",
	          {{{"name", "kafkaml-secrets"},
	            {"secret", {{"secretName", config_.secret}, {"defaultMode", kSecretFileMode}}}}}},
	     }},
	};
	return pod.dump();
}

json KubernetesExecutor::object_for(const ObjectKey &key, int64_t replicas) const {
	auto [kind, owner, stage] = key;
	json labels = {
	    {"app.kubernetes.io/name", "kafkaml"},
	    {"app.kubernetes.io/instance", config_.instance},
	    {"app.kubernetes.io/managed-by", "kafkaml-server"},
	    {"app.kubernetes.io/component", kind_label(kind)},
	    {"kafkaml.kind", kind_label(kind)},
	    {"kafkaml.owner", std::to_string(owner)},
	};
	if (stage != kNoStage) {
		labels[kStageLabel] = std::to_string(stage);
	}
	auto text = pod_template(key, labels);
	json metadata = {
	    {"name", key.name()},
	    {"namespace", config_.namespace_name},
	    {"labels", labels},
	    // Keyed with the token: a job started with another token, another
	    // server address or other Kafka settings is replaced, not kept.
	    {"annotations", {{kSpecAnnotation, keyed_digest(jobs_.token, text)}}},
	};
	if (!owner_reference_.is_null()) {
		metadata["ownerReferences"] = owner_reference_;
	}
	if (kind == store::JobKind::Training) {
		auto limit = jobs_.restart_policy.crash_loop_limit;
		return {{"apiVersion", "batch/v1"},
		        {"kind", "Job"},
		        {"metadata", metadata},
		        {"spec",
		         {{"backoffLimit", limit > 0 ? int64_t(limit) : kNoBackoffLimit}, {"template", json::parse(text)}}}};
	}
	json match = {{"app.kubernetes.io/instance", config_.instance},
	              {"kafkaml.kind", kind_label(kind)},
	              {"kafkaml.owner", std::to_string(owner)}};
	if (stage != kNoStage) {
		// Without it, each stage's Deployment would count the other stages'
		// pods as its own.
		match[kStageLabel] = std::to_string(stage);
	}
	return {
	    {"apiVersion", "apps/v1"},
	    {"kind", "Deployment"},
	    {"metadata", metadata},
	    {"spec", {{"replicas", replicas}, {"selector", {{"matchLabels", match}}}, {"template", json::parse(text)}}}};
}

void KubernetesExecutor::apply(const ObjectKey &key, int64_t replicas) {
	auto kind = key.kind;
	auto object = object_for(key, replicas);
	auto name = key.name();
	auto created = client_.request("POST", collection(kind), object.dump());
	if (created.status < 400) {
		spdlog::info("executor: created {} {}", object.value("kind", ""), name);
		return;
	}
	if (created.status != 409) {
		throw std::runtime_error("cannot create " + name + ": " + created.message() + " (HTTP " +
		                         std::to_string(created.status) + ")");
	}
	// It exists: a Deployment's spec is replaced in place (a rolling update);
	// a Job's pod template cannot change, so the Job is deleted and created
	// again once it is gone.
	if (kind == store::JobKind::Inference) {
		json patch = {{"metadata",
		               {{"labels", object["metadata"]["labels"]}, {"annotations", object["metadata"]["annotations"]}}},
		              {"spec", {{"replicas", replicas}, {"template", object["spec"]["template"]}}}};
		client_.checked("cannot update " + name, "PATCH", collection(kind) + "/" + name, patch.dump(), kMergePatch);
		spdlog::info("executor: updated Deployment {}", name);
		return;
	}
	remove(key);
	pending_trainings_.insert(key.owner);
}

void KubernetesExecutor::remove(const ObjectKey &key) {
	json options = {{"apiVersion", "v1"}, {"kind", "DeleteOptions"}, {"propagationPolicy", "Background"}};
	auto name = key.name();
	auto deleted = client_.request("DELETE", collection(key.kind) + "/" + name, options.dump());
	if (deleted.status >= 400 && deleted.status != 404) {
		throw std::runtime_error("cannot delete " + name + ": " + deleted.message());
	}
}

void KubernetesExecutor::remove_all(store::JobKind kind, int64_t owner) {
	if (kind == store::JobKind::Training) {
		remove({kind, owner});
		return;
	}
	auto listed = client_.checked(
	    "cannot list the Deployments of " + object_name(kind, owner), "GET",
	    collection(kind) + "?labelSelector=" + selector() +
	        url_encode(",kafkaml.kind=" + std::string(kind_label(kind)) + ",kafkaml.owner=" + std::to_string(owner)));
	for (const auto &object : listed.json().value("items", json::array())) {
		ObjectKey key;
		if (key_of(object, key) && key.kind == kind && key.owner == owner) {
			remove(key);
		}
	}
}

void KubernetesExecutor::record(store::JobKind kind, int64_t owner) {
	store::Job job;
	job.kind = kind;
	job.owner = owner;
	job.replica = 0; // one object per owner: Kubernetes numbers nothing
	job.desired_state = "running";
	job.host = "kubernetes:" + config_.namespace_name + "/" + object_name(kind, owner);
	store_.upsert_job(job);
}

void KubernetesExecutor::forget(store::JobKind kind, int64_t owner) {
	for (auto &job : store_.list_jobs()) {
		if (job.kind == kind && job.owner == owner) {
			store_.delete_job(job.id);
		}
	}
}

bool KubernetesExecutor::owner_is_final(store::JobKind kind, int64_t owner) {
	return owner_has_ended(store_, kind, owner);
}

void KubernetesExecutor::start_training(const store::Result &result) {
	std::lock_guard lock(mutex_);
	record(store::JobKind::Training, result.id);
	apply({store::JobKind::Training, result.id}, 1);
}

void KubernetesExecutor::start_inference(const store::Inference &inference) {
	std::lock_guard lock(mutex_);
	record(store::JobKind::Inference, inference.id);
	for (const auto &[key, replicas] : objects_of(inference)) {
		apply(key, replicas);
	}
}

void KubernetesExecutor::scale(int64_t inference, int64_t replicas) {
	if (!store_.get_inference(inference).exits.empty()) {
		throw std::runtime_error("inference " + std::to_string(inference) +
		                         " is an early-exit chain: each stage's Deployment scales by itself");
	}
	std::lock_guard lock(mutex_);
	patch_replicas({store::JobKind::Inference, inference}, replicas);
}

void KubernetesExecutor::scale_stage(int64_t inference, size_t stage, int64_t replicas) {
	std::lock_guard lock(mutex_);
	patch_replicas({store::JobKind::Inference, inference, int(stage)}, replicas);
}

void KubernetesExecutor::patch_replicas(const ObjectKey &key, int64_t replicas) {
	json patch = {{"spec", {{"replicas", replicas}}}};
	auto name = key.name();
	client_.checked("cannot scale " + name, "PATCH", collection(key.kind) + "/" + name, patch.dump(), kMergePatch);
}

std::set<std::pair<store::JobKind, int64_t>> KubernetesExecutor::wanted_owners() {
	std::set<std::pair<store::JobKind, int64_t>> wanted;
	for (const auto &job : store_.list_jobs()) {
		if (job.desired_state == "running") {
			wanted.insert({job.kind, job.owner});
		}
	}
	return wanted;
}

void KubernetesExecutor::stop(store::JobKind kind, int64_t owner) {
	std::lock_guard lock(mutex_);
	// The record first: a failed delete must not have recover() bring it back.
	forget(kind, owner);
	if (kind == store::JobKind::Training) {
		pending_trainings_.erase(owner);
	}
	remove_all(kind, owner);
}

std::map<KubernetesExecutor::ObjectKey, json> KubernetesExecutor::list_objects() {
	std::map<ObjectKey, json> existing;
	for (auto kind : {store::JobKind::Training, store::JobKind::Inference}) {
		auto listed = client_.checked("cannot list this server's objects", "GET",
		                              collection(kind) + "?labelSelector=" + selector());
		for (const auto &object : listed.json().value("items", json::array())) {
			ObjectKey key;
			if (key_of(object, key) && key.kind == kind) {
				existing[key] = object;
			}
		}
	}
	return existing;
}

size_t KubernetesExecutor::reconcile() {
	std::lock_guard lock(mutex_);
	auto existing = list_objects();
	auto wanted = wanted_owners();
	size_t running = 0;
	for (const auto &[kind, owner] : wanted) {
		auto name = object_name(kind, owner);
		try {
			if (owner_is_final(kind, owner)) {
				forget(kind, owner);
				remove_all(kind, owner);
				continue;
			}
			// Each stage's object with its own replicas (the inference's
			// for a whole model).
			for (const auto &[key, replicas] : objects_of(kind, owner)) {
				auto found = existing.find(key);
				if (found == existing.end()) {
					spdlog::info("executor: {} is asked for; creating it", key.name());
					record(kind, owner); // one record per owner, whoever asked
					apply(key, replicas);
				} else if (kind == store::JobKind::Inference &&
				           found->second.value("spec", json::object()).value("replicas", replicas) != replicas) {
					patch_replicas(key, replicas);
				}
			}
			++running;
		} catch (const std::exception &e) {
			// Said at every pass while it lasts: the record stays and the next
			// pass tries again.
			spdlog::error("executor: {} is not reconciled: {}", name, e.what());
		}
	}
	for (const auto &[key, object] : existing) {
		if (wanted.count({key.kind, key.owner})) {
			continue;
		}
		spdlog::info("executor: {} is no longer asked for; deleting it", key.name());
		if (key.kind == store::JobKind::Training) {
			pending_trainings_.erase(key.owner);
		}
		try {
			remove(key);
		} catch (const std::exception &e) {
			spdlog::error("executor: {}", e.what());
		}
	}
	return running;
}

size_t KubernetesExecutor::recover() {
	std::unique_lock lock(mutex_);
	auto existing = list_objects();
	// Restarts from before this start are not counted again.
	auto pods = client_.checked("cannot list this server's pods", "GET",
	                            "/api/v1/namespaces/" + config_.namespace_name + "/pods?labelSelector=" + selector());
	for (const auto &pod : pods.json().value("items", json::array())) {
		watch_pod(pod);
	}
	baseline_ = true;

	auto wanted = wanted_owners();
	auto existing_of = [&existing](store::JobKind kind, int64_t owner) {
		std::vector<ObjectKey> keys;
		for (const auto &[key, object] : existing) {
			if (key.kind == kind && key.owner == owner) {
				keys.push_back(key);
			}
		}
		return keys;
	};
	size_t running = 0;
	for (const auto &[kind, owner] : wanted) {
		auto name = object_name(kind, owner);
		try {
			if (owner_is_final(kind, owner)) {
				forget(kind, owner);
				for (const auto &key : existing_of(kind, owner)) {
					remove(key);
				}
				spdlog::info("executor: {} has ended; not brought back", name);
				continue;
			}
			auto desired = objects_of(kind, owner);
			for (const auto &[key, replicas] : desired) {
				auto found = existing.find(key);
				auto spec_of = [](const json &object) {
					return object.value("metadata", json::object())
					    .value("annotations", json::object())
					    .value(kSpecAnnotation, "");
				};
				if (found != existing.end() && spec_of(found->second) == spec_of(object_for(key, replicas))) {
					spdlog::info("executor: kept {}", key.name());
					continue;
				}
				if (found != existing.end()) {
					spdlog::info("executor: {} was started with other settings than this server's; replacing it",
					             key.name());
				}
				apply(key, replicas);
			}
			// An object of another shape (a whole inference's Deployment
			// where its stages' should be, or a stage past the chain's end)
			// would serve beside the right ones.
			for (const auto &key : existing_of(kind, owner)) {
				if (std::none_of(desired.begin(), desired.end(), [&key](const auto &d) { return d.first == key; })) {
					spdlog::info("executor: {} is not one of {}'s objects any more; deleting it", key.name(), name);
					remove(key);
				}
			}
			++running;
		} catch (const std::exception &e) {
			// A cluster this start does not configure, or the API refusing:
			// the record stays, so a later start tries again.
			spdlog::error("executor: {} is not brought back: {}", name, e.what());
		}
	}
	std::set<std::pair<store::JobKind, int64_t>> adopted;
	for (const auto &[key, object] : existing) {
		if (wanted.count({key.kind, key.owner})) {
			continue;
		}
		try {
			if (owner_is_final(key.kind, key.owner)) {
				remove(key);
				continue;
			}
			// Created by a server that did not get to record it: it is ours.
			if (adopted.insert({key.kind, key.owner}).second) {
				record(key.kind, key.owner);
				++running;
			}
		} catch (const std::exception &e) {
			spdlog::error("executor: cannot recover {}: {}", key.name(), e.what());
		}
	}
	if (!monitor_.joinable()) {
		stopping_ = false;
		monitor_ = std::thread([this] { monitor(); });
	}
	return running;
}

void KubernetesExecutor::stop_all() {
	{
		std::lock_guard lock(mutex_);
		stopping_ = true;
	}
	wake_.notify_all();
	if (monitor_.joinable()) {
		monitor_.join();
	}
}

void KubernetesExecutor::monitor() {
	std::unique_lock lock(mutex_);
	while (!stopping_) {
		wake_.wait_for(lock, config_.poll_interval, [this] { return stopping_; });
		if (stopping_) {
			return;
		}
		try {
			poll();
		} catch (const std::exception &e) {
			// The API server away (restarting, a network partition) is not
			// the jobs ending: ask again at the next poll.
			spdlog::warn("executor: cannot watch the jobs: {}", e.what());
		}
	}
}

void KubernetesExecutor::poll() {
	auto pods = client_.checked("cannot list the jobs' pods", "GET",
	                            "/api/v1/namespaces/" + config_.namespace_name + "/pods?labelSelector=" + selector());
	std::set<std::string> listed;
	for (const auto &pod : pods.json().value("items", json::array())) {
		listed.insert(pod.value("metadata", json::object()).value("uid", ""));
		watch_pod(pod);
	}
	std::erase_if(restarts_seen_, [&listed](const auto &entry) { return !listed.count(entry.first); });

	for (auto kind : {store::JobKind::Training, store::JobKind::Inference}) {
		auto objects =
		    client_.checked("cannot list the jobs", "GET", collection(kind) + "?labelSelector=" + selector());
		for (const auto &object : objects.json().value("items", json::array())) {
			ObjectKey key;
			if (!key_of(object, key) || key.kind != kind) {
				continue;
			}
			auto owner = key.owner;
			if (owner_is_final(kind, owner)) {
				// Its result or inference ended (reported, stopped or failed):
				// nothing is left for its pods to do. Each stage's object is
				// in this list.
				spdlog::info("executor: {} has ended; deleting it", key.name());
				forget(kind, owner);
				remove(key);
				continue;
			}
			for (const auto &condition : object.value("status", json::object()).value("conditions", json::array())) {
				if (condition.value("type", "") == "Failed" && condition.value("status", "") == "True") {
					give_up(kind, owner,
					        "the training job failed: " + condition.value("reason", "") + ": " +
					            condition.value("message", ""));
					break;
				}
			}
		}
	}
	for (auto owner : std::set<int64_t>(pending_trainings_)) {
		pending_trainings_.erase(owner);
		if (!owner_is_final(store::JobKind::Training, owner)) {
			apply({store::JobKind::Training, owner}, 1);
		}
	}
}

void KubernetesExecutor::watch_pod(const json &pod) {
	ObjectKey key;
	if (!key_of(pod, key)) {
		return;
	}
	auto kind = key.kind;
	auto owner = key.owner;
	auto metadata = pod.value("metadata", json::object());
	auto uid = metadata.value("uid", "");
	auto name = metadata.value("name", "");
	auto statuses = pod.value("status", json::object()).value("containerStatuses", json::array());
	int64_t count = 0;
	const json *crash_looping = nullptr;
	for (const auto &status : statuses) {
		count += status.value("restartCount", int64_t{0});
		if (status.value("state", json::object()).value("waiting", json::object()).value("reason", "") ==
		    "CrashLoopBackOff") {
			crash_looping = &status;
		}
	}
	auto seen = restarts_seen_.find(uid);
	int64_t before = seen != restarts_seen_.end() ? seen->second : baseline_ ? 0 : count;
	restarts_seen_[uid] = count;
	if (!baseline_ || count <= before) {
		return;
	}
	std::string exit = statuses.empty() ? "an unknown status" : describe_termination(statuses[0]);
	for (auto restart = before; restart < count; ++restart) {
		store_.record_restart(kind, owner, kind == store::JobKind::Inference ? "replica " + name + ": " + exit : exit);
	}
	spdlog::warn("executor: pod {} restarted ({} in all; last: {})", name, count, exit);
	auto limit = jobs_.restart_policy.crash_loop_limit;
	if (!crash_looping || limit <= 0 || crash_looping->value("restartCount", int64_t{0}) < limit ||
	    owner_is_final(kind, owner)) {
		return;
	}
	// The end of the crashed container's output, as the local executor
	// gives the end of a job's log.
	std::string reason = (kind == store::JobKind::Training ? "the training job" : "replica " + name) + " crashed " +
	                     std::to_string(count) + " times (last: " + exit +
	                     ") and Kubernetes keeps it in CrashLoopBackOff; it is not restarted";
	auto log = client_.request("GET", "/api/v1/namespaces/" + config_.namespace_name + "/pods/" + name +
	                                      "/log?container=" + kContainer + "&previous=true&tailLines=3");
	if (log.status == 200) {
		std::istringstream lines(log.body);
		std::string tail;
		for (std::string line; std::getline(lines, line);) {
			if (line.find_first_not_of(" \t\r") != std::string::npos) {
				tail += (tail.empty() ? "" : " | ") + line;
			}
		}
		if (!tail.empty()) {
			reason += "; its log ends: " + tail;
		}
	}
	give_up(kind, owner, reason);
}

void KubernetesExecutor::give_up(store::JobKind kind, int64_t owner, const std::string &reason) {
	spdlog::error("executor: {}: {}", object_name(kind, owner), reason);
	forget(kind, owner);
	mark_owner_failed(store_, kind, owner, reason);
	// Every stage goes: a chain missing one stage cannot answer what it
	// forwards.
	remove_all(kind, owner);
}

} // namespace kafkaml::executors
