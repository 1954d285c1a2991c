// The REST API over real HTTP: an httplib client against the server on a
// free loopback port, a real SQLite store in a temporary directory, and
// recording fakes for the orchestrator and the control publisher.

#include "api/api_server.h"
#include "executors/tests/recording_executor.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <arpa/inet.h>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <netinet/in.h>
#include <set>
#include <sys/socket.h>
#include <thread>
#include <tuple>
#include <unistd.h>

namespace kafkaml::api {
namespace {

using executors::RecordingExecutor;
using kafkaml::testing::TempDir;
using nlohmann::json;

class RecordingPublisher final : public operations::ControlPublisher {
public:
	void publish(int64_t deployment, const store::Datasource &datasource) override {
		std::lock_guard lock(mutex);
		sent.emplace_back(deployment, datasource.topic);
	}
	std::mutex mutex;
	std::vector<std::pair<int64_t, std::string>> sent;
};

// Rejects code containing "syntax error" at line 2, column 5, as the real
// parser would report a location.
void fake_validator(std::string_view code) {
	if (code.find("syntax error") != std::string_view::npos) {
		throw operations::ValidationError(2, 5, "line 2, column 5: expected ')' to close the call");
	}
}

const char *kScrapeToken = "scrape-token-of-the-tests";

const char *MODEL_CODE = "model = tf.keras.Sequential([tf.keras.layers.Dense(2, input_shape=(3,))])";

class ApiTest : public ::testing::Test {
protected:
	void SetUp() override {
		dir_ = temp_.string();
		std::filesystem::create_directories(dir_ + "/web/assets");
		std::ofstream(dir_ + "/web/index.html") << "<html>kafka-ml</html>";
		std::ofstream(dir_ + "/web/assets/app.js") << "console.log(1)";
		std::ofstream(dir_ + "/secret.txt") << "outside the web root";
		store_ = store::open_store("sqlite:" + dir_ + "/kafkaml.db");
		token_ = ensure_admin_token(*store_, dir_ + "/admin-token");
		ApiOptions options;
		options.store = store_.get();
		options.executor = &executor_;
		options.publisher = &publisher_;
		options.validate_model = fake_validator;
		options.validate_input = [](std::string_view format, const json &config) {
			if (format == "JSON" && config.contains("fields") && !config["fields"].is_array()) {
				throw operations::ValidationError(0, 0, "JSON input_config \"fields\" must be a list of names");
			}
		};
		options.validate_compile = [](std::string_view arguments) {
			if (arguments.find("loss") == std::string_view::npos) {
				throw operations::ValidationError(1, 1, "the compile arguments name no loss");
			}
		};
		options.validate_module = [](std::string_view bytes) {
			if (!bytes.starts_with("PK")) {
				throw operations::ValidationError(0, 0, "not a TorchScript module");
			}
		};
		options.weights_needed = [](std::string_view code) -> std::optional<std::string> {
			if (code.find("imagenet") == std::string_view::npos) {
				return std::nullopt;
			}
			return "VGG16: weights='imagenet' needs its weights file uploaded with the model";
		};
		options.replica_stats_expiry = std::chrono::milliseconds(300);
		options.partition_count = [](const std::string &, const std::string &topic) -> std::optional<int32_t> {
			if (topic == "two-partitions") {
				return 2;
			}
			return std::nullopt;
		};
		// Like the server's: topics other than these do not exist yet.
		options.create_input_topic = [this](const std::string &, const std::string &topic, int32_t partitions) {
			if (topic == "two-partitions" || topic == "in") {
				return false;
			}
			created_topics_.emplace_back(topic, partitions);
			return true;
		};
		options.max_replicas = 8;
		options.kafka_clusters = {{"default", "127.0.0.1:9092", "plaintext", ""},
		                          {"edge", "edge-0:9093", "sasl_ssl", "SCRAM-SHA-512"}};
		options.export_pytorch = [](std::string_view blob) {
			if (blob == "not a model") {
				throw std::invalid_argument("not a kafkaml model file");
			}
			return "pytorch:" + std::string(blob);
		};
		options.admin_token = token_;
		options.jobs_token = std::string(64, 'j');
		options.metrics_token = kScrapeToken;
		options.allowed_hosts = {"127.0.0.1", "localhost"};
		options.web_root = dir_ + "/web";
		server_ = std::make_unique<ApiServer>(options);
		server_->start("127.0.0.1", 0);
		client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
		client_->set_bearer_token_auth(token_.c_str());
	}
	void TearDown() override { server_->stop(); }

	// Sends a request and returns {status, parsed body (null when empty or not JSON)}.
	std::pair<int, json> call(const std::string &method, const std::string &path, const json &body = nullptr) {
		httplib::Result r = method == "GET"      ? client_->Get(path.c_str())
		                    : method == "DELETE" ? client_->Delete(path.c_str())
		                    : method == "PUT"
		                        ? client_->Put(path.c_str(), body.dump(), "application/json")
		                        : client_->Post(path.c_str(), body.is_null() ? "" : body.dump(), "application/json");
		if (!r) {
			ADD_FAILURE() << method << " " << path << ": no answer";
			return {0, nullptr};
		}
		return {r->status, json::parse(r->body, nullptr, false)};
	}

	int64_t create_model(const std::string &name) {
		auto [status, body] = call("POST", "/api/v1/models", {{"name", name}, {"code", MODEL_CODE}});
		EXPECT_EQ(status, 201) << body;
		return body["id"].get<int64_t>();
	}

	// Model + configuration of two + deployment; returns the deployment JSON.
	json deploy_two() {
		int64_t a = create_model("a"), b = create_model("b");
		auto [s1, configuration] =
		    call("POST", "/api/v1/configurations", {{"name", "pair"}, {"ml_models", json::array({a, b})}});
		EXPECT_EQ(s1, 201) << configuration;
		auto [s2, deployment] = call("POST", "/api/v1/deployments",
		                             {{"configuration", configuration["id"]},
		                              {"batch", 10},
		                              {"kwargs_fit", "epochs=4, steps_per_epoch=22, shuffle=True"},
		                              {"kwargs_val", json{{"steps", 2}}}});
		EXPECT_EQ(s2, 201) << deployment;
		return deployment;
	}

	// A deployment of one new model; returns the deployment JSON.
	json deploy_one() {
		int64_t m = create_model("m");
		auto conf = call("POST", "/api/v1/configurations", {{"name", "c"}, {"ml_models", json::array({m})}}).second;
		return call("POST", "/api/v1/deployments", {{"configuration", conf["id"]}}).second;
	}

	// An inference's create body on a finished result, JSON inputs.
	json inference_body(const std::string &input_topic) {
		int64_t result = deploy_two()["results"][0]["id"];
		finish(result);
		return {
		    {"model_result", result}, {"input_format", "JSON"}, {"input_topic", input_topic}, {"output_topic", "out"}};
	}

	// Drives a result to finished the way a training job does.
	void finish(int64_t result) {
		std::string base = "/api/v1/results/" + std::to_string(result);
		EXPECT_EQ(call("POST", base + "/status", {{"status", "running"}}).first, 200);
		for (int epoch = 1; epoch <= 4; epoch++) {
			EXPECT_EQ(call("POST", base + "/epochs", {{"epoch", epoch}, {"metrics", {{"loss", 1.0 / epoch}}}}).first,
			          204);
		}
		auto [status, body] = call("POST", base + "/status",
		                           {{"status", "finished"},
		                            {"train_metrics", {{"loss", 0.25}, {"accuracy", 0.9}}},
		                            {"val_metrics", {{"loss", 0.3}}},
		                            {"test_metrics", {{"loss", 0.35}}},
		                            {"training_time", 1.5}});
		EXPECT_EQ(status, 200) << body;
	}

