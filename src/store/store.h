#pragma once

// The metadata store: every entity the control plane keeps (the REST API's resources) behind
// one interface, with a SQLite and a PostgreSQL implementation chosen by URL.
//
// Field names follow the original Kafka-ML REST API where it had them
// (ml_models, batch, kwargs_fit, model_result, input_config, ...), so the API
// layer maps them one to one.
//
// Errors: NotFound (unknown id), Conflict (the entity's state forbids the
// change), InvalidArgument (a reference in the input does not exist), and
// StoreError for anything the database itself reports. Each method is atomic:
// a change that touches several rows runs in one transaction.
//
// Thread-safety: every implementation is safe to call from any thread; calls
// are serialised on one connection (see sql_store.h).

#include "common/error.h"
#include "store/resources.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace kafkaml::store {

//! The database cannot be opened, reached or migrated: retriable (a
//! PostgreSQL server that is down may be back), unless a subclass says the
//! request itself is wrong.
class StoreError : public Error {
public:
	explicit StoreError(const std::string &message, ErrorKind kind = ErrorKind::retriable) : Error(kind, message) {}
};
//! No such entity (404).
class NotFound : public StoreError {
public:
	explicit NotFound(const std::string &message) : StoreError(message, ErrorKind::user) {}
};
//! The entity is not in a state that allows the change (409).
class Conflict : public StoreError {
public:
	explicit Conflict(const std::string &message) : StoreError(message, ErrorKind::user) {}
};
//! A value the store refuses (400).
class InvalidArgument : public StoreError {
public:
	explicit InvalidArgument(const std::string &message) : StoreError(message, ErrorKind::user) {}
};

struct Model {
	int64_t id = 0;
	std::string name;
	std::string description;
	std::string imports;
	std::string code;
	std::string framework = "keras"; //!< "keras" (code is the definition) or "pytorch" (code is compile()'s arguments)
	std::string created_at;          //!< ISO 8601 UTC, set by the store
	//! Bytes of its TorchScript module (framework "pytorch"); -1 when none was uploaded.
	int64_t module_size = -1;
	//! Bytes of the Keras weights file (.h5) uploaded for its
	//! keras.applications base (weights='imagenet'); -1 when none was.
	int64_t weights_size = -1;
	//! A sub-model of the original Kafka-ML's distributed models: chained
	//! through `father`, its upper model (edge -> fog -> cloud). Every
	//! sub-model but the top one outputs what its upper model takes, then
	//! its exit; a configuration holds the top one and trains the chain.
	bool distributed = false;
	std::optional<int64_t> father; //!< the upper model; none at the top of a chain (or not distributed)
};

struct Configuration {
	int64_t id = 0;
	std::string name;
	std::string description;
	std::vector<int64_t> ml_models; //!< in the order given
	std::string created_at;
};

//! `kwargs_fit`/`kwargs_val` hold what the user sent (a JSON object or the
//! original's "epochs=5, steps_per_epoch=1000" string); the `_parsed` twins
//! hold the parsed object the jobs use.
struct Deployment {
	int64_t id = 0;
	int64_t configuration = 0;
	int64_t batch = 1;
	nlohmann::json kwargs_fit = nlohmann::json::object();
	nlohmann::json kwargs_val = nlohmann::json::object();
	nlohmann::json kwargs_fit_parsed = nlohmann::json::object();
	nlohmann::json kwargs_val_parsed = nlohmann::json::object();
	std::string created_at;
	//! "batch" (train once on a bounded stream), "incremental" (learn from
	//! the stream as it arrives until stream_timeout passes without a
	//! record) or "indefinite" (until stopped). The rest serve the last two.
	std::string mode = "batch";
	int64_t stream_timeout = 60000; //!< ms
	int64_t window_size = 1000;     //!< records scored then trained on at a time
	std::string monitoring_metric = "loss";
	std::string change = "down"; //!< "up" | "down": the direction in which monitoring_metric improves
	double improvement = 0.05;
	//! A model version is cut once this many records were learned from
	//! since the last one, besides on an improvement; null: only then.
	std::optional<int64_t> version_every_records;
	//! A Page-Hinkley test on the prequential error (workers/drift_detector.h):
	//! whether it runs, its threshold (lambda) and tolerated increase
	//! (delta), and what a drift does: "none", "reset_optimizer" or
	//! "boost_learning_rate".
	bool drift_detection = true;
	double drift_threshold = 100;
	double drift_delta = 0.005;
	std::string drift_response = "none";
	Resources resources; //!< limits of each training job's container
};

