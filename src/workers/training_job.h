#pragma once

// The training job (the paper's Algorithm 1) as a read -> compute -> write
// pipeline over injected parts, so it runs against Kafka in `kafkaml train`
// and against in-memory fakes in tests:
//
//   assignment  <- coordinator (model code, batch, kwargs)
//   stream      <- wait for the deployment's control message (one sent
//                  before the job started counts)
//   records     <- read exactly the control message's ranges
//   rows        <- decode (RAW/AVRO/JSON) into one feature and one label buffer
//   split       -> [train | test | validation] in stream order
//   fit         -> per-epoch metrics to the coordinator, live
//   evaluate    -> validation and test metrics, confusion matrix
//   upload      -> metrics + model file to the coordinator
//
// Re-running the job re-reads the same ranges from the log, so a job killed
// anywhere restarts from scratch and ends with the same one result.
//
// A deployment in mode incremental or indefinite trains continually
// instead, once the stream is known (continual_training.h).

#include "formats/control_message.h"
#include "stream/io.h"
#include "workers/job_coordinator.h"

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

namespace kafkaml::workers {

struct TrainingJobEnvironment {
	JobCoordinator *coordinator = nullptr;
	//! Blocks until the deployment's control message is in the log.
	std::function<formats::ControlMessage(int64_t deployment_id)> wait_for_stream;
	//! A source reading exactly `ranges`, in order.
	std::function<std::unique_ptr<stream::Source>(const std::vector<formats::Range> &ranges)> open_ranges;
	//! A source of an online stream: every partition of `topic` from its
	//! offset in `start` (a restarted job carrying on), else from its first
	//! record at or after `from_timestamp_ms`, without end. Its commit()
	//! stores offsets in the result's own consumer group.
	std::function<std::unique_ptr<stream::Source>(const std::string &topic, int64_t from_timestamp_ms,
	                                              const std::vector<stream::TopicPartitionOffset> &start)>
	    open_online;
	//! Polled between epochs, windows and while reading: true ends the job
	//! as stopped.
	std::function<bool()> cancelled;
	//! How long the job waits for the next record of its ranges before it
	//! fails, naming what is missing: a control message may name records
	//! that are not in the log (yet, or ever).
	std::chrono::milliseconds records_timeout = std::chrono::minutes(10);
	//! After this long without a record, the result's detail says what the
	//! job waits for.
	std::chrono::milliseconds waiting_report_after = std::chrono::seconds(5);
};

enum class JobOutcome {
	finished, //!< trained and uploaded
	failed,   //!< reported to the coordinator: the user's to fix, or a fault a restart would repeat
	stopped,  //!< stopped on request, reported
};

//! Runs the whole job on the calling thread. What an error that ends it
//! does is failure_action()'s choice: reported through `training_failed`
//! (return `failed`), or, when retriable (server or Kafka unreachable),
//! thrown, so the process exits non-zero and its supervisor restarts it.
JobOutcome run_training_job(int64_t result_id, const TrainingJobEnvironment &env);

} // namespace kafkaml::workers
