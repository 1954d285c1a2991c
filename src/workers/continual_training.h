#pragma once

// Continual training (deployment modes incremental and indefinite): the
// training job's path once its stream and decoder are known. A pipeline
// over windows of the stream:
//
//   records  <- the online stream from its control message on (or the
//               control message's ranges, which end)
//   window   <- window_size decoded records, fewer when the stream pauses;
//               records that cannot be decoded or hold a missing value are
//               skipped, counted and the first named in the detail
//   score    -> the model predicts the window before learning from it:
//               prequential (test-then-train) metrics
//   train    -> fit on the window (kwargs_fit: epochs, batch_size, ...)
//   report   -> one entry of the result's epoch series per window:
//               records seen so far, prequential_<metric>s, training metrics
//   version  -> the model as a new version when the rule of
//               version_rule.h says so (the first window's, then on an
//               improvement of monitoring_metric or the records cadence),
//               with where the run stood; once stored, the offsets after
//               what it learned are committed to the result's group
//   drift    -> the window's prequential error to a Page-Hinkley test
//               (drift_watch.h): a drift is reported, and may start a new
//               learning phase for the windows after it
//
// Incremental ends once no record came for stream_timeout (or the ranges
// ended) and uploads the model with the prequential metrics over every
// record; indefinite runs until stopped. A stop keeps the same: the model
// and metrics learned until then stay with the stopped result. Either way
// the model it ends with is the result's last version.
//
// A restarted job (ContinualOptions::resume) carries on from the result's
// last version: its model, windows, records and prequential sums, and the
// offsets after its records; nothing is learned or counted twice.
//
// The model's optimizer carries on from window to window (ml::Model::fit
// continues it): the stream is one optimization, not one per window. A
// resumed run's starts afresh (the model file holds no optimizer state).
//
// Thread: the job's.

#include "formats/control_message.h"
#include "formats/message_decoder.h"
#include "ml/spec/model_spec.h"
#include "workers/job_coordinator.h"
#include "workers/training_job.h"

namespace kafkaml::workers {

//! What the training job knows when it hands over to continual training.
struct ContinualStart {
	const TrainingAssignment &assignment;
	ml::ModelSpec spec; //!< parsed, its input not bound yet
	bool torchscript = false;
	const formats::ControlMessage &stream;
	const formats::MessageDecoder &decoder;
};

//! Runs the window loop; returns finished or stopped, either reported with
//! the model learned so far (a stop before the first window: without).
//! Throws UserError when no record came at all, or the model cannot take
//! the stream's records.
JobOutcome train_continually(int64_t result_id, const TrainingJobEnvironment &env, ContinualStart start);

} // namespace kafkaml::workers
