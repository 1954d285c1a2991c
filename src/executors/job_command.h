#pragma once

// The command line, environment and limits of a training job or an
// inference replica: what the local executor runs as a process, the Docker
// executor as a container and the Kubernetes executor as a pod's container.
// One place, so that every executor runs the same jobs.

#include "store/store.h"
#include "supervisor/child_process.h"
#include "supervisor/supervisor.h"

#include <map>
#include <string>
#include <vector>

namespace kafkaml::executors {

//! A named Kafka cluster as replicas reach it: its bootstrap list on their
//! command line, its settings in a file only this user reads, and that
//! file's keyed fingerprint in their environment.
struct JobKafkaCluster {
	std::string bootstrap_servers;
	std::string kafka_config_file;
	std::string kafka_config_digest;
};

struct LocalExecutorConfig {
	std::string kafkaml_binary;    //!< path of the `kafkaml` executable the jobs run
	std::string server_url;        //!< the REST API the jobs report to
	std::string token;             //!< passed to jobs in KAFKAML_TOKEN
	std::string bootstrap_servers; //!< Kafka, for the jobs
	//! The jobs' Kafka client settings file (--kafka-config), readable by this
	//! user only; empty: none.
	std::string kafka_config_file;
	//! A keyed fingerprint of that file's content, in each job's environment
	//! (KAFKAML_KAFKA_SETTINGS), so that a job started with other settings
	//! does not match its spec and is not adopted.
	std::string kafka_config_digest;
	//! Named clusters an inference may read from or write to, by name
	//! ("default" is the fields above).
	std::map<std::string, JobKafkaCluster> kafka_clusters;
	std::string control_topic = "control";
	std::string log_dir; //!< one log file per job
	//! With a crash_loop_limit, a job given up marks its result or inference failed.
	supervisor::RestartPolicy restart_policy;
	std::vector<std::string> extra_args;    //!< appended to each job's command line (e.g. --log-level)
	std::vector<std::string> training_args; //!< appended to `kafkaml train` (e.g. --records-timeout)
};

//! The spec of one job (replica: 0 for training) without a log file: argv[0]
//! is `config.kafkaml_binary`, the token is in KAFKAML_TOKEN, limits come
//! from the deployment's or inference's `resources`. Reads the store.
//! Throws std::runtime_error when an inference names a Kafka cluster the
//! config does not have (the server was restarted without it).
supervisor::ProcessSpec job_spec(const LocalExecutorConfig &config, store::Store &store, store::JobKind kind,
                                 int64_t owner, int64_t replica);
//! The limits of the deployment or inference a job runs for; none when it
//! is not stored. Reads the store.
store::Resources job_resources(store::Store &store, store::JobKind kind, int64_t owner);
//! Whether the job's result or inference has ended (the job reported it,
//! or it was stopped or failed): then nothing is left for it to do, whatever
//! its exit status said. False when the state cannot be read (restarting is
//! the safe side: a job with nothing left to do ends again by itself).
//! Thread: any (reads the store).
bool owner_has_ended(store::Store &store, store::JobKind kind, int64_t owner);
//! Marks a crash-looping job's result or inference failed with `reason`,
//! unless it ended meanwhile (stopped, or the job reported its end): that
//! stands. The other replicas of an inference learn it from their next
//! report and end.
void mark_owner_failed(store::Store &store, store::JobKind kind, int64_t owner, const std::string &reason);

} // namespace kafkaml::executors
