// The whole flow of the README's example through the REST API, with real processes:
// a broker (ours, or librdkafka's mock cluster as a second Kafka
// implementation), `kafkaml server`, its training and inference jobs, and
// `kafkaml send`. Model -> configuration of two models -> deploy -> send ->
// both results finished -> reuse the stream for a second deployment without
// re-sending it -> inference with two replicas -> 1,000 inputs give 1,000
// predictions, with one replica killed mid-stream, the inference running and
// its figures at /metrics -> an inference over JSON inputs.
//
// The first deployment uses the paper's settings (batch 10, epochs=1000,
// steps_per_epoch=22); the log shows how long training took end to end,
// from the first record sent to the result finished.

#include "client/api_client.h"
#include "ml/plan.h"
#include "ml/spec/parse.h"
#include "ml/tests/keras_weights_writer.h"
#include "stream/admin.h"
#include "stream/kafka_group_source.h"
#include "stream/kafka_sink.h"
#include "support/build_tree.h"
#include "support/child_process.h"
#include "support/files.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <sstream>

namespace kafkaml {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using testing::ChildProcess;

//! `kafkaml args...` with its stdout in dir/NAME.out and its stderr (its log,
//! what a failing test shows) in dir/NAME.log.
std::unique_ptr<ChildProcess> start_kafkaml(const std::filesystem::path &dir, const std::string &name,
                                            const std::vector<std::string> &args) {
	auto options = testing::kafkaml_command(args);
	options.out = testing::Output::file(dir / (name + ".out"));
	options.err = testing::Output::file(dir / (name + ".log"));
	return std::make_unique<ChildProcess>(std::move(options));
}

//! How long a `kafkaml` daemon has to stop on SIGTERM: the server stops the
//! jobs it started, which live in sessions of their own.
constexpr auto kStopGrace = 15s;

constexpr const char *kHcopdModel = R"(model = tf.keras.Sequential([
    tf.keras.layers.Dropout(0.2, input_shape=(3,)),
    tf.keras.layers.Dense(4, activation='sigmoid'),
    tf.keras.layers.Dense(2, activation='softmax')
])
model.compile(keras.optimizers.Adam(lr=.0001), loss='sparse_categorical_crossentropy', metrics=['accuracy'])
)";

constexpr const char *kReluModel = R"(import tensorflow as tf
model = tf.keras.Sequential([
    tf.keras.layers.Dense(8, activation='relu', input_shape=(3,)),
    tf.keras.layers.Dense(2, activation='softmax')
])
model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])
)";

//! HCOPD-like CSV: Diagnosis depends on Age and Smoking.
void write_hcopd_like_csv(const std::filesystem::path &path, int rows) {
	std::mt19937 rng(5);
	std::normal_distribution<double> noise(0, 1);
	std::bernoulli_distribution coin(0.5);
	std::ofstream out(path);
	out << "Diagnosis,Gender,Age,Smoking\n";
	for (int i = 0; i < rows; ++i) {
		bool ill = coin(rng);
		out << (ill ? 1 : 0) << ',' << (coin(rng) ? 1 : -1) << ',' << (ill ? 0.9 : -0.9) + 0.6 * noise(rng) << ','
		    << (ill ? 0.7 : -0.7) + 0.7 * noise(rng) << '\n';
	}
}

//! The REST API as the test uses it (paths under /api/v1): JSON in, JSON
//! out, an answer other than the expected status fails the test.
class Api {
public:
	Api(const std::string &url, std::string token) : client_(url, std::move(token)) {}
	json get(const std::string &path) { return check("GET", path, {}, 200); }
	json post(const std::string &path, const json &body, int expected = 201) {
		return check("POST", path, body.dump(), expected);
	}
	//! PUT of raw bytes (a TorchScript module).
	json put_bytes(const std::string &path, const std::string &bytes, int expected) {
		return check("PUT", path, bytes, expected, "application/octet-stream");
	}

private:
	json check(const std::string &method, const std::string &path, const std::string &body, int expected,
	           const std::string &content_type = "application/json") {
		client::ApiClient::Response response;
		try {
			response = client_.call(method, path, body, content_type);
		} catch (const client::ClientError &e) {
			ADD_FAILURE() << method << " " << path << ": " << e.what();
			return {};
		}
		EXPECT_EQ(response.status, expected) << method << " " << path << ": " << response.body;
		return response.body.empty() ? json() : json::parse(response.body);
	}
	client::ApiClient client_;
};

//! The store's "2026-01-02T03:04:05.678Z" as a time point.
std::chrono::system_clock::time_point parse_utc(const std::string &text) {
	std::tm utc{};
	int millis = 0;
	if (std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &utc.tm_year, &utc.tm_mon, &utc.tm_mday, &utc.tm_hour,
	                &utc.tm_min, &utc.tm_sec, &millis) != 7) {
		ADD_FAILURE() << "not a UTC time: " << text;
		return {};
	}
	utc.tm_year -= 1900;
	utc.tm_mon -= 1;
	return std::chrono::system_clock::from_time_t(timegm(&utc)) + std::chrono::milliseconds(millis);
}

//! Parent pid of `pid` (field 4 of /proc/PID/stat, after the command name).
pid_t parent_of(const std::string &pid) {
	auto stat = testing::read_file(std::filesystem::path("/proc") / pid / "stat");
	auto close = stat.rfind(')');
	if (close == std::string::npos) {
		return -1;
	}
	std::istringstream rest(stat.substr(close + 1));
	std::string state;
	pid_t parent = -1;
	rest >> state >> parent;
	return parent;
}

