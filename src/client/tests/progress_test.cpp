#include "client/progress.h"

#include <gtest/gtest.h>

using namespace kafkaml::client;
using nlohmann::json;

TEST(Progress, RunningWithBarAndLastEpochMetrics) {
	json result = {{"id", 3},
	               {"status", "running"},
	               {"epochs", json::array({{{"epoch", 5}, {"metrics", {{"loss", 0.5}}}},
	                                       {{"epoch", 10}, {"metrics", {{"loss", 0.25}, {"val_accuracy", 0.875}}}}})}};
	EXPECT_EQ(progress_line(result, 20, 10),
	          "result 3  running  [#####.....]  epoch 10/20  loss 0.25  val_accuracy 0.875");
	EXPECT_EQ(progress_line(result, 20, 0), "result 3  running  epoch 10/20  loss 0.25  val_accuracy 0.875");
}

TEST(Progress, CreatedAndFailed) {
	EXPECT_EQ(progress_line({{"id", 1}, {"status", "deployed"}, {"epochs", json::array()}}, 0, 10),
	          "result 1  deployed");
	EXPECT_EQ(progress_line({{"id", 1}, {"status", "failed"}, {"status_detail", "no data"}}, 4, 4),
	          "result 1  failed  [....]  epoch 0/4  (no data)");
}

TEST(Progress, FinishedFillsTheBar) {
	json result = {{"id", 2}, {"status", "finished"}, {"val_metrics", {{"accuracy", 1}}}};
	EXPECT_EQ(progress_line(result, 4, 4), "result 2  finished  [####]  epoch 4/4  accuracy 1");
}

TEST(Progress, TerminalStatuses) {
	EXPECT_TRUE(is_terminal_status("finished"));
	EXPECT_TRUE(is_terminal_status("failed"));
	EXPECT_TRUE(is_terminal_status("stopped"));
	EXPECT_FALSE(is_terminal_status("running"));
	EXPECT_FALSE(is_terminal_status("created"));
}
