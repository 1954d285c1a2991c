#pragma once

// What a training or inference job needs from the server, as an interface:
// the jobs are tested against an in-memory fake and run against the REST
// API (http_job_coordinator.h). Mirrors the paper's Algorithms 1 and 2: a job
// fetches its assignment, reports progress, and uploads its outcome.

#include "ml/model.h"
#include "ml/spec/exit_confidence.h"
#include "ml/spec/model_spec.h"
#include "stream/io.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kafkaml::workers {

//! How a deployment trains (store::Deployment::mode).
enum class TrainingMode {
	batch,       //!< once, on the bounded stream of the control message
	incremental, //!< on the stream as it arrives, until stream_timeout passes without a record
	indefinite,  //!< on the stream as it arrives, until stopped
};

//! Where a continual training's run stood when it cut a version: what the
//! version stores beside its model, and what a restarted job carries on
//! from (the version's model, counts and the offsets after its records).
struct RunPosition {
	int64_t epoch = 0;            //!< windows learned: the epoch series entry it was cut after
	ml::MetricValues prequential; //!< "prequential_<name>": means over every record learned
	double training_seconds = 0;
	//! Per partition, the offset after the last record read into a learned
	//! window (skipped records included).
	std::vector<stream::TopicPartitionOffset> offsets;
};

//! The last version of the result, as a restarted job finds it.
struct ResumePoint {
	int64_t version = 0;
	int64_t records = 0;      //!< learned from until it
	ml::MetricValues metrics; //!< the window's that cut it, "prequential_<name>"
	RunPosition position;
	std::string model_blob; //!< ml::Model::save() bytes
	//! ml::Model::save_training_state() bytes (the optimizer's state, ...);
	//! empty for a version stored without one: the run then carries on
	//! with a fresh optimizer.
	std::string training_state;
};
//! What a continual training does once it detects a drift (drift_watch.h).
enum class DriftResponse {
	none,                //!< reports it, nothing more
	reset_optimizer,     //!< a fresh optimizer for the next window
	boost_learning_rate, //!< a higher learning rate, decaying back over a few windows
};
//! "none", "reset_optimizer", "boost_learning_rate" (the API's names).
const char *to_string(DriftResponse response);
std::optional<DriftResponse> drift_response_from_string(std::string_view text);

//! The parameters of a continual training (modes other than batch), under
//! the original's names where it has them.
struct ContinualOptions {
	TrainingMode mode = TrainingMode::batch;
	std::chrono::milliseconds stream_timeout{60000};
	int64_t window_size = 1000; //!< records scored, then trained on, at a time
	std::string monitoring_metric = "loss";
	std::string change = "down"; //!< "up" | "down"
	double improvement = 0.05;
	//! A version also once this many records were learned since the last.
	std::optional<int64_t> version_every_records;
	//! The number the run's first version takes: one past the versions an
	//! earlier run of this result stored (a restarted job), 1 otherwise.
	int64_t next_version = 1;
	//! A restarted job's last stored version, which it carries on from.
	std::optional<ResumePoint> resume;
	//! A Page-Hinkley test on the prequential error (drift_detector.h).
	bool drift_detection = true;
	double drift_threshold = 100; //!< lambda, in errors summed over records
	double drift_delta = 0.005;   //!< the increase of the mean error tolerated
	DriftResponse drift_response = DriftResponse::none;
};

//! One model of a deployed configuration, to train (one result).
struct TrainingAssignment {
	int64_t result_id = 0;
	int64_t deployment_id = 0;
	std::string model_code; //!< the user's definition, as stored ("pytorch": its compile() arguments)
	//! The top of a chain of distributed sub-models (the original's
	//! distributed models): every sub-model's definition, bottom first,
	//! model_code's last; the job trains them joined (ml::chain_submodels).
	//! Empty for any other model.
	std::vector<std::string> submodel_codes;
	std::string framework = "keras";
	std::string module; //!< "pytorch": the TorchScript module's bytes
	//! A Keras model with a keras.applications base built with
	//! weights='imagenet' (ModelSpec::pretrained): the uploaded weights file.
	std::string weights;
	int64_t batch = 10;      //!< the deployment's batch size
	ml::FitOptions fit;      //!< kwargs_fit
	ml::FitOptions evaluate; //!< kwargs_val (batch_size/steps for evaluation)
	uint64_t seed = 0;
	ContinualOptions continual;
};

//! Where the stream came from, reported when training starts so that an
//! inference of this result can pre-fill its input format.
struct StreamInfo {
	std::string topic_ranges; //!< the control message's "topic"
	bool online = false;      //!< topic_ranges is the topic of an online stream
	std::string input_format;
	nlohmann::json input_config;
	int64_t total_msg = 0;
	double validation_rate = 0;
	double test_rate = 0;
	//! The run carries on from this version of the result (a restarted
	//! continual training): only the epochs after it are reported again.
	//! 0: the run starts from the beginning.
	int64_t resumes_version = 0;
};

struct TrainingReport {
	ml::MetricValues train;      //!< last epoch's training metrics
	ml::MetricValues validation; //!< evaluate() on the validation share
	ml::MetricValues test;       //!< evaluate() on the test share
	double training_seconds = 0; //!< fit() wall time
	int64_t epochs = 0;
	int64_t samples_train = 0;
	int64_t samples_validation = 0;
	int64_t samples_test = 0;
	//! Rows of the confusion matrix on the validation share (else test, else
	//! train) for classifiers; empty for regressors.
	std::vector<std::vector<int64_t>> confusion_matrix;
	//! A model with early exits (several outputs): each exit's metrics and
	//! exit table on the validation share (else test); empty otherwise.
	std::vector<ml::ExitReport> exits;
	//! The result's detail when set, instead of "N epochs on M records".
	std::string detail;
};

