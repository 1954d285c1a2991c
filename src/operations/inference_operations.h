#pragma once

// Inferences: a finished result deployed with N replicas between an input
// and an output topic, scaled and stopped. Thread: any (an HTTP worker);
// the store, the executor and the environment's functions synchronise
// themselves.

#include "executors/job_executor.h"
#include "operations/validation.h"
#include "store/store.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace kafkaml::operations {

//! How many partitions a topic of the cluster `kafka_broker` (as an
//! inference names it: store::Inference::input_kafka_broker) has; nullopt
//! when that is not known (no such topic yet, Kafka unreachable).
using PartitionCounter =
    std::function<std::optional<int32_t>(const std::string &kafka_broker, const std::string &topic)>;

//! Creates `topic` on the cluster `kafka_broker` with `partitions`
//! partitions when it does not exist; returns whether it did. Errors (Kafka
//! unreachable) are logged and give false: the topic is then left to the
//! cluster's auto-creation.
using TopicCreator = std::function<bool(const std::string &kafka_broker, const std::string &topic, int32_t partitions)>;

//! One stage of an early-exit inference as asked for (store::InferenceExit).
struct ExitRequest {
	//! Required on every stage but the last (whose threshold is ignored).
	std::optional<double> threshold;
	//! The rule measuring the exit's confidence (ml/exit_confidence.h);
	//! unset: top_probability.
	std::optional<std::string> confidence;
	int64_t replicas = 1;
	//! Stage 0: the inference's input topic (another one is refused); later
	//! stages: unset for "<output_topic>-stage-<k>".
	std::optional<std::string> input_topic;
	//! The cluster of the stage's input topic, as input_kafka_broker;
	//! stage 0's is the inference's input_kafka_broker; unset: "default".
	std::optional<std::string> bootstrap_servers;
};

struct InferenceRequest {
	int64_t model_result = 0;
	int64_t replicas = 1;
	std::string input_topic;
	std::string output_topic;
	//! Unset: "<input_topic>-dead-letter".
	std::optional<std::string> dead_letter_topic;
	//! RAW, AVRO or JSON in any case; empty: the format of the stream the
	//! result trained on.
	std::string input_format;
	//! Null: the config of the stream the result trained on, or {}.
	nlohmann::json input_config;
	//! Which model of the result to serve: unset for the default (a batch
	//! training's trained model; the latest version of a continual one),
	//! Latest or Pinned (continual trainings only).
	std::optional<store::ServedModel> served;
	int64_t pinned_version = 0; //!< when served is Pinned
	//! The cluster of the input topic: a configured cluster's name or a
	//! bootstrap list "host:port[,host:port]"; unset: "default".
	std::optional<std::string> input_kafka_broker;
	//! The cluster of the output and dead-letter topics, as input_kafka_broker.
	std::optional<std::string> output_kafka_broker;
	//! Limits of each replica's container (null: none); see store/resources.h.
	nlohmann::json resources;
	//! An early-exit chain: one entry per output (exit) of the result's
	//! model, in the model's output order; empty: the model served whole.
	//! `replicas` is then ignored (each stage has its own).
	std::vector<ExitRequest> exits;
	//! The original Kafka-ML's form of a distributed inference, for a
	//! result with several exits when `exits` is empty: every stage but the
	//! last answers at `limit` (top-class probability), stage 1 reads
	//! `output_upper` on `upper_kafka_broker`, later stages their default
	//! topics on that cluster, and each stage gets `replicas`.
	std::optional<double> limit;
	std::optional<std::string> output_upper;
	std::optional<std::string> upper_kafka_broker;
};

//! What the inference use cases need of the server beside the store and
//! the executor; each function may be empty (that check or step is left
//! out).
struct InferenceEnvironment {
	//! Most replicas one inference may have: each is a process on this machine.
	int64_t max_replicas = 64;
	//! Without it input_config is stored unchecked.
	InputValidator validate_input;
	//! Without it an input topic that does not exist yet is left to the
	//! cluster's auto-creation (often one partition).
	TopicCreator create_input_topic;
	//! Without it no warning says that replicas beyond the input topic's
	//! partitions sit idle.
	PartitionCounter partition_count;
	//! Names of the Kafka clusters the server configures ("default" first);
	//! empty: "default" only.
	std::vector<std::string> kafka_clusters;
};

//! An inference as the store holds it after the call, with what the caller
//! should be told: `notes` (what was done on its behalf, a topic created)
//! and `warnings` (accepted but probably not meant: idle replicas).
struct InferenceOutcome {
	store::Inference inference;
	std::vector<std::string> notes;
	std::vector<std::string> warnings;
};

