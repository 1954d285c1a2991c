#include "operations/result_operations.h"
#include "operations/tests/operations_test_support.h"

namespace kafkaml::operations {
namespace {

using store::ResultStatus;
using ResultOperationsTest = OperationsTest;

TEST_F(ResultOperationsTest, StopEndsTheJobFirstThenMarksTheResultStopped) {
	auto [deployment, results] = recorded_deployment(1);
	int64_t id = advance(results[0].id, ResultStatus::Running).id;
	executor.on_stop = [this](store::JobKind, int64_t owner) {
		EXPECT_EQ(db->get_result(owner, {.which = store::EpochQuery::Which::none}).status, ResultStatus::Running)
		    << "the status says stopped only once the job was told to stop";
	};
	auto stopped = stop_result(*db, executor, id);
	EXPECT_EQ(stopped.status, ResultStatus::Stopped);
	EXPECT_EQ(stopped.status_detail, "stopped by the user");
	EXPECT_EQ(executor.calls(), std::vector<std::string>{"stop training " + std::to_string(id)});
}

TEST_F(ResultOperationsTest, AJobThatEndsItselfWhileStoppedIsNoConflict) {
	auto [deployment, results] = recorded_deployment(1);
	int64_t id = advance(results[0].id, ResultStatus::Running).id;
	executor.on_stop = [this](store::JobKind, int64_t owner) {
		db->update_result_status(owner, ResultStatus::Finished);
	};
	EXPECT_EQ(stop_result(*db, executor, id).status, ResultStatus::Finished);
}

TEST_F(ResultOperationsTest, StoppingAResultThatEndedIsAConflictAndStopsNothing) {
	int64_t id = finished_result().id;
	EXPECT_THROW(stop_result(*db, executor, id), store::Conflict);
	EXPECT_TRUE(executor.calls().empty());
	EXPECT_THROW(stop_result(*db, executor, id + 100), store::NotFound);
}

} // namespace
} // namespace kafkaml::operations
