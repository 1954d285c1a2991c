#include "operations/result_operations.h"
#include "operations/tests/operations_test_support.h"

namespace kafkaml::operations {
namespace {

using nlohmann::json;
using store::ResultStatus;

class ResultOperationsTest : public OperationsTest {
protected:
	//! A running result of a deployment whose fit kwargs are `kwargs_fit`,
	//! as the deployment's own parser fills them in.
	int64_t running_result(const json &kwargs_fit_parsed) {
		store::Deployment deployment;
		deployment.configuration = stored_configuration({stored_model("m")});
		deployment.kwargs_fit_parsed = kwargs_fit_parsed;
		auto results = db->create_deployment(deployment).second;
		return advance(results.at(0).id, ResultStatus::Running).id;
	}
	static std::vector<store::EpochMetrics> epochs(std::initializer_list<int64_t> numbers) {
		std::vector<store::EpochMetrics> out;
		for (auto number : numbers) {
			out.push_back({.epoch = number, .metrics = {{"loss", 1.0 / double(number)}}});
		}
		return out;
	}
};

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

TEST_F(ResultOperationsTest, AStatusReportIsRecordedWithTheFormatByItsName) {
	auto [deployment, results] = recorded_deployment(1);
	int64_t id = advance(results[0].id, ResultStatus::Deployed).id;
	auto running = report_result_status(*db, id, ResultStatus::Running,
	                                    {.detail = "epoch 1", .input_format = "avro", .input_config = json::object()});
	EXPECT_EQ(running.status, ResultStatus::Running);
	EXPECT_EQ(running.status_detail, "epoch 1");
	EXPECT_EQ(running.input_format, "AVRO") << "as inferences compare it";
	auto finished = report_result_status(*db, id, ResultStatus::Finished,
	                                     {.train_metrics = json{{"loss", 0.5}}, .training_time = 2});
	EXPECT_EQ(finished.train_metrics, (json{{"loss", 0.5}}));
	EXPECT_EQ(finished.input_format, "AVRO") << "kept when a report leaves it out";
	EXPECT_THROW(report_result_status(*db, id, ResultStatus::Running, {}), store::Conflict) << "no step back";
	EXPECT_THROW(report_result_status(*db, id + 100, ResultStatus::Running, {}), store::NotFound);
}

TEST_F(ResultOperationsTest, EpochsAreRecordedAndSayHowFarTheTrainingGot) {
	int64_t id = running_result({{"epochs", 8}});
	EXPECT_EQ(record_epochs(*db, id, epochs({2, 1})), 0.25) << "the highest epoch counts";
	EXPECT_EQ(record_epochs(*db, id, epochs({12})), 1.0) << "never beyond done";
	EXPECT_EQ(db->get_result(id, {}).epochs.size(), 3u);
	EXPECT_EQ(record_epochs(*db, id + 100, {}), std::nullopt) << "nothing reported asks nothing";
	EXPECT_EQ(record_epochs(*db, running_result(json::object()), epochs({1})), 1.0) << "one epoch by default";
	EXPECT_EQ(record_epochs(*db, running_result({{"epochs", 0}}), epochs({1})), std::nullopt);
	EXPECT_EQ(record_epochs(*db, running_result({{"epochs", "many"}}), epochs({1})), std::nullopt);
}

TEST_F(ResultOperationsTest, EpochsOfAnEndedResultAreAConflictAndRecordNothing) {
	int64_t id = finished_result().id;
	EXPECT_THROW(record_epochs(*db, id, epochs({1})), store::Conflict);
	EXPECT_TRUE(db->get_result(id, {}).epochs.empty());
}

TEST_F(ResultOperationsTest, ATrainedModelIsStoredForDownload) {
	int64_t id = finished_result().id;
	upload_trained_model(*db, id, "model bytes");
	EXPECT_EQ(db->get_trained_model(id), "model bytes");
	EXPECT_THROW(upload_trained_model(*db, id + 100, "model bytes"), store::NotFound);
	try {
		upload_trained_model(*db, id, "");
		FAIL() << "no bytes, no model";
	} catch (const store::StoreError &e) {
		FAIL() << "refused before the store: " << e.what();
	} catch (const UserError &e) {
		EXPECT_NE(std::string(e.what()).find("empty"), std::string::npos) << e.what();
	}
	EXPECT_EQ(db->get_trained_model(id), "model bytes") << "the earlier model stays";
}

TEST_F(ResultOperationsTest, ATrainedModelDownloadsUnderANameThatSaysWhatItIs) {
	int64_t id = finished_result().id;
	upload_trained_model(*db, id, "model bytes");
	auto own = download_trained_model(*db, id, ModelFormat::kafkaml, {});
	EXPECT_EQ(own.bytes, "model bytes");
	EXPECT_EQ(own.file_name, "result-" + std::to_string(id) + ".kafkaml");

	std::string seen;
	auto exporter = [&seen](std::string_view blob) {
		seen = blob;
		return std::string("pytorch bytes");
	};
	auto weights = download_trained_model(*db, id, ModelFormat::pytorch, exporter);
	EXPECT_EQ(seen, "model bytes") << "the exporter converts the stored model";
	EXPECT_EQ(weights.bytes, "pytorch bytes");
	EXPECT_EQ(weights.file_name, "result-" + std::to_string(id) + "-weights.pt") << "a Keras model exports weights";

	EXPECT_THROW(download_trained_model(*db, id, ModelFormat::pytorch, {}), NotSupported);
	auto failing = [](std::string_view) -> std::string { throw std::runtime_error("unknown layer"); };
	try {
		download_trained_model(*db, id, ModelFormat::pytorch, failing);
		FAIL() << "a failed conversion downloads nothing";
	} catch (const FatalError &e) {
		EXPECT_NE(std::string(e.what()).find("unknown layer"), std::string::npos) << e.what();
	}
}

TEST_F(ResultOperationsTest, ATorchScriptModelDownloadsAsAModule) {
	store::Deployment deployment;
	deployment.configuration = stored_configuration({stored_model("script", "pytorch")});
	int64_t id = advance(db->create_deployment(deployment).second.at(0).id, ResultStatus::Finished).id;
	upload_trained_model(*db, id, "model bytes");
	auto module =
	    download_trained_model(*db, id, ModelFormat::pytorch, [](std::string_view) { return std::string("module"); });
	EXPECT_EQ(module.file_name, "result-" + std::to_string(id) + "-torchscript.pt");
}

TEST_F(ResultOperationsTest, NoModelYetIsNotFoundAndSaysWhereTheResultIs) {
	int64_t id = running_result(json::object());
	try {
		download_trained_model(*db, id, ModelFormat::kafkaml, {});
		FAIL() << "nothing to download yet";
	} catch (const store::NotFound &e) {
		EXPECT_NE(std::string(e.what()).find("it is running"), std::string::npos) << e.what();
	}
	EXPECT_THROW(download_trained_model(*db, id + 100, ModelFormat::kafkaml, {}), store::NotFound);
}

} // namespace
} // namespace kafkaml::operations