//! Children of `parent` whose command line contains every one of `needles`.
std::vector<pid_t> find_processes(pid_t parent, const std::vector<std::string> &needles) {
	std::vector<pid_t> pids;
	for (const auto &entry : std::filesystem::directory_iterator("/proc")) {
		auto name = entry.path().filename().string();
		if (name.find_first_not_of("0123456789") != std::string::npos) {
			continue;
		}
		auto cmdline = testing::read_file(entry.path() / "cmdline");
		std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
		bool all = !cmdline.empty() && parent_of(name) == parent;
		for (const auto &needle : needles) {
			all = all && cmdline.find(needle) != std::string::npos;
		}
		if (all) {
			pids.push_back(std::stoi(name));
		}
	}
	return pids;
}

//! Either our broker (a `kafkaml broker` child) or librdkafka's mock cluster.
class Cluster {
public:
	Cluster(const std::string &kind, const std::filesystem::path &dir) {
		if (kind == "embedded") {
			broker_ = start_kafkaml(dir, "broker",
			                        {"broker", "--listen", "127.0.0.1:0", "--data-dir", (dir / "broker").string()});
			bootstrap_ = broker_->required_first_line();
			return;
		}
		char error[256];
		rd_kafka_conf_t *conf = rd_kafka_conf_new();
		rd_kafka_conf_set(conf, "test.mock.num.brokers", "1", error, sizeof(error));
		mock_handle_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof(error));
		mock_ = rd_kafka_handle_mock_cluster(mock_handle_);
		bootstrap_ = rd_kafka_mock_cluster_bootstraps(mock_);
		// The mock cluster has no CreateTopics: make every topic the flow uses.
		for (auto [topic, partitions] : std::vector<std::pair<const char *, int>>{{"control", 1},
		                                                                          {"hcopd", 1},
		                                                                          {"hcopd-in", 2},
		                                                                          {"hcopd-out", 1},
		                                                                          {"hcopd-in-dead-letter", 1},
		                                                                          {"json-in", 1},
		                                                                          {"json-out", 1},
		                                                                          {"json-in-dead-letter", 1},
		                                                                          {"images", 1}}) {
			rd_kafka_mock_topic_create(mock_, topic, partitions, 1);
		}
	}
	~Cluster() {
		if (broker_) {
			broker_->terminate(kStopGrace);
		}
		if (mock_handle_) {
			rd_kafka_destroy(mock_handle_);
		}
	}
	const std::string &bootstrap() const { return bootstrap_; }
	bool is_mock() const { return mock_ != nullptr; }

private:
	std::unique_ptr<ChildProcess> broker_;
	rd_kafka_t *mock_handle_ = nullptr;
	rd_kafka_mock_cluster_t *mock_ = nullptr;
	std::string bootstrap_;
};

class PipelineTest : public ::testing::TestWithParam<std::string> {
protected:
	void SetUp() override {
		cluster.emplace(GetParam(), dir);
		server = start_kafkaml(dir, "server",
		                       {"server", "--listen", "127.0.0.1:0", "--bootstrap-servers", cluster->bootstrap(),
		                        "--data-dir", (dir / "server").string()});
		url = server->required_first_line();
		api.emplace(url, testing::read_file(dir / "server" / "admin-token").substr(0, 64));
	}
	void TearDown() override {
		if (HasFailure() && server) {
			std::cerr << "---- server log\n" << server->err() << "\n";
			for (const auto &entry : std::filesystem::directory_iterator(dir / "server" / "jobs")) {
				std::cerr << "---- " << entry.path().filename() << "\n" << testing::read_file(entry.path()) << "\n";
			}
		}
		if (server) {
			server->terminate(kStopGrace);
		}
		server.reset();
		cluster.reset();
	}

	//! Results of a deployment once none is still created/deployed/running.
	json wait_for_results(int64_t deployment, std::chrono::seconds timeout = 300s) {
		auto deadline = std::chrono::steady_clock::now() + timeout;
		json results;
		while (std::chrono::steady_clock::now() < deadline) {
			results = api->get("/results?deployment=" + std::to_string(deployment));
			bool done = !results.empty();
			for (const auto &result : results) {
				auto status = result.value("status", "");
				done = done && (status == "finished" || status == "failed" || status == "stopped");
			}
			if (done) {
				return results;
			}
			std::this_thread::sleep_for(500ms);
		}
		ADD_FAILURE() << "deployment " << deployment << " did not finish: " << results.dump(2);
		return results;
	}

	int64_t deploy(int64_t configuration,
	               const std::string &kwargs_fit = "epochs=30, steps_per_epoch=22, shuffle=True") {
		auto deployment = api->post(
		    "/deployments",
		    {{"configuration", configuration}, {"batch", 10}, {"kwargs_fit", kwargs_fit}, {"kwargs_val", ""}});
		return deployment.at("id").get<int64_t>();
	}

