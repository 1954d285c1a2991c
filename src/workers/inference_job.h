#pragma once

// An inference replica (the paper's Algorithm 2) as a read -> compute ->
// write pipeline:
//
//   poll a batch  <- Source (the inference's consumer group on the input topic)
//   decode        -> rows; a record that cannot be decoded goes to the
//                    dead-letter topic with the error in a header
//   predict       -> one model call for the whole batch
//   produce       -> {"values": [...]} per input, input headers copied, to
//                    the output topic (the input key too, so keyed inputs
//                    keep their partition affinity), with the model version
//                    that predicted it in kafkaml.model_version
//   swap          <- between batches, a newer model the rollout loaded
//                    (model_rollout.h), if any
//   commit        <- OffsetTracker: an input offset is committed only after
//                    its prediction (or dead letter) was acknowledged
//
// Early exits (stage_model.h): a replica may run one stage of a chain. It
// reads the inference's input (stage 0) or the carry messages the stage
// before it forwarded (carry_format.h), runs its stage on the batch, and
// per input either answers on the output topic, when its exit's top-class
// probability reaches the stage's threshold (always, on the last stage),
// or forwards the carry to the next stage's topic with the input's key and
// headers. Answers carry kafkaml.exit, the stage's index. An input is
// committed once its answer or its forward was acknowledged, so
// at-least-once holds along the chain: each stage is one more hop of it.
//
// At-least-once: a replica killed anywhere leaves its uncommitted inputs to
// the next member of the group, which predicts them again. A delivery that
// fails for good ends the replica (its supervisor restarts it) rather than
// committing past a lost prediction.

#include "formats/message_decoder.h"
#include "ml/model.h"
#include "ml/spec/exit_confidence.h"
#include "stream/io.h"
#include "workers/model_rollout.h"
#include "workers/stage_model.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace kafkaml::workers {

struct InferenceJobConfig {
	std::string output_topic;
	std::string dead_letter_topic;
	size_t max_batch = 1024;
	std::chrono::milliseconds poll_timeout{100};
	//! How long to wait for input while outputs await acknowledgement or
	//! acknowledged inputs await their commit.
	std::chrono::milliseconds ack_poll{1};
	//! Acknowledged inputs are committed at most this often (and at
	//! shutdown): soon enough that a replica killed mid-stream leaves little
	//! more than what was in flight, seldom enough that a trickle of inputs
	//! does not make a commit each. Commits are asynchronous.
	std::chrono::milliseconds commit_interval{10};
	//! The version of the model the job starts with, for the predictions'
	//! kafkaml.model_version header; unset for a result's trained model
	//! (no header).
	std::optional<int64_t> model_version;
	//! Early-exit chains only (the stage constructor): the stage this
	//! replica runs, the topic it forwards carries to (empty on the last
	//! stage, which answers every input) and the threshold it starts with
	//! (set_threshold() changes it).
	size_t stage = 0;
	std::string next_topic;
	double threshold = 1.0;
	//! How the exit's confidence is measured; compared with the threshold
	//! in float32.
	ml::ConfidenceRule confidence = ml::ConfidenceRule::TopProbability;
};

//! Counters a replica exposes (read from any thread).
struct InferenceCounters {
	std::atomic<uint64_t> consumed{0};
	std::atomic<uint64_t> predicted{0};
	std::atomic<uint64_t> dead_lettered{0};
	//! Inputs whose output could not be written at all (logged with the
	//! reason): committed, so that one record never stops the inference.
	std::atomic<uint64_t> skipped{0};
	//! The model version served; -1 for a result's trained model.
	std::atomic<int64_t> model_version{-1};
	//! Early-exit stages: inputs forwarded to the next stage (`predicted`
	//! counts those answered at this stage's exit).
	std::atomic<uint64_t> forwarded{0};
};

//! Header names the replica writes on dead letters.
inline constexpr const char *kErrorHeader = "kafkaml.error";
inline constexpr const char *kSourceHeader = "kafkaml.source";
//! On a dead letter cut to fit the cluster's record size: what was kept.
inline constexpr const char *kTruncatedHeader = "kafkaml.truncated";
//! On a prediction: the model version that made it (decimal), when the
//! model served is a version of a continual training.
inline constexpr const char *kModelVersionHeader = "kafkaml.model_version";
//! On a prediction of an early-exit chain: the 0-based index of the exit
//! (stage) that answered (decimal).
inline constexpr const char *kExitHeader = "kafkaml.exit";

class InferenceJob {
public:
	//! Thread: all parts are used only by the thread calling `run`.
	InferenceJob(ml::Model &model, const formats::MessageDecoder &decoder, stream::Source &source, stream::Sink &sink,
	             InferenceJobConfig config);
	//! A replica of stage `config.stage` of an early-exit chain. `decoder`
	//! decodes stage 0's input (the inference's format); later stages read
	//! carry messages and take none (null).
	InferenceJob(StageModel &stages, const formats::MessageDecoder *decoder, stream::Source &source, stream::Sink &sink,
	             InferenceJobConfig config);

