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
// At-least-once: a replica killed anywhere leaves its uncommitted inputs to
// the next member of the group, which predicts them again. A delivery that
// fails for good ends the replica (its supervisor restarts it) rather than
// committing past a lost prediction.

#include "formats/message_decoder.h"
#include "ml/model.h"
#include "stream/io.h"
#include "workers/model_rollout.h"

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
};

//! Header names the replica writes on dead letters.
inline constexpr const char *kErrorHeader = "kafkaml.error";
inline constexpr const char *kSourceHeader = "kafkaml.source";
//! On a dead letter cut to fit the cluster's record size: what was kept.
inline constexpr const char *kTruncatedHeader = "kafkaml.truncated";
//! On a prediction: the model version that made it (decimal), when the
//! model served is a version of a continual training.
inline constexpr const char *kModelVersionHeader = "kafkaml.model_version";

class InferenceJob {
public:
	//! Thread: all parts are used only by the thread calling `run`.
	InferenceJob(ml::Model &model, const formats::MessageDecoder &decoder, stream::Source &source, stream::Sink &sink,
	             InferenceJobConfig config);

	//! Between batches, serve the models `rollout` loads. It must outlive run().
	void follow(ModelRollout &rollout) { rollout_ = &rollout; }
	//! Serves until `cancelled()` or the source ends; flushes and commits
	//! before returning. Throws stream::StreamError on a delivery that
	//! failed for good (after committing what was acknowledged before it).
	void run(const std::function<bool()> &cancelled);

	//! Drops a partition's bookkeeping after a rebalance revoked it.
	void forget_partition(const std::string &topic, int32_t partition) { tracker_.forget(topic, partition); }
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
	void produce_for(const stream::OutRecord &out, uint64_t tag);
	//! An output the cluster refused for its size, after the fact: a small
	//! dead letter says so; the input is done either way.
	void output_too_large(const std::string &topic, int32_t partition, int64_t offset, const std::string &why);
	uint64_t remember(const stream::Record &record);
	void commit_if_due(bool force);
	//! Takes a model the rollout loaded, if any: from the next batch on it
	//! predicts. One that takes another input shape is refused (logged).
	void adopt_new_model();
	void set_version(std::optional<int64_t> version);

	ml::Model *model_;
	//! A model taken from the rollout (model_ points to it); the first
	//! model is the caller's.
	std::unique_ptr<ml::Model> owned_model_;
	ModelRollout *rollout_ = nullptr;
	std::optional<int64_t> version_;
	const formats::MessageDecoder &decoder_;
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
	std::vector<stream::Header> headers_; //!< a prediction's: the input's and the version's
};

//! `{"values": [v, ...]}` with each float in its shortest exact form.
void format_prediction(const float *values, size_t count, std::string &out);

} // namespace kafkaml::workers