//! created -> deployed -> running -> finished | stopped | failed
//! (created and deployed may also go straight to stopped or failed).
enum class ResultStatus { Created, Deployed, Running, Finished, Stopped, Failed };

std::string_view to_string(ResultStatus status);
//! Throws InvalidArgument naming the accepted values.
ResultStatus result_status_from_string(std::string_view text);
//! True for finished, stopped and failed: no job runs and none will.
bool is_terminal(ResultStatus status);
//! Whether `from -> to` is a step of the status machine. The same status
//! twice is allowed (a restarted job reports "running" again).
bool is_valid_transition(ResultStatus from, ResultStatus to);

struct EpochMetrics {
	int64_t epoch = 0;
	nlohmann::json metrics = nlohmann::json::object(); //!< e.g. {"loss": 0.3, "accuracy": 0.9, "val_loss": ...}
	std::string time;
};

//! A model version of a continual training's result: the model as it was
//! after `records` records, with the prequential metrics it had then, and
//! where its run stood, so that a restarted job carries on from it.
struct ResultVersion {
	int64_t result = 0;
	int64_t version = 0; //!< 1, 2, ... within the result
	std::string created_at;
	int64_t records = 0;
	nlohmann::json metrics = nlohmann::json::object(); //!< the window's that cut it
	//! The entry of the result's epoch series (the window) it was cut
	//! after; 0 for a version stored before versions said so.
	int64_t epoch = 0;
	//! The prequential metrics over all its `records` (means).
	nlohmann::json prequential = nlohmann::json::object();
	double training_time = 0; //!< seconds of training until it
	//! Per partition, the offset after the last record it learned from:
	//! [{"topic", "partition", "offset"}]. What its job committed to its
	//! consumer group once the version was stored.
	nlohmann::json offsets = nlohmann::json::array();
	int64_t size = 0; //!< the model's bytes
	//! The bytes of its training state (ml::Model::save_training_state:
	//! the optimizer's moments and step count, ...), which a restarted job
	//! loads with the model; 0 while there is none (stored after the
	//! version, or never for a version stored before training states).
	int64_t state_size = 0;
};

//! A drift a continual training detected in its prequential error.
struct ResultDrift {
	int64_t result = 0;
	int64_t records = 0; //!< learned from when it was detected
	std::string created_at;
	double error_before = 0; //!< the mean error since the drift before (or the start)
	double error_after = 0;  //!< the detecting window's error
	std::string measure;     //!< "1 - accuracy" or "loss"
	std::string response;    //!< what the job did: "none", "reset_optimizer", "boost_learning_rate"
};

//! One training result: one model of a deployed configuration.
struct Result {
	int64_t id = 0;
	int64_t deployment = 0;
	int64_t model = 0;
	ResultStatus status = ResultStatus::Created;
	std::string status_changed;
	std::string status_detail; //!< why it failed or stopped; empty otherwise
	nlohmann::json train_metrics = nlohmann::json::object();
	nlohmann::json val_metrics = nlohmann::json::object();
	nlohmann::json test_metrics = nlohmann::json::object();
	std::optional<double> training_time;    //!< seconds
	std::vector<EpochMetrics> epochs;       //!< filled by get_result only (as its EpochQuery asks), by epoch
	int64_t epoch_count = 0;                //!< epochs recorded
	std::optional<EpochMetrics> last_epoch; //!< the highest-numbered one recorded
	int64_t trained_model_size = -1;        //!< bytes; -1 when no model was uploaded
	int64_t restarts = 0;                   //!< of its training job, by the orchestrator
	std::string last_exit;                  //!< how the job's last restarted process ended ("signal 9")
	//! The format of the stream its job trained on, as the job read it from
	//! the control message ("" and null until the job reported it): what
	//! an inference of this result expects by default.
	std::string input_format;
	nlohmann::json input_config;
	std::string created_at;
};