	TempDir temp_{"api"};
	std::string dir_;
	std::string token_;
	std::unique_ptr<store::Store> store_;
	RecordingExecutor executor_;
	RecordingPublisher publisher_;
	std::vector<std::pair<std::string, int32_t>> created_topics_; //!< what create_input_topic made
	std::unique_ptr<ApiServer> server_;
	std::unique_ptr<httplib::Client> client_;
};

TEST_F(ApiTest, ResultShowsTheExitsItsTrainingJobReported) {
	json deployment = deploy_two();
	int64_t early = deployment["results"][0]["id"], plain = deployment["results"][1]["id"];
	std::string base = "/api/v1/results/" + std::to_string(early);
	EXPECT_EQ(call("POST", base + "/status", {{"status", "running"}}).first, 200);
	json exits =
	    json::array({{{"index", 0},
	                  {"name", "early"},
	                  {"metrics", {{"loss", 0.4}, {"accuracy", 0.8}}},
	                  {"thresholds", {{{"threshold", 0.9}, {"count", 5}, {"share", 0.5}, {"accuracy", 1.0}}}}},
	                 {{"index", 1},
	                  {"name", "final"},
	                  {"metrics", {{"loss", 0.2}, {"accuracy", 0.9}}},
	                  {"thresholds", {{{"threshold", 0.9}, {"count", 0}, {"share", 0.0}, {"accuracy", nullptr}}}}}});
	auto [status, body] =
	    call("POST", base + "/status", {{"status", "finished"}, {"val_metrics", {{"loss", 0.3}, {"exits", exits}}}});
	ASSERT_EQ(status, 200) << body;
	auto result = call("GET", base).second;
	EXPECT_EQ(result["exits"], exits);
	EXPECT_EQ(result["val_metrics"], (json{{"loss", 0.3}})) << "shown once, on their own";
	finish(plain);
	EXPECT_TRUE(call("GET", "/api/v1/results/" + std::to_string(plain)).second["exits"].is_null());
}

TEST_F(ApiTest, TokenIsStoredHexOfAtLeast32Bytes) {
	EXPECT_GE(token_.size(), 64u);
	EXPECT_EQ(token_.find_first_not_of("0123456789abcdef"), std::string::npos);
	EXPECT_EQ(ensure_admin_token(*store_, dir_ + "/admin-token"), token_) << "the token is made once and kept";
}

TEST_F(ApiTest, WholeFlowFromModelToInference) {
	json deployment = deploy_two();
	ASSERT_EQ(deployment["results"].size(), 2u);
	EXPECT_EQ(deployment["kwargs_fit"], "epochs=4, steps_per_epoch=22, shuffle=True");
	EXPECT_EQ(deployment["kwargs_fit_parsed"]["steps_per_epoch"], 22);
	EXPECT_EQ(deployment["kwargs_val_parsed"]["steps"], 2);
	for (const auto &r : deployment["results"]) {
		EXPECT_EQ(r["status"], "deployed");
	}
	int64_t r1 = deployment["results"][0]["id"], r2 = deployment["results"][1]["id"];
	auto calls = executor_.calls();
	ASSERT_EQ(calls.size(), 2u);
	EXPECT_EQ(calls[0], "start_training " + std::to_string(r1));

	finish(r1);
	std::string bytes("model\0bytes\xff", 12);
	auto put =
	    client_->Put(("/api/v1/results/" + std::to_string(r1) + "/model").c_str(), bytes, "application/octet-stream");
	ASSERT_TRUE(put);
	EXPECT_EQ(put->status, 204);
	auto [status, result] = call("GET", "/api/v1/results/" + std::to_string(r1));
	EXPECT_EQ(status, 200);
	EXPECT_EQ(result["status"], "finished");
	EXPECT_EQ(result["epochs"].size(), 4u);
	EXPECT_EQ(result["epochs"][3]["metrics"]["loss"], 0.25);
	EXPECT_EQ(result["train_metrics"]["accuracy"], 0.9);
	EXPECT_EQ(result["test_metrics"]["loss"], 0.35);
	EXPECT_EQ(result["training_time"], 1.5);
	EXPECT_EQ(result["trained_model_size"], 12);
	auto download = client_->Get(result["trained_model"].get<std::string>().c_str());
	ASSERT_TRUE(download);
	EXPECT_EQ(download->status, 200);
	EXPECT_EQ(download->body, bytes);
	EXPECT_EQ(call("GET", "/api/v1/results?deployment=" + deployment["id"].dump()).second.size(), 2u);

	// The control logger would record this from the control topic.
	store::Datasource source;
	source.deployment = deployment["id"];
	source.topic = "hcopd:0:0:239";
	source.input_format = "AVRO";
	source.input_config = {{"data_scheme", "{\"type\": \"record\"}"}};
	source.total_msg = 239;
	auto recorded = store_->add_datasource(source);

	auto [s3, inference] =
	    call("POST", "/api/v1/inferences",
	         {{"model_result", r1}, {"replicas", 2}, {"input_topic", "in"}, {"output_topic", "out"}});
	ASSERT_EQ(s3, 201) << inference;
	EXPECT_EQ(inference["input_format"], "AVRO") << "pre-filled from the stream it trained on";
	EXPECT_EQ(inference["input_config"], source.input_config);
	EXPECT_EQ(inference["dead_letter_topic"], "in-dead-letter");
	EXPECT_EQ(inference["status"], "deployed");
	std::string base = "/api/v1/inferences/" + inference["id"].dump();
	auto [s4, scaled] = call("POST", base + "/scale", {{"replicas", 3}});
	EXPECT_EQ(s4, 200) << scaled;
	EXPECT_EQ(scaled["replicas"], 3);
	EXPECT_EQ(call("DELETE", base).first, 409) << "still deployed";
	EXPECT_EQ(call("POST", base + "/stop").second["status"], "stopped");
	EXPECT_EQ(call("POST", base + "/stop").first, 409);
	EXPECT_EQ(call("DELETE", base).first, 204);

	// Reuse the stream for the deployment again: only the control message goes.
	auto [s5, sent] = call("POST", "/api/v1/datasources/" + std::to_string(recorded.id) + "/send",
	                       {{"deployment", deployment["id"]}});
	EXPECT_EQ(s5, 202) << sent;
	ASSERT_EQ(publisher_.sent.size(), 1u);
	EXPECT_EQ(publisher_.sent[0], std::make_pair(deployment["id"].get<int64_t>(), std::string("hcopd:0:0:239")));
	EXPECT_EQ(call("GET", "/api/v1/datasources").second.size(), 1u);

	std::string d = "/api/v1/deployments/" + deployment["id"].dump();
	EXPECT_EQ(call("DELETE", d).first, 409) << "result 2 is still deployed";
	std::string datasource = "/api/v1/datasources/" + std::to_string(recorded.id);
	auto [s_in_use, in_use] = call("DELETE", datasource);
	EXPECT_EQ(s_in_use, 409) << "its deployment may still read it: " << in_use;
	EXPECT_NE(in_use.value("error", "").find("stop the deployment first"), std::string::npos) << in_use;
	EXPECT_EQ(call("DELETE", datasource + "/records").first, 409) << "its records too, while it may be read";
	auto [s6, stopped] = call("POST", d + "/stop");
	EXPECT_EQ(s6, 200);
	EXPECT_EQ(call("DELETE", datasource + "/records?include_earlier=maybe").first, 400);
	auto [s_no_kafka, no_kafka] = call("DELETE", datasource + "/records");
	EXPECT_EQ(s_no_kafka, 503) << "no Kafka connection to delete records with: " << no_kafka;
	EXPECT_EQ(call("DELETE", "/api/v1/datasources/4242/records").first, 404);
	EXPECT_TRUE(call("GET", datasource).second["records_deleted_at"].is_null());
	EXPECT_EQ(call("DELETE", datasource).first, 204);
	EXPECT_EQ(call("DELETE", datasource).first, 404);
	EXPECT_TRUE(call("GET", "/api/v1/datasources").second.empty());
	EXPECT_EQ(call("GET", "/api/v1/results/" + std::to_string(r2)).second["status"], "stopped");
	EXPECT_EQ(call("GET", "/api/v1/results/" + std::to_string(r1)).second["status"], "finished");
	calls = executor_.calls();
	EXPECT_EQ(calls.back(), "stop training " + std::to_string(r2));
	EXPECT_EQ(call("DELETE", d).first, 204);
	EXPECT_EQ(call("GET", "/api/v1/results/" + std::to_string(r1)).first, 404);
	EXPECT_EQ(call("DELETE", "/api/v1/configurations/" + deployment["configuration"].dump()).first, 204);
	for (const auto &m : call("GET", "/api/v1/models").second) {
		EXPECT_EQ(call("DELETE", "/api/v1/models/" + m["id"].dump()).first, 204);
	}
	EXPECT_TRUE(call("GET", "/api/v1/models").second.empty());
}

TEST_F(ApiTest, TrainedModelsDownloadAsUploadedOrForPyTorch) {
	int64_t r1 = deploy_two()["results"][0]["id"];
	std::string path = "/api/v1/results/" + std::to_string(r1) + "/model";
	EXPECT_EQ(call("GET", path + "?format=pytorch").first, 404) << "no model yet";
	finish(r1);
	ASSERT_EQ(client_->Put(path.c_str(), "weights", "application/octet-stream")->status, 204);
	auto as_uploaded = client_->Get(path.c_str());
	EXPECT_EQ(as_uploaded->body, "weights");
	EXPECT_EQ(client_->Get((path + "?format=kafkaml").c_str())->body, "weights");
	auto for_pytorch = client_->Get((path + "?format=pytorch").c_str());
	ASSERT_EQ(for_pytorch->status, 200);
	EXPECT_EQ(for_pytorch->body, "pytorch:weights");
	EXPECT_NE(for_pytorch->get_header_value("Content-Disposition").find(".pt\""), std::string::npos);
	auto [s1, b1] = call("GET", path + "?format=onnx");
	EXPECT_EQ(s1, 400);
	EXPECT_NE(b1.value("error", "").find("kafkaml"), std::string::npos) << b1;
	ASSERT_EQ(client_->Put(path.c_str(), "not a model", "application/octet-stream")->status, 204);
	auto [s2, b2] = call("GET", path + "?format=pytorch");
	EXPECT_EQ(s2, 500);
	EXPECT_NE(b2.value("error", "").find("not a kafkaml model file"), std::string::npos) << b2;
}

TEST_F(ApiTest, ModelVersionsAreStoredOnceListedAndDownloadedLikeTheModel) {
	int64_t m = create_model("m");
	auto conf = call("POST", "/api/v1/configurations", {{"name", "c"}, {"ml_models", json::array({m})}}).second;
	auto [s0, deployment] =
	    call("POST", "/api/v1/deployments",
	         {{"configuration", conf["id"]}, {"mode", "indefinite"}, {"version_every_records", 500}});
	ASSERT_EQ(s0, 201) << deployment;
	EXPECT_EQ(deployment["version_every_records"], 500);
	int64_t id = deployment["results"][0]["id"];
	std::string base = "/api/v1/results/" + std::to_string(id);
	ASSERT_EQ(call("POST", base + "/status", {{"status", "running"}}).first, 200);
	EXPECT_EQ(call("GET", base + "/versions").second, json::array());

	// {"prequential_loss": 0.5}, as a query parameter
	std::string metrics = "%7B%22prequential_loss%22%3A0.5%7D";
	auto put = [&](const std::string &version, const std::string &query, const std::string &bytes) {
		auto r = client_->Put((base + "/versions/" + version + query).c_str(), bytes, "application/octet-stream");
		return r ? r->status : 0;
	};
	EXPECT_EQ(put("1", "?records=200&metrics=" + metrics, "weights one"), 201);
	EXPECT_EQ(put("1", "?records=200&metrics=" + metrics, "weights one"), 200) << "sent again: the same version";
	EXPECT_EQ(put("2", "?records=700", "weights two"), 201);
	auto [s1, versions] = call("GET", base + "/versions");
	ASSERT_EQ(s1, 200);
	ASSERT_EQ(versions.size(), 2u) << versions;
	EXPECT_EQ(versions[0]["version"], 1);
	EXPECT_EQ(versions[0]["records"], 200);
	EXPECT_EQ(versions[0]["metrics"]["prequential_loss"], 0.5);
	EXPECT_EQ(versions[0]["size"], 11);
	EXPECT_FALSE(versions[0].contains("data")) << "a list does not carry the models";
	EXPECT_EQ(versions[1]["metrics"], json::object());

	auto one = client_->Get((base + "/versions/1/model").c_str());
	ASSERT_EQ(one->status, 200);
	EXPECT_EQ(one->body, "weights one");
	EXPECT_NE(one->get_header_value("Content-Disposition").find("-v1.kafkaml\""), std::string::npos);
	auto for_pytorch = client_->Get((base + "/versions/2/model?format=pytorch").c_str());
	ASSERT_EQ(for_pytorch->status, 200);
	EXPECT_EQ(for_pytorch->body, "pytorch:weights two");
	EXPECT_EQ(call("GET", base + "/versions/2/model?format=onnx").first, 400);
	EXPECT_EQ(call("GET", base + "/versions/3/model").first, 404);
	for (const char *version : {"0", "-1", "one", "99999999999999999999"}) {
		EXPECT_EQ(call("GET", base + "/versions/" + version + "/model").first, 404) << version;
		EXPECT_EQ(put(version, "?records=1", "w"), 404) << version;
	}
	EXPECT_EQ(put("3", "", "w"), 400) << "no records";
	EXPECT_EQ(put("3", "?records=many", "w"), 400);
	EXPECT_EQ(put("3", "?records=1&metrics=%7B", "w"), 400) << "metrics not JSON";
	EXPECT_EQ(put("3", "?records=1&metrics=%5B%5D", "w"), 400) << "metrics not an object";
	EXPECT_EQ(put("3", "?records=1", ""), 400) << "no model";
	EXPECT_EQ(put("3", "?records=1&epoch=x", "w"), 400);
	EXPECT_EQ(put("3", "?records=1&training_time=soon", "w"), 400);
	EXPECT_EQ(put("3", "?records=1&offsets=%7B%7D", "w"), 400) << "offsets not a list";
	EXPECT_EQ(call("GET", "/api/v1/results/999/versions").first, 404);

	// Where the run stood, for a restarted job to resume from: the window
	// it was cut after, the prequential metrics over its records, its
	// training time and the offsets after what it learned.
	std::string offsets = "%5B%7B%22topic%22%3A%22t%22%2C%22partition%22%3A0%2C%22offset%22%3A900%7D%5D";
	EXPECT_EQ(put("3", "?records=900&epoch=4&training_time=2.5&prequential=" + metrics + "&offsets=" + offsets, "w3"),
	          201);
	auto third = call("GET", base + "/versions").second.at(2);
	EXPECT_EQ(third["epoch"], 4);
	EXPECT_EQ(third["training_time"], 2.5);
	EXPECT_EQ(third["prequential"]["prequential_loss"], 0.5);
	EXPECT_EQ(third["offsets"], json::parse(R"([{"topic": "t", "partition": 0, "offset": 900}])"));
	EXPECT_EQ(versions[1]["offsets"], json::array()) << "a version that says nothing of them";
	// The job announces that its run resumes from version 3: epochs after
	// its window go, the others stay.
	ASSERT_EQ(
	    call("POST", base + "/epochs",
	         {{"epochs",
	           {{{"epoch", 4}, {"metrics", {{"records", 900}}}}, {{"epoch", 5}, {"metrics", {{"records", 1100}}}}}}})
	        .first,
	    204);
	EXPECT_EQ(call("POST", base + "/status", {{"status", "running"}, {"resume_version", 3}}).first, 400)
	    << "only with new_run";
	EXPECT_EQ(call("POST", base + "/status", {{"status", "running"}, {"new_run", true}, {"resume_version", 7}}).first,
	          400)
	    << "no version 7";
	ASSERT_EQ(call("POST", base + "/status", {{"status", "running"}, {"new_run", true}, {"resume_version", 3}}).first,
	          200);
	auto resumed = call("GET", base).second;
	ASSERT_EQ(resumed["epochs"].size(), 1u) << resumed;
	EXPECT_EQ(resumed["epochs"][0]["epoch"], 4);

	// A batch result has no versions.
	int64_t batch = deploy_one()["results"][0]["id"];
	auto refused = client_->Put(("/api/v1/results/" + std::to_string(batch) + "/versions/1?records=1").c_str(), "w",
	                            "application/octet-stream");
	ASSERT_TRUE(refused);
	EXPECT_EQ(refused->status, 409) << refused->body;
	EXPECT_NE(refused->body.find("mode batch"), std::string::npos) << refused->body;
}

// A version's training state: sent by the job after the version, read back
// by a job resuming from it; the model download stays the model.
TEST_F(ApiTest, AVersionsTrainingStateIsStoredOnceAndReadBackApartFromItsModel) {
	int64_t m = create_model("m");
	auto conf = call("POST", "/api/v1/configurations", {{"name", "c"}, {"ml_models", json::array({m})}}).second;
	auto deployment =
	    call("POST", "/api/v1/deployments", {{"configuration", conf["id"]}, {"mode", "indefinite"}}).second;
	int64_t id = deployment["results"][0]["id"];
	std::string base = "/api/v1/results/" + std::to_string(id);
	ASSERT_EQ(call("POST", base + "/status", {{"status", "running"}}).first, 200);
	auto put = [&](const std::string &path, const std::string &bytes) {
		auto r = client_->Put((base + path).c_str(), bytes, "application/octet-stream");
		return r ? r->status : 0;
	};
	ASSERT_EQ(put("/versions/1?records=200", "weights one"), 201);
	EXPECT_EQ(call("GET", base + "/versions").second.at(0)["state_size"], 0);
	auto none = call("GET", base + "/versions/1/state");
	EXPECT_EQ(none.first, 404);
	EXPECT_NE(none.second.value("error", "").find("has no training state"), std::string::npos) << none.second;

	std::string state("KAFKAMLS\0state", 14);
	EXPECT_EQ(put("/versions/1/state", state), 201);
	EXPECT_EQ(put("/versions/1/state", "another"), 200) << "sent again: the first one stays";
	EXPECT_EQ(call("GET", base + "/versions").second.at(0)["state_size"], 14);
	auto read = client_->Get((base + "/versions/1/state").c_str());
	ASSERT_TRUE(read);
	EXPECT_EQ(read->status, 200);
	EXPECT_EQ(read->body, state);
	EXPECT_EQ(client_->Get((base + "/versions/1/model").c_str())->body, "weights one");

	EXPECT_EQ(put("/versions/1/state", ""), 400) << "no state";
	auto missing = call("GET", base + "/versions/2/state");
	EXPECT_EQ(missing.first, 404);
	EXPECT_NE(missing.second.value("error", "").find("has no version 2"), std::string::npos) << missing.second;
	EXPECT_EQ(put("/versions/2/state", state), 404);
	EXPECT_EQ(put("/versions/x/state", state), 404);
	EXPECT_EQ(call("GET", "/api/v1/results/999/versions/1/state").first, 404);

	ASSERT_EQ(put("/versions/2?records=400", "weights two"), 201);
	ASSERT_EQ(call("POST", base + "/stop").first, 200);
	EXPECT_EQ(put("/versions/2/state", state), 409) << "no run resumes an ended result";
}

TEST_F(ApiTest, AnInferenceOfAContinualTrainingFollowsItsLatestVersionOrAPinnedOne) {
	int64_t m = create_model("m");
	auto conf = call("POST", "/api/v1/configurations", {{"name", "c"}, {"ml_models", json::array({m})}}).second;
	auto deployment =
	    call("POST", "/api/v1/deployments", {{"configuration", conf["id"]}, {"mode", "indefinite"}}).second;
	int64_t id = deployment["results"][0]["id"];
	std::string result = "/api/v1/results/" + std::to_string(id);
	ASSERT_EQ(call("POST", result + "/status", {{"status", "running"}}).first, 200);
	json body = {{"model_result", id},
	             {"input_format", "RAW"},
	             {"input_config", {{"data_type", "float32"}}},
	             {"input_topic", "in"},
	             {"output_topic", "out"}};

	// Still training, no version yet: accepted, and its replicas wait.
	auto [s0, following] = call("POST", "/api/v1/inferences", body);
	ASSERT_EQ(s0, 201) << following;
	EXPECT_EQ(following["model_version"], "latest") << "a continual training's inference follows it by default";
	std::string base = "/api/v1/inferences/" + following["id"].dump();
	auto [s1, waiting] = call("GET", base + "/version");
	ASSERT_EQ(s1, 200) << waiting;
	EXPECT_EQ(waiting["ready"], false);
	EXPECT_EQ(waiting["version"], nullptr);
	EXPECT_EQ(waiting["model_result"], id);

	auto put = [&](int version) {
		auto r = client_->Put(
		    (result + "/versions/" + std::to_string(version) + "?records=" + std::to_string(100 * version)).c_str(),
		    "weights " + std::to_string(version), "application/octet-stream");
		return r ? r->status : 0;
	};
	ASSERT_EQ(put(1), 201);
	ASSERT_EQ(put(2), 201);
	auto latest = call("GET", base + "/version").second;
	EXPECT_EQ(latest["ready"], true);
	EXPECT_EQ(latest["version"], 2);
	EXPECT_EQ(latest["model_version"], "latest");
	ASSERT_EQ(put(3), 201);
	EXPECT_EQ(call("GET", base + "/version").second["version"], 3) << "a new version is served as it comes";

	// Pin, roll back, follow again.
	auto [s2, pinned] = call("POST", base + "/version", {{"model_version", 1}});
	ASSERT_EQ(s2, 200) << pinned;
	EXPECT_EQ(pinned["version"], 1);
	EXPECT_EQ(pinned["model_version"], 1);
	EXPECT_EQ(call("GET", base).second["model_version"], 1);
	ASSERT_EQ(put(4), 201);
	EXPECT_EQ(call("GET", base + "/version").second["version"], 1) << "a pinned inference stays";
	auto [s3, missing] = call("POST", base + "/version", {{"model_version", 9}});
	EXPECT_EQ(s3, 400) << missing;
	EXPECT_EQ(missing["detail"]["field"], "model_version") << missing;
	EXPECT_NE(missing["error"].get<std::string>().find("versions 1 to 4"), std::string::npos) << missing;
	for (json bad : {json("newest"), json(0), json(-2), json(1.5), json(nullptr)}) {
		auto [status, answer] = call("POST", base + "/version", {{"model_version", bad}});
		EXPECT_EQ(status, 400) << bad << ": " << answer;
	}
	EXPECT_EQ(call("POST", base + "/version", {{"model_version", "latest"}}).second["version"], 4);

	// Pinned at creation; a version that does not exist is refused.
	body["model_version"] = 2;
	auto [s4, at_two] = call("POST", "/api/v1/inferences", body);
	ASSERT_EQ(s4, 201) << at_two;
	EXPECT_EQ(call("GET", "/api/v1/inferences/" + at_two["id"].dump() + "/version").second["version"], 2);
	body["model_version"] = 7;
	auto [s5, refused] = call("POST", "/api/v1/inferences", body);
	EXPECT_EQ(s5, 400) << refused;
	EXPECT_EQ(refused["detail"]["field"], "model_version") << refused;

	// Replicas say what they serve; the inference shows it per replica.
	call("POST", base + "/stats", {{"replica", "a"}, {"consuming", true}, {"model_version", 4}});
	call("POST", base + "/stats", {{"replica", "b"}, {"consuming", true}, {"model_version", 3}});
	auto live = call("GET", base).second["live_replicas"];
	ASSERT_EQ(live.size(), 2u) << live;
	EXPECT_EQ(live[0]["replica"], "a");
	EXPECT_EQ(live[0]["model_version"], 4);
	EXPECT_EQ(live[1]["model_version"], 3);

	// Once stopped, its replicas are told to end.
	call("POST", base + "/stop");
	EXPECT_EQ(call("GET", base + "/version").first, 409);
	EXPECT_EQ(call("POST", base + "/version", {{"model_version", 1}}).first, 409);

	// A batch training's result has one model and no versions.
	int64_t batch = deploy_one()["results"][0]["id"];
	// Not finished: 409 naming its status, whatever the request holds.
	int64_t training = deploy_one()["results"][0]["id"];
	ASSERT_EQ(call("POST", "/api/v1/results/" + std::to_string(training) + "/status", {{"status", "running"}}).first,
	          200);
	json unfinished = {{"model_result", training}, {"input_topic", "in"}, {"output_topic", "out"}};
	auto [s_running, running_refused] = call("POST", "/api/v1/inferences", unfinished);
	EXPECT_EQ(s_running, 409) << running_refused;
	EXPECT_NE(running_refused["error"].get<std::string>().find("is running"), std::string::npos) << running_refused;
	finish(batch);
	body["model_result"] = batch;
	auto [s6, batch_refused] = call("POST", "/api/v1/inferences", body);
	EXPECT_EQ(s6, 400) << batch_refused;
	EXPECT_NE(batch_refused["error"].get<std::string>().find("batch mode"), std::string::npos) << batch_refused;
	body.erase("model_version");
	auto [s7, trained] = call("POST", "/api/v1/inferences", body);
	ASSERT_EQ(s7, 201) << trained;
	EXPECT_EQ(trained["model_version"], nullptr);
	auto serving = call("GET", "/api/v1/inferences/" + trained["id"].dump() + "/version").second;
	EXPECT_EQ(serving["ready"], true);
	EXPECT_EQ(serving["version"], nullptr);
	EXPECT_EQ(call("POST", "/api/v1/inferences/" + trained["id"].dump() + "/version", {{"model_version", 1}}).first,
	          409);
}

TEST_F(ApiTest, ADeploymentTakesResourcesForItsContainersAndRefusesWrongOnesNamingTheField) {
	int64_t m = create_model("m");
	auto conf = call("POST", "/api/v1/configurations", {{"name", "c"}, {"ml_models", json::array({m})}}).second;
	auto [s0, none] = call("POST", "/api/v1/deployments", {{"configuration", conf["id"]}});
	ASSERT_EQ(s0, 201) << none;
	EXPECT_EQ(none["resources"], json::object());
	auto [s1, limited] =
	    call("POST", "/api/v1/deployments",
	         {{"configuration", conf["id"]}, {"resources", {{"cpu", 1.5}, {"memory", "512Mi"}, {"gpu", 2}}}});
	ASSERT_EQ(s1, 201) << limited;
	EXPECT_EQ(limited["resources"], (json{{"cpu", 1.5}, {"memory", "512Mi"}, {"gpu", 2}}));
	EXPECT_EQ(call("GET", "/api/v1/deployments/" + limited["id"].dump()).second["resources"], limited["resources"]);
	for (const auto &[value, says] :
	     std::vector<std::pair<json, std::string>>{{{{"cpu", 0}}, "above 0"},
	                                               {{{"memory", "lots"}}, "512Mi"},
	                                               {{{"memory", "1Ki"}}, "at least 6Mi"},
	                                               {{{"disk", "1Gi"}}, "\"cpu\", \"memory\" and \"gpu\" only"},
	                                               {{{"gpu", 0.5}}, "whole number of GPUs"},
	                                               {"1 cpu", "an object"}}) {
		auto [status, body] =
		    call("POST", "/api/v1/deployments", {{"configuration", conf["id"]}, {"resources", value}});
		EXPECT_EQ(status, 400) << value;
		EXPECT_EQ(body["detail"]["field"], "resources") << body;
		EXPECT_NE(body.value("error", "").find(says), std::string::npos) << body;
	}
}

TEST_F(ApiTest, DriftsAreOnTheResultAndInTheMetricsAndTheDeploymentKeepsTheDetector) {
	int64_t m = create_model("m");
	auto conf = call("POST", "/api/v1/configurations", {{"name", "c"}, {"ml_models", json::array({m})}}).second;
	auto [s0, defaults] = call("POST", "/api/v1/deployments", {{"configuration", conf["id"]}, {"mode", "incremental"}});
	ASSERT_EQ(s0, 201) << defaults;
	EXPECT_EQ(defaults["drift_detection"], true);
	EXPECT_EQ(defaults["drift_threshold"], 100.0);
	EXPECT_EQ(defaults["drift_delta"], 0.005);
	EXPECT_EQ(defaults["drift_response"], "none");
	auto [s1, deployment] = call("POST", "/api/v1/deployments",
	                             {{"configuration", conf["id"]},
	                              {"mode", "indefinite"},
	                              {"drift_threshold", 40},
	                              {"drift_delta", 0.01},
	                              {"drift_response", "reset_optimizer"}});
	ASSERT_EQ(s1, 201) << deployment;
	EXPECT_EQ(deployment["drift_threshold"], 40.0);
	EXPECT_EQ(deployment["drift_delta"], 0.01);
	EXPECT_EQ(deployment["drift_response"], "reset_optimizer");
	EXPECT_EQ(call("GET", "/api/v1/deployments/" + deployment["id"].dump()).second["drift_response"],
	          "reset_optimizer");

	// Each refused with a 400 that names the field and what it takes.
	for (const auto &[field, value, says] : std::vector<std::tuple<std::string, json, std::string>>{
	         {"drift_detection", "yes", "true or false"},
	         {"drift_threshold", 0, "above 0"},
	         {"drift_threshold", "high", "a number"},
	         {"drift_delta", -0.1, "at least 0"},
	         {"drift_response", "retrain", "\"reset_optimizer\""}}) {
		auto [status, body] = call("POST", "/api/v1/deployments",
		                           {{"configuration", conf["id"]}, {"mode", "incremental"}, {field, value}});
		EXPECT_EQ(status, 400) << field << " " << value;
		EXPECT_EQ(body["detail"]["field"], field) << body;
		EXPECT_NE(body.value("error", "").find(says), std::string::npos) << body;
	}

	int64_t id = deployment["results"][0]["id"];
	std::string base = "/api/v1/results/" + std::to_string(id);
	EXPECT_EQ(call("GET", base).second["drifts"], json::array()) << "none yet";
	ASSERT_EQ(call("POST", base + "/status", {{"status", "running"}}).first, 200);
	json drift = {{"records", 3200},
	              {"error_before", 0.125},
	              {"error_after", 0.875},
	              {"measure", "1 - accuracy"},
	              {"response", "reset_optimizer"}};
	auto [s2, stored] = call("POST", base + "/drifts", drift);
	EXPECT_EQ(s2, 201) << stored;
	EXPECT_EQ(call("POST", base + "/drifts", drift).first, 200) << "sent again: the same drift";
	drift["records"] = 6400;
	EXPECT_EQ(call("POST", base + "/drifts", drift).first, 201);
	auto drifts = call("GET", base).second["drifts"];
	ASSERT_EQ(drifts.size(), 2u) << drifts;
	EXPECT_EQ(drifts[0]["records"], 3200);
	EXPECT_FALSE(drifts[0]["created_at"].get<std::string>().empty());
	EXPECT_EQ(drifts[0]["error_before"], 0.125);
	EXPECT_EQ(drifts[0]["error_after"], 0.875);
	EXPECT_EQ(drifts[0]["measure"], "1 - accuracy");
	EXPECT_EQ(drifts[0]["response"], "reset_optimizer");
	EXPECT_EQ(drifts[1]["records"], 6400);

	auto metrics = client_->Get("/metrics");
	ASSERT_TRUE(metrics);
	EXPECT_NE(metrics->body.find("kafkaml_training_drifts_total{result=\"" + std::to_string(id) + "\"} 2"),
	          std::string::npos)
	    << metrics->body;

	EXPECT_EQ(call("POST", base + "/drifts", {{"records", 0}, {"error_before", 0}, {"error_after", 1}}).first, 400);
	EXPECT_EQ(call("POST", base + "/drifts", {{"records", 10}, {"error_after", 1}}).first, 400) << "no error before";
	EXPECT_EQ(call("POST", "/api/v1/results/999/drifts", drift).first, 404);
	int64_t batch = deploy_one()["results"][0]["id"];
	auto [s3, b3] = call("POST", "/api/v1/results/" + std::to_string(batch) + "/drifts", drift);
	EXPECT_EQ(s3, 409) << b3;
	ASSERT_EQ(call("POST", base + "/stop").first, 200);
	EXPECT_EQ(call("POST", base + "/drifts", drift).first, 409) << "an ended result takes none";
}

TEST_F(ApiTest, AContinualResultCarriesItsPrequentialMetricsOverRecords) {
	int64_t m = create_model("m");
	auto conf = call("POST", "/api/v1/configurations", {{"name", "c"}, {"ml_models", json::array({m})}}).second;
	auto deployment =
	    call("POST", "/api/v1/deployments", {{"configuration", conf["id"]}, {"mode", "incremental"}}).second;
	std::string base = "/api/v1/results/" + deployment["results"][0]["id"].dump();
	ASSERT_EQ(call("POST", base + "/status", {{"status", "running"}}).first, 200);
	json windows = json::array(
	    {{{"epoch", 1}, {"metrics", {{"records", 100}, {"prequential_loss", 0.7}, {"loss", 0.6}}}},
	     {{"epoch", 2}, {"metrics", {{"records", 180}, {"prequential_loss", 0.5}, {"prequential_accuracy", 0.8}}}}});
	ASSERT_EQ(call("POST", base + "/epochs", {{"epochs", windows}}).first, 204);
	auto curve = call("GET", base).second["prequential"];
	EXPECT_EQ(curve, json::array({{{"records", 100}, {"prequential_loss", 0.7}},
	                              {{"records", 180}, {"prequential_loss", 0.5}, {"prequential_accuracy", 0.8}}}))
	    << curve;
	EXPECT_EQ(call("GET", base + "?epochs=last").second["prequential"].size(), 1u);
	EXPECT_EQ(call("GET", base + "?epochs=none").second["prequential"], json::array());

	int64_t batch = deploy_one()["results"][0]["id"];
	std::string batch_path = "/api/v1/results/" + std::to_string(batch);
	ASSERT_EQ(call("POST", batch_path + "/status", {{"status", "running"}}).first, 200);
	ASSERT_EQ(call("POST", batch_path + "/epochs", {{"epoch", 1}, {"metrics", {{"loss", 0.3}}}}).first, 204);
	EXPECT_EQ(call("GET", batch_path).second["prequential"], json::array()) << "a batch training has no records";
}

// The original Kafka-ML's distributed models: sub-models defined one by
// one, each naming its upper model ("father"), a configuration holding the
// top one; its result is served as a chain of one stage per sub-model.
TEST_F(ApiTest, DistributedSubModelsChainAndTheirTopTrainsAndServesTheChain) {
	auto [s_cloud, cloud] = call("POST", "/api/v1/models", {{"name", "cloud"}, {"distributed", true}, {"code", R"(
cloud_input = keras.Input(shape=16, name='cloud_input')
x = tf.keras.layers.Dense(16, activation=tf.nn.relu)(cloud_input)
cloud_output = tf.keras.layers.Dense(3, activation=tf.nn.softmax, name='cloud_output')(x)
cloud_model = keras.Model(inputs=cloud_input, outputs=[cloud_output], name='cloud_model')
)"}});
	ASSERT_EQ(s_cloud, 201) << cloud;
	EXPECT_EQ(cloud["distributed"], true);
	EXPECT_TRUE(cloud["father"].is_null());
	// The original's form sends the father's id as text.
	json edge_body = {
	    {"name", "edge"}, {"distributed", true}, {"father", std::to_string(cloud["id"].get<int64_t>())}, {"code", R"(
edge_input = keras.Input(shape=(4,), name='edge_input')
to_cloud = tf.keras.layers.Dense(16, activation=tf.nn.relu, name='to_cloud')(edge_input)
edge_output = tf.keras.layers.Dense(3, activation=tf.nn.softmax, name='edge_output')(to_cloud)
edge_model = keras.Model(inputs=[edge_input], outputs=[to_cloud, edge_output], name='edge_model')
)"}};
	auto [s_edge, edge] = call("POST", "/api/v1/models", edge_body);
	ASSERT_EQ(s_edge, 201) << edge;
	EXPECT_EQ(edge["father"], cloud["id"]);
	EXPECT_EQ(call("GET", "/api/v1/models/" + std::to_string(edge["id"].get<int64_t>())).second["father"], cloud["id"]);

	edge_body["name"] = "second edge";
	auto [s_twice, twice] = call("POST", "/api/v1/models", edge_body);
	EXPECT_EQ(s_twice, 400) << twice;
	EXPECT_NE(twice["error"].get<std::string>().find("already the upper model"), std::string::npos) << twice;
	edge_body["father"] = "the cloud";
	EXPECT_EQ(call("POST", "/api/v1/models", edge_body).first, 400);
	edge_body["father"] = 98765;
	EXPECT_EQ(call("POST", "/api/v1/models", edge_body).first, 400);

	auto [s_conf, refused] =
	    call("POST", "/api/v1/configurations", {{"name", "edge only"}, {"ml_models", json::array({edge["id"]})}});
	EXPECT_EQ(s_conf, 400) << refused;
	EXPECT_NE(refused["error"].get<std::string>().find("put the top of its chain"), std::string::npos) << refused;
	auto conf = call("POST", "/api/v1/configurations", {{"name", "chain"}, {"ml_models", json::array({cloud["id"]})}});
	ASSERT_EQ(conf.first, 201) << conf.second;
	auto deployment = call("POST", "/api/v1/deployments", {{"configuration", conf.second["id"]}}).second;
	ASSERT_EQ(deployment["results"].size(), 1u) << "one result: the chain trains as one model";
	int64_t result = deployment["results"][0]["id"];
	finish(result);
	auto [s_inference, inference] = call("POST", "/api/v1/inferences",
	                                     {{"model_result", result},
	                                      {"input_format", "JSON"},
	                                      {"input_topic", "in"},
	                                      {"output_topic", "out"},
	                                      {"replicas", 1},
	                                      {"limit", 0.8},
	                                      {"output_upper", "to-cloud"}});
	ASSERT_EQ(s_inference, 201) << inference;
	ASSERT_EQ(inference["exits"].size(), 2u) << "one stage per sub-model";
	EXPECT_EQ(inference["exits"][1]["input_topic"], "to-cloud");

	auto [s_delete, kept] = call("DELETE", "/api/v1/models/" + std::to_string(cloud["id"].get<int64_t>()));
	EXPECT_EQ(s_delete, 409) << kept;
}

TEST_F(ApiTest, ModelCodeErrorsGive400WithLineAndColumn) {
	auto [status, body] = call("POST", "/api/v1/models", {{"name", "bad"}, {"code", "model = (\n    syntax error"}});
	EXPECT_EQ(status, 400);
	EXPECT_EQ(body["detail"]["line"], 2);
	EXPECT_EQ(body["detail"]["column"], 5);
	EXPECT_NE(body["error"].get<std::string>().find("line 2, column 5"), std::string::npos) << body;
	int64_t id = create_model("good");
	auto [s2, b2] = call("PUT", "/api/v1/models/" + std::to_string(id), {{"code", "syntax error"}});
	EXPECT_EQ(s2, 400) << b2;
	EXPECT_EQ(call("GET", "/api/v1/models/" + std::to_string(id)).second["code"], MODEL_CODE);
	auto [s3, b3] = call("PUT", "/api/v1/models/" + std::to_string(id), {{"description", "better"}});
	EXPECT_EQ(s3, 200);
	EXPECT_EQ(b3["description"], "better");
}

TEST_F(ApiTest, FieldTypeAndKwargsErrorsGive400NamingTheField) {
	auto [s1, b1] = call("POST", "/api/v1/models", {{"name", 5}, {"code", MODEL_CODE}});
	EXPECT_EQ(s1, 400);
	EXPECT_EQ(b1["detail"]["field"], "name");
	auto [s2, b2] = call("POST", "/api/v1/models", {{"name", "x"}});
	EXPECT_EQ(s2, 400);
	EXPECT_NE(b2["error"].get<std::string>().find("\"code\" is required"), std::string::npos) << b2;
	int64_t m = create_model("m");
	auto [s3, b3] = call("POST", "/api/v1/configurations", {{"name", "c"}, {"ml_models", json::array({m, "x"})}});
	EXPECT_EQ(s3, 400) << b3;
	auto [s4, b4] = call("POST", "/api/v1/configurations", {{"name", "c"}, {"ml_models", json::array({m, 999})}});
	EXPECT_EQ(s4, 400) << b4;
	EXPECT_NE(b4["error"].get<std::string>().find("999"), std::string::npos);
	auto [s6, b6] = call("POST", "/api/v1/configurations", {{"name", "c"}, {"ml_models", json::array({m, m})}});
	EXPECT_EQ(s6, 400) << b6;
	EXPECT_NE(b6.value("error", "").find("twice"), std::string::npos) << b6;
	EXPECT_EQ(b6["detail"]["field"], "ml_models");
	auto conf = call("POST", "/api/v1/configurations", {{"name", "c"}, {"ml_models", json::array({m})}}).second;
	EXPECT_EQ(call("PUT", "/api/v1/configurations/" + conf["id"].dump(), {{"ml_models", json::array({m, m})}}).first,
	          400);
	auto [s5, b5] = call("POST", "/api/v1/deployments", {{"configuration", conf["id"]}, {"kwargs_fit", "epochs=5, x"}});
	EXPECT_EQ(s5, 400) << b5;
	EXPECT_EQ(b5["detail"]["field"], "kwargs_fit");
	EXPECT_EQ(b5["detail"]["column"], 11);
	EXPECT_TRUE(call("GET", "/api/v1/deployments").second.empty()) << "a rejected deployment leaves nothing";
}

TEST_F(ApiTest, WrongStateGives409) {
	json deployment = deploy_two();
	int64_t r1 = deployment["results"][0]["id"];
	std::string result = "/api/v1/results/" + std::to_string(r1);
	auto [s1, b1] = call("POST", result + "/status", {{"status", "finished"}});
	EXPECT_EQ(s1, 409) << "deployed cannot jump to finished";
	EXPECT_NE(b1["error"].get<std::string>().find("deployed"), std::string::npos) << b1;
	auto [s2, b2] = call("POST", "/api/v1/inferences",
	                     {{"model_result", r1}, {"input_format", "RAW"}, {"input_topic", "i"}, {"output_topic", "o"}});
	EXPECT_EQ(s2, 409) << "only finished results serve inference: " << b2;
	EXPECT_EQ(call("DELETE", "/api/v1/configurations/" + deployment["configuration"].dump()).first, 409);
	EXPECT_EQ(call("PUT", "/api/v1/configurations/" + deployment["configuration"].dump(), {{"name", "x"}}).first, 409);
	EXPECT_EQ(call("DELETE", "/api/v1/models/" + deployment["results"][0]["model"].dump()).first, 409);
	auto [s4, b4] = call("PUT", "/api/v1/models/" + deployment["results"][0]["model"].dump(), {{"code", MODEL_CODE}});
	EXPECT_EQ(s4, 409) << "its results were trained on the code as it is: " << b4;
	EXPECT_NE(b4.value("error", "").find("create a new model"), std::string::npos) << b4;
	EXPECT_EQ(call("DELETE", result).first, 409);
	EXPECT_EQ(call("POST", result + "/stop").first, 200);
	EXPECT_EQ(call("POST", result + "/stop").first, 409);
	EXPECT_EQ(call("POST", result + "/epochs", {{"epoch", 1}, {"metrics", json::object()}}).first, 409);
	EXPECT_EQ(call("POST", result + "/status", {{"status", "running"}}).first, 409);
	auto [s3, b3] = call("POST", result + "/status", {{"status", "done"}});
	EXPECT_EQ(s3, 400) << b3;
}

TEST_F(ApiTest, StoppingAJobThatReportsStoppedItselfSucceeds) {
	// A training job told to stop says "stopped" before it exits, i.e.
	// before the orchestrator's stop returns.
	executor_.on_stop = [this](store::JobKind kind, int64_t owner) {
		if (kind == store::JobKind::Training) {
			store_->update_result_status(owner, store::ResultStatus::Stopped, {.detail = "stopped by the user"});
		} else {
			store_->update_inference_status(owner, store::InferenceStatus::Stopped, "stopped by the user");
		}
	};
	json deployment = deploy_two();
	std::string r1 = deployment["results"][0]["id"].dump();
	call("POST", "/api/v1/results/" + r1 + "/status", {{"status", "running"}});
	auto [s1, b1] = call("POST", "/api/v1/results/" + r1 + "/stop");
	EXPECT_EQ(s1, 200) << b1;
	EXPECT_EQ(b1["status"], "stopped");
	auto [s2, b2] = call("POST", "/api/v1/deployments/" + deployment["id"].dump() + "/stop");
	EXPECT_EQ(s2, 200) << b2;
	for (const auto &r : b2["results"]) {
		EXPECT_EQ(r["status"], "stopped") << b2;
	}
	auto [s3, b3] = call("POST", "/api/v1/deployments/" + deployment["id"].dump() + "/stop");
	EXPECT_EQ(s3, 409) << "nothing left to stop: " << b3;
	EXPECT_NE(b3["error"].get<std::string>().find("nothing to stop"), std::string::npos) << b3;
}

TEST_F(ApiTest, StoppingAFinishedResultOrDeploymentGives409) {
	auto deployment = deploy_one();
	int64_t r = deployment["results"][0]["id"];
	finish(r);
	auto [s1, b1] = call("POST", "/api/v1/results/" + std::to_string(r) + "/stop");
	EXPECT_EQ(s1, 409) << b1;
	EXPECT_NE(b1["error"].get<std::string>().find("finished"), std::string::npos) << b1;
	auto [s2, b2] = call("POST", "/api/v1/deployments/" + deployment["id"].dump() + "/stop");
	EXPECT_EQ(s2, 409) << b2;
	EXPECT_NE(b2["error"].get<std::string>().find("result " + std::to_string(r) + " is finished"), std::string::npos)
	    << b2;
	EXPECT_EQ(executor_.calls().size(), 1u) << "nothing was asked to stop";
}

TEST_F(ApiTest, UnknownIdsAndRoutesGive404Json) {
	for (const char *path :
	     {"/api/v1/models/42", "/api/v1/configurations/42", "/api/v1/deployments/42", "/api/v1/results/42",
	      "/api/v1/results/42/model", "/api/v1/inferences/42", "/api/v1/datasources/42", "/api/v1/nothing-here"}) {
		auto [status, body] = call("GET", path);
		EXPECT_EQ(status, 404) << path;
		EXPECT_TRUE(body.is_object() && body["error"].is_string()) << path << ": " << body;
	}
	EXPECT_NE(call("GET", "/api/v1/models/42").second["error"].get<std::string>().find("model 42"), std::string::npos);
	EXPECT_EQ(call("DELETE", "/api/v1/models/42").first, 404);
	EXPECT_EQ(call("POST", "/api/v1/results/42/stop").first, 404);
	EXPECT_EQ(call("POST", "/api/v1/datasources/42/send", {{"deployment", 1}}).first, 404);
}

TEST_F(ApiTest, BadJsonGives400WithPosition) {
	auto r = client_->Post("/api/v1/models", "{\"name\": \"x\",\n \"code\": }", "application/json");
	ASSERT_TRUE(r);
	EXPECT_EQ(r->status, 400);
	auto body = json::parse(r->body);
	EXPECT_EQ(body["detail"]["line"], 2);
	EXPECT_EQ(body["detail"]["column"], 10);
	EXPECT_EQ(body["detail"]["position"], 23);
	EXPECT_NE(body["error"].get<std::string>().find("not valid JSON"), std::string::npos);
	EXPECT_EQ(call("POST", "/api/v1/models", json::array({1})).first, 400);
	EXPECT_EQ(client_->Post("/api/v1/models", "", "application/json")->status, 400);
}

// What `curl -X POST URL` sends: no body and no Content-Length.
std::pair<int, json> bodiless(int port, const std::string &method, const std::string &path, const std::string &token) {
	int fd = ::socket(AF_INET, SOCK_STREAM, 0);
	sockaddr_in address{};
	address.sin_family = AF_INET;
	address.sin_port = htons(static_cast<uint16_t>(port));
	address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (::connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof(address)) != 0) {
		::close(fd);
		ADD_FAILURE() << "cannot connect";
		return {0, nullptr};
	}
	std::string request = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
	                      "\r\nConnection: close\r\n\r\n";
	EXPECT_EQ(::send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
	std::string answer;
	char buffer[4096];
	for (ssize_t n; (n = ::recv(fd, buffer, sizeof(buffer), 0)) > 0;) {
		answer.append(buffer, static_cast<size_t>(n));
	}
	::close(fd);
	int status = answer.size() > 12 ? std::atoi(answer.c_str() + 9) : 0;
	auto body = answer.find("\r\n\r\n");
	return {status, json::parse(body == std::string::npos ? "" : answer.substr(body + 4), nullptr, false)};
}

TEST_F(ApiTest, CallsWithoutABodyGetJsonErrorsAndStopNeedsNone) {
	json deployment = deploy_two();
	std::string r1 = deployment["results"][0]["id"].dump();
	auto [s1, b1] = bodiless(server_->port(), "POST", "/api/v1/results/" + r1 + "/stop", token_);
	EXPECT_EQ(s1, 200) << b1;
	EXPECT_EQ(b1["status"], "stopped") << b1;
	for (auto [method, path] : {std::pair{"POST", "/api/v1/models"}, std::pair{"PUT", "/api/v1/models/1"},
	                            std::pair{"POST", "/api/v1/deployments"}}) {
		auto [status, body] = bodiless(server_->port(), method, path, token_);
		EXPECT_EQ(status, 400) << method << " " << path;
		EXPECT_NE(body.value("error", "").find("body is empty"), std::string::npos) << method << " " << path << body;
	}
	auto [s2, b2] = bodiless(server_->port(), "PATCH", "/api/v1/models/1", token_);
	EXPECT_EQ(s2, 404);
	EXPECT_NE(b2.value("error", "").find("no route PATCH"), std::string::npos) << b2;
	auto [s3, b3] = bodiless(server_->port(), "POST", "/api/v1/results/" + r1 + "/stop", "wrong");
	EXPECT_EQ(s3, 401) << "the token is still needed: " << b3;
}

TEST_F(ApiTest, InferenceTopicsMustBeValidAndDistinct) {
	json good = inference_body("in.put_1-x");
	for (auto [field, topic] : std::vector<std::pair<std::string, std::string>>{{"input_topic", ""},
	                                                                            {"input_topic", "has space"},
	                                                                            {"output_topic", "a/b"},
	                                                                            {"output_topic", ".."},
	                                                                            {"dead_letter_topic", "ü"},
	                                                                            {"output_topic", std::string(250, 'x')},
	                                                                            {"output_topic", "in.put_1-x"},
	                                                                            {"dead_letter_topic", "in.put_1-x"}}) {
		json body = good;
		body[field] = topic;
		auto [status, answer] = call("POST", "/api/v1/inferences", body);
		EXPECT_EQ(status, 400) << field << "=" << topic << ": " << answer;
		EXPECT_EQ(answer["detail"]["field"], field) << answer;
	}
	EXPECT_TRUE(call("GET", "/api/v1/inferences").second.empty());
	good["output_topic"] = std::string(249, 'x');
	EXPECT_EQ(call("POST", "/api/v1/inferences", good).first, 201);
}

TEST_F(ApiTest, InferenceKafkaBrokersAreConfiguredClustersOrBootstrapLists) {
	auto [s0, clusters] = call("GET", "/api/v1/clusters");
	EXPECT_EQ(s0, 200);
	EXPECT_EQ(clusters, json::parse(R"([
	    {"name": "default", "bootstrap_servers": "127.0.0.1:9092", "security_protocol": "plaintext",
	     "sasl_mechanism": null},
	    {"name": "edge", "bootstrap_servers": "edge-0:9093", "security_protocol": "sasl_ssl",
	     "sasl_mechanism": "SCRAM-SHA-512"}])"));

	json body = inference_body("in");
	auto [s1, plain] = call("POST", "/api/v1/inferences", body);
	EXPECT_EQ(s1, 201) << plain;
	EXPECT_EQ(plain["input_kafka_broker"], "default");
	EXPECT_EQ(plain["output_kafka_broker"], "default");

	body["input_kafka_broker"] = "edge";
	body["output_kafka_broker"] = "cloud-0:9092,cloud-1:9092";
	auto [s2, across] = call("POST", "/api/v1/inferences", body);
	EXPECT_EQ(s2, 201) << across;
	auto [s3, read] = call("GET", "/api/v1/inferences/" + std::to_string(across["id"].get<int64_t>()));
	EXPECT_EQ(read["input_kafka_broker"], "edge");
	EXPECT_EQ(read["output_kafka_broker"], "cloud-0:9092,cloud-1:9092");

	for (auto [field, value] : std::vector<std::pair<std::string, json>>{
	         {"input_kafka_broker", "cloud"}, {"output_kafka_broker", "cloud:99999"}, {"input_kafka_broker", 7}}) {
		json bad = body;
		bad[field] = value;
		auto [status, answer] = call("POST", "/api/v1/inferences", bad);
		EXPECT_EQ(status, 400) << field << "=" << value << ": " << answer;
		EXPECT_EQ(answer["detail"]["field"], field) << answer;
		if (value.is_string()) {
			EXPECT_NE(answer["error"].get<std::string>().find("(default, edge;"), std::string::npos) << answer;
		}
	}
	EXPECT_EQ(call("GET", "/api/v1/inferences").second.size(), 2u);
}

TEST_F(ApiTest, ResendingAStreamToADeploymentWhoseResultsAreFinalIs409) {
	auto deployment = deploy_one();
	finish(deployment["results"][0]["id"]);
	store::Datasource source;
	source.deployment = deployment["id"];
	source.topic = "hcopd:0:0:239";
	auto recorded = store_->add_datasource(source);
	auto [status, body] = call("POST", "/api/v1/datasources/" + std::to_string(recorded.id) + "/send",
	                           {{"deployment", deployment["id"]}});
	EXPECT_EQ(status, 409) << body;
	EXPECT_NE(body.value("error", "").find("deploy the configuration again"), std::string::npos) << body;
	EXPECT_TRUE(publisher_.sent.empty()) << "nothing was sent";
}

TEST_F(ApiTest, MutatingCallsNeedTheToken) {
	httplib::Client anonymous("127.0.0.1", server_->port());
	auto r = anonymous.Post("/api/v1/models", json{{"name", "x"}, {"code", MODEL_CODE}}.dump(), "application/json");
	ASSERT_TRUE(r);
	EXPECT_EQ(r->status, 401);
	EXPECT_NE(json::parse(r->body)["error"].get<std::string>().find("Authorization: Bearer"), std::string::npos);
	EXPECT_EQ(r->get_header_value("WWW-Authenticate"), "Bearer");
	EXPECT_EQ(anonymous.Get("/api/v1/models")->status, 401) << "reading needs a token too";
	EXPECT_EQ(anonymous.Get("/api/v1/health")->status, 200) << "health needs none";
	anonymous.set_bearer_token_auth("0123");
	EXPECT_EQ(anonymous.Delete("/api/v1/models/1")->status, 401);
	EXPECT_EQ(anonymous.Put("/api/v1/results/1/model", "x", "application/octet-stream")->status, 401);
	auto unknown = anonymous.Get("/api/v1/models");
	EXPECT_EQ(unknown->status, 401);
	EXPECT_NE(unknown->body.find("not known to this server"), std::string::npos) << unknown->body;
	EXPECT_TRUE(call("GET", "/api/v1/models").second.empty()) << "the refused create stored nothing";
}

TEST_F(ApiTest, ExecutorFailureGives503AndMarksResultsFailed) {
	executor_.fail = true;
	int64_t m = create_model("m");
	auto conf = call("POST", "/api/v1/configurations", {{"name", "c"}, {"ml_models", json::array({m})}}).second;
	auto [status, body] = call("POST", "/api/v1/deployments", {{"configuration", conf["id"]}});
	EXPECT_EQ(status, 503);
	EXPECT_NE(body["error"].get<std::string>().find("no worker slots left"), std::string::npos) << body;
	EXPECT_EQ(body["detail"]["results"][0]["status"], "failed");
	EXPECT_EQ(body["detail"]["results"][0]["status_detail"], "no worker slots left");
}

TEST_F(ApiTest, SendWithoutPublisherGives503) {
	ApiOptions options;
	options.store = store_.get();
	options.executor = &executor_;
	options.validate_model = fake_validator;
	options.admin_token = token_;
	ApiServer bare(options);
	bare.start("127.0.0.1", 0);
	httplib::Client client("127.0.0.1", bare.port());
	client.set_bearer_token_auth(token_.c_str());
	json deployment = deploy_two();
	store::Datasource source;
	source.deployment = deployment["id"];
	source.topic = "t:0:0:1";
	auto recorded = store_->add_datasource(source);
	auto r = client.Post(("/api/v1/datasources/" + std::to_string(recorded.id) + "/send").c_str(),
	                     json{{"deployment", deployment["id"]}}.dump(), "application/json");
	ASSERT_TRUE(r);
	EXPECT_EQ(r->status, 503);
	EXPECT_NE(r->body.find("--bootstrap-servers"), std::string::npos) << r->body;
	auto page = client.Get("/");
	EXPECT_EQ(page->status, 404) << "no web root configured";
}

TEST_F(ApiTest, OpenApiDocumentDescribesExactlyTheServedRoutes) {
	auto [status, document] = call("GET", "/api/v1/openapi.json");
	ASSERT_EQ(status, 200);
	EXPECT_EQ(document["openapi"].get<std::string>().substr(0, 2), "3.");
	std::set<std::pair<std::string, std::string>> documented, served;
	for (const auto &[path, item] : document["paths"].items()) {
		for (const auto &[method, operation] : item.items()) {
			std::string upper = method;
			for (auto &c : upper) {
				c = char(std::toupper(static_cast<unsigned char>(c)));
			}
			documented.insert({upper, path});
			EXPECT_TRUE(operation.contains("responses")) << method << " " << path;
			// Every operation but the anonymous ones declares the bearer token.
			EXPECT_EQ(operation.contains("security"), operation.value("x-kafkaml-role", "") != "anonymous")
			    << method << " " << path;
			EXPECT_TRUE(user_role(operation.value("x-kafkaml-role", "")) ||
			            operation.value("x-kafkaml-role", "") == "anonymous")
			    << "no role: " << method << " " << path;
		}
	}
	for (const auto &route : server_->routes()) {
		served.insert({route.method, route.path});
	}
	for (const auto &route : served) {
		EXPECT_TRUE(documented.count(route)) << "served but not documented: " << route.first << " " << route.second;
	}
	for (const auto &route : documented) {
		EXPECT_TRUE(served.count(route)) << "documented but not served: " << route.first << " " << route.second;
	}
	EXPECT_GE(served.size(), 30u);
}

TEST_F(ApiTest, MetricsEndpointCountsRequestsAndJobsByState) {
	deploy_two();
	call("GET", "/api/v1/models/9999");
	// httplib counts a request in its logger, after the answer went out:
	// wait (briefly) until the 404 above is counted.
	std::string text;
	for (int i = 0; i < 100 && text.find("code=\"404\"") == std::string::npos; i++) {
		if (i > 0) {
			std::this_thread::sleep_for(std::chrono::milliseconds(20));
		}
		auto r = client_->Get("/metrics");
		ASSERT_TRUE(r);
		EXPECT_EQ(r->status, 200);
		text = r->body;
	}
	EXPECT_NE(text.find("kafkaml_jobs{kind=\"training\",state=\"deployed\"} 2"), std::string::npos) << text;
	EXPECT_NE(text.find("kafkaml_jobs{kind=\"inference\",state=\"running\"} 0"), std::string::npos);
	EXPECT_NE(text.find("kafkaml_http_requests_total{code=\"404\",method=\"GET\"} 1"), std::string::npos) << text;
}

TEST_F(ApiTest, RestartsShowInResultsInferencesAndMetrics) {
	json deployment = deploy_two();
	int64_t r1 = deployment["results"][0]["id"];
	auto [s0, fresh] = call("GET", "/api/v1/results/" + std::to_string(r1));
	EXPECT_EQ(fresh["restarts"], 0);
	EXPECT_EQ(fresh["restart_detail"], "");
	for (const char *exit : {"exit status 1", "exit status 1", "signal 9"}) {
		store_->record_restart(store::JobKind::Training, r1, exit);
	}
	auto [s1, result] = call("GET", "/api/v1/results/" + std::to_string(r1));
	EXPECT_EQ(result["restarts"], 3);
	EXPECT_EQ(result["restart_detail"], "restarted 3 times; last exit: signal 9");
	EXPECT_EQ(call("GET", "/api/v1/results").second[0]["restarts"], 3) << "lists show it too";
	finish(r1);
	auto [s2, inference] =
	    call("POST", "/api/v1/inferences",
	         {{"model_result", r1}, {"input_format", "JSON"}, {"input_topic", "in"}, {"output_topic", "out"}});
	ASSERT_EQ(s2, 201) << inference;
	store_->record_restart(store::JobKind::Inference, inference["id"], "replica 1: signal 9");
	EXPECT_EQ(call("GET", "/api/v1/inferences/" + inference["id"].dump()).second["restart_detail"],
	          "restarted 1 time; last exit: replica 1: signal 9");
	auto text = client_->Get("/metrics")->body;
	EXPECT_NE(text.find("kafkaml_job_restarts_total{kind=\"training\",result=\"" + std::to_string(r1) + "\"} 3"),
	          std::string::npos)
	    << text;
	EXPECT_NE(
	    text.find("kafkaml_job_restarts_total{inference=\"" + inference["id"].dump() + "\",kind=\"inference\"} 1"),
	    std::string::npos)
	    << text;
	store_->record_restart(store::JobKind::Training, r1, "signal 9");
	text = client_->Get("/metrics")->body;
	EXPECT_NE(text.find("kafkaml_job_restarts_total{kind=\"training\",result=\"" + std::to_string(r1) + "\"} 4"),
	          std::string::npos)
	    << text;
}

TEST_F(ApiTest, AJobReportingRunningBeforeStartReturnsIsNotOverwritten) {
	executor_.on_start_training = [this](const store::Result &result) {
		store_->update_result_status(result.id, store::ResultStatus::Running);
	};
	json deployment = deploy_two();
	for (const auto &r : deployment["results"]) {
		EXPECT_EQ(r["status"], "running") << deployment;
		auto [status, stored] = call("GET", "/api/v1/results/" + r["id"].dump());
		EXPECT_EQ(stored["status"], "running");
	}
}

TEST_F(ApiTest, EpochBatchesAreRecordedTogether) {
	json deployment = deploy_two();
	int64_t r1 = deployment["results"][0]["id"];
	std::string base = "/api/v1/results/" + std::to_string(r1);
	call("POST", base + "/status", {{"status", "running"}});
	json batch = json::array();
	for (int epoch = 1; epoch <= 3; epoch++) {
		batch.push_back({{"epoch", epoch}, {"metrics", {{"loss", 1.0 / epoch}}}});
	}
	EXPECT_EQ(call("POST", base + "/epochs", {{"epochs", batch}}).first, 204);
	EXPECT_EQ(call("POST", base + "/epochs", {{"epoch", 4}, {"metrics", {{"loss", 0.2}}}}).first, 204)
	    << "the single-epoch body still works";
	auto [s1, b1] = call("POST", base + "/epochs", {{"epochs", json::array({{{"epoch", 5}}, 7})}});
	EXPECT_EQ(s1, 400) << b1;
	EXPECT_EQ(call("POST", base + "/epochs", {{"epochs", "5"}}).first, 400);
	auto result = call("GET", base).second;
	ASSERT_EQ(result["epochs"].size(), 4u) << "a rejected batch records nothing";
	EXPECT_EQ(result["epochs"][2]["metrics"]["loss"], 1.0 / 3);
	auto body = client_->Get("/metrics")->body;
	EXPECT_NE(body.find("kafkaml_training_progress{result=\"" + std::to_string(r1) + "\"} 1"), std::string::npos)
	    << body;
	call("POST", base + "/stop");
	EXPECT_EQ(call("POST", base + "/epochs", {{"epochs", batch}}).first, 409) << "a stopped job learns it here";
}

TEST_F(ApiTest, ARestartedJobsNewRunDropsTheEpochsOfTheEarlierOne) {
	// A job killed at epoch 3 and restarted trains from epoch 1 again: its
	// curve must not mix the two runs.
	int64_t r1 = deploy_two()["results"][0]["id"];
	std::string base = "/api/v1/results/" + std::to_string(r1);
	EXPECT_EQ(call("POST", base + "/status", {{"status", "running"}, {"new_run", true}}).first, 200);
	json batch = json::array();
	for (int epoch = 1; epoch <= 3; epoch++) {
		batch.push_back({{"epoch", epoch}, {"metrics", {{"loss", 1.0 / epoch}}}});
	}
	EXPECT_EQ(call("POST", base + "/epochs", {{"epochs", batch}}).first, 204);
	// Progress reports of the same run keep them.
	EXPECT_EQ(call("POST", base + "/status", {{"status", "running"}, {"detail", "epoch 3"}}).first, 200);
	EXPECT_EQ(call("GET", base).second["epoch_count"], 3);
	auto [status, restarted] = call("POST", base + "/status", {{"status", "running"}, {"new_run", true}});
	EXPECT_EQ(status, 200) << restarted;
	EXPECT_EQ(restarted["epoch_count"], 0) << restarted;
	EXPECT_EQ(call("POST", base + "/epochs", {{"epoch", 1}, {"metrics", {{"loss", 0.9}}}}).first, 204);
	auto result = call("GET", base).second;
	ASSERT_EQ(result["epochs"].size(), 1u) << result;
	EXPECT_EQ(result["epochs"][0]["metrics"]["loss"], 0.9);
	EXPECT_EQ(call("POST", base + "/status", {{"status", "running"}, {"new_run", "yes"}}).first, 400);
}

TEST_F(ApiTest, AResultsEpochsComeAllTheLastOrThoseSinceOne) {
	int64_t r1 = deploy_two()["results"][0]["id"];
	finish(r1); // epochs 1..4
	std::string base = "/api/v1/results/" + std::to_string(r1);
	auto epochs_of = [](const json &result) {
		std::vector<int64_t> numbers;
		for (const auto &e : result["epochs"]) {
			numbers.push_back(e["epoch"]);
		}
		return numbers;
	};
	auto [s1, all] = call("GET", base);
	EXPECT_EQ(epochs_of(all), (std::vector<int64_t>{1, 2, 3, 4})) << "all by default, as the web UI reads them";
	EXPECT_EQ(all["epoch_count"], 4);
	EXPECT_EQ(all["last_epoch"]["epoch"], 4);
	EXPECT_EQ(all["last_epoch"]["metrics"]["loss"], 0.25);
	EXPECT_EQ(epochs_of(call("GET", base + "?epochs=last").second), (std::vector<int64_t>{4}));
	auto none = call("GET", base + "?epochs=none").second;
	EXPECT_TRUE(none["epochs"].empty());
	EXPECT_EQ(none["epoch_count"], 4);
	EXPECT_EQ(epochs_of(call("GET", base + "?since_epoch=2").second), (std::vector<int64_t>{3, 4}));
	EXPECT_TRUE(epochs_of(call("GET", base + "?since_epoch=4").second).empty());
	EXPECT_TRUE(epochs_of(call("GET", base + "?epochs=last&since_epoch=4").second).empty());
	for (const char *query : {"?epochs=some", "?since_epoch=two", "?since_epoch=2x"}) {
		auto [status, body] = call("GET", base + query);
		EXPECT_EQ(status, 400) << query << ": " << body;
	}
	auto listed = call("GET", "/api/v1/results").second;
	EXPECT_TRUE(listed[0]["epochs"].empty()) << "lists stay small";
	EXPECT_EQ(listed[0]["epoch_count"], 4);
	EXPECT_EQ(listed[0]["last_epoch"]["epoch"], 4);
	EXPECT_EQ(listed[1]["epoch_count"], 0);
	EXPECT_TRUE(listed[1]["last_epoch"].is_null());
}

TEST_F(ApiTest, ReplicaFiguresMarkRunningSumIntoMetricsAndExpire) {
	json deployment = deploy_two();
	int64_t r1 = deployment["results"][0]["id"];
	finish(r1);
	auto [s0, inference] = call("POST", "/api/v1/inferences",
	                            {{"model_result", r1},
	                             {"replicas", 2},
	                             {"input_format", "json"},
	                             {"input_topic", "in"},
	                             {"output_topic", "out"}});
	ASSERT_EQ(s0, 201) << inference;
	EXPECT_EQ(inference["input_format"], "JSON");
	std::string id = inference["id"].dump();
	std::string stats = "/api/v1/inferences/" + id + "/stats";
	auto [s1, b1] = call("POST", stats, {{"replica", "0"}, {"predictions_per_second", 10.5}, {"consuming", false}});
	EXPECT_EQ(s1, 200) << b1;
	EXPECT_EQ(b1["status"], "deployed") << "not consuming yet";
	auto [s2, b2] = call(
	    "POST", stats, {{"replica", "0"}, {"predictions_per_second", 10.5}, {"consumer_lag", 7}, {"consuming", true}});
	EXPECT_EQ(b2["status"], "running");
	call("POST", stats, {{"replica", "1"}, {"predictions_per_second", 4.5}, {"consumer_lag", 3}, {"consuming", true}});
	EXPECT_EQ(call("GET", "/api/v1/inferences").second[0]["status"], "running") << "the list shows it";
	auto text = client_->Get("/metrics")->body;
	EXPECT_NE(text.find("kafkaml_inference_throughput{inference=\"" + id + "\"} 15"), std::string::npos) << text;
	EXPECT_NE(text.find("kafkaml_inference_consumer_lag{inference=\"" + id + "\"} 10"), std::string::npos) << text;
	EXPECT_EQ(call("POST", stats, {{"replica", "1"}, {"predictions_per_second", -1}}).first, 400);
	EXPECT_EQ(call("POST", stats, {{"predictions_per_second", 1}}).first, 400) << "replica is required";
	// Replicas that stop reporting stop counting.
	std::this_thread::sleep_for(std::chrono::milliseconds(400));
	text = client_->Get("/metrics")->body;
	EXPECT_EQ(text.find("kafkaml_inference_throughput{inference=\"" + id + "\"}"), std::string::npos) << text;
	EXPECT_EQ(text.find("kafkaml_inference_consumer_lag{inference=\"" + id + "\"}"), std::string::npos) << text;
	call("POST", "/api/v1/inferences/" + id + "/stop");
	EXPECT_EQ(call("POST", stats, {{"replica", "0"}, {"consuming", true}}).first, 409)
	    << "a replica left behind learns the inference ended";
	EXPECT_EQ(call("POST", "/api/v1/inferences/999/stats", {{"replica", "0"}}).first, 404);
}

// An inference of a model with two outputs as a chain of two stages: the
// body's exits, checked against the model's outputs, shown on the
// inference with each stage's figures; thresholds changed while it runs
// reach the replicas in the answer to their figures.
TEST_F(ApiTest, AnInferenceWithEarlyExitsHasItsStagesAndTheirFigures) {
	auto [s0, model] = call("POST", "/api/v1/models", {{"name", "exits"}, {"code", R"(import tensorflow as tf
inputs = tf.keras.Input(shape=(4,))
trunk = tf.keras.layers.Dense(8, activation="relu")(inputs)
early = tf.keras.layers.Dense(2, activation="softmax", name="early")(trunk)
late = tf.keras.layers.Dense(2, activation="softmax", name="late")(trunk)
model = tf.keras.Model(inputs=inputs, outputs=[early, late])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
)"}});
	ASSERT_EQ(s0, 201) << model;
	auto conf = call("POST", "/api/v1/configurations", {{"name", "c"}, {"ml_models", json::array({model["id"]})}});
	auto deployment = call("POST", "/api/v1/deployments", {{"configuration", conf.second["id"]}}).second;
	int64_t result = deployment["results"][0]["id"];
	finish(result);
	json body = {{"model_result", result}, {"input_format", "JSON"}, {"input_topic", "in"}, {"output_topic", "out"}};
	body["exits"] = json::array({{{"threshold", 0.9}, {"replicas", 2}}});
	auto [s1, refused] = call("POST", "/api/v1/inferences", body);
	EXPECT_EQ(s1, 400) << refused;
	EXPECT_EQ(refused["detail"]["field"], "exits");
	EXPECT_NE(refused["error"].get<std::string>().find("has 2 output(s)"), std::string::npos) << refused;
	body["exits"][0]["confidence"] = "margin";
	body["exits"].push_back({{"replicas", 1}, {"bootstrap_servers", "cloud:9092"}});
	auto [s2, inference] = call("POST", "/api/v1/inferences", body);
	ASSERT_EQ(s2, 201) << inference;
	EXPECT_EQ(inference["replicas"], 3);
	ASSERT_EQ(inference["exits"].size(), 2u);
	EXPECT_EQ(inference["exits"][0]["confidence"], "margin");
	EXPECT_EQ(inference["exits"][1], (json{{"exit", 1},
	                                       {"threshold", 0.0},
	                                       {"confidence", "top_probability"},
	                                       {"replicas", 1},
	                                       {"input_topic", "out-stage-1"},
	                                       {"bootstrap_servers", "cloud:9092"}}));
	// The original Kafka-ML's body: limit and output_upper.
	json original = {{"model_result", result},
	                 {"input_format", "JSON"},
	                 {"input_topic", "in2"},
	                 {"output_topic", "out2"},
	                 {"replicas", 1},
	                 {"limit", 0.7},
	                 {"output_upper", "to-fog"},
	                 {"upper_kafka_broker", nullptr}};
	auto [original_status, chained] = call("POST", "/api/v1/inferences", original);
	ASSERT_EQ(original_status, 201) << chained;
	ASSERT_EQ(chained["exits"].size(), 2u);
	EXPECT_EQ(chained["exits"][0]["threshold"], 0.7);
	EXPECT_EQ(chained["exits"][1]["input_topic"], "to-fog");
	original["limit"] = "high";
	EXPECT_EQ(call("POST", "/api/v1/inferences", original).first, 400);
	std::string base = "/api/v1/inferences/" + inference["id"].dump();
	call("POST", base + "/stats",
	     {{"replica", "0"},
	      {"stage", 0},
	      {"predictions_per_second", 30},
	      {"consumer_lag", 4},
	      {"consuming", true},
	      {"predictions_total", 60},
	      {"answered_total", 60},
	      {"forwarded_total", 40}});
	call("POST", base + "/stats",
	     {{"replica", "2"},
	      {"stage", 1},
	      {"predictions_per_second", 12},
	      {"consumer_lag", 1},
	      {"consuming", true},
	      {"predictions_total", 40},
	      {"answered_total", 40},
	      {"forwarded_total", 0}});
	auto stages = call("GET", base).second["stages"];
	ASSERT_EQ(stages.size(), 2u) << stages;
	EXPECT_EQ(stages[0]["inputs_per_second"], 30.0);
	EXPECT_EQ(stages[0]["consumer_lag"], 4);
	EXPECT_DOUBLE_EQ(stages[0]["answered_share"].get<double>(), 0.6);
	EXPECT_DOUBLE_EQ(stages[1]["answered_share"].get<double>(), 0.4);
	EXPECT_EQ(stages[1]["live_replicas"], 1);

	auto [s3, changed] = call("POST", base + "/exits", {{"thresholds", {0.7, 0}}});
	ASSERT_EQ(s3, 200) << changed;
	EXPECT_EQ(call("GET", base + "/exits").second["thresholds"], json({0.7, 0.0}));
	auto report = call("POST", base + "/stats", {{"replica", "0"}, {"stage", 0}, {"consuming", true}}).second;
	EXPECT_EQ(report["exits"][0]["threshold"], 0.7) << "a replica learns it from its next report";
	EXPECT_EQ(call("POST", base + "/exits", {{"thresholds", {0.7}}}).first, 400);
	EXPECT_EQ(call("POST", base + "/exits", {{"thresholds", {2, 0}}}).first, 400);
	EXPECT_EQ(call("POST", base + "/exits", json::object()).first, 400);
	EXPECT_EQ(call("POST", base + "/scale", {{"replicas", 4}}).first, 409);
}

TEST_F(ApiTest, AReplicaReportsConsumingAsTrueOrFalse) {
	auto [s0, inference] = call("POST", "/api/v1/inferences", inference_body("in"));
	ASSERT_EQ(s0, 201) << inference;
	std::string stats = "/api/v1/inferences/" + inference["id"].dump() + "/stats";
	for (json consuming : {json("yes"), json(1), json(nullptr)}) {
		auto [status, answer] = call("POST", stats, {{"replica", "0"}, {"consuming", consuming}});
		EXPECT_EQ(status, 400) << consuming << ": " << answer;
		EXPECT_EQ(answer["detail"]["field"], "consuming") << answer;
	}
	EXPECT_EQ(call("GET", "/api/v1/inferences/" + inference["id"].dump()).second["status"], "deployed");
	EXPECT_EQ(call("POST", stats, {{"replica", "0"}, {"consuming", true}}).second["status"], "running");
}

TEST_F(ApiTest, AReplicasFailureFailsTheInferenceOnceAndTheOthersLearnIt) {
	json body = inference_body("in");
	body["replicas"] = 2;
	auto [s0, inference] = call("POST", "/api/v1/inferences", body);
	ASSERT_EQ(s0, 201) << inference;
	std::string path = "/api/v1/inferences/" + inference["id"].dump();
	EXPECT_EQ(call("POST", path + "/status", {{"status", "running"}}).first, 400) << "replicas report only failures";
	auto [s1, failed] = call("POST", path + "/status",
	                         {{"status", "failed"}, {"replica", "host:7"}, {"detail", "the model does not load"}});
	ASSERT_EQ(s1, 200) << failed;
	EXPECT_EQ(failed["status"], "failed");
	EXPECT_NE(failed.dump().find("replica host:7 failed: the model does not load"), std::string::npos) << failed;
	EXPECT_EQ(call("POST", path + "/stats", {{"replica", "0"}, {"consuming", true}}).first, 409)
	    << "the other replica ends on its next report";
	EXPECT_EQ(call("POST", path + "/status", {{"status", "failed"}, {"detail", "again"}}).first, 409)
	    << "the first failure stands";
	EXPECT_EQ(call("POST", "/api/v1/inferences/999/status", {{"status", "failed"}}).first, 404);
}

TEST_F(ApiTest, ReplicasAreLimitedAndIdleOnesAreWarnedAbout) {
	json body = inference_body("two-partitions");
	for (int replicas : {0, 9, 1000}) {
		body["replicas"] = replicas;
		auto [status, answer] = call("POST", "/api/v1/inferences", body);
		EXPECT_EQ(status, 400) << replicas << ": " << answer;
		EXPECT_EQ(answer["detail"]["field"], "replicas") << answer;
		EXPECT_NE(answer.value("error", "").find("between 1 and 8"), std::string::npos) << answer;
	}
	EXPECT_TRUE(call("GET", "/api/v1/inferences").second.empty()) << "nothing was recorded";
	EXPECT_EQ(executor_.calls().size(), 2u) << "nothing was started";

	body["replicas"] = 2;
	auto [s1, fits] = call("POST", "/api/v1/inferences", body);
	ASSERT_EQ(s1, 201) << fits;
	EXPECT_EQ(fits["warnings"], json::array());
	std::string scale = "/api/v1/inferences/" + fits["id"].dump() + "/scale";
	auto [s2, idle] = call("POST", scale, {{"replicas", 3}});
	ASSERT_EQ(s2, 200) << idle;
	ASSERT_EQ(idle["warnings"].size(), 1u) << idle;
	EXPECT_NE(idle["warnings"][0].get<std::string>().find("1 replica(s) sit idle"), std::string::npos) << idle;
	EXPECT_NE(idle["warnings"][0].get<std::string>().find("--partitions 3"), std::string::npos) << idle;
	EXPECT_EQ(call("POST", scale, {{"replicas", 9}}).first, 400);
	EXPECT_EQ(call("GET", "/api/v1/inferences/" + fits["id"].dump()).second["replicas"], 3);

	body["replicas"] = 4;
	auto [s3, created] = call("POST", "/api/v1/inferences", body);
	ASSERT_EQ(s3, 201) << created;
	EXPECT_EQ(created["warnings"].size(), 1u) << "accepted, with a warning: " << created;
}

TEST_F(ApiTest, AnInputTopicNotThereYetIsCreatedWithAPartitionPerReplica) {
	json body = inference_body("fresh");
	body["replicas"] = 3;
	auto [status, created] = call("POST", "/api/v1/inferences", body);
	ASSERT_EQ(status, 201) << created;
	ASSERT_EQ(created_topics_.size(), 1u);
	EXPECT_EQ(created_topics_[0], (std::pair<std::string, int32_t>{"fresh", 3}));
	EXPECT_EQ(created["notes"],
	          json::array({"created the input topic \"fresh\" with 3 partition(s), one per replica"}));
	// An existing topic is left as it is.
	auto [again, existing] = call("POST", "/api/v1/inferences", inference_body("two-partitions"));
	ASSERT_EQ(again, 201) << existing;
	EXPECT_EQ(existing["notes"], json::array());
	EXPECT_EQ(created_topics_.size(), 1u);
}

TEST_F(ApiTest, InferenceInputFormatIsCheckedWithItsConfig) {
	json deployment = deploy_two();
	int64_t r1 = deployment["results"][0]["id"];
	finish(r1);
	json body = {{"model_result", r1}, {"input_topic", "in"}, {"output_topic", "out"}};
	body["input_format"] = "XML";
	auto [s1, b1] = call("POST", "/api/v1/inferences", body);
	EXPECT_EQ(s1, 400);
	EXPECT_NE(b1["error"].get<std::string>().find("RAW, AVRO or JSON"), std::string::npos) << b1;
	body["input_format"] = "JSON";
	body["input_config"] = {{"fields", "Age"}};
	auto [s2, b2] = call("POST", "/api/v1/inferences", body);
	EXPECT_EQ(s2, 400);
	EXPECT_EQ(b2["detail"]["field"], "input_config") << b2;
	EXPECT_NE(b2["error"].get<std::string>().find("must be a list"), std::string::npos) << b2;
	EXPECT_TRUE(call("GET", "/api/v1/inferences").second.empty());
	body["input_config"] = {{"fields", {"Gender", "Age", "Smoking"}}};
	EXPECT_EQ(call("POST", "/api/v1/inferences", body).first, 201);
}

TEST_F(ApiTest, TrainingProgressGaugeFollowsEpochs) {
	json deployment = deploy_two();
	int64_t r1 = deployment["results"][0]["id"];
	call("POST", "/api/v1/results/" + std::to_string(r1) + "/status", {{"status", "running"}});
	call("POST", "/api/v1/results/" + std::to_string(r1) + "/epochs", {{"epoch", 1}, {"metrics", {{"loss", 1}}}});
	auto body = client_->Get("/metrics")->body;
	EXPECT_NE(body.find("kafkaml_training_progress{result=\"" + std::to_string(r1) + "\"} 0.25"), std::string::npos)
	    << body;
}

TEST_F(ApiTest, StaticFilesWithIndexFallbackAndNoEscape) {
	auto app = client_->Get("/assets/app.js");
	ASSERT_TRUE(app);
	EXPECT_EQ(app->status, 200);
	EXPECT_EQ(app->body, "console.log(1)");
	EXPECT_EQ(app->get_header_value("Content-Type"), "text/javascript");
	for (const char *route : {"/", "/models/3", "/deployments"}) {
		auto page = client_->Get(route);
		ASSERT_TRUE(page);
		EXPECT_EQ(page->status, 200) << route;
		EXPECT_EQ(page->body, "<html>kafka-ml</html>") << route;
	}
	auto escape = client_->Get("/../secret.txt");
	ASSERT_TRUE(escape);
	EXPECT_EQ(escape->body.find("outside"), std::string::npos);
	auto escape2 = client_->Get("/assets/%2e%2e/%2e%2e/secret.txt");
	ASSERT_TRUE(escape2);
	EXPECT_EQ(escape2->body.find("outside"), std::string::npos);
}

} // namespace
} // namespace kafkaml::api

namespace kafkaml::api {
namespace {

std::string nested_arrays(size_t levels) {
	return std::string(levels, '[') + std::string(levels, ']');
}

//! A route of the OpenAPI document that takes a JSON body, "{id}" filled in,
//! and the fields its schema names: the hostile-input tests reach every one
//! without a list of our own that could miss one.
struct JsonRoute {
	std::string method;
	std::string path;
	std::vector<std::string> fields;
};

std::vector<JsonRoute> json_body_routes(int64_t id) {
	auto document = json::parse(openapi_document());
	const json &schemas = document["components"]["schemas"];
	std::vector<JsonRoute> routes;
	for (const auto &[path, operations] : document["paths"].items()) {
		for (const auto &[method, operation] : operations.items()) {
			if (!operation.is_object() || !operation.contains("requestBody") ||
			    !operation["requestBody"]["content"].contains("application/json")) {
				continue;
			}
			JsonRoute route;
			for (char c : method) {
				route.method += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
			}
			route.path = path;
			if (auto at = route.path.find("{id}"); at != std::string::npos) {
				route.path.replace(at, 4, std::to_string(id));
			}
			json schema = operation["requestBody"]["content"]["application/json"]["schema"];
			std::vector<json> candidates = {schema};
			if (schema.contains("oneOf")) {
				candidates = schema["oneOf"].get<std::vector<json>>();
			}
			for (json candidate : candidates) {
				if (candidate.contains("$ref")) {
					auto ref = candidate["$ref"].get<std::string>();
					candidate = schemas[ref.substr(ref.rfind('/') + 1)];
				}
				json properties = candidate.contains("properties") ? candidate["properties"] : json::object();
				for (auto it = properties.begin(); it != properties.end(); ++it) {
					route.fields.push_back(it.key());
				}
			}
			route.fields.push_back("unknown_field");
			routes.push_back(std::move(route));
		}
	}
	return routes;
}

TEST_F(ApiTest, DeepJsonAtEveryEntryPointIsA400AndTheServerLives) {
	// 100,000 levels once overflowed the stack of a dump() and ended the
	// whole process: in any field of any body (kwargs, metrics, input_config).
	json deployment = deploy_two();
	int64_t id = deployment["results"][0]["id"];
	auto deep = nested_arrays(100000);
	size_t checked = 0;
	for (const auto &route : json_body_routes(id)) {
		for (const auto &field : route.fields) {
			std::string body = "{\"" + field + "\": " + deep + "}";
			auto r = route.method == "PUT" ? client_->Put(route.path.c_str(), body, "application/json")
			                               : client_->Post(route.path.c_str(), body, "application/json");
			std::string what = route.method + " " + route.path + " field " + field;
			ASSERT_TRUE(r) << what << ": the server did not answer";
			EXPECT_EQ(r->status, 400) << what << ": " << r->body;
			auto answer = json::parse(r->body, nullptr, false);
			ASSERT_TRUE(answer.is_object()) << r->body;
			EXPECT_NE(answer["error"].get<std::string>().find("deeper than 64 levels"), std::string::npos)
			    << answer["error"];
			checked++;
		}
	}
	EXPECT_GE(checked, 20u) << "the OpenAPI document lists the JSON bodies";
	EXPECT_EQ(call("GET", "/api/v1/models").first, 200);
}

TEST_F(ApiTest, InvalidUtf8InABodyIsA400WhoseAnswerIsJson) {
	for (std::string body : {std::string("{\"name\": \"a\xff\xfe\", \"code\": \"x\"}"), std::string("\xff{}"),
	                         std::string("{\"name\": \"\xed\xa0\x80\"}")}) {
		auto r = client_->Post("/api/v1/models", body, "application/json");
		ASSERT_TRUE(r);
		EXPECT_EQ(r->status, 400) << r->body;
		auto answer = json::parse(r->body, nullptr, false);
		ASSERT_TRUE(answer.is_object()) << "the error answer must itself be valid JSON: " << r->body;
		EXPECT_NE(answer["error"].get<std::string>().find("not valid JSON"), std::string::npos) << answer;
	}
}

TEST_F(ApiTest, IdsBeyondInt64AreNotFoundNot500) {
	for (const char *id :
	     {"9223372036854775807", "9223372036854775808", "9999999999999999999", "99999999999999999999999"}) {
		for (const std::string path : {"/api/v1/models/", "/api/v1/results/", "/api/v1/inferences/"}) {
			auto [status, body] = call("GET", path + id);
			EXPECT_EQ(status, 404) << path << id << ": " << body;
			EXPECT_TRUE(body.is_object() && body.contains("error")) << body;
		}
		EXPECT_EQ(call("POST", std::string("/api/v1/results/") + id + "/stop").first, 404);
	}
	EXPECT_EQ(call("GET", "/api/v1/results?deployment=99999999999999999999").first, 400);
}

TEST_F(ApiTest, ABodyIsRefusedBeforeItIsReadWhenTooLargeOrUnauthenticated) {
	// Once the server read a 50 MB body before its 401.
	httplib::Client anonymous("127.0.0.1", server_->port());
	std::string big(50 << 20, ' ');
	big[0] = '{';
	big.back() = '}';
	auto refused = anonymous.Post("/api/v1/models", big, "application/json");
	ASSERT_TRUE(refused) << httplib::to_string(refused.error());
	EXPECT_EQ(refused->status, 401);
	auto too_large = client_->Post("/api/v1/models", big, "application/json");
	ASSERT_TRUE(too_large) << httplib::to_string(too_large.error());
	EXPECT_EQ(too_large->status, 413) << too_large->body;
	EXPECT_NE(json::parse(too_large->body)["error"].get<std::string>().find("accepts at most"), std::string::npos);
	EXPECT_GE(server_->http_stats().refused_too_large, 1u);
	EXPECT_EQ(call("GET", "/api/v1/models").first, 200);
}

TEST_F(ApiTest, AnInferenceTakesItsInputFormatFromTheResultEvenBeforeTheStreamIsRecorded) {
	// The control logger records a stream after its group join, a training
	// job may have read it long before: right after a short training the
	// inference once found no format to take.
	int64_t result = deploy_one()["results"][0]["id"];
	std::string base = "/api/v1/results/" + std::to_string(result);
	json config = {{"data_type", "float32"}, {"data_reshape", "3"}};
	ASSERT_EQ(call("POST", base + "/status",
	               {{"status", "running"}, {"new_run", true}, {"input_format", "raw"}, {"input_config", config}})
	              .first,
	          200);
	ASSERT_EQ(call("POST", base + "/status", {{"status", "finished"}}).first, 200);
	auto [got, shown] = call("GET", base);
	EXPECT_EQ(shown["input_format"], "RAW");
	EXPECT_EQ(shown["input_config"], config);
	ASSERT_TRUE(store_->list_datasources().empty());
	auto [status, inference] =
	    call("POST", "/api/v1/inferences", {{"model_result", result}, {"input_topic", "in"}, {"output_topic", "out"}});
	ASSERT_EQ(status, 201) << inference;
	EXPECT_EQ(inference["input_format"], "RAW");
	EXPECT_EQ(inference["input_config"], config);
}

TEST_F(ApiTest, RefusedControlMessagesAreListed) {
	store::RefusedControlMessage refused;
	refused.control_message = "control/0@4 t1";
	refused.deployment = 3;
	refused.reason = "control message value is not JSON";
	store_->add_refused_control_message(refused);
	auto [status, list] = call("GET", "/api/v1/datasources/refused");
	ASSERT_EQ(status, 200) << list;
	ASSERT_EQ(list.size(), 1u);
	EXPECT_EQ(list[0]["control_message"], "control/0@4 t1");
	EXPECT_EQ(list[0]["deployment"], 3);
	EXPECT_EQ(list[0]["reason"], "control message value is not JSON");
}

} // namespace
} // namespace kafkaml::api

namespace kafkaml::api {
namespace {

TEST(AdminToken, AStoreHoldingThePlainTokenGetsItsHashInstead) {
	TempDir temp("api");
	std::string dir = temp.string();
	auto db = store::open_store("sqlite:" + dir + "/kafkaml.db");
	std::string legacy(64, 'a');
	db->put_setting("admin_token", legacy); // as versions before the hash kept it
	EXPECT_EQ(ensure_admin_token(*db, dir + "/admin-token"), legacy);
	EXPECT_FALSE(db->get_setting("admin_token"));
	EXPECT_EQ(db->get_setting("admin_token_sha256"), token_hash(legacy));
	EXPECT_TRUE(token_matches(legacy, *db->get_setting("admin_token_sha256")));
	EXPECT_FALSE(token_matches(std::string(64, 'b'), *db->get_setting("admin_token_sha256")));
	// Later starts read the file.
	EXPECT_EQ(ensure_admin_token(*db, dir + "/admin-token"), legacy);
	std::ofstream(dir + "/admin-token") << std::string(64, 'c');
	EXPECT_THROW(ensure_admin_token(*db, dir + "/admin-token"), std::runtime_error);
}

} // namespace
} // namespace kafkaml::api

namespace kafkaml::api {
namespace {

TEST_F(ApiTest, APyTorchModelIsItsCompileArgumentsAndAnUploadedModule) {
	auto [created_status, model] = call(
	    "POST", "/api/v1/models", {{"name", "net"}, {"framework", "pth"}, {"code", "loss='mse', optimizer='adam'"}});
	ASSERT_EQ(created_status, 201) << model;
	EXPECT_EQ(model["framework"], "pytorch");
	EXPECT_TRUE(model["module_size"].is_null());
	std::string id = std::to_string(model["id"].get<int64_t>());
	EXPECT_EQ(
	    call("POST", "/api/v1/models", {{"name", "x"}, {"framework", "pytorch"}, {"code", "optimizer='adam'"}}).first,
	    400);
	EXPECT_EQ(call("POST", "/api/v1/models", {{"name", "x"}, {"framework", "jax"}, {"code", MODEL_CODE}}).first, 400);

	// Not deployable without its module.
	auto configuration =
	    call("POST", "/api/v1/configurations", {{"name", "c"}, {"ml_models", json::array({model["id"]})}}).second;
	auto [refused, why] = call("POST", "/api/v1/deployments", {{"configuration", configuration["id"]}});
	EXPECT_EQ(refused, 409) << why;
	EXPECT_NE(why["error"].get<std::string>().find("no TorchScript module"), std::string::npos) << why;

	auto junk = client_->Put(("/api/v1/models/" + id + "/module").c_str(), "junk", "application/octet-stream");
	ASSERT_TRUE(junk);
	EXPECT_EQ(junk->status, 400) << junk->body;
	std::string module("PK\x03\x04 the module", 16);
	auto uploaded = client_->Put(("/api/v1/models/" + id + "/module").c_str(), module, "application/octet-stream");
	ASSERT_TRUE(uploaded);
	ASSERT_EQ(uploaded->status, 200) << uploaded->body;
	EXPECT_EQ(json::parse(uploaded->body)["module_size"], 16);
	auto downloaded = client_->Get(("/api/v1/models/" + id + "/module").c_str());
	ASSERT_TRUE(downloaded);
	EXPECT_EQ(downloaded->body, module);
	EXPECT_EQ(call("POST", "/api/v1/deployments", {{"configuration", configuration["id"]}}).first, 201);

	// A Keras model has no module.
	auto keras = create_model("keras");
	auto wrong = client_->Put(("/api/v1/models/" + std::to_string(keras) + "/module").c_str(), module,
	                          "application/octet-stream");
	ASSERT_TRUE(wrong);
	EXPECT_EQ(wrong->status, 409);
	EXPECT_EQ(call("GET", "/api/v1/models/" + std::to_string(keras) + "/module").first, 404);
}

TEST_F(ApiTest, AKerasModelsPretrainedBaseTakesAnUploadedWeightsFile) {
	auto [created_status, model] =
	    call("POST", "/api/v1/models",
	         {{"name", "transfer"}, {"code", "base = tf.keras.applications.VGG16(weights='imagenet')"}});
	ASSERT_EQ(created_status, 201) << model;
	EXPECT_TRUE(model["weights_size"].is_null());
	std::string id = std::to_string(model["id"].get<int64_t>());

	// Not deployable without its weights file, and the refusal says how.
	auto configuration =
	    call("POST", "/api/v1/configurations", {{"name", "c"}, {"ml_models", json::array({model["id"]})}}).second;
	auto [refused, why] = call("POST", "/api/v1/deployments", {{"configuration", configuration["id"]}});
	EXPECT_EQ(refused, 409) << why;
	EXPECT_NE(why["error"].get<std::string>().find("has no weights file yet"), std::string::npos) << why;
	EXPECT_EQ(call("GET", "/api/v1/models/" + id + "/weights").first, 404);

	auto junk = client_->Put(("/api/v1/models/" + id + "/weights").c_str(), "junk", "application/octet-stream");
	ASSERT_TRUE(junk);
	EXPECT_EQ(junk->status, 400) << junk->body;
	std::string weights("\x89HDF\r\n\x1a\n the weights", 20);
	auto uploaded = client_->Put(("/api/v1/models/" + id + "/weights").c_str(), weights, "application/octet-stream");
	ASSERT_TRUE(uploaded);
	ASSERT_EQ(uploaded->status, 200) << uploaded->body;
	EXPECT_EQ(json::parse(uploaded->body)["weights_size"], 20);
	auto downloaded = client_->Get(("/api/v1/models/" + id + "/weights").c_str());
	ASSERT_TRUE(downloaded);
	EXPECT_EQ(downloaded->body, weights);
	EXPECT_EQ(call("GET", "/api/v1/models/" + id).second["weights_size"], 20);
	EXPECT_EQ(call("POST", "/api/v1/deployments", {{"configuration", configuration["id"]}}).first, 201);
	// Deployed: its weights are what its results trained on.
	auto again = client_->Put(("/api/v1/models/" + id + "/weights").c_str(), weights, "application/octet-stream");
	ASSERT_TRUE(again);
	EXPECT_EQ(again->status, 409) << again->body;

	// A model whose code takes no weights file refuses one.
	auto plain = create_model("plain");
	auto wrong = client_->Put(("/api/v1/models/" + std::to_string(plain) + "/weights").c_str(), weights,
	                          "application/octet-stream");
	ASSERT_TRUE(wrong);
	EXPECT_EQ(wrong->status, 409) << wrong->body;
}

} // namespace
} // namespace kafkaml::api

// Users, roles, tokens and the audit log (auth.h, user_routes.cpp).
namespace kafkaml::api {
namespace {

//! {status, body} of `method path` sent with `token` ("" for none), and an
//! optional Host header.
std::pair<int, std::string> as(int port, const std::string &token, const std::string &method, const std::string &path,
                               const std::string &body = "{}", const std::string &host = "") {
	httplib::Client client("127.0.0.1", port);
	httplib::Headers headers;
	if (!token.empty()) {
		headers.emplace("Authorization", "Bearer " + token);
	}
	if (!host.empty()) {
		headers.emplace("Host", host);
	}
	httplib::Result r = method == "GET"      ? client.Get(path, headers)
	                    : method == "DELETE" ? client.Delete(path, headers)
	                    : method == "PUT"    ? client.Put(path, headers, body, "application/json")
	                                         : client.Post(path, headers, body, "application/json");
	if (!r) {
		return {0, httplib::to_string(r.error())};
	}
	return {r->status, r->body};
}

class AuthTest : public ApiTest {
protected:
	//! A new user of `role` and a token of it.
	std::string user_with_token(const std::string &name, const std::string &role) {
		auto user = store_->create_user(name, role);
		std::string secret = "secret-of-" + name;
		store_->create_token(user.id, "test", token_hash(secret), std::nullopt);
		return secret;
	}
};

TEST_F(AuthTest, EveryDocumentedOperationAnswersEachRoleAsItsRoleSays) {
	std::map<Role, std::string> tokens = {{Role::viewer, user_with_token("vera", "viewer")},
	                                      {Role::operator_, user_with_token("otto", "operator")},
	                                      {Role::admin, token_}};
	auto access = route_access_from(openapi_document());
	ASSERT_GE(access.size(), 50u);
	int checked = 0;
	for (const auto &[route, needs] : access) {
		auto [method, path] = route;
		// Ids nothing has: an allowed call gets 404 or 400, never a change.
		for (auto [from, to] : {std::pair{"{id}", "987654"}, {"{version}", "1"}}) {
			for (auto at = path.find(from); at != std::string::npos; at = path.find(from)) {
				path.replace(at, std::string(from).size(), to);
			}
		}
		std::string what = method + " " + path;
		auto anonymous = as(server_->port(), "", method, path);
		if (needs.role == Role::anonymous) {
			EXPECT_LT(anonymous.first, 400) << what << ": " << anonymous.second;
		} else {
			EXPECT_EQ(anonymous.first, 401) << what << ": " << anonymous.second;
		}
		for (const auto &[role, token] : tokens) {
			auto [status, body] = as(server_->port(), token, method, path);
			if (role >= needs.role) {
				EXPECT_TRUE(status != 401 && status != 403 && status != 0)
				    << what << " as " << role_name(role) << ": " << status << " " << body;
			} else {
				EXPECT_EQ(status, 403) << what << " as " << role_name(role) << ": " << body;
				EXPECT_NE(body.find("needs the role " + std::string(role_name(needs.role))), std::string::npos) << body;
				EXPECT_NE(body.find("has the role " + std::string(role_name(role))), std::string::npos) << body;
			}
		}
		auto [scrape_status, scrape_body] = as(server_->port(), kScrapeToken, method, path);
		if (needs.scrape_token || needs.role == Role::anonymous) {
			EXPECT_EQ(scrape_status, 200) << what << ": " << scrape_body;
		} else {
			EXPECT_EQ(scrape_status, 403) << what << " with the scrape token: " << scrape_body;
		}
		checked++;
	}
	EXPECT_EQ(checked, int(access.size()));
	// Every route the server registered has a role in the document.
	for (const auto &route : server_->routes()) {
		EXPECT_TRUE(access.count({route.method, route.path})) << route.method << " " << route.path;
	}
}

TEST_F(AuthTest, ATokenIsShownOnceStoredHashedAndRefusedOnceRevokedOrExpired) {
	auto [status, created] = call("POST", "/api/v1/users", {{"name", "ana"}, {"role", "operator"}});
	ASSERT_EQ(status, 201) << created;
	EXPECT_EQ(created["tokens"], 0);
	auto [token_status, token] =
	    call("POST", "/api/v1/tokens", {{"user", "ana"}, {"name", "laptop"}, {"expires_in_days", 30}});
	ASSERT_EQ(token_status, 201) << token;
	std::string secret = token["token"];
	EXPECT_EQ(token["user"]["name"], "ana");
	EXPECT_FALSE(token["expires_at"].is_null());
	EXPECT_TRUE(token["revoked_at"].is_null());
	// Never again: not in the list, nor in any file of the store.
	auto list = call("GET", "/api/v1/tokens").second;
	EXPECT_EQ(list.dump().find(secret), std::string::npos);
	EXPECT_EQ(list.dump().find(token_hash(secret)), std::string::npos) << "nor its hash";
	std::string stored;
	for (const auto &file : std::filesystem::directory_iterator(dir_)) {
		if (file.path().filename().string().starts_with("kafkaml.db")) {
			std::ifstream in(file.path(), std::ios::binary);
			stored += std::string(std::istreambuf_iterator<char>(in), {});
		}
	}
	ASSERT_FALSE(stored.empty());
	EXPECT_EQ(stored.find(secret), std::string::npos) << "the secret itself is in the store";
	EXPECT_NE(stored.find(token_hash(secret)), std::string::npos) << "its hash is";

	auto [who_status, who] = as(server_->port(), secret, "GET", "/api/v1/whoami");
	ASSERT_EQ(who_status, 200) << who;
	EXPECT_EQ(json::parse(who)["user"]["role"], "operator");
	EXPECT_EQ(json::parse(who)["token"]["name"], "laptop");
	EXPECT_EQ(
	    as(server_->port(), secret, "POST", "/api/v1/models", json{{"name", "m"}, {"code", MODEL_CODE}}.dump()).first,
	    201);

	EXPECT_EQ(call("DELETE", "/api/v1/tokens/" + std::to_string(token["id"].get<int64_t>())).first, 204);
	auto [revoked_status, revoked] = as(server_->port(), secret, "GET", "/api/v1/models");
	EXPECT_EQ(revoked_status, 401);
	EXPECT_NE(revoked.find("revoked"), std::string::npos) << revoked;

	auto user = store_->find_user("ana");
	store_->create_token(user->id, "old", token_hash("expired-secret"), store_time("2001-02-03T04:05:06Z"));
	auto [expired_status, expired] = as(server_->port(), "expired-secret", "GET", "/api/v1/models");
	EXPECT_EQ(expired_status, 401);
	EXPECT_NE(expired.find("expired at 2001-02-03T04:05:06.000Z"), std::string::npos) << expired;

	EXPECT_EQ(call("POST", "/api/v1/tokens", {{"user", "ana"}, {"expires_at", "2001-01-01T00:00:00Z"}}).first, 400);
	EXPECT_EQ(call("POST", "/api/v1/tokens", {{"user", "ana"}, {"expires_at", "next week"}}).first, 400);
	EXPECT_EQ(call("POST", "/api/v1/tokens", {{"user", "nobody"}}).first, 404);
	auto offset = call("POST", "/api/v1/tokens", {{"user_id", user->id}, {"expires_at", "2099-06-01T02:00:00+02:00"}});
	EXPECT_EQ(offset.first, 201) << offset.second;
	EXPECT_EQ(offset.second["expires_at"], "2099-06-01T00:00:00.000Z");
}

TEST_F(AuthTest, TheLastAdminStaysAndTheJobsUserIsTheServers) {
	auto users = call("GET", "/api/v1/users").second;
	ASSERT_EQ(users.size(), 2u) << users;
	EXPECT_EQ(users[0]["name"], "admin");
	EXPECT_EQ(users[0]["tokens"], 1);
	EXPECT_EQ(users[1]["name"], "jobs");
	EXPECT_EQ(users[1]["role"], "operator");
	std::string admin = "/api/v1/users/" + std::to_string(users[0]["id"].get<int64_t>());
	auto [demote, demote_body] = call("PUT", admin, {{"role", "viewer"}});
	EXPECT_EQ(demote, 409);
	EXPECT_NE(demote_body["error"].get<std::string>().find("last admin"), std::string::npos) << demote_body;
	EXPECT_EQ(call("DELETE", admin).first, 409);
	std::string jobs = "/api/v1/users/" + std::to_string(users[1]["id"].get<int64_t>());
	EXPECT_EQ(call("DELETE", jobs).first, 409);
	EXPECT_EQ(call("PUT", jobs, {{"role", "admin"}}).first, 409);
	auto jobs_token = store_->find_token_by_hash(token_hash(std::string(64, 'j')));
	ASSERT_TRUE(jobs_token);
	EXPECT_EQ(call("DELETE", "/api/v1/tokens/" + std::to_string(jobs_token->id)).first, 409);
	EXPECT_EQ(call("POST", "/api/v1/users", {{"name", "bad name!"}, {"role", "viewer"}}).first, 400);
	EXPECT_EQ(call("POST", "/api/v1/users", {{"name", "eve"}, {"role", "root"}}).first, 400);

	// With a second admin, the first may go; its token stops working.
	auto second = call("POST", "/api/v1/users", {{"name", "bea"}, {"role", "admin"}}).second;
	auto bea = call("POST", "/api/v1/tokens", {{"user", "bea"}}).second["token"].get<std::string>();
	EXPECT_EQ(as(server_->port(), bea, "DELETE", admin).first, 204);
	EXPECT_EQ(as(server_->port(), token_, "GET", "/api/v1/models").first, 401);
	std::string bea_path = "/api/v1/users/" + std::to_string(second["id"].get<int64_t>());
	EXPECT_EQ(as(server_->port(), bea, "PUT", bea_path, json{{"role", "operator"}}.dump()).first, 409);
}

TEST_F(AuthTest, ChangesAndRefusalsAreAudited) {
	std::string viewer = user_with_token("val", "viewer");
	create_model("audited");
	as(server_->port(), viewer, "DELETE", "/api/v1/models/1");
	as(server_->port(), "", "GET", "/api/v1/models");
	call("GET", "/api/v1/models"); // an allowed read is not audited
	as(server_->port(), token_, "GET", "/api/v1/models", "", "attacker.example");
	server_->flush_audit();
	auto [status, page] = call("GET", "/api/v1/audit?limit=3");
	ASSERT_EQ(status, 200) << page;
	auto entries = page["entries"];
	ASSERT_EQ(entries.size(), 3u) << page;
	EXPECT_EQ(entries[0]["status"], 421);
	EXPECT_EQ(entries[1]["status"], 401);
	EXPECT_TRUE(entries[1]["user"].is_null());
	EXPECT_EQ(entries[1]["path"], "/api/v1/models");
	EXPECT_EQ(entries[2]["status"], 403);
	EXPECT_EQ(entries[2]["user"], "val");
	EXPECT_EQ(entries[2]["method"], "DELETE");
	EXPECT_EQ(entries[2]["remote_address"], "127.0.0.1");
	ASSERT_FALSE(page["next_before"].is_null());
	auto older = call("GET", "/api/v1/audit?before=" + std::to_string(page["next_before"].get<int64_t>())).second;
	ASSERT_GE(older["entries"].size(), 1u) << older;
	EXPECT_EQ(older["entries"][0]["method"], "POST");
	EXPECT_EQ(older["entries"][0]["path"], "/api/v1/models");
	EXPECT_EQ(older["entries"][0]["status"], 201);
	EXPECT_EQ(older["entries"][0]["user"], "admin");
	EXPECT_TRUE(older["next_before"].is_null());
	EXPECT_EQ(call("GET", "/api/v1/audit?limit=0").first, 400);
}

TEST_F(AuthTest, AnotherHostNameIsRefusedAndTheUiCarriesItsSecurityHeaders) {
	auto [status, body] = as(server_->port(), token_, "GET", "/api/v1/models", "", "rebound.example:80");
	EXPECT_EQ(status, 421);
	EXPECT_NE(body.find("--allowed-hosts"), std::string::npos) << body;
	EXPECT_EQ(as(server_->port(), "", "GET", "/", "", "rebound.example").first, 421);
	EXPECT_EQ(as(server_->port(), token_, "GET", "/api/v1/models", "", "LOCALHOST:8080").first, 200);
	httplib::Client anonymous("127.0.0.1", server_->port());
	for (const char *page : {"/", "/assets/app.js", "/models/3"}) {
		auto r = anonymous.Get(page);
		ASSERT_TRUE(r);
		EXPECT_EQ(r->status, 200) << page << ": the UI shell needs no token";
		auto csp = r->get_header_value("Content-Security-Policy");
		EXPECT_NE(csp.find("default-src 'self'"), std::string::npos) << csp;
		EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
		EXPECT_NE(csp.find("script-src 'self';"), std::string::npos) << "no inline script: " << csp;
		EXPECT_EQ(r->get_header_value("X-Content-Type-Options"), "nosniff");
		EXPECT_EQ(r->get_header_value("Referrer-Policy"), "no-referrer");
	}
	auto api = client_->Get("/api/v1/models");
	EXPECT_EQ(api->get_header_value("X-Content-Type-Options"), "nosniff");
	auto refused = anonymous.Get("/api/v1/models");
	EXPECT_EQ(refused->get_header_value("X-Content-Type-Options"), "nosniff");
}

TEST_F(AuthTest, MetricsNeedTheScrapeTokenOrAViewerOrTheirOwnAddress) {
	EXPECT_EQ(as(server_->port(), "", "GET", "/metrics").first, 401);
	auto [status, text] = as(server_->port(), kScrapeToken, "GET", "/metrics");
	EXPECT_EQ(status, 200);
	EXPECT_NE(text.find("kafkaml_"), std::string::npos);
	EXPECT_EQ(as(server_->port(), user_with_token("vic", "viewer"), "GET", "/metrics").first, 200);
	server_->start_metrics("127.0.0.1", 0);
	ASSERT_GT(server_->metrics_port(), 0);
	auto [open_status, open_text] = as(server_->metrics_port(), "", "GET", "/metrics");
	EXPECT_EQ(open_status, 200);
	EXPECT_NE(open_text.find("kafkaml_"), std::string::npos);
	EXPECT_EQ(as(server_->metrics_port(), "", "GET", "/api/v1/models").first, 404) << "metrics only there";
}

TEST(AuthTimes, Rfc3339TimesBecomeTheStoresUtcText) {
	EXPECT_EQ(store_time("2030-01-31T12:00:00Z"), "2030-01-31T12:00:00.000Z");
	EXPECT_EQ(store_time("2030-01-31t12:00:00.5z"), "2030-01-31T12:00:00.500Z");
	EXPECT_EQ(store_time("2030-01-01T01:30:00+02:00"), "2029-12-31T23:30:00.000Z");
	EXPECT_FALSE(store_time("2030-01-31"));
	EXPECT_FALSE(store_time("2030-13-01T00:00:00Z"));
	EXPECT_FALSE(store_time("2030-01-31T12:00:00"));
}

} // namespace
} // namespace kafkaml::api