	int64_t high_watermark(const std::string &topic, int32_t partition) {
		stream::KafkaSink probe(stream::KafkaConfig{cluster->bootstrap(), {}});
		int64_t low = 0, high = 0;
		auto err = rd_kafka_query_watermark_offsets(probe.handle(), topic.c_str(), partition, &low, &high, 10000);
		EXPECT_EQ(err, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(err);
		return high;
	}

	testing::TempDir temp{"pipeline"};
	std::filesystem::path dir = temp.path();
	std::optional<Cluster> cluster;
	std::unique_ptr<ChildProcess> server;
	std::string url;
	std::optional<Api> api;
};

TEST_P(PipelineTest, TrainReuseAndInferWithAReplicaKilled) {
	// 1. Two models, one configuration, one deployment.
	auto m1 = api->post("/models", {{"name", "hcopd"}, {"description", "paper model"}, {"code", kHcopdModel}});
	auto m2 = api->post("/models", {{"name", "relu"}, {"description", ""}, {"code", kReluModel}});
	auto configuration = api->post("/configurations",
	                               {{"name", "two models"}, {"description", ""}, {"ml_models", {m1["id"], m2["id"]}}});
	auto d1 = deploy(configuration.at("id").get<int64_t>(), "epochs=1000, steps_per_epoch=22, shuffle=True");

	// 2. The stream, then its control message, by `kafkaml send`.
	write_hcopd_like_csv(dir / "hcopd.csv", 239);
	auto send_started = std::chrono::system_clock::now();
	auto send = start_kafkaml(dir, "send",
	                          {"send", "--bootstrap-servers", cluster->bootstrap(), "--topic", "hcopd",
	                           "--deployment-id", std::to_string(d1), "--format", "raw", "--label-column", "Diagnosis",
	                           "--validation-rate", "0.1", (dir / "hcopd.csv").string()});
	ASSERT_EQ(send->wait(120s), 0) << send->err();

	// 3. Both models train on it and report metrics.
	auto results = wait_for_results(d1);
	ASSERT_EQ(results.size(), 2u);
	for (const auto &summary : results) {
		auto result = api->get("/results/" + std::to_string(summary.at("id").get<int64_t>()));
		ASSERT_EQ(result.value("status", ""), "finished") << result.dump(2);
		EXPECT_EQ(result.at("epochs").size(), 1000u);
		EXPECT_TRUE(result.at("val_metrics").contains("accuracy")) << result.dump(2);
		EXPECT_GT(result.value("training_time", 0.0), 0.0);
		auto finished = parse_utc(result.value("status_changed", ""));
		std::cerr << "result " << result.at("id") << ": training end to end (first record sent -> finished) "
		          << std::chrono::duration<double>(finished - send_started).count() << " s, of which fit "
		          << result.value("training_time", 0.0) << " s\n";
	}

	// The trained model, downloaded for PyTorch, loads in Python.
	auto model_id = std::to_string(results[0].at("id").get<int64_t>());
	auto download = start_kafkaml(dir, "download",
	                              {"results", "download", model_id, "-o", (dir / "model.pt").string(), "--format",
	                               "pytorch", "--server", url, "--data-dir", (dir / "server").string()});
	ASSERT_EQ(download->wait(120s), 0) << download->err();
	if (testing::run_shell("/usr/bin/python3 -c 'import torch'").status == 0) {
		std::string check = "/usr/bin/python3 -c \"import torch, json; d = torch.load('" + (dir / "model.pt").string() +
		                    "'); assert d['format'] == 'kafkaml-keras-weights-v1', d['format']; "
		                    "assert json.loads(d['spec'])['layers']; print(sorted(d['weights']))\" > " +
		                    (dir / "torch.out").string() + " 2>&1";
		EXPECT_EQ(testing::run_shell(check).status, 0) << testing::read_file(dir / "torch.out");
		EXPECT_NE(testing::read_file(dir / "torch.out").find("dense/kernel"), std::string::npos)
		    << testing::read_file(dir / "torch.out");
	} else {
		std::cerr << "/usr/bin/python3 with torch is not available: the PyTorch export is not loaded\n";
	}

	// 4. Reuse: the recorded stream trains a second deployment; only the
	//    control message is sent again.
	auto stream_end = high_watermark("hcopd", 0);
	EXPECT_EQ(stream_end, 239);
	// The control logger records the stream on its own thread; give it a moment.
	json datasources;
	for (int attempt = 0; attempt < 100; ++attempt) {
		datasources = api->get("/datasources");
		if (!datasources.empty()) {
			break;
		}
		std::this_thread::sleep_for(200ms);
	}
	ASSERT_EQ(datasources.size(), 1u) << datasources.dump(2);
	auto d2 = deploy(configuration.at("id").get<int64_t>());
	api->post("/datasources/" + std::to_string(datasources[0].at("id").get<int64_t>()) + "/send", {{"deployment", d2}},
	          202);
	for (const auto &result : wait_for_results(d2)) {
		EXPECT_EQ(result.value("status", ""), "finished") << result.dump(2);
	}
	EXPECT_EQ(high_watermark("hcopd", 0), stream_end);

	// 5. Inference with two replicas; the input format comes from the stream.
	if (!cluster->is_mock()) {
		ASSERT_TRUE(stream::create_topic(stream::KafkaConfig{cluster->bootstrap(), {}}, "hcopd-in", 2));
	}
	auto inference = api->post("/inferences", {{"model_result", results[0].at("id")},
	                                           {"replicas", 2},
	                                           {"input_topic", "hcopd-in"},
	                                           {"output_topic", "hcopd-out"}});
	EXPECT_EQ(inference.value("input_format", ""), "RAW");
	auto inference_id = std::to_string(inference.at("id").get<int64_t>());

	stream::KafkaConfig kafka{cluster->bootstrap(), {}};
	stream::KafkaSink producer(kafka);
	auto produce = [&](int from, int to) {
		for (int i = from; i < to; ++i) {
			float row[3] = {1.0f, 0.01f * static_cast<float>(i % 100), -0.5f};
			std::string value(reinterpret_cast<const char *>(row), sizeof(row));
			std::string key = std::to_string(i);
			stream::Header header{"seq", std::to_string(i)};
			stream::OutRecord record;
			record.topic = "hcopd-in";
			record.key = key;
			record.value = value;
			record.headers = std::span<const stream::Header>(&header, 1);
			producer.produce(record);
		}
		producer.flush(30s);
	};
	std::set<int> seen;
	stream::KafkaGroupSource reader(kafka, "pipeline-test-reader", {"hcopd-out"});
	auto read_until = [&](size_t count, std::chrono::seconds timeout) {
		auto deadline = std::chrono::steady_clock::now() + timeout;
		std::vector<stream::Record> records;
		while (seen.size() < count && std::chrono::steady_clock::now() < deadline) {
			records.clear();
			reader.poll_batch(records, 1000, 200ms);
			for (const auto &record : records) {
				auto values = json::parse(record.value).at("values");
				EXPECT_EQ(values.size(), 2u);
				for (const auto &header : record.headers) {
					if (header.key == "seq") {
						seen.insert(std::stoi(header.value.value_or("-1")));
					}
				}
			}
		}
	};

	produce(0, 500);
	read_until(100, 120s);
	ASSERT_GE(seen.size(), 100u) << "no predictions arrived";
	// The replicas reported themselves: the inference is running, and its
	// throughput and lag are at /metrics (what the web UI shows).
	auto metric = [&](const std::string &name) -> std::optional<double> {
		auto text = httplib::Client(url).Get("/metrics")->body;
		auto key = name + "{inference=\"" + inference_id + "\"} ";
		auto at = text.find(key);
		if (at == std::string::npos) {
			return std::nullopt;
		}
		return std::stod(text.substr(at + key.size()));
	};
	std::optional<double> throughput, lag;
	std::string status;
	for (int attempt = 0; attempt < 100 && (status != "running" || !throughput || !lag); ++attempt) {
		std::this_thread::sleep_for(100ms);
		status = api->get("/inferences/" + inference_id).value("status", "");
		throughput = metric("kafkaml_inference_throughput");
		lag = metric("kafkaml_inference_consumer_lag");
	}
	EXPECT_EQ(status, "running");
	ASSERT_TRUE(throughput) << "no kafkaml_inference_throughput for inference " << inference_id;
	ASSERT_TRUE(lag) << "no kafkaml_inference_consumer_lag for inference " << inference_id;
	EXPECT_GE(*throughput, 0.0);
	EXPECT_GE(*lag, 0.0);
	EXPECT_LE(*lag, 500.0);
	auto replicas = find_processes(server->pid(), {"infer", "--inference-id " + inference_id});
	ASSERT_EQ(replicas.size(), 2u);
	::kill(replicas[0], SIGKILL);
	produce(500, 1000);
	read_until(1000, 240s);
	EXPECT_EQ(seen.size(), 1000u);
	EXPECT_EQ(*seen.begin(), 0);
	EXPECT_EQ(*seen.rbegin(), 999);
	// Every input consumed: the live replica's lag comes down to 0.
	for (int attempt = 0; attempt < 100 && lag != 0.0; ++attempt) {
		std::this_thread::sleep_for(100ms);
		lag = metric("kafkaml_inference_consumer_lag");
	}
	EXPECT_EQ(lag.value_or(-1), 0.0);

	// 6. JSON inputs: named fields picked in the model's order; the config
	//    is checked when the inference is created.
	auto rejected = api->post("/inferences",
	                          {{"model_result", results[0].at("id")},
	                           {"input_topic", "json-in"},
	                           {"output_topic", "json-out"},
	                           {"input_format", "JSON"},
	                           {"input_config", {{"fields", "Age"}}}},
	                          400);
	EXPECT_EQ(rejected["detail"].value("field", ""), "input_config") << rejected.dump();
	if (!cluster->is_mock()) {
		ASSERT_TRUE(stream::create_topic(kafka, "json-in", 1));
		ASSERT_TRUE(stream::create_topic(kafka, "json-in-dead-letter", 1));
		// Created before the reader subscribes: a consumer learns of a topic
		// made later only at its next metadata refresh (minutes).
		ASSERT_TRUE(stream::create_topic(kafka, "json-out", 1));
	}
	auto json_inference =
	    api->post("/inferences", {{"model_result", results[0].at("id")},
	                              {"input_topic", "json-in"},
	                              {"output_topic", "json-out"},
	                              {"input_format", "JSON"},
	                              {"input_config", {{"fields", {"Gender", "Age", "Smoking"}}, {"labeled", false}}}});
	EXPECT_EQ(json_inference.value("input_format", ""), "JSON");
	for (int i = 0; i < 50; ++i) {
		std::string value = json{{"Smoking", -0.5}, {"Age", 0.01 * i}, {"Gender", 1}, {"Note", "ignored"}}.dump();
		stream::OutRecord record;
		record.topic = "json-in";
		record.value = value;
		producer.produce(record);
	}
	producer.produce(stream::OutRecord{.topic = "json-in", .value = "{\"Age\": 1}"}); // Gender and Smoking missing
	producer.flush(30s);
	stream::KafkaGroupSource json_reader(kafka, "pipeline-test-json-reader", {"json-out", "json-in-dead-letter"});
	size_t predictions = 0, dead_letters = 0;
	std::vector<std::string> dead_letter_errors;
	auto deadline = std::chrono::steady_clock::now() + 120s;
	std::vector<stream::Record> records;
	while ((predictions < 50 || dead_letters < 1) && std::chrono::steady_clock::now() < deadline) {
		records.clear();
		json_reader.poll_batch(records, 1000, 200ms);
		for (const auto &record : records) {
			if (record.topic == "json-out") {
				EXPECT_EQ(json::parse(record.value).at("values").size(), 2u);
				predictions++;
			} else {
				dead_letters++;
				for (const auto &header : record.headers) {
					if (header.key == "kafkaml.error" && header.value) {
						dead_letter_errors.push_back(*header.value);
					}
				}
			}
		}
	}
	EXPECT_EQ(predictions, 50u);
	EXPECT_EQ(dead_letters, 1u) << ::testing::PrintToString(dead_letter_errors);
}

// A PyTorch user's model: a TorchScript module saved in Python, uploaded with
// its compile() arguments, trained on a stream, served, and exported back
// to Python as a module.
TEST_P(PipelineTest, AnUploadedTorchScriptModelTrainsServesAndExports) {
	std::string script = "import torch\n"
	                     "class Net(torch.nn.Module):\n"
	                     "    def __init__(self):\n"
	                     "        super().__init__()\n"
	                     "        self.hidden = torch.nn.Linear(3, 8)\n"
	                     "        self.out = torch.nn.Linear(8, 2)\n"
	                     "    def forward(self, x):\n"
	                     "        return torch.softmax(self.out(torch.relu(self.hidden(x))), -1)\n"
	                     "torch.jit.save(torch.jit.script(Net()), '" +
	                     (dir / "net.pt").string() + "')\n";
	{ std::ofstream(dir / "make_net.py") << script; }
	auto make_net = testing::run_shell("/usr/bin/python3 " + (dir / "make_net.py").string());
	ASSERT_EQ(make_net.status, 0) << "python3-torch is needed to write the module: " << make_net.err;

	auto model = api->post("/models", {{"name", "from pytorch"},
	                                   {"framework", "pytorch"},
	                                   {"code", "optimizer='adam', loss='sparse_categorical_crossentropy', "
	                                            "metrics=['accuracy']"}});
	auto model_id = std::to_string(model.at("id").get<int64_t>());
	auto configuration = api->post("/configurations", {{"name", "torchscript"}, {"ml_models", {model.at("id")}}});
	// Not deployable before its module is there.
	api->post("/deployments", {{"configuration", configuration.at("id")}}, 409);
	api->put_bytes("/models/" + model_id + "/module", "not a module", 400);
	auto uploaded = api->put_bytes("/models/" + model_id + "/module", testing::read_file(dir / "net.pt"), 200);
	ASSERT_FALSE(::testing::Test::HasFailure()) << uploaded.dump();
	EXPECT_GT(uploaded.value("module_size", 0), 0);
	// The CLI does both steps from the file itself.
	auto create = start_kafkaml(dir, "create",
	                            {"models", "create", "--name", "cli", "--file", (dir / "net.pt").string(), "--compile",
	                             "loss='sparse_categorical_crossentropy'", "--server", url, "--data-dir",
	                             (dir / "server").string(), "--json"});
	ASSERT_EQ(create->wait(120s), 0) << create->err();
	auto listed = api->get("/models");
	ASSERT_EQ(listed.size(), 2u);
	EXPECT_EQ(listed[1].value("framework", ""), "pytorch");
	EXPECT_EQ(listed[1].value("module_size", 0), uploaded.value("module_size", -1));

	auto deployment = deploy(configuration.at("id").get<int64_t>(), "epochs=20, steps_per_epoch=22, shuffle=True");
	write_hcopd_like_csv(dir / "hcopd.csv", 239);
	auto send = start_kafkaml(dir, "send",
	                          {"send", "--bootstrap-servers", cluster->bootstrap(), "--topic", "torch-hcopd",
	                           "--deployment-id", std::to_string(deployment), "--format", "raw", "--label-column",
	                           "Diagnosis", "--validation-rate", "0.1", (dir / "hcopd.csv").string()});
	ASSERT_EQ(send->wait(120s), 0) << send->err();
	auto results = wait_for_results(deployment);
	ASSERT_EQ(results.size(), 1u);
	auto result = api->get("/results/" + std::to_string(results[0].at("id").get<int64_t>()));
	ASSERT_EQ(result.value("status", ""), "finished") << result.dump(2);
	EXPECT_EQ(result.at("epochs").size(), 20u);
	EXPECT_TRUE(result.at("val_metrics").contains("accuracy")) << result.dump(2);

	// Exported, it is a module again: Python's torch.jit.load runs it.
	auto result_id = std::to_string(result.at("id").get<int64_t>());
	auto download = start_kafkaml(dir, "download",
	                              {"results", "download", result_id, "-o", (dir / "trained.pt").string(), "--format",
	                               "pytorch", "--server", url, "--data-dir", (dir / "server").string()});
	ASSERT_EQ(download->wait(120s), 0) << download->err();
	std::string check = "/usr/bin/python3 -c \"import torch; m = torch.jit.load('" + (dir / "trained.pt").string() +
	                    "'); print(m(torch.tensor([[1.0, 0.5, -0.5]])).shape)\" > " + (dir / "jit.out").string() +
	                    " 2>&1";
	EXPECT_EQ(testing::run_shell(check).status, 0) << testing::read_file(dir / "jit.out");
	EXPECT_NE(testing::read_file(dir / "jit.out").find("[1, 2]"), std::string::npos)
	    << testing::read_file(dir / "jit.out");

	// Served like any model.
	auto inference = api->post(
	    "/inferences", {{"model_result", result.at("id")}, {"input_topic", "torch-in"}, {"output_topic", "torch-out"}});
	EXPECT_EQ(inference.value("input_format", ""), "RAW");
	stream::KafkaConfig kafka{cluster->bootstrap(), {}};
	stream::KafkaSink producer(kafka);
	for (int i = 0; i < 20; ++i) {
		float row[3] = {1.0f, 0.01f * static_cast<float>(i), -0.5f};
		producer.produce(stream::OutRecord{
		    "torch-in", -1, std::nullopt, std::string_view(reinterpret_cast<const char *>(row), sizeof(row)), {}});
	}
	producer.flush(30s);
	stream::KafkaGroupSource reader(kafka, "torch-reader", {"torch-out"});
	size_t predictions = 0;
	auto deadline = std::chrono::steady_clock::now() + 120s;
	std::vector<stream::Record> records;
	while (predictions < 20 && std::chrono::steady_clock::now() < deadline) {
		records.clear();
		reader.poll_batch(records, 100, 200ms);
		for (const auto &record : records) {
			EXPECT_EQ(json::parse(record.value).at("values").size(), 2u) << record.value;
			predictions++;
		}
	}
	EXPECT_EQ(predictions, 20u);
}

// The original's online stream, byte for byte as its online RAW source
// sends it: the control message naming a bare topic first, then RAW
// records keyed by their label. An incremental deployment learns from it
// window by window, scoring each window before training on it, and ends
// with its result once no record came for stream_timeout. A second
// deployment learns from `kafkaml send --online`.
TEST_P(PipelineTest, AnOnlineStreamTrainsAnIncrementalDeploymentUntilItsStreamTimeout) {
	if (cluster->is_mock()) {
		GTEST_SKIP() << "against our broker: the stream starts at its control message's time (ListOffsets by "
		                "timestamp), and its topic is created by its first record";
	}
	constexpr const char *kQuickModel = R"(model = tf.keras.Sequential([
    tf.keras.layers.Dense(8, activation='relu', input_shape=(3,)),
    tf.keras.layers.Dense(2, activation='softmax')
])
model.compile(keras.optimizers.Adam(lr=.05), loss='sparse_categorical_crossentropy', metrics=['accuracy'])
)";
	auto model = api->post("/models", {{"name", "online"}, {"code", kQuickModel}});
	auto configuration = api->post("/configurations", {{"name", "online"}, {"ml_models", {model.at("id")}}});
	auto incremental = [&](const std::string &mode = "incremental") {
		auto deployment = api->post("/deployments", {{"configuration", configuration.at("id")},
		                                             {"batch", 20},
		                                             {"kwargs_fit", "epochs=5"},
		                                             {"mode", mode},
		                                             {"stream_timeout", 3000},
		                                             {"window_size", 100}});
		EXPECT_EQ(deployment.value("mode", ""), mode) << deployment.dump(2);
		EXPECT_EQ(deployment.value("stream_timeout", 0), 3000);
		return deployment.at("id").get<int64_t>();
	};
	// Records already on the topic before the control message are not of the stream.
	stream::KafkaConfig kafka{cluster->bootstrap(), {}};
	stream::KafkaSink producer(kafka);
	std::mt19937 rng(11);
	std::normal_distribution<float> noise(0.0f, 1.0f);
	std::bernoulli_distribution coin(0.5);
	auto produce_rows = [&](int rows) {
		for (int i = 0; i < rows; ++i) {
			bool ill = coin(rng);
			float row[3] = {coin(rng) ? 1.0f : -1.0f, (ill ? 0.9f : -0.9f) + 0.6f * noise(rng),
			                (ill ? 0.7f : -0.7f) + 0.7f * noise(rng)};
			std::string label(1, static_cast<char>(ill ? 1 : 0)); // the original's bytes([label])
			stream::OutRecord record;
			record.topic = "online-hcopd";
			record.key = std::string_view(label);
			record.value = std::string_view(reinterpret_cast<const char *>(row), sizeof(row));
			producer.produce(record);
		}
		producer.flush(30s);
	};
	produce_rows(50);

	auto d1 = incremental();
	std::string control = R"({"topic": "online-hcopd", "unsupervised_topic": null, "input_format": "RAW",
	    "description": "online", "input_config": {"data_type": "float32", "label_type": "uint8",
	    "data_reshape": "3", "label_reshape": ""}, "validation_rate": 0, "test_rate": 0, "total_msg": null,
	    "dataset_restrictions": "{}", "incremental": true})";
	std::string key(1, static_cast<char>(d1)); // bytes([deployment_id])
	stream::OutRecord message;
	message.topic = "control";
	message.key = std::string_view(key);
	message.value = control;
	producer.produce(message);
	producer.flush(30s);
	std::this_thread::sleep_for(20ms); // the records' timestamps come after the message's
	produce_rows(300);
	std::this_thread::sleep_for(1s); // a pause: the stream goes on after it
	produce_rows(300);

	auto check = [&](int64_t deployment, int64_t records) {
		auto results = wait_for_results(deployment);
		ASSERT_EQ(results.size(), 1u);
		auto result = api->get("/results/" + std::to_string(results[0].at("id").get<int64_t>()));
		ASSERT_EQ(result.value("status", ""), "finished") << result.dump(2);
		EXPECT_NE(result.value("status_detail", "").find(std::to_string(records) + " records"), std::string::npos)
		    << result.value("status_detail", "");
		EXPECT_NE(result.value("status_detail", "").find("stream_timeout"), std::string::npos)
		    << result.value("status_detail", "");
		// The epochs are the windows: records so far, prequential and training metrics.
		const auto &windows = result.at("epochs");
		ASSERT_GE(windows.size(), static_cast<size_t>(records / 100)) << result.dump(2);
		EXPECT_EQ(windows.back().at("metrics").value("records", 0.0), static_cast<double>(records));
		EXPECT_TRUE(windows.front().at("metrics").contains("prequential_accuracy")) << windows.front().dump();
		EXPECT_TRUE(windows.front().at("metrics").contains("accuracy")) << windows.front().dump();
		EXPECT_GT(windows.back().at("metrics").value("prequential_accuracy", 0.0), 0.75) << windows.dump();
		EXPECT_TRUE(result.at("train_metrics").contains("prequential_accuracy")) << result.dump(2);
		EXPECT_GT(result.value("trained_model_size", 0), 0);
		EXPECT_EQ(result.value("input_format", ""), "RAW");

		// Model versions: the first window's model is version 1, each with
		// the records it had learned from and its prequential metrics; the
		// last one downloads (kafkaml results download --version) as a model
		// file that loads and predicts.
		auto id = std::to_string(result.at("id").get<int64_t>());
		auto versions = api->get("/results/" + id + "/versions");
		ASSERT_GE(versions.size(), 1u) << result.dump(2);
		EXPECT_EQ(versions[0].value("version", 0), 1);
		EXPECT_GT(versions[0].value("records", 0), 0);
		EXPECT_LE(versions.back().value("records", 0), records);
		EXPECT_TRUE(versions[0].at("metrics").contains("prequential_loss")) << versions.dump(2);
		auto last = std::to_string(versions.back().value("version", 0));
		auto listed =
		    start_kafkaml(dir, "versions-" + id,
		                  {"results", "versions", id, "--server", url, "--data-dir", (dir / "server").string()});
		ASSERT_EQ(listed->wait(120s), 0) << listed->err();
		EXPECT_NE(listed->out().find("RECORDS"), std::string::npos) << listed->out();
		auto file = (dir / ("result-" + id + "-v" + last + ".kafkaml")).string();
		auto download = start_kafkaml(dir, "download-" + id,
		                              {"results", "download", id, "--version", last, "-o", file, "--server", url,
		                               "--data-dir", (dir / "server").string()});
		ASSERT_EQ(download->wait(120s), 0) << download->err();
		std::ofstream(dir / "samples.csv") << "Gender,Age,Smoking\n1,0.9,0.7\n-1,-0.9,-0.7\n";
		auto predict =
		    start_kafkaml(dir, "predict-" + id, {"model", "predict", file, "--data", (dir / "samples.csv").string()});
		ASSERT_EQ(predict->wait(120s), 0) << predict->err();
		EXPECT_FALSE(predict->out().empty()) << predict->err();
	};
	check(d1, 600);

	// The datasource is recorded as the online stream it is.
	json datasources;
	for (int attempt = 0; attempt < 100 && datasources.empty(); ++attempt) {
		datasources = api->get("/datasources");
		std::this_thread::sleep_for(100ms);
	}
	ASSERT_EQ(datasources.size(), 1u);
	EXPECT_EQ(datasources[0].value("topic", ""), "online-hcopd");
	EXPECT_TRUE(api->get("/datasources/refused").empty());

	// 2. `kafkaml send --online`: the same message layout from a file.
	auto d2 = incremental();
	write_hcopd_like_csv(dir / "online.csv", 400);
	auto send =
	    start_kafkaml(dir, "send",
	                  {"send", "--bootstrap-servers", cluster->bootstrap(), "--topic", "online-file", "--deployment-id",
	                   std::to_string(d2), "--label-column", "Diagnosis", "--online", (dir / "online.csv").string()});
	ASSERT_EQ(send->wait(120s), 0) << send->err();
	EXPECT_NE(send->err().find("online control message"), std::string::npos) << send->err();
	check(d2, 400);

	// 3. An indefinite deployment ends only when stopped, and keeps what it
	//    learned: its model downloads like a finished result's. Its job,
	//    killed with SIGKILL, is restarted and learns the stream again; its
	//    versions number on after the stored ones, none twice.
	auto d3 = incremental("indefinite");
	auto send_more = start_kafkaml(dir, "send-indefinite",
	                               {"send", "--bootstrap-servers", cluster->bootstrap(), "--topic", "online-indefinite",
	                                "--deployment-id", std::to_string(d3), "--label-column", "Diagnosis", "--online",
	                                (dir / "online.csv").string()});
	ASSERT_EQ(send_more->wait(120s), 0) << send_more->err();
	auto id = std::to_string(api->get("/results?deployment=" + std::to_string(d3)).at(0).at("id").get<int64_t>());
	auto path = "/results/" + id;
	auto learned = [&] {
		const auto &last = api->get(path + "?epochs=last").value("last_epoch", json());
		return last.is_object() && last.at("metrics").value("records", 0.0) >= 400;
	};
	for (int attempt = 0; attempt < 600 && !learned(); ++attempt) {
		std::this_thread::sleep_for(100ms);
	}
	ASSERT_TRUE(learned()) << api->get(path).dump(2);
	auto before = api->get(path + "/versions").size();
	auto jobs = find_processes(server->pid(), {"train", "--result-id " + id});
	ASSERT_EQ(jobs.size(), 1u);
	::kill(jobs[0], SIGKILL);
	auto relearned = [&] { return api->get(path + "/versions").size() > before && learned(); };
	for (int attempt = 0; attempt < 600 && !relearned(); ++attempt) {
		std::this_thread::sleep_for(100ms);
	}
	ASSERT_TRUE(relearned()) << api->get(path).dump(2);
	EXPECT_GE(api->get(path + "?epochs=none").value("restarts", 0), 1);
	auto versions = api->get(path + "/versions");
	for (size_t i = 0; i < versions.size(); i++) {
		EXPECT_EQ(versions[i].value("version", 0), static_cast<int64_t>(i + 1)) << versions.dump(2);
	}
	api->post("/deployments/" + std::to_string(d3) + "/stop", json::object(), 200);
	auto stopped = api->get(path + "?epochs=none");
	EXPECT_EQ(stopped.value("status", ""), "stopped") << stopped.dump(2);
	EXPECT_NE(stopped.value("status_detail", "").find("learned from 400 records"), std::string::npos)
	    << stopped.dump(2);
	EXPECT_TRUE(stopped.at("train_metrics").contains("prequential_accuracy")) << stopped.dump(2);
	EXPECT_GT(stopped.value("trained_model_size", 0), 0) << stopped.dump(2);
	EXPECT_GE(api->get(path + "/versions").size(), 1u);
	auto file = (dir / "stopped.kafkaml").string();
	auto download = start_kafkaml(
	    dir, "download-stopped",
	    {"results", "download", id, "-o", file, "--server", url, "--data-dir", (dir / "server").string()});
	ASSERT_EQ(download->wait(120s), 0) << download->err();
	auto predict =
	    start_kafkaml(dir, "predict-stopped", {"model", "predict", file, "--data", (dir / "samples.csv").string()});
	ASSERT_EQ(predict->wait(120s), 0) << predict->err();
	// It serves what it learned, too: indefinite training ends only by a stop.
	auto served = api->post("/inferences", {{"model_result", std::stoll(id)},
	                                        {"input_topic", "online-indefinite-in"},
	                                        {"output_topic", "online-indefinite-out"}});
	EXPECT_EQ(served.value("status", ""), "deployed") << served.dump(2);
	api->post("/inferences/" + std::to_string(served.at("id").get<int64_t>()) + "/stop", json::object(), 200);
}