//! Which epochs get_result fills in: a result may hold hundreds of thousands.
struct EpochQuery {
	enum class Which { all, last, none };
	Which which = Which::all;
	//! Only epochs numbered above this one (a client that has the others).
	int64_t after = std::numeric_limits<int64_t>::min();
};

//! What a training job reports with a status change; unset parts keep their value.
struct ResultReport {
	std::optional<std::string> detail;
	std::optional<nlohmann::json> train_metrics;
	std::optional<nlohmann::json> val_metrics;
	std::optional<nlohmann::json> test_metrics;
	std::optional<double> training_time;
	//! A job's run begins: the epochs an earlier run of it reported (a job
	//! killed and restarted trains again from its first epoch) are dropped.
	bool new_run = false;
	//! With new_run: the run carries on from this version of the result (a
	//! restarted continual training), so only the epochs after the
	//! version's are dropped. InvalidArgument when the result has no such
	//! version.
	std::optional<int64_t> resume_version;
	//! The stream the job trains on (with its "running" report).
	std::optional<std::string> input_format;
	std::optional<nlohmann::json> input_config;
};

//! deployed -> running -> stopped | failed (deployed may go to stopped or failed).
enum class InferenceStatus { Deployed, Running, Stopped, Failed };
std::string_view to_string(InferenceStatus status);
InferenceStatus inference_status_from_string(std::string_view text);
bool is_terminal(InferenceStatus status);

//! Which model of its result an inference serves.
enum class ServedModel {
	Trained, //!< the result's trained model (a batch training has only it)
	Latest,  //!< the newest version of a continual training, followed as new ones are stored
	Pinned,  //!< one version, `Inference::pinned_version`
};

//! One stage of an early-exit inference (a model with several outputs,
//! split at them): its exit's confidence threshold, its replicas, the topic
//! it reads and the cluster that topic is on.
struct InferenceExit {
	//! An input is answered at this exit when the exit's confidence
	//! reaches it; ignored on the last stage (it answers all).
	double threshold = 0;
	//! How the exit's confidence is measured: "top_probability", "margin"
	//! or "entropy" (ml/exit_confidence.h; the store keeps the name).
	std::string confidence = "top_probability";
	int64_t replicas = 1;
	//! Stage 0: the inference's input topic; stage k: what stage k-1 forwards to.
	std::string input_topic;
	//! As Inference::input_kafka_broker; stage 0's is the inference's.
	std::string kafka_broker = "default";
	bool operator==(const InferenceExit &) const = default;
};

struct Inference {
	int64_t id = 0;
	int64_t model_result = 0;
	ServedModel served = ServedModel::Trained;
	int64_t pinned_version = 0; //!< when served is Pinned
	int64_t replicas = 1;
	std::string input_format; //!< "RAW" or "AVRO"
	nlohmann::json input_config = nlohmann::json::object();
	std::string input_topic;
	std::string output_topic;
	std::string dead_letter_topic;
	//! Where the input topic is: a Kafka cluster the server configures, by
	//! name ("default": the server's own), or a bootstrap list
	//! "host:port[,host:port]" reached with the default cluster's settings.
	std::string input_kafka_broker = "default";
	//! Where the output and dead-letter topics are, as input_kafka_broker.
	std::string output_kafka_broker = "default";
	InferenceStatus status = InferenceStatus::Deployed;
	std::string status_changed;
	std::string status_detail;
	int64_t restarts = 0;  //!< of its replicas, by the orchestrator
	std::string last_exit; //!< how the last restarted replica ended ("replica 1: signal 9")
	std::string created_at;
	Resources resources; //!< limits of each replica's container
	//! An early-exit chain's stages, in order (empty: the whole model, one
	//! stage). `replicas` is then their sum: replica numbers 0.. run stage
	//! 0's replicas first, then stage 1's, and so on (stage_of_replica).
	std::vector<InferenceExit> exits;
};

