#include "client/result_summary.h"

#include <gtest/gtest.h>

using namespace kafkaml::client;
using nlohmann::json;

namespace {

json finished_result(int epochs) {
	json list = json::array();
	for (int i = 1; i <= epochs; i++) {
		list.push_back({{"epoch", i}, {"metrics", {{"loss", 1.0 / i}, {"val_loss", 2.0 / i}}}});
	}
	return {{"id", 3},
	        {"deployment", 1},
	        {"model", 2},
	        {"status", "finished"},
	        {"status_detail", ""},
	        {"training_time", 0.1523},
	        {"train_metrics", {{"loss", 0.001}, {"accuracy", 0.75}}},
	        {"val_metrics", {{"loss", 0.5}, {"confusion_matrix", {{1, 2}, {3, 4}}}}},
	        {"test_metrics", json::object()},
	        {"epochs", list}};
}

} // namespace

TEST(ResultSummary, SummarisesAThousandEpochsInAScreenful) {
	std::string text = result_summary(finished_result(1000));
	EXPECT_EQ(text, "result: 3\n"
	                "deployment: 1\n"
	                "model: 2\n"
	                "status: finished\n"
	                "epochs run: 1000\n"
	                "training time: 0.1523 s\n"
	                "last epoch: loss 0.001  val_loss 0.002\n"
	                "train metrics: accuracy 0.75  loss 0.001\n"
	                "val metrics: loss 0.5\n"
	                "\n"
	                "last 5 epochs (--epochs for all):\n"
	                "EPOCH  LOSS      VAL_LOSS\n"
	                "996    0.001004  0.002008\n"
	                "997    0.001003  0.002006\n"
	                "998    0.001002  0.002004\n"
	                "999    0.001001  0.002002\n"
	                "1000   0.001     0.002\n");
}

TEST(ResultSummary, AllEpochsOnRequestAndWhyItFailed) {
	json result = finished_result(3);
	result["status"] = "failed";
	result["status_detail"] = "the training stream is empty";
	result.erase("training_time");
	std::string text = result_summary(result, -1);
	EXPECT_NE(text.find("status: failed\ndetail: the training stream is empty\nepochs run: 3\n"), std::string::npos)
	    << text;
	EXPECT_EQ(text.find("training time"), std::string::npos) << text;
	EXPECT_NE(text.find("\nEPOCH  LOSS    VAL_LOSS\n1      1       2\n"), std::string::npos) << text;
	EXPECT_EQ(text.find("last 3 epochs"), std::string::npos) << text;
}

TEST(ResultSummary, NoEpochsYet) {
	std::string text = result_summary({{"id", 4}, {"status", "deployed"}, {"epochs", json::array()}});
	EXPECT_EQ(text, "result: 4\nstatus: deployed\nepochs run: 0\n");
}

TEST(ResultSummary, RestartsAreShown) {
	std::string text = result_summary({{"id", 4},
	                                   {"status", "running"},
	                                   {"restarts", 3},
	                                   {"restart_detail", "restarted 3 times; last exit: signal 9"},
	                                   {"epochs", json::array()}});
	EXPECT_EQ(text, "result: 4\nstatus: running\nrestarts: restarted 3 times; last exit: signal 9\nepochs run: 0\n");
}

TEST(ResultSummary, ExitsSayWhatEachAnswersAtEachThreshold) {
	std::string text = result_summary(
	    {{"id", 4},
	     {"status", "finished"},
	     {"epochs", json::array()},
	     {"exits",
	      {{{"index", 0},
	        {"name", "early"},
	        {"metrics", {{"accuracy", 0.8}}},
	        {"thresholds",
	         {{{"threshold", 0.5}, {"count", 9}, {"share", 0.9}, {"accuracy", 0.75}},
	          {{"threshold", 0.99}, {"count", 0}, {"share", 0.0}, {"accuracy", nullptr}}}}},
	       {{"index", 1}, {"name", "final"}, {"metrics", {{"accuracy", 0.9}}}, {"thresholds", json::array()}}}}});
	EXPECT_EQ(text, "result: 4\nstatus: finished\nepochs run: 0\n"
	                "exit 0 early: accuracy 0.8; answers at 0.5 90% (accuracy 0.75), 0.99 0%\n"
	                "exit 1 final: accuracy 0.9\n");
}

TEST(ResultSummary, DriftsSayWhereAndHowTheErrorMoved) {
	std::string text = result_summary({{"id", 4},
	                                   {"status", "running"},
	                                   {"epochs", json::array()},
	                                   {"drifts",
	                                    {{{"records", 3200},
	                                      {"created_at", "2026-12-04T21:00:00Z"},
	                                      {"error_before", 0.125},
	                                      {"error_after", 0.875},
	                                      {"measure", "1 - accuracy"},
	                                      {"response", "none"}},
	                                     {{"records", 6400},
	                                      {"created_at", "2026-12-04T21:05:00Z"},
	                                      {"error_before", 0.5},
	                                      {"error_after", 2.25},
	                                      {"measure", "loss"},
	                                      {"response", "reset_optimizer"}}}}});
	EXPECT_EQ(text, "result: 4\nstatus: running\nepochs run: 0\n"
	                "drift: after 3200 records, 1 - accuracy 0.125 -> 0.875 (2026-12-04T21:00:00Z)\n"
	                "drift: after 6400 records, loss 0.5 -> 2.25, reset_optimizer (2026-12-04T21:05:00Z)\n");
}

TEST(ResultSummary, OnlyTheNewestEpochsSentStillSayHowManyThereAre) {
	json result = finished_result(1000);
	json newest(result["epochs"].begin() + 995, result["epochs"].end());
	result["epochs"] = newest;
	result["epoch_count"] = 1000;
	result["last_epoch"] = newest.back();
	EXPECT_EQ(result_summary(result), result_summary(finished_result(1000)));
}
