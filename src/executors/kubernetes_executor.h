#pragma once

// Runs jobs on Kubernetes (see README.md, "The Kubernetes executor"): a
// batch/v1 Job per training result, an apps/v1 Deployment per inference (per
// stage of an early-exit chain), their pods watched by listing them. Kubernetes restarts and places the
// pods; this executor says what should run, counts restarts onto the result
// or inference, gives up on crash loops and deletes what ended.

#include "executors/job_command.h"
#include "executors/job_executor.h"
#include "executors/kube_client.h"

#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <utility>
#include <vector>

namespace kafkaml::executors {

struct KubernetesConfig {
	KubeCredentials credentials; //!< in_cluster_credentials() or kubeconfig_credentials()
	std::string namespace_name;  //!< empty: the credentials', else "default"
	std::string image;           //!< every job's container image (scripts/image)
	//! The Secret this server writes the jobs' token and Kafka settings into;
	//! mounted read-only into every pod at /run/kafkaml-secrets.
	std::string secret = "kafkaml-jobs";
	//! The label app.kubernetes.io/instance of every object: a server
	//! manages (and recovers) only its own instance's objects.
	std::string instance = "kafkaml";
	//! The Deployment running this server, when it runs in the cluster:
	//! every object gets it as its owner, so deleting the server's
	//! Deployment deletes its jobs. Empty: no owner references.
	std::string owner_deployment;
	std::chrono::milliseconds poll_interval = std::chrono::seconds(1);
};

//! Thread: the JobExecutor calls come from HTTP worker threads; one monitor
//! thread lists pods, Jobs and Deployments every poll_interval. One mutex
//! serialises both, requests to the API server included.
class KubernetesExecutor final : public JobExecutor {
public:
	//! `jobs`: the command lines' settings, as for the local executor
	//! (kafkaml_binary is ignored: the image's entry point is kafkaml;
	//! log_dir is unused). Writes the jobs' Secret and, with an owner
	//! deployment, reads its uid. Throws std::runtime_error saying what to
	//! do when the API server refuses.
	KubernetesExecutor(store::Store &store, LocalExecutorConfig jobs, KubernetesConfig config);
	//! Stops watching; the objects stay (a restarted server keeps them).
	~KubernetesExecutor() override;

	void start_training(const store::Result &result) override;
	//! One Deployment, or one per stage of an early-exit chain, each with
	//! its stage's replicas.
	void start_inference(const store::Inference &inference) override;
	//! Throws std::runtime_error for an early-exit chain: its stages scale
	//! one by one (scale_stage).
	void scale(int64_t inference, int64_t replicas) override;
	//! Changes the replicas of one stage of an early-exit chain: only that
	//! stage's Deployment is patched. The caller stores the new count, as
	//! for scale(). Throws std::runtime_error when the Deployment is not
	//! there.
	void scale_stage(int64_t inference, size_t stage, int64_t replicas);
	void stop(store::JobKind kind, int64_t owner) override;
	//! Lists this instance's Jobs and Deployments: those of a job that
	//! should run are kept (replaced when started with other settings),
	//! missing ones created, those of ended results or inferences deleted.
	//! Then starts watching.
	size_t recover() override;
	//! For the server holding the orchestrator's lease (src/server/README.md),
	//! twice a second: the job records are what should run, written by
	//! whichever server was asked. Creates the object of a record that has
	//! none, deletes an object whose record is gone (stopped through another
	//! server: records are written before objects are made and removed
	//! before they are deleted, so an object without one is never being
	//! started), and sets a Deployment's replicas to its inference's. Lock
	//! taken.
	size_t reconcile() override;
	void stop_all() override;
	// set_server_url: ignored (the default). Pods reach the server through
	// its Service (jobs.server_url), not the address it listens on.