	//! Forwards carries through `sink` (the next stage's cluster) instead of
	//! the output's. Both sinks must outlive run().
	void forward_to(stream::Sink &sink);
	//! The stage's threshold from the next batch on. Any thread.
	void set_threshold(double threshold) { threshold_.store(threshold, std::memory_order_relaxed); }

	//! Between batches, serve the models `rollout` loads. It must outlive run().
	void follow(ModelRollout &rollout) { rollout_ = &rollout; }
	//! Serves until `cancelled()` or the source ends; flushes and commits
	//! before returning. Throws stream::StreamError on a delivery that
	//! failed for good (after committing what was acknowledged before it).
	void run(const std::function<bool()> &cancelled);

	//! A rebalance is taking the partition away: outputs still in flight get
	//! up to `grace` to be acknowledged, what is done is committed, and the
	//! partition's bookkeeping is dropped. Without the commit, its next owner
	//! would repeat everything done since the last periodic commit; with a
	//! rebalance that waits for a dead member, that is all the replica did
	//! meanwhile. Thread: the polling thread (the source's revoke callback).
	void release_partition(const std::string &topic, int32_t partition,
	                       std::chrono::milliseconds grace = std::chrono::seconds(2));
	//! An asynchronous commit of `offset` failed: it is made again. Thread:
	//! the polling thread (the source's commit callback).
	void commit_failed(const std::string &topic, int32_t partition, int64_t offset) {
		tracker_.commit_failed(topic, partition, offset);
	}
	const InferenceCounters &counters() const { return counters_; }

	//! One batch: decode, predict, produce. Public for tests.
	void process(std::vector<stream::Record> &records);

private:
	void on_delivery(const stream::Delivery &delivery);
	void dead_letter(const stream::Record &record, const std::string &error);
	//! Gives up on one input: logged, counted, and done so commits move on.
	void skip(const std::string &topic, int32_t partition, int64_t offset, const std::string &why);
	//! Produces `out` for the input at `origin`; an output the sink refuses
	//! for its size is skipped (logged, counted) and its input done.
	void produce_for(stream::Sink &sink, const stream::OutRecord &out, uint64_t tag);
	//! An output the cluster refused for its size, after the fact: a small
	//! dead letter says so; the input is done either way.
	void output_too_large(const std::string &topic, int32_t partition, int64_t offset, const std::string &why);
	uint64_t remember(const stream::Record &record);
	void commit_if_due(bool force);
	//! Takes a model the rollout loaded, if any: from the next batch on it
	//! predicts. One that takes another input shape is refused (logged).
	void adopt_new_model();
	void set_version(std::optional<int64_t> version);
	//! Decodes one record into rows_; throws formats::FormatError.
	void decode(const stream::Record &record);
	//! Predicts the decoded rows with the whole model and answers each.
	void predict_rows(std::vector<stream::Record> &records);
	//! Runs the stage on the decoded rows; answers or forwards each.
	void run_stage_rows(std::vector<stream::Record> &records);
	//! Produces `values` as the answer to `record` on the output topic.
	void answer(const stream::Record &record, const float *values, size_t count);
	void forward(const stream::Record &record, const float *carry, const ml::Shape &shape);
	void dead_letter_rows(std::vector<stream::Record> &records, const std::string &why);
	void bind_width(const ml::Shape &shape);

	ml::Model *model_ = nullptr;
	StageModel *stages_ = nullptr;
	stream::Sink *forward_sink_;
	std::atomic<double> threshold_{1.0};
	std::string exit_text_; //!< the stage's index, for kafkaml.exit
	//! A model taken from the rollout (model_ points to it); the first
	//! model is the caller's.
	std::unique_ptr<ml::Model> owned_model_;
	ModelRollout *rollout_ = nullptr;
	std::optional<int64_t> version_;
	std::string version_text_; //!< version_ in decimal, for the header
	const formats::MessageDecoder *decoder_;
	stream::Source &source_;
	stream::Sink &sink_;
	InferenceJobConfig config_;
	stream::OffsetTracker tracker_;
	InferenceCounters counters_;

	struct Pending {
		std::string topic;
		int32_t partition;
		int64_t offset;
		bool dead_letter = false;
	};
	std::unordered_map<uint64_t, Pending> pending_;
	uint64_t next_tag_ = 1;
	std::string delivery_error_;
	std::chrono::steady_clock::time_point last_commit_;

	// Reused across batches so the steady state allocates little.
	formats::Batch rows_;
	std::vector<size_t> row_record_; //!< row -> index into the batch's records
	std::string json_;
	std::string carry_;
	std::vector<stream::Header> headers_; //!< a prediction's: the input's, the version's, the exit's
};

//! `{"values": [v, ...]}` with each float in its shortest exact form.
void format_prediction(const float *values, size_t count, std::string &out);

} // namespace kafkaml::workers
