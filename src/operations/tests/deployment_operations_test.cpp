#include "operations/deployment_operations.h"
#include "operations/operation_errors.h"
#include "operations/tests/operations_test_support.h"

namespace kafkaml::operations {
namespace {

using nlohmann::json;
using store::ResultStatus;

class DeploymentOperationsTest : public OperationsTest {
protected:
	DeploymentRequest request_for(const std::vector<int64_t> &models) {
		DeploymentRequest request;
		request.configuration = stored_configuration(models);
		request.batch = 10;
		request.kwargs_fit = "epochs=4, steps_per_epoch=22, shuffle=True";
		request.kwargs_val = json{{"steps", 2}};
		return request;
	}
};

TEST_F(DeploymentOperationsTest, DeployRecordsTheResultsDeployedAndStartsOneJobEach) {
	auto deployed = deploy(*db, executor, request_for({stored_model("a"), stored_model("b")}));
	EXPECT_EQ(deployed.deployment.batch, 10);
	EXPECT_EQ(deployed.deployment.kwargs_fit, "epochs=4, steps_per_epoch=22, shuffle=True") << "kept as sent";
	EXPECT_EQ(deployed.deployment.kwargs_fit_parsed["epochs"], 4);
	EXPECT_EQ(deployed.deployment.kwargs_val_parsed["steps"], 2);
	ASSERT_EQ(deployed.results.size(), 2u);
	std::vector<std::string> starts;
	for (const auto &result : deployed.results) {
		EXPECT_EQ(result.status, ResultStatus::Deployed);
		starts.push_back("start_training " + std::to_string(result.id));
	}
	EXPECT_EQ(executor.calls(), starts);
}

TEST_F(DeploymentOperationsTest, AJobThatReportsRunningBeforeItsStartReturnsStaysRunning) {
	executor.on_start_training = [this](const store::Result &result) {
		db->update_result_status(result.id, ResultStatus::Running);
	};
	auto deployed = deploy(*db, executor, request_for({stored_model("a")}));
	EXPECT_EQ(deployed.results.at(0).status, ResultStatus::Running);
}

TEST_F(DeploymentOperationsTest, AJobThatCannotStartMarksItsResultFailedAndTheAnswerCarriesIt) {
	executor.fail = true;
	auto request = request_for({stored_model("a"), stored_model("b")});
	try {
		deploy(*db, executor, request);
		FAIL() << "the executor failed";
	} catch (const NotStarted<DeploymentAndResults> &e) {
		EXPECT_TRUE(e.is_retriable());
		EXPECT_NE(std::string(e.what()).find("no worker slots left"), std::string::npos) << e.what();
		ASSERT_EQ(e.created.results.size(), 2u);
		for (const auto &result : e.created.results) {
			EXPECT_EQ(result.status, ResultStatus::Failed);
			EXPECT_EQ(result.status_detail, "no worker slots left");
		}
	}
	EXPECT_EQ(executor.calls().size(), 2u) << "one failed start does not keep the others from starting";
	auto stored = db->list_results();
	ASSERT_EQ(stored.size(), 2u) << "the deployment stays recorded";
	EXPECT_EQ(stored[0].status, ResultStatus::Failed);
}

TEST_F(DeploymentOperationsTest, ABadBatchOrKwargsIsRefusedBeforeAnythingIsRecorded) {
	auto request = request_for({stored_model("a")});
	auto refusal = [&] { return invalid_field([&] { deploy(*db, executor, request); }); };
	request.batch = 0;
	auto batch = refusal();
	ASSERT_TRUE(batch) << "batch 0";
	EXPECT_EQ(batch->field, "batch");
	request.batch = 1;
	request.kwargs_fit = "epochs=5, x";
	auto kwargs_fit = refusal();
	ASSERT_TRUE(kwargs_fit) << "a name without a value in kwargs_fit";
	EXPECT_EQ(kwargs_fit->field, "kwargs_fit");
	EXPECT_EQ(kwargs_fit->detail["line"], 1);
	EXPECT_EQ(kwargs_fit->detail["column"], 11) << kwargs_fit->what();
	request.kwargs_fit = "";
	request.kwargs_val = 5;
	auto kwargs_val = refusal();
	ASSERT_TRUE(kwargs_val) << "a number as kwargs_val";
	EXPECT_EQ(kwargs_val->field, "kwargs_val");
	EXPECT_TRUE(db->list_deployments().empty());
	EXPECT_TRUE(executor.calls().empty());
}

TEST_F(DeploymentOperationsTest, NoKwargsTrainWithTheDefaults) {
	auto request = request_for({stored_model("a")});
	request.kwargs_fit = nullptr;
	request.kwargs_val = "";
	auto deployed = deploy(*db, executor, request);
	EXPECT_TRUE(deployed.deployment.kwargs_fit_parsed.is_object());
	EXPECT_TRUE(deployed.deployment.kwargs_val_parsed.is_object());
}

TEST_F(DeploymentOperationsTest, ATrainingModeIsKeptWithItsParametersAndTheOriginalsDefaults) {
	auto batch = deploy(*db, executor, request_for({stored_model("a")})).deployment;
	EXPECT_EQ(batch.mode, "batch") << "without a mode, a deployment trains as it always did";
	EXPECT_EQ(batch.stream_timeout, 60000);
	EXPECT_EQ(batch.monitoring_metric, "loss");
	EXPECT_EQ(batch.change, "down");
	EXPECT_DOUBLE_EQ(batch.improvement, 0.05);

	auto request = request_for({stored_model("b")});
	request.training = {
	    {"mode", "incremental"}, {"stream_timeout", 2000}, {"window_size", 50}, {"monitoring_metric", "accuracy"}};
	auto incremental = deploy(*db, executor, request).deployment;
	EXPECT_EQ(incremental.mode, "incremental");
	EXPECT_EQ(incremental.stream_timeout, 2000);
	EXPECT_EQ(incremental.window_size, 50);
	EXPECT_EQ(incremental.change, "up") << "accuracy improves upwards";
	EXPECT_EQ(db->get_deployment(incremental.id).window_size, 50);

	// The original's body says it with booleans, and -1 for no timeout.
	request.training = {{"incremental", true}, {"indefinite", true}, {"stream_timeout", -1}};
	EXPECT_EQ(deploy(*db, executor, request).deployment.mode, "indefinite");
	request.training = {{"incremental", true}};
	EXPECT_EQ(deploy(*db, executor, request).deployment.mode, "incremental");
	EXPECT_FALSE(incremental.version_every_records) << "by default a version only on improvement";
	request.training = {{"mode", "indefinite"}, {"version_every_records", 5000}};
	auto cadenced = deploy(*db, executor, request).deployment;
	EXPECT_EQ(db->get_deployment(cadenced.id).version_every_records, 5000);
	request.training = {{"mode", "indefinite"}, {"version_every_records", nullptr}};
	EXPECT_FALSE(deploy(*db, executor, request).deployment.version_every_records);
	EXPECT_TRUE(incremental.drift_detection) << "drift detection is on by default";
	EXPECT_EQ(incremental.drift_response, "none");
	request.training = {{"mode", "indefinite"},
	                    {"drift_detection", false},
	                    {"drift_threshold", 30},
	                    {"drift_delta", 0},
	                    {"drift_response", "boost_learning_rate"}};
	auto detector = db->get_deployment(deploy(*db, executor, request).deployment.id);
	EXPECT_FALSE(detector.drift_detection);
	EXPECT_DOUBLE_EQ(detector.drift_threshold, 30);
	EXPECT_DOUBLE_EQ(detector.drift_delta, 0);
	EXPECT_EQ(detector.drift_response, "boost_learning_rate");
}

TEST_F(DeploymentOperationsTest, ATrainingModeFieldOutOfItsDomainIsRefusedNamingIt) {
	auto request = request_for({stored_model("a")});
	auto field_refused = [&](json training) {
		request.training = std::move(training);
		auto refused = invalid_field([&] { deploy(*db, executor, request); });
		return refused ? refused->field : std::string("accepted");
	};
	EXPECT_EQ(field_refused({{"mode", "online"}}), "mode");
	EXPECT_EQ(field_refused({{"mode", 3}}), "mode");
	EXPECT_EQ(field_refused({{"mode", "incremental"}, {"stream_timeout", 0}}), "stream_timeout");
	EXPECT_EQ(field_refused({{"mode", "incremental"}, {"stream_timeout", -1}}), "stream_timeout");
	EXPECT_EQ(field_refused({{"stream_timeout", "60s"}}), "stream_timeout");
	EXPECT_EQ(field_refused({{"window_size", 0}}), "window_size");
	EXPECT_EQ(field_refused({{"monitoring_metric", ""}}), "monitoring_metric");
	EXPECT_EQ(field_refused({{"change", "sideways"}}), "change");
	EXPECT_EQ(field_refused({{"improvement", -0.1}}), "improvement");
	EXPECT_EQ(field_refused({{"version_every_records", 0}}), "version_every_records");
	EXPECT_EQ(field_refused({{"version_every_records", "often"}}), "version_every_records");
	EXPECT_EQ(field_refused({{"drift_detection", 1}}), "drift_detection");
	EXPECT_EQ(field_refused({{"drift_threshold", 0}}), "drift_threshold");
	EXPECT_EQ(field_refused({{"drift_threshold", "high"}}), "drift_threshold");
	EXPECT_EQ(field_refused({{"drift_delta", -0.001}}), "drift_delta");
	EXPECT_EQ(field_refused({{"drift_response", "retrain"}}), "drift_response");
	EXPECT_EQ(field_refused({{"drift_response", true}}), "drift_response");
	EXPECT_TRUE(db->list_deployments().empty());
}

TEST_F(DeploymentOperationsTest, APyTorchModelWithoutItsModuleIsAConflictNamingIt) {
	int64_t keras = stored_model("a");
	int64_t pytorch = stored_model("p", "pytorch");
	try {
		deploy(*db, executor, request_for({keras, pytorch}));
		FAIL() << "the PyTorch model has no module";
	} catch (const StateConflict &e) {
		EXPECT_EQ(e.detail, json({{"model", pytorch}}));
	}
	EXPECT_TRUE(db->list_deployments().empty());
	db->put_model_module(pytorch, "PK module bytes");
	EXPECT_EQ(deploy(*db, executor, request_for({keras, pytorch})).results.size(), 2u);
}

TEST_F(DeploymentOperationsTest, AKerasModelWhoseBaseTakesAWeightsFileWithoutOneIsAConflictNamingIt) {
	int64_t plain = stored_model("a");
	int64_t pretrained = stored_model("b");
	auto base = db->get_model(pretrained);
	base.code = "model = tf.keras.applications.VGG16(weights='imagenet')";
	db->update_model(base);
	WeightsRequirement needed = [](std::string_view code) -> std::optional<std::string> {
		if (code.find("imagenet") == std::string_view::npos) {
			return std::nullopt;
		}
		return "VGG16: weights='imagenet' needs its weights file";
	};
	try {
		deploy(*db, executor, request_for({plain, pretrained}), needed);
		FAIL() << "the model's weights file is missing";
	} catch (const StateConflict &e) {
		EXPECT_EQ(e.detail, json({{"model", pretrained}}));
		EXPECT_NE(std::string(e.what()).find("has no weights file yet: VGG16: weights='imagenet'"), std::string::npos)
		    << e.what();
	}
	EXPECT_TRUE(db->list_deployments().empty());
	db->put_model_weights(pretrained, "\x89HDF\r\n\x1a\n");
	EXPECT_EQ(deploy(*db, executor, request_for({plain, pretrained}), needed).results.size(), 2u);
}

TEST_F(DeploymentOperationsTest, AnUnknownConfigurationIsTheStoresToRefuse) {
	DeploymentRequest request;
	request.configuration = 42;
	EXPECT_THROW(deploy(*db, executor, request), store::InvalidArgument);
}

TEST_F(DeploymentOperationsTest, StopEndsOnlyTheActiveResultsAndThenThereIsNothingToStop) {
	auto [deployment, results] = recorded_deployment(2);
	advance(results[0].id, ResultStatus::Finished);
	advance(results[1].id, ResultStatus::Running);
	auto stopped = stop_deployment(*db, executor, deployment.id);
	EXPECT_EQ(executor.calls(), std::vector<std::string>{"stop training " + std::to_string(results[1].id)});
	ASSERT_EQ(stopped.results.size(), 2u);
	EXPECT_EQ(stopped.results[0].status, ResultStatus::Finished);
	EXPECT_EQ(stopped.results[1].status, ResultStatus::Stopped);
	try {
		stop_deployment(*db, executor, deployment.id);
		FAIL() << "no result is active";
	} catch (const store::Conflict &e) {
		EXPECT_NE(std::string(e.what()).find("result " + std::to_string(results[0].id) + " is finished"),
		          std::string::npos)
		    << e.what();
	}
	EXPECT_EQ(executor.calls().size(), 1u);
	EXPECT_THROW(stop_deployment(*db, executor, deployment.id + 100), store::NotFound);
}

} // namespace
} // namespace kafkaml::operations
