#pragma once

// Results: stopping a training job. Thread: any (an HTTP worker); the store
// and the executor synchronise themselves.

#include "executors/job_executor.h"
#include "store/store.h"

#include <cstdint>

namespace kafkaml::operations {

//! Stops result `id`'s training job, then marks it stopped ("stopped by the
//! user"): the executor first, so that nothing keeps running under a
//! "stopped" status. NotFound for an unknown id; store::Conflict when it is
//! already finished, failed or stopped (nothing to stop).
store::Result stop_result(store::Store &store, executors::JobExecutor &executor, int64_t id);

//! Marks result `id` stopped once its job was told to stop. A job that gets
//! SIGTERM reports "stopped" itself before it ends, so by the time the
//! executor returned the result may already be where the user wanted it (or
//! finished or failed in the meantime): then it is returned as it is, not a
//! conflict. One store call, or two on a conflict.
store::Result mark_result_stopped(store::Store &store, int64_t id);

} // namespace kafkaml::operations