	const std::string &namespace_name() const { return config_.namespace_name; }
	//! The object of a job: "kafkaml-train-<result>" (a Job) or
	//! "kafkaml-infer-<inference>" (a Deployment); a stage of an early-exit
	//! chain (stage >= 0): "kafkaml-infer-<inference>-stage-<stage>".
	static std::string object_name(store::JobKind kind, int64_t owner, int stage = kNoStage);
	//! The stage of an object that runs a whole model (trainings, inferences
	//! without exits).
	static constexpr int kNoStage = -1;

	//! The Role's rules: every resource and verb this executor uses (the
	//! manifests' Role grants exactly these; a test compares them).
	static std::map<std::string, std::set<std::string>> verbs_used();

	//! Where the pods see the Secret's files.
	static constexpr const char *kSecretsMount = "/run/kafkaml-secrets";

private:
	//! One object: a result's Job, an inference's Deployment, or the
	//! Deployment of one stage of an early-exit chain.
	struct ObjectKey {
		store::JobKind kind;
		int64_t owner = 0;
		int stage = kNoStage;
		auto operator<=>(const ObjectKey &) const = default;
		std::string name() const { return object_name(kind, owner, stage); }
	};
	//! The key of an object or pod from its labels; false when not ours.
	static bool key_of(const nlohmann::json &object, ObjectKey &key);
	//! The objects an owner runs as, with their replicas. Reads the store
	//! (an inference's stages); throws store::NotFound when it is gone.
	std::vector<std::pair<ObjectKey, int64_t>> objects_of(store::JobKind kind, int64_t owner) const;
	static std::vector<std::pair<ObjectKey, int64_t>> objects_of(const store::Inference &inference);

	std::string collection(store::JobKind kind) const;
	std::string pod_template(const ObjectKey &key, nlohmann::json &labels) const;
	nlohmann::json object_for(const ObjectKey &key, int64_t replicas) const;
	//! Creates the object, or, when one exists, replaces its spec if it
	//! was started with other settings. Lock held.
	void apply(const ObjectKey &key, int64_t replicas);
	void remove(const ObjectKey &key);
	//! Deletes every object of an owner (each stage's), listing them: what
	//! runs is what the cluster has, whatever the store says now. Lock held.
	void remove_all(store::JobKind kind, int64_t owner);
	//! This instance's Jobs and Deployments (each stage's), by key. Lock held.
	std::map<ObjectKey, nlohmann::json> list_objects();
	//! The owners whose job records ask for a running job. Lock held.
	std::set<std::pair<store::JobKind, int64_t>> wanted_owners();
	//! A merge patch of the Deployment's spec.replicas, in place. Lock held.
	void patch_replicas(const ObjectKey &key, int64_t replicas);
	void record(store::JobKind kind, int64_t owner);
	void forget(store::JobKind kind, int64_t owner);
	bool owner_is_final(store::JobKind kind, int64_t owner);
	//! Marks the owner failed with `reason` and deletes its object. Lock held.
	void give_up(store::JobKind kind, int64_t owner, const std::string &reason);
	void write_secret();
	std::string selector() const;
	void monitor();
	//! One pass over pods, Jobs and Deployments. Lock held.
	void poll();
	void watch_pod(const nlohmann::json &pod);

	store::Store &store_;
	LocalExecutorConfig jobs_;
	KubernetesConfig config_;
	KubeClient client_;
	nlohmann::json owner_reference_; //!< null: none
	//! Secret keys of the settings files the command lines name.
	std::map<std::string, std::string> secret_keys_;

	std::mutex mutex_;
	std::condition_variable wake_;
	bool stopping_ = false;
	std::thread monitor_;
	//! Restarts seen per pod uid; a pod first seen by recover() counts from
	//! what it had then.
	std::map<std::string, int64_t> restarts_seen_;
	bool baseline_ = false;
	//! Jobs to create again: their old object was still being deleted.
	std::set<int64_t> pending_trainings_;
};

} // namespace kafkaml::executors
