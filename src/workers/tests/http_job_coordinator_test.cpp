// HttpJobCoordinator against a real HTTP server on a loopback port that plays
// the REST API's part: epochs go in batches from the reporter thread, all of
// them arrive before the result is finished, a stop answer reaches the job,
// and an unreachable server ends the job with an error.

#include "workers/http_job_coordinator.h"

#include "support/network.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

namespace kafkaml::workers {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

//! Records the calls a training job makes; answers epochs slowly, as a
//! server writing to its database would.
class FakeApi {
public:
	FakeApi() {
		server_.Post(R"(/api/v1/results/(\d+)/epochs)",
		             [this](const httplib::Request &request, httplib::Response &response) {
			             std::this_thread::sleep_for(epoch_delay);
			             std::lock_guard lock(mutex_);
			             calls.push_back("epochs");
			             auto body = json::parse(request.body);
			             for (const auto &epoch : body.at("epochs")) {
				             epochs.push_back(epoch.at("epoch").get<int64_t>());
			             }
			             response.status = stopped ? 409 : 204;
		             });
		server_.Post(
		    R"(/api/v1/results/(\d+)/status)", [this](const httplib::Request &request, httplib::Response &response) {
			    std::lock_guard lock(mutex_);
			    auto body = json::parse(request.body);
			    calls.push_back(
			        "status " + body.value("status", "") +
			        (body.contains("resume_version") ? " resume_version " + body["resume_version"].dump() : ""));
			    response.status = 200;
			    response.set_content("{}", "application/json");
		    });
		server_.Put(R"(/api/v1/results/(\d+)/model)", [this](const httplib::Request &, httplib::Response &response) {
			std::lock_guard lock(mutex_);
			calls.push_back("model");
			response.status = 204;
		});
		server_.Post(R"(/api/v1/results/(\d+)/drifts)",
		             [this](const httplib::Request &request, httplib::Response &response) {
			             std::lock_guard lock(mutex_);
			             calls.push_back("drift " + json::parse(request.body).dump());
			             response.status = stopped ? 409 : 201;
			             response.set_content("{}", "application/json");
		             });
		server_.Put(R"(/api/v1/results/(\d+)/versions/(\d+))",
		            [this](const httplib::Request &request, httplib::Response &response) {
			            std::lock_guard lock(mutex_);
			            calls.push_back("version " + std::string(request.matches[2]) + " records " +
			                            request.get_param_value("records") + " metrics " +
			                            request.get_param_value("metrics") + " model " + request.body);
			            positions.push_back("epoch " + request.get_param_value("epoch") + " training_time " +
			                                request.get_param_value("training_time") + " prequential " +
			                                request.get_param_value("prequential") + " offsets " +
			                                request.get_param_value("offsets"));
			            response.status = stopped ? 409 : 201;
			            response.set_content("{}", "application/json");
		            });
		server_.Put(R"(/api/v1/results/(\d+)/versions/(\d+)/state)",
		            [this](const httplib::Request &request, httplib::Response &response) {
			            std::lock_guard lock(mutex_);
			            calls.push_back("state of version " + std::string(request.matches[2]) + ": " + request.body);
			            response.status = stopped ? 409 : 201;
			            response.set_content("{}", "application/json");
		            });
		// Result 7 of deployment 2 (indefinite) trains model 3; an earlier
		// run of its job stored versions 1 and 2.
		auto answer = [](json body) {
			return [body](const httplib::Request &, httplib::Response &response) {
				response.set_content(body.dump(), "application/json");
			};
		};
		server_.Get("/api/v1/results/7", answer({{"id", 7}, {"deployment", 2}, {"model", 3}}));
		server_.Get("/api/v1/deployments/2", answer({{"id", 2},
		                                             {"batch", 16},
		                                             {"kwargs_fit_parsed", {{"epochs", 2}}},
		                                             {"mode", "indefinite"},
		                                             {"window_size", 64},
		                                             {"monitoring_metric", "accuracy"},
		                                             {"change", "up"},
		                                             {"improvement", 0.1},
		                                             {"version_every_records", 500},
		                                             {"drift_detection", false},
		                                             {"drift_threshold", 20.5},
		                                             {"drift_delta", 0.125},
		                                             {"drift_response", "boost_learning_rate"}}));
		server_.Get("/api/v1/models/3", answer({{"id", 3}, {"code", "model = ..."}, {"framework", "keras"}}));
		// Version 2 says where its run stood: a restarted job resumes there.
		server_.Get("/api/v1/results/7/versions",
		            answer(json::array({{{"version", 1}},
		                                {{"version", 2},
		                                 {"records", 640},
		                                 {"metrics", {{"prequential_accuracy", 0.75}}},
		                                 {"epoch", 10},
		                                 {"prequential", {{"prequential_accuracy", 0.6}, {"prequential_loss", 0.7}}},
		                                 {"training_time", 1.5},
		                                 {"offsets", {{{"topic", "t"}, {"partition", 1}, {"offset", 333}}}},
		                                 {"state_size", 9}}})));
		server_.Get("/api/v1/results/7/versions/2/state", [](const httplib::Request &, httplib::Response &response) {
			response.set_content("state two", "application/octet-stream");
		});
		server_.Get("/api/v1/results/7/versions/2/model", [](const httplib::Request &, httplib::Response &response) {
			response.set_content("version two", "application/octet-stream");
		});
		// Inference 5 serves result 9, whose model is gone (deleted).
		server_.Get("/api/v1/inferences/5", [](const httplib::Request &, httplib::Response &response) {
			response.set_content(json{{"id", 5},
			                          {"model_result", 9},
			                          {"input_format", "RAW"},
			                          {"input_config", json::object()},
			                          {"input_topic", "in"},
			                          {"output_topic", "out"}}
			                         .dump(),
			                     "application/json");
		});
		server_.Get("/api/v1/inferences/5/version", answer({{"inference", 5},
		                                                    {"model_result", 9},
		                                                    {"model_version", nullptr},
		                                                    {"version", nullptr},
		                                                    {"ready", true}}));
		// Inference 6 follows result 10, serving its version 4.
		server_.Get("/api/v1/inferences/6/version", answer({{"inference", 6},
		                                                    {"model_result", 10},
		                                                    {"model_version", "latest"},
		                                                    {"version", 4},
		                                                    {"ready", true}}));
		server_.Get("/api/v1/results/10/versions/4/model", [](const httplib::Request &, httplib::Response &response) {
			response.set_content("version four", "application/octet-stream");
		});
		server_.Get("/api/v1/results/9/model", [](const httplib::Request &, httplib::Response &response) {
			response.status = 404;
			response.set_content(R"({"error":"result 9 not found"})", "application/json");
		});
		// Result 12 trains model 4, whose pretrained base has its weights file.
		server_.Get("/api/v1/results/12", [](const httplib::Request &, httplib::Response &response) {
			response.set_content(json{{"id", 12}, {"deployment", 3}, {"model", 4}}.dump(), "application/json");
		});
		server_.Get("/api/v1/deployments/3", [](const httplib::Request &, httplib::Response &response) {
			response.set_content(json{{"id", 3}, {"batch", 8}}.dump(), "application/json");
		});
		server_.Get("/api/v1/models/4", [](const httplib::Request &, httplib::Response &response) {
			response.set_content(json{{"id", 4},
			                          {"code", "model = VGG16(weights='imagenet')"},
			                          {"framework", "keras"},
			                          {"module_size", nullptr},
			                          {"weights_size", 12}}
			                         .dump(),
			                     "application/json");
		});
		server_.Get("/api/v1/models/4/weights", [](const httplib::Request &, httplib::Response &response) {
			response.set_content(std::string("\x89HDF\r\n\x1a\n\0\0\0\x01", 12), "application/octet-stream");
		});
		server_.Post("/api/v1/inferences/5/status",
		             [this](const httplib::Request &request, httplib::Response &response) {
			             std::lock_guard lock(mutex_);
			             auto body = json::parse(request.body);
			             calls.push_back("inference " + body.value("status", "") + " by " + body.value("replica", "") +
			                             ": " + body.value("detail", ""));
			             response.status = failure_taken ? 200 : 409;
			             failure_taken = false;
			             response.set_content("{}", "application/json");
		             });
		port_ = server_.bind_to_any_port("127.0.0.1");
		thread_ = std::thread([this] { server_.listen_after_bind(); });
		while (!server_.is_running()) {
			std::this_thread::sleep_for(1ms);
		}
	}
	~FakeApi() {
		server_.stop();
		thread_.join();
	}
	std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
	template <typename F>
	auto locked(F f) {
		std::lock_guard lock(mutex_);
		return f();
	}

