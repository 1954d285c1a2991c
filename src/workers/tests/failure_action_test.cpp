#include "workers/failure_action.h"

#include "common/error.h"
#include "common/json_input.h"
#include "formats/format_error.h"
#include "ml/spec/parse.h"
#include "operations/validation.h"
#include "store/store.h"
#include "stream/stream_error.h"
#include "workers/tests/fake_job_coordinator.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace kafkaml::workers {
namespace {

// Each module's errors land where their kind says: the user's mistakes and
// faults a restart would repeat are reported once; only what may be there
// later restarts the job.
TEST(FailureAction, TheUsersMistakesAreReportedOnce) {
	EXPECT_EQ(failure_action(formats::FormatError("not a float")), FailureAction::report);
	EXPECT_EQ(failure_action(ml::ModelDefinitionError({1, 1}, "unknown layer")), FailureAction::report);
	EXPECT_EQ(failure_action(stream::RangeError("offsets beyond the log end")), FailureAction::report);
	EXPECT_EQ(failure_action(stream::RecordTooLarge("too large")), FailureAction::report);
	EXPECT_EQ(failure_action(JsonInputError("bad", 0, 1, 1)), FailureAction::report);
	EXPECT_EQ(failure_action(store::NotFound("no result 3")), FailureAction::report);
}

TEST(FailureAction, WhatMayBeThereLaterRestartsTheJob) {
	EXPECT_EQ(failure_action(stream::StreamError("cannot reach Kafka")), FailureAction::restart);
	EXPECT_EQ(failure_action(store::StoreError("cannot connect to PostgreSQL")), FailureAction::restart);
	EXPECT_EQ(failure_action(RetriableError("server unreachable")), FailureAction::restart);
}

TEST(FailureAction, UnclassifiedExceptionsAreReportedNotCrashLooped) {
	EXPECT_EQ(failure_action(std::invalid_argument("shape mismatch")), FailureAction::report);
	EXPECT_EQ(failure_action(std::runtime_error("from libtorch")), FailureAction::report);
	EXPECT_EQ(failure_action(FatalError("broken invariant")), FailureAction::report);
}

TEST(FailureAction, AStreamErrorMayBeTheUsers) {
	EXPECT_EQ(failure_action(stream::StreamError("bad property", ErrorKind::user)), FailureAction::report);
}

// A replica whose model or input cannot work reports it once and ends; one
// that cannot reach Kafka exits to be restarted, reporting nothing.
TEST(FailureAction, AReplicaReportsWhatARestartWouldRepeat) {
	testing::FakeJobCoordinator coordinator;
	auto report = [&](const std::string &reason) { coordinator.inference_failed(4, "host:12", reason); };
	EXPECT_TRUE(run_or_report([] {}, report));
	EXPECT_FALSE(run_or_report([] { throw formats::FormatError("input_config: no field \"Age\""); }, report));
	EXPECT_EQ(coordinator.inference_failures, (std::vector<std::string>{"4 host:12: input_config: no field \"Age\""}));
	EXPECT_THROW(run_or_report([] { throw stream::StreamError("cannot reach Kafka"); }, report), stream::StreamError);
	EXPECT_EQ(coordinator.inference_failures.size(), 1u);
	// A report that cannot be made leaves the decision to a restart.
	EXPECT_THROW(run_or_report([] { throw std::invalid_argument("shape"); },
	                           [](const std::string &) { throw RetriableError("server unreachable"); }),
	             RetriableError);
}

} // namespace
} // namespace kafkaml::workers