//! The stage replica number `replica` of `inference` runs (0 for an
//! inference without exits), and its index among that stage's replicas.
std::pair<size_t, int64_t> stage_of_replica(const Inference &inference, int64_t replica);

//! A data stream announced by a control message (docs/wire-format.md).
struct Datasource {
	int64_t id = 0;
	int64_t deployment = 0;
	std::string topic; //!< "topic:partition:start:end[,...]"
	std::string input_format;
	nlohmann::json input_config = nlohmann::json::object();
	std::string description;
	double validation_rate = 0;
	double test_rate = 0;
	int64_t total_msg = 0;
	std::string time; //!< when it was recorded
	//! The control message it was recorded from ("topic/partition@offset
	//! tTIMESTAMP_MS"); a second datasource from the same message is not
	//! recorded. Empty when it came from elsewhere.
	std::string control_message;
	//! When its records were deleted from the log (DELETE datasources/{id}/records,
	//! or those of a later datasource of the same partitions); empty while they
	//! are there. Such a datasource cannot be sent again.
	std::string records_deleted_at;
};

//! A record on the control topic that was not taken as a datasource: not a
//! control message, or one the store could not hold. Users see it instead
//! of a stream that silently never arrived.
struct RefusedControlMessage {
	int64_t id = 0;
	std::string control_message;       //!< where it sits: "topic/partition@offset tTIMESTAMP_MS"
	std::optional<int64_t> deployment; //!< when it could be read
	std::string reason;
	std::string time; //!< when it was refused
};

//! An orchestrator's record of one process it must keep running or stopped.
enum class JobKind { Training, Inference };
std::string_view to_string(JobKind kind);
JobKind job_kind_from_string(std::string_view text);

struct Job {
	int64_t id = 0;
	JobKind kind = JobKind::Training;
	int64_t owner = 0;                     //!< result id (training) or inference id
	int64_t replica = 0;                   //!< 0 for training; 0..replicas-1 for inference
	std::string desired_state = "running"; //!< "running" or "stopped"
	std::optional<int64_t> pid;
	std::string host;
	int64_t restarts = 0;
	std::string updated_at;
};

//! A person or program that holds tokens. `role` is "viewer", "operator" or
//! "admin" (src/api/README.md says what each may do).
struct User {
	int64_t id = 0;
	std::string name;
	std::string role;
	std::string created_at;
	//! Made and held by the server itself (the jobs' user): not deleted, its
	//! role not changed, its tokens not revoked through the API.
	bool builtin = false;
	int64_t live_tokens = 0; //!< not revoked and not expired (filled by list_users and get_user)
};

//! A token's record; the secret itself is never stored, only its SHA-256.
//! Times are the store's ISO 8601 UTC text; nullopt: never / not yet.
struct AuthToken {
	int64_t id = 0;
	int64_t user_id = 0;
	std::string user_name;
	std::string user_role;
	bool user_builtin = false;
	std::string name;
	std::string created_at;
	std::optional<std::string> expires_at;
	std::optional<std::string> last_used_at;
	std::optional<std::string> revoked_at;
};

//! One line of the audit log: a call that changed data or was refused.
struct AuditEntry {
	int64_t id = 0;
	std::string at;
	std::optional<std::string> user; //!< nullopt: the call carried no valid token
	std::optional<int64_t> token_id;
	std::string method;
	std::string path;
	int64_t status = 0;
	std::string remote_address;
};

class Store {
public:
	virtual ~Store() = default;