//! Records the inference and starts its replicas. A result of a batch
//! training serves its trained model (InvalidField "model_version" when a
//! version is asked for); one of an incremental or indefinite training
//! follows its latest version unless one is pinned, and may still be
//! training (its replicas wait for its first version). Topics must be valid
//! Kafka topic names, the output and dead-letter topics not the input
//! topic, replicas 1..max_replicas (InvalidField). The input and output
//! Kafka brokers must each be a configured cluster's name or a bootstrap
//! list (InvalidField naming the configured clusters). The input format and
//! config default to those of the stream the result trained on: as its
//! training job reported them, or else as the deployment's newest
//! datasource recorded them (a UserError when there is neither); the
//! format must be RAW, AVRO or JSON and the config fit it (InvalidField).
//! An unknown result is store::InvalidArgument, one that is not finished
//! the store's Conflict. An input topic that does not exist yet is created
//! with one partition per replica (a note). Replicas the executor cannot
//! start mark the inference failed: NotStarted<store::Inference>.
InferenceOutcome create_inference(store::Store &store, executors::JobExecutor &executor,
                                  const InferenceRequest &request, const InferenceEnvironment &environment);

//! Changes the thresholds of early-exit inference `id` (one per stage; the
//! last is kept but ignored); its stage replicas take them within about a
//! second, between two batches. Each must be a number from 0 to 1
//! (InvalidField "thresholds"), as many as the stages; NotFound, Conflict
//! (ended) as the store says.
store::Inference set_inference_thresholds(store::Store &store, int64_t id, const std::vector<double> &thresholds);

//! How many stages (exits) the model of result `result` has: its
//! definition's outputs. InvalidField "exits" when that cannot be known (a
//! TorchScript module, a definition that does not parse).
size_t model_stage_count(store::Store &store, const store::Result &result);

//! Sets the number of replicas of inference `id` (1..max_replicas,
//! InvalidField otherwise) in the store, then has the executor run that
//! many. NotFound for an unknown id, Conflict once it ended.
InferenceOutcome scale_inference(store::Store &store, executors::JobExecutor &executor, int64_t id, int64_t replicas,
                                 const InferenceEnvironment &environment);

//! The model inference `id`'s replicas should serve now, with "latest"
//! resolved to the newest version.
struct InferenceServing {
	int64_t result = 0;
	std::optional<int64_t> version; //!< unset: the result's trained model
	bool ready = false;             //!< false: nothing to serve yet (no version so far)
};

//! Answers the replicas' question, several times a second each (one
//! indexed row). NotFound for an unknown id; store::Conflict once the
//! inference ended, or when its result ended with nothing it could serve.
InferenceServing inference_serving(store::Store &store, int64_t id);

//! Pins inference `id` to a version of its result, or has it follow the
//! latest again; its replicas change models between two batches. NotFound,
//! Conflict (ended; a batch training's result) and InvalidField
//! "model_version" (no such version) as the store says.
store::Inference set_inference_model_version(store::Store &store, int64_t id, store::ServedModel served,
                                             int64_t pinned_version);

//! Stops inference `id`'s replicas, then marks it stopped ("stopped by the
//! user"); a replica that reported its own end meanwhile is no conflict.
//! NotFound for an unknown id; store::Conflict when it already ended.
store::Inference stop_inference(store::Store &store, executors::JobExecutor &executor, int64_t id);

//! A replica's report of an error no restart would mend (a model it cannot
//! load, an input config it cannot decode): the inference fails at once
//! with "replica R failed: detail" ("a replica" when `replica` is empty),
//! instead of after the crash-loop limit. NotFound for an unknown id;
//! store::Conflict once it ended (its replicas should end).
store::Inference fail_inference(store::Store &store, int64_t id, const std::string &replica, const std::string &detail);

//! A replica's periodic report (its figures are the caller's to keep):
//! the first report of a replica that consumes marks a deployed inference
//! running. Returns the inference as it now is. store::Conflict once it
//! ended, so that a replica left behind learns to end; NotFound for an
//! unknown id.
store::Inference accept_replica_report(store::Store &store, int64_t id, bool consuming);

//! What an inference's `field` ("input_kafka_broker", "output_kafka_broker")
//! names as stored: "default" when unset or empty, else a name of
//! `clusters` (empty: "default" only) or a bootstrap list. InvalidField
//! naming the configured clusters for anything else.
std::string kafka_broker_of(const char *field, const std::optional<std::string> &given,
                            const std::vector<std::string> &clusters);

//! A data format's name as stored and compared: ASCII upper case ("raw" ->
//! "RAW").
std::string format_name(std::string text);

} // namespace kafkaml::operations