//! A model version a continual training cut (version_rule.h).
struct ModelVersion {
	int64_t version = 0;
	int64_t records = 0;      //!< learned from so far
	ml::MetricValues metrics; //!< the window's prequential scores, "prequential_<name>"
	RunPosition position;
	std::string model_blob; //!< ml::Model::save() bytes
	//! ml::Model::save_training_state() bytes: what a restarted job needs
	//! beside the model to carry on as this run would.
	std::string training_state;
};

//! A drift the continual training detected in its prequential error.
struct DriftEvent {
	int64_t records = 0;     //!< learned from so far, the detecting window's included
	double error_before = 0; //!< the mean error since the last drift (or the start)
	double error_after = 0;  //!< the detecting window's
	std::string measure;     //!< what the error is: "1 - accuracy" or "loss"
	DriftResponse response = DriftResponse::none;
};

//! What a continual training learned before it was stopped: kept with the
//! stopped result, its model downloadable as a finished result's.
struct LearnedModel {
	TrainingReport report;
	std::string model_blob; //!< ml::Model::save() bytes
};

//! One stage of an early-exit inference, as its replicas need it.
struct ExitAssignment {
	double threshold = 0;
	//! How the stage's exit confidence is measured (ml/exit_confidence.h).
	ml::ConfidenceRule confidence = ml::ConfidenceRule::TopProbability;
	std::string input_topic;
	//! The cluster of input_topic: "default", a configured cluster's name or
	//! a bootstrap list (the executor passes its address to the replica).
	std::string kafka_broker = "default";
};

//! An inference to serve: the trained model and its topics.
struct InferenceAssignment {
	int64_t inference_id = 0;
	int64_t model_result = 0;
	std::string input_format;
	nlohmann::json input_config;
	std::string input_topic;
	std::string output_topic;
	std::string dead_letter_topic;
	std::string group_id; //!< the inference's own consumer group
	//! An early-exit chain's stages; empty when the model is served whole.
	std::vector<ExitAssignment> exits;
};

//! Which model of its result an inference serves now: the trained model, or
//! a version (the newest one, for an inference that follows the result, or
//! the one pinned).
struct ServingTarget {
	int64_t result = 0;
	std::optional<int64_t> version; //!< unset: the result's trained model
	//! False while there is nothing to serve yet: a continual training that
	//! has not stored its first version.
	bool ready = false;
	bool operator==(const ServingTarget &) const = default;
};

//! Thread: called from the job's main thread only, unless a method says
//! otherwise.
class JobCoordinator {
public:
	virtual ~JobCoordinator() = default;
	//! Throws RetriableError when the server cannot be reached or the
	//! result does not exist (the job exits and is restarted; its
	//! supervisor then finds a deleted result done).
	virtual TrainingAssignment training_assignment(int64_t result_id) = 0;
	virtual void training_started(int64_t result_id, const StreamInfo &stream) = 0;
	//! What the running job does now ("waiting for records: ...", "training
	//! on ..."), shown as the result's detail.
	virtual void training_detail(int64_t result_id, const std::string &detail) = 0;
	//! Returns false when the user asked the training to stop.
	virtual bool training_epoch(int64_t result_id, const ml::EpochLog &epoch) = 0;
	//! Stores a model version with its training state, both before it
	//! returns (the job then commits the version's offsets); returns false
	//! when the user asked the training to stop (the result ended or is
	//! gone). Sending the same version again stores nothing new.
	virtual bool training_version(int64_t result_id, const ModelVersion &version) = 0;
	//! Records a detected drift; returns false when the user asked the
	//! training to stop. Sending a drift at the same records again stores
	//! nothing new.
	virtual bool training_drift(int64_t result_id, const DriftEvent &drift) = 0;
	virtual void training_finished(int64_t result_id, const TrainingReport &report, const std::string &model_blob) = 0;
	//! A failure the user must fix (bad model code, undecodable stream):
	//! the job reports it and ends without being restarted.
	virtual void training_failed(int64_t result_id, const std::string &reason) = 0;
	//! Stopped on request. `learned` is what a continual training learned
	//! until then; a batch training, stopped before its end, has nothing.
	virtual void training_stopped(int64_t result_id, const std::optional<LearnedModel> &learned) = 0;

	virtual InferenceAssignment inference_assignment(int64_t inference_id) = 0;
	//! What the inference's replicas should serve now (the server resolves
	//! "latest"). NotFound-like errors are UserError (the inference or its
	//! result was deleted); an unreachable server is RetriableError.
	virtual ServingTarget inference_target(int64_t inference_id) = 0;
	//! The model bytes (ml::Model::save()) of a ready target. UserError when
	//! the server has no such model (deleted with its result).
	virtual std::string served_model(const ServingTarget &target) = 0;
	//! A replica's error that a restart would repeat (failure_action.h):
	//! the inference is marked failed with it, so the replica ends once
	//! instead of crash-looping, and its siblings end on their next report.
	//! An inference that ended meanwhile keeps its state.
	virtual void inference_failed(int64_t inference_id, const std::string &replica, const std::string &reason) = 0;
};

} // namespace kafkaml::workers