	// Models. update_model: Conflict while a deployed configuration holds
	// it. delete_model: Conflict while a configuration uses it or another
	// model names it as father. create/update: InvalidArgument when
	// `father` does not exist, is not distributed, is already another
	// model's father, or would make a cycle, or when a model that is not
	// distributed names one.
	virtual Model create_model(const Model &model) = 0;
	virtual Model get_model(int64_t id) = 0;
	virtual std::vector<Model> list_models() = 0;
	virtual Model update_model(const Model &model) = 0;
	virtual void delete_model(int64_t id) = 0;
	//! The distributed sub-models chained under `top` (itself last), bottom
	//! first: the model whose father is `top`, the one whose father is that
	//! one, ... reversed. Just `top` for a model no other names as father.
	virtual std::vector<Model> submodel_chain(int64_t top) = 0;
	//! The TorchScript module of a "pytorch" model (torch.jit.save bytes):
	//! replaced on a second upload; Conflict once the model is deployed, as
	//! for any edit of it.
	virtual void put_model_module(int64_t id, std::string_view bytes) = 0;
	virtual std::optional<std::string> get_model_module(int64_t id) = 0;
	//! The Keras weights file of a "keras" model's pretrained base: replaced
	//! on a second upload; Conflict once the model is deployed.
	virtual void put_model_weights(int64_t id, std::string_view bytes) = 0;
	virtual std::optional<std::string> get_model_weights(int64_t id) = 0;

	// Configurations. ml_models must name existing models (InvalidArgument).
	// update/delete: Conflict while a deployment uses it.
	virtual Configuration create_configuration(const Configuration &configuration) = 0;
	virtual Configuration get_configuration(int64_t id) = 0;
	virtual std::vector<Configuration> list_configurations() = 0;
	virtual Configuration update_configuration(const Configuration &configuration) = 0;
	virtual void delete_configuration(int64_t id) = 0;

	//! Inserts the deployment and one result (status created) per model of
	//! its configuration, in one transaction. Returns the new results.
	virtual std::pair<Deployment, std::vector<Result>> create_deployment(const Deployment &deployment) = 0;
	virtual Deployment get_deployment(int64_t id) = 0;
	virtual std::vector<Deployment> list_deployments() = 0;
	//! Deletes the deployment with its results, epochs and models. Conflict
	//! while a result is not terminal or an inference uses one.
	virtual void delete_deployment(int64_t id) = 0;

	virtual Result get_result(int64_t id, const EpochQuery &epochs = {}) = 0;
	//! All results, or those of one deployment; `epochs` left empty.
	virtual std::vector<Result> list_results(std::optional<int64_t> deployment = std::nullopt) = 0;
	//! Checks the transition and applies it with the report in one
	//! transaction; Conflict names both states when it is not allowed.
	//! Returns the result with `epochs` left empty.
	virtual Result update_result_status(int64_t id, ResultStatus to, const ResultReport &report = {}) = 0;
	//! Records one epoch's metrics (replacing a earlier report of the same
	//! epoch, as a restarted job re-sends them). Conflict once terminal.
	virtual void append_epoch(int64_t id, const EpochMetrics &epoch) { append_epochs(id, {epoch}); }
	//! Several epochs in one transaction (a job reports them in batches):
	//! all or none are recorded. Conflict once terminal.
	virtual void append_epochs(int64_t id, const std::vector<EpochMetrics> &epochs) = 0;
	virtual void put_trained_model(int64_t id, std::string_view bytes) = 0;
	virtual std::optional<std::string> get_trained_model(int64_t id) = 0;
	//! Conflict while not terminal or an inference uses it.
	virtual void delete_result(int64_t id) = 0;