	std::chrono::milliseconds epoch_delay{30};
	std::atomic<bool> stopped{false};
	bool failure_taken = true; //!< the first failure report is taken, later ones answer 409
	std::vector<std::string> calls;
	std::vector<std::string> positions; //!< what each version said of where its run stood
	std::vector<int64_t> epochs;

private:
	std::mutex mutex_;
	httplib::Server server_;
	int port_ = 0;
	std::thread thread_;
};

ml::EpochLog epoch_log(int64_t n) {
	ml::EpochLog log;
	log.epoch = n;
	log.train = {{"loss", 1.0 / double(n)}, {"accuracy", 0.5}};
	log.validation = {{"loss", 2.0 / double(n)}};
	return log;
}

TEST(HttpJobCoordinatorTest, EpochsGoInFewBatchesAndAllArriveBeforeTheResultFinishes) {
	FakeApi api;
	HttpJobCoordinator coordinator(api.url(), "token", 5s, 100ms);
	for (int64_t n = 1; n <= 1000; n++) {
		ASSERT_TRUE(coordinator.training_epoch(7, epoch_log(n)));
	}
	TrainingReport report;
	report.epochs = 1000;
	coordinator.training_finished(7, report, "model bytes");
	auto calls = api.locked([&] { return api.calls; });
	auto epochs = api.locked([&] { return api.epochs; });
	ASSERT_EQ(epochs.size(), 1000u);
	for (size_t i = 0; i < epochs.size(); i++) {
		ASSERT_EQ(epochs[i], int64_t(i + 1)) << "in order, each once";
	}
	auto batches = std::count(calls.begin(), calls.end(), "epochs");
	// Queued far faster than one call takes: a handful of calls, not 1000.
	EXPECT_LE(batches, 10) << "epochs were not coalesced";
	ASSERT_GE(calls.size(), 2u);
	EXPECT_EQ(calls[calls.size() - 2], "model");
	EXPECT_EQ(calls.back(), "status finished");
}

TEST(HttpJobCoordinatorTest, AKerasModelsWeightsFileComesWithItsAssignment) {
	FakeApi api;
	HttpJobCoordinator coordinator(api.url(), "token", 5s, 100ms);
	TrainingAssignment assignment = coordinator.training_assignment(12);
	EXPECT_EQ(assignment.model_code, "model = VGG16(weights='imagenet')");
	EXPECT_EQ(assignment.batch, 8);
	EXPECT_EQ(assignment.weights, std::string("\x89HDF\r\n\x1a\n\0\0\0\x01", 12)) << "the bytes as uploaded";
	EXPECT_TRUE(assignment.module.empty());
}

TEST(HttpJobCoordinatorTest, AStoppedResultStopsTheJobWithinOneRound) {
	FakeApi api;
	api.epoch_delay = 1ms;
	HttpJobCoordinator coordinator(api.url(), "token", 5s, 20ms);
	ASSERT_TRUE(coordinator.training_epoch(7, epoch_log(1)));
	api.stopped = true;
	bool stopped = false;
	int64_t n = 2;
	for (; n < 500 && !stopped; n++) {
		stopped = !coordinator.training_epoch(7, epoch_log(n));
		std::this_thread::sleep_for(5ms);
	}
	EXPECT_TRUE(stopped) << "the 409 never reached the job";
	coordinator.training_stopped(7, std::nullopt);
	auto calls = api.locked([&] { return api.calls; });
	EXPECT_EQ(calls.back(), "status stopped");
}

TEST(HttpJobCoordinatorTest, AStopWithALearnedModelKeepsTheModelBeforeSayingStopped) {
	FakeApi api;
	HttpJobCoordinator coordinator(api.url(), "token", 5s, 20ms);
	ASSERT_TRUE(coordinator.training_epoch(7, epoch_log(1)));
	LearnedModel learned;
	learned.report.train = {{"prequential_loss", 0.5}};
	learned.report.detail = "learned from 200 records in 1 windows";
	learned.model_blob = "model bytes";
	coordinator.training_stopped(7, learned);
	auto calls = api.locked([&] { return api.calls; });
	ASSERT_GE(calls.size(), 3u);
	EXPECT_EQ(calls[calls.size() - 3], "epochs") << "what was queued goes first";
	EXPECT_EQ(calls[calls.size() - 2], "model");
	EXPECT_EQ(calls.back(), "status stopped");
}

TEST(HttpJobCoordinatorTest, AVersionGoesWithItsRecordsAndMetricsAndAStoppedResultRefusesIt) {
	FakeApi api;
	HttpJobCoordinator coordinator(api.url(), "token", 5s, 20ms);
	ModelVersion version;
	version.version = 3;
	version.records = 1200;
	version.metrics = {{"prequential_loss", 0.25}, {"prequential_accuracy", 0.5}};
	version.model_blob = "model bytes";
	version.position.epoch = 6;
	version.position.prequential = {{"prequential_loss", 0.5}};
	version.position.training_seconds = 0.75;
	version.position.offsets = {{"t", 0, 700}, {"t", 1, 500}};
	version.training_state = std::string("state\0bytes", 11);
	EXPECT_TRUE(coordinator.training_version(7, version));
	auto calls = api.locked([&] { return api.calls; });
	ASSERT_EQ(calls.size(), 2u) << "the version, then its training state";
	EXPECT_EQ(calls[0], R"(version 3 records 1200 metrics {"prequential_accuracy":0.5,"prequential_loss":0.25} )"
	                    "model model bytes");
	EXPECT_EQ(calls[1], std::string("state of version 3: state\0bytes", 31));
	EXPECT_EQ(api.locked([&] { return api.positions; }).at(0),
	          R"(epoch 6 training_time 0.75 prequential {"prequential_loss":0.5} offsets )"
	          R"([{"offset":700,"partition":0,"topic":"t"},{"offset":500,"partition":1,"topic":"t"}])");
	api.stopped = true;
	EXPECT_FALSE(coordinator.training_version(7, version)) << "a 409 stops the job";
	EXPECT_EQ(api.locked([&] { return api.calls; }).size(), 3u) << "no state for a version refused";
	EXPECT_FALSE(coordinator.training_epoch(7, epoch_log(1)));
}

TEST(HttpJobCoordinatorTest, AContinualAssignmentCarriesTheVersionRuleAndNumbersAfterStoredVersions) {
	FakeApi api;
	HttpJobCoordinator coordinator(api.url(), "token", 5s, 20ms);
	auto assignment = coordinator.training_assignment(7);
	const auto &continual = assignment.continual;
	EXPECT_EQ(continual.mode, TrainingMode::indefinite);
	EXPECT_EQ(continual.window_size, 64);
	EXPECT_EQ(continual.monitoring_metric, "accuracy");
	EXPECT_EQ(continual.change, "up");
	EXPECT_DOUBLE_EQ(continual.improvement, 0.1);
	EXPECT_EQ(continual.version_every_records, 500);
	EXPECT_EQ(continual.next_version, 3) << "a restarted job numbers on after the versions stored";

	// It resumes from the last version, with its model and where it stood,
	// and says so when it starts, for the server to drop the epochs after it.
	ASSERT_TRUE(continual.resume);
	const auto &resume = *continual.resume;
	EXPECT_EQ(resume.version, 2);
	EXPECT_EQ(resume.records, 640);
	EXPECT_EQ(resume.metrics, (ml::MetricValues{{"prequential_accuracy", 0.75}}));
	EXPECT_EQ(resume.position.epoch, 10);
	EXPECT_EQ(resume.position.prequential,
	          (ml::MetricValues{{"prequential_accuracy", 0.6}, {"prequential_loss", 0.7}}));
	EXPECT_EQ(resume.position.training_seconds, 1.5);
	EXPECT_EQ(resume.position.offsets, (std::vector<stream::TopicPartitionOffset>{{"t", 1, 333}}));
	EXPECT_EQ(resume.model_blob, "version two");
	EXPECT_EQ(resume.training_state, "state two") << "state_size says it has one";
	StreamInfo stream;
	stream.online = true;
	stream.resumes_version = 2;
	coordinator.training_started(7, stream);
	EXPECT_EQ(api.locked([&] { return api.calls; }).back(), "status running resume_version 2");
	EXPECT_FALSE(continual.drift_detection);
	EXPECT_DOUBLE_EQ(continual.drift_threshold, 20.5);
	EXPECT_DOUBLE_EQ(continual.drift_delta, 0.125);
	EXPECT_EQ(continual.drift_response, DriftResponse::boost_learning_rate);
	// A deployment from before drift detection: the defaults.
	auto older = coordinator.training_assignment(12).continual;
	EXPECT_TRUE(older.drift_detection);
	EXPECT_DOUBLE_EQ(older.drift_threshold, 100);
	EXPECT_EQ(older.drift_response, DriftResponse::none);
}

TEST(HttpJobCoordinatorTest, ADriftGoesWithItsRecordsAndErrorsAndAStoppedResultRefusesIt) {
	FakeApi api;
	HttpJobCoordinator coordinator(api.url(), "token", 5s, 20ms);
	DriftEvent drift{3200, 0.125, 0.875, "1 - accuracy", DriftResponse::reset_optimizer};
	EXPECT_TRUE(coordinator.training_drift(7, drift));
	auto calls = api.locked([&] { return api.calls; });
	ASSERT_EQ(calls.size(), 1u);
	EXPECT_EQ(calls[0], R"(drift {"error_after":0.875,"error_before":0.125,"measure":"1 - accuracy",)"
	                    R"("records":3200,"response":"reset_optimizer"})");
	api.stopped = true;
	EXPECT_FALSE(coordinator.training_drift(7, drift)) << "a 409 stops the job";
	EXPECT_FALSE(coordinator.training_epoch(7, epoch_log(1)));
}

TEST(HttpJobCoordinatorTest, AnUnreachableServerEndsTheJobWithAnError) {
	// A port nobody listens on. (httplib's bind_to_any_port also listens
	// and never closes.)
	int port = kafkaml::testing::free_port();
	HttpJobCoordinator coordinator("http://127.0.0.1:" + std::to_string(port), "token", 200ms, 10ms);
	bool thrown = false;
	for (int64_t n = 1; n < 300 && !thrown; n++) {
		try {
			coordinator.training_epoch(7, epoch_log(n));
		} catch (const std::runtime_error &e) {
			thrown = true;
			EXPECT_NE(std::string(e.what()).find("cannot reach the server"), std::string::npos) << e.what();
		}
		std::this_thread::sleep_for(10ms);
	}
	EXPECT_TRUE(thrown);
	EXPECT_THROW(coordinator.training_failed(7, "x"), std::runtime_error);
}

TEST(HttpJobCoordinatorTest, AReplicaWhoseModelIsGoneFailsTheInferenceOnce) {
	FakeApi api;
	HttpJobCoordinator coordinator(api.url(), "token", 5s);
	auto assignment = coordinator.inference_assignment(5);
	EXPECT_EQ(assignment.model_result, 9);
	auto target = coordinator.inference_target(5);
	EXPECT_EQ(target, (ServingTarget{9, std::nullopt, true}));
	try {
		coordinator.served_model(target);
		FAIL() << "a model that is not there must throw";
	} catch (const Error &e) {
		// No restart brings the model back: the user's to fix, not retried.
		EXPECT_EQ(e.kind(), ErrorKind::user) << e.what();
		EXPECT_NE(std::string(e.what()).find("result 9 not found"), std::string::npos) << e.what();
	}
	coordinator.inference_failed(5, "host:1", "no model");
	coordinator.inference_failed(5, "host:2", "no model either"); // 409: ended meanwhile, that stands
	auto calls = api.locked([&] { return api.calls; });
	EXPECT_EQ(calls, (std::vector<std::string>{"inference failed by host:1: no model",
	                                           "inference failed by host:2: no model either"}));
}

TEST(HttpJobCoordinatorTest, AReplicaFollowingAResultFetchesTheVersionItIsToServe) {
	FakeApi api;
	HttpJobCoordinator coordinator(api.url(), "token", 5s);
	auto target = coordinator.inference_target(6);
	EXPECT_EQ(target, (ServingTarget{10, 4, true}));
	EXPECT_EQ(coordinator.served_model(target), "version four");
}

} // namespace
} // namespace kafkaml::workers