// Transfer learning as tutorials write it: a keras.applications base with
// weights='imagenet', frozen, under a classifier of the user's. Its Keras
// weights file is uploaded over REST, and the trained model's base holds
// the file's numbers.
TEST_P(PipelineTest, AnUploadedWeightsFileIsWhatThePretrainedBaseTrainsFrom) {
	const std::string definition = ml::testing::transfer_definition();
	auto model = api->post("/models", {{"name", "transfer"}, {"code", definition}});
	auto model_id = std::to_string(model.at("id").get<int64_t>());
	auto configuration = api->post("/configurations", {{"name", "transfer"}, {"ml_models", {model.at("id")}}});
	// Not deployable before its weights file is there.
	api->post("/deployments", {{"configuration", configuration.at("id")}}, 409);

	ml::ModelPlan plan = ml::plan_model(ml::parse_model_definition(definition));
	auto file = ml::testing::weights_for(plan, 23, "out_relu");
	auto uploaded = api->put_bytes("/models/" + model_id + "/weights", ml::testing::write_keras_weights(file), 200);
	ASSERT_FALSE(::testing::Test::HasFailure()) << uploaded.dump();
	EXPECT_GT(uploaded.value("weights_size", 0), 0);

	auto deployment = deploy(configuration.at("id").get<int64_t>(), "epochs=2");
	std::ofstream csv(dir / "images.csv");
	for (int i = 0; i < 32 * 32 * 3; i++) {
		csv << "p" << i << ",";
	}
	csv << "label\n";
	std::mt19937 rng(9);
	std::uniform_real_distribution<float> pixel(0.0f, 1.0f);
	for (int row = 0; row < 30; row++) {
		for (int i = 0; i < 32 * 32 * 3; i++) {
			csv << pixel(rng) << ",";
		}
		csv << row % 2 << "\n";
	}
	csv.close();
	auto send = start_kafkaml(dir, "send",
	                          {"send", "--bootstrap-servers", cluster->bootstrap(), "--topic", "images",
	                           "--deployment-id", std::to_string(deployment), "--format", "raw", "--label-column",
	                           "label", "--validation-rate", "0.1", (dir / "images.csv").string()});
	ASSERT_EQ(send->wait(120s), 0) << send->err();
	auto results = wait_for_results(deployment);
	ASSERT_EQ(results.size(), 1u);
	auto result_id = std::to_string(results[0].at("id").get<int64_t>());
	auto result = api->get("/results/" + result_id);
	ASSERT_EQ(result.value("status", ""), "finished") << result.dump(2);

	auto download = start_kafkaml(dir, "download",
	                              {"results", "download", result_id, "-o", (dir / "trained.kafkaml").string(),
	                               "--server", url, "--data-dir", (dir / "server").string()});
	ASSERT_EQ(download->wait(120s), 0) << download->err();
	auto trained = ml::testing::weights_by_name(plan, testing::read_file(dir / "trained.kafkaml"));
	int64_t kernels = 0;
	for (const auto &layer : file) {
		for (const auto &weight : layer.weights) {
			if (weight.name.find("kernel") != std::string::npos) {
				std::string name = weight.name.substr(0, weight.name.rfind(':'));
				ASSERT_EQ(trained[name], weight.values) << name << " is not the uploaded file's";
				kernels++;
			}
		}
	}
	EXPECT_EQ(kernels, 52);
}

INSTANTIATE_TEST_SUITE_P(Clusters, PipelineTest, ::testing::Values("embedded", "mock"),
                         [](const ::testing::TestParamInfo<std::string> &cluster_kind) { return cluster_kind.param; });

} // namespace
} // namespace kafkaml