	//! Stores `version` of result `id` (its result field is ignored, its
	//! created_at and size set here) with the model's bytes, unless that
	//! version number is stored already: then the stored one stays and is
	//! returned, with false (a job re-sending a version whose answer it
	//! lost). Conflict once the result is terminal; NotFound for an
	//! unknown result.
	virtual std::pair<ResultVersion, bool> add_result_version(int64_t id, const ResultVersion &version,
	                                                          std::string_view bytes) = 0;
	//! Oldest first, without their bytes. NotFound for an unknown result.
	virtual std::vector<ResultVersion> list_result_versions(int64_t id) = 0;
	//! The version's model bytes; nullopt when the result has no such
	//! version. NotFound for an unknown result.
	virtual std::optional<std::string> get_result_version_model(int64_t id, int64_t version) = 0;
	//! One version without its bytes; nullopt when the result has no such
	//! version. NotFound for an unknown result.
	virtual std::optional<ResultVersion> get_result_version(int64_t id, int64_t version) = 0;
	//! Stores the training state of version `version` of result `id`
	//! unless it has one: then the stored one stays (a job re-sending it
	//! after a lost answer). Returns the version and whether the state was
	//! stored now; nullopt when the result has no such version. Conflict
	//! once the result is terminal; NotFound for an unknown result.
	virtual std::optional<std::pair<ResultVersion, bool>> set_result_version_state(int64_t id, int64_t version,
	                                                                               std::string_view bytes) = 0;
	//! The version's training state; empty when it has none, nullopt when
	//! the result has no such version. NotFound for an unknown result.
	virtual std::optional<std::string> get_result_version_state(int64_t id, int64_t version) = 0;
	//! The newest version without its bytes; nullopt while there is none.
	//! NotFound for an unknown result. One indexed row: replicas following
	//! a result ask it several times a second.
	virtual std::optional<ResultVersion> latest_result_version(int64_t id) = 0;

	//! Stores a drift of result `id` (its result field ignored, created_at
	//! set here) unless one at the same records is stored: then that one
	//! stays and is returned, with false. Conflict once the result is
	//! terminal; NotFound for an unknown result.
	virtual std::pair<ResultDrift, bool> add_result_drift(int64_t id, const ResultDrift &drift) = 0;
	//! By records. NotFound for an unknown result.
	virtual std::vector<ResultDrift> list_result_drifts(int64_t id) = 0;
	//! Drifts per result, of every result that has one (for /metrics).
	virtual std::vector<std::pair<int64_t, int64_t>> count_result_drifts() = 0;

	//! Checks, in the transaction that records it, that the result has the
	//! model `inference.served` names: Trained needs a finished result, or a
	//! stopped one that kept its model; Latest a result that is not failed,
	//! or has a version (its replicas wait for the first); Pinned that
	//! version. Conflict otherwise, naming what is missing.
	virtual Inference create_inference(const Inference &inference) = 0;
	virtual Inference get_inference(int64_t id) = 0;
	virtual std::vector<Inference> list_inferences() = 0;
	//! Conflict once terminal (stopped/failed inferences do not come back).
	virtual Inference update_inference_status(int64_t id, InferenceStatus to, std::string_view detail = {}) = 0;
	//! Conflict once terminal; InvalidArgument when replicas < 1.
	virtual Inference set_inference_replicas(int64_t id, int64_t replicas) = 0;
	//! Follows the result's newest version (Latest) or pins one (Pinned):
	//! InvalidArgument for a version the result does not have, or Trained;
	//! Conflict once the inference ended, or when it serves a result
	//! without versions (a batch training's).
	virtual Inference set_inference_served_model(int64_t id, ServedModel served, int64_t pinned_version = 0) = 0;
	//! Replaces the thresholds of an early-exit inference's stages (one per
	//! stage). InvalidArgument for an inference without exits or another
	//! count; Conflict once it ended.
	virtual Inference set_inference_thresholds(int64_t id, const std::vector<double> &thresholds) = 0;
	//! Conflict while not terminal.
	virtual void delete_inference(int64_t id) = 0;

	//! Records a datasource; one whose control_message is already recorded
	//! is not recorded again: the recorded one is returned.
	virtual Datasource add_datasource(const Datasource &datasource) = 0;
	virtual Datasource get_datasource(int64_t id) = 0;
	virtual std::vector<Datasource> list_datasources() = 0;
	//! The newest datasource recorded for a deployment, if any.
	virtual std::optional<Datasource> latest_datasource(int64_t deployment) = 0;
	//! Forgets a datasource (its records stay in the log). NotFound for an
	//! unknown id; Conflict while its deployment has a result that may still
	//! read its stream (created, deployed or running), naming them.
	virtual void delete_datasource(int64_t id) = 0;
	//! Conflict, as delete_datasource, while its deployment has a result that
	//! may still read its stream; NotFound for an unknown id.
	virtual void check_datasource_unused(int64_t id) = 0;
	//! Records that the records of datasources `ids` were deleted from the log
	//! (now); those already marked keep their first time. Returns them.
	virtual std::vector<Datasource> mark_datasource_records_deleted(const std::vector<int64_t> &ids) = 0;
	//! Records a refusal; one of a message already refused is not recorded
	//! again and the first is returned.
	virtual RefusedControlMessage add_refused_control_message(const RefusedControlMessage &refused) = 0;
	//! Newest first, at most `limit`.
	virtual std::vector<RefusedControlMessage> list_refused_control_messages(size_t limit = 100) = 0;

	//! Users (sql_store_users.cpp). Conflict when the name is taken.
	virtual User create_user(std::string_view name, std::string_view role, bool builtin = false) = 0;
	virtual User get_user(int64_t id) = 0;
	virtual std::optional<User> find_user(std::string_view name) = 0;
	//! Oldest first.
	virtual std::vector<User> list_users() = 0;
	//! Conflict for a built-in user, or when it would leave no admin.
	virtual User set_user_role(int64_t id, std::string_view role) = 0;
	//! Deletes the user and its tokens (they stop working at once). Conflict
	//! for a built-in user or the last admin.
	virtual void delete_user(int64_t id) = 0;

	//! Tokens (sql_store_users.cpp): `hash` is the secret's SHA-256 (hex).
	//! NotFound for an unknown user.
	virtual AuthToken create_token(int64_t user_id, std::string_view name, std::string_view hash,
	                               std::optional<std::string> expires_at) = 0;
	//! The token whose secret hashes to `hash`, revoked or expired ones too.
	virtual std::optional<AuthToken> find_token_by_hash(std::string_view hash) = 0;
	virtual AuthToken get_token(int64_t id) = 0;
	//! Oldest first.
	virtual std::vector<AuthToken> list_tokens() = 0;
	//! Sets revoked_at unless it is set already; returns the token.
	virtual AuthToken revoke_token(int64_t id) = 0;
	//! Clears revoked_at (the server's own tokens, at start).
	virtual void unrevoke_token(int64_t id) = 0;
	virtual void touch_token(int64_t id, std::string_view at) = 0;

	//! Audit log (sql_store_audit.cpp): appends `entries` (ids and times
	//! as given are ignored for ids) in one transaction.
	virtual void add_audit_entries(const std::vector<AuditEntry> &entries) = 0;
	//! Newest first, at most `limit`, only ids below `before` when given.
	virtual std::vector<AuditEntry> list_audit(size_t limit, std::optional<int64_t> before) = 0;

	//! Small key/value settings (the admin token among them).
	virtual std::optional<std::string> get_setting(std::string_view key) = 0;
	virtual void put_setting(std::string_view key, std::string_view value) = 0;
	//! Stores `value` unless the key exists; returns the stored value. Atomic,
	//! so two servers starting together agree on one admin token.
	virtual std::string put_setting_if_absent(std::string_view key, std::string_view value) = 0;
	virtual void delete_setting(std::string_view key) = 0;

	//! Counts one restart of a job of a result (Training) or an inference,
	//! with how its process ended. NotFound when the owner does not exist.
	virtual void record_restart(JobKind kind, int64_t owner, std::string_view last_exit) = 0;
	//! Inserts or updates the job keyed by (kind, owner, replica).
	virtual Job upsert_job(const Job &job) = 0;
	virtual std::vector<Job> list_jobs() = 0;
	virtual void delete_job(int64_t id) = 0;

	//! Newest schema version applied (the number of the last migration).
	virtual int schema_version() = 0;
};

//! Opens (creating if needed) the store named by `url`:
//! `sqlite:PATH` (parent directories are created) or
//! `postgresql://...` / `postgres://...` (libpq connection URI).
//! Applies pending schema migrations. Throws StoreError with what to fix.
std::unique_ptr<Store> open_store(std::string_view url);

} // namespace kafkaml::store
