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
#include "ml/model.h"
#include "ml/plan.h"
#include "ml/spec/parse.h"
#include "ml/tests/keras_weights_writer.h"
#include "stream/admin.h"
#include "stream/kafka_group_source.h"
#include "stream/kafka_sink.h"
#include "support/build_tree.h"
#include "support/certificates.h"
#include "support/child_process.h"
#include "support/exit_images.h"
#include "support/files.h"
#include "support/network.h"
#include "support/secure_kafka.h"
#include "support/temp_dir.h"
#ifndef KAFKAML_DOCKER_TEST_DIR
#include "support/postgres_server.h"
#endif

#include <gtest/gtest.h>
#include <httplib.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include <sys/stat.h>
#include <unistd.h>

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
	json del(const std::string &path, int expected) { return check("DELETE", path, {}, expected); }
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

//! Inputs `from`..`to`-1 on `topic`, `row(i)` as float32 (RAW), keyed i and
//! numbered in the header `seq`.
void produce_rows(stream::KafkaSink &producer, const std::string &topic, int from, int to,
                  const std::function<std::vector<float>(int)> &row) {
	for (int i = from; i < to; ++i) {
		auto values = row(i);
		std::string value(reinterpret_cast<const char *>(values.data()), values.size() * sizeof(float));
		std::string key = std::to_string(i);
		stream::Header header{"seq", std::to_string(i)};
		stream::OutRecord record;
		record.topic = topic;
		record.key = key;
		record.value = value;
		record.headers = std::span<const stream::Header>(&header, 1);
		producer.produce(record);
	}
	producer.flush(std::chrono::seconds(30));
}

//! Inputs `from`..`to`-1 of an inference of the HCOPD-like model: three
//! float32 features (RAW), keyed and numbered in the header `seq`.
void produce_hcopd_inputs(stream::KafkaSink &producer, int from, int to) {
	produce_rows(producer, "hcopd-in", from, to, [](int i) {
		return std::vector<float>{1.0f, 0.01f * static_cast<float>(i % 100), -0.5f};
	});
}

//! Reads predictions (two values each) until `seen` holds `count` input
//! numbers or `timeout` has passed.
void read_predictions(stream::KafkaGroupSource &reader, std::set<int> &seen, size_t count,
                      std::chrono::seconds timeout) {
	auto deadline = std::chrono::steady_clock::now() + timeout;
	std::vector<stream::Record> records;
	while (seen.size() < count && std::chrono::steady_clock::now() < deadline) {
		records.clear();
		reader.poll_batch(records, 1000, std::chrono::milliseconds(200));
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
}

//! Either our broker (a `kafkaml broker` child) or librdkafka's mock cluster.
class Cluster {
public:
	//! A `kafkaml broker` the caller started, reached at `bootstrap`.
	Cluster(std::unique_ptr<ChildProcess> broker, std::string bootstrap)
	    : broker_(std::move(broker)), bootstrap_(std::move(bootstrap)) {}
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
		start_cluster();
		if (HasFatalFailure()) {
			return;
		}
		auto args = server_args("127.0.0.1:0");
		server = start_kafkaml(dir, "server", args);
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

	//! GET /metrics with the scrape token the server wrote at its start.
	std::string metrics() {
		httplib::Client http(url);
		auto scrape = testing::read_file(dir / "server" / "metrics-token").substr(0, 64);
		auto r = http.Get("/metrics", {{"Authorization", "Bearer " + scrape}});
		EXPECT_TRUE(r && r->status == 200) << (r ? r->body : httplib::to_string(r.error()));
		return r ? r->body : std::string();
	}

	//! Options the server starts with beyond the cluster's address and its data directory.
	virtual std::vector<std::string> extra_server_args() { return {}; }
	//! Makes `cluster` before the server starts: the kind the parameter names.
	virtual void start_cluster() { cluster.emplace(GetParam(), dir); }

	//! The server's command line: listening on `listen`, with its cluster,
	//! its data directory and extra_server_args().
	std::vector<std::string> server_args(const std::string &listen) {
		std::vector<std::string> args{"server",
		                              "--listen",
		                              listen,
		                              "--bootstrap-servers",
		                              cluster->bootstrap(),
		                              "--data-dir",
		                              (dir / "server").string()};
		auto extra = extra_server_args();
		args.insert(args.end(), extra.begin(), extra.end());
		return args;
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

	//! One model, a deployment of it for 5 epochs and its stream sent by
	//! `kafkaml send` with `send_options`; `result` is its result, finished.
	//! Call through ASSERT_NO_FATAL_FAILURE.
	void train_small(const std::vector<std::string> &send_options, int64_t &deployment, json &result) {
		auto model = api->post("/models", {{"name", "hcopd"}, {"code", kHcopdModel}});
		auto configuration = api->post("/configurations", {{"name", "one"}, {"ml_models", {model.at("id")}}});
		deployment = deploy(configuration.at("id").get<int64_t>(), "epochs=5, steps_per_epoch=22");
		train_on_hcopd_csv(deployment, result, send_options);
	}

	//! Sends an HCOPD-like CSV stream to topic "hcopd" for `deployment` by
	//! `kafkaml send` with `send_options`; `result` is the deployment's one
	//! result, finished. Call through ASSERT_NO_FATAL_FAILURE.
	void train_on_hcopd_csv(int64_t deployment, json &result, const std::vector<std::string> &send_options = {}) {
		write_hcopd_like_csv(dir / "hcopd.csv", 239);
		std::vector<std::string> args{"send",
		                              "--bootstrap-servers",
		                              cluster->bootstrap(),
		                              "--topic",
		                              "hcopd",
		                              "--deployment-id",
		                              std::to_string(deployment),
		                              "--format",
		                              "raw",
		                              "--label-column",
		                              "Diagnosis"};
		args.insert(args.end(), send_options.begin(), send_options.end());
		args.push_back((dir / "hcopd.csv").string());
		auto send = start_kafkaml(dir, "send", args);
		ASSERT_EQ(send->wait(120s), 0) << send->err();
		auto results = wait_for_results(deployment);
		ASSERT_EQ(results.size(), 1u);
		ASSERT_EQ(results[0].value("status", ""), "finished") << results.dump(2);
		result = results[0];
	}

	//! Sends `csv` (labels in its column "label") to `topic` for
	//! `deployment` by `kafkaml send`; `result` is the deployment's one
	//! result, finished. Call through ASSERT_NO_FATAL_FAILURE.
	void train_on_csv(int64_t deployment, const std::string &topic, const std::filesystem::path &csv,
	                  const std::string &validation_rate, json &result) {
		auto send = start_kafkaml(dir, "send",
		                          {"send", "--bootstrap-servers", cluster->bootstrap(), "--topic", topic,
		                           "--deployment-id", std::to_string(deployment), "--format", "raw", "--label-column",
		                           "label", "--validation-rate", validation_rate, csv.string()});
		ASSERT_EQ(send->wait(120s), 0) << send->err();
		auto results = wait_for_results(deployment);
		ASSERT_EQ(results.size(), 1u);
		result = api->get("/results/" + std::to_string(results[0].at("id").get<int64_t>()));
		ASSERT_EQ(result.value("status", ""), "finished") << result.dump(2);
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
	auto produce = [&](int from, int to) { produce_hcopd_inputs(producer, from, to); };
	std::set<int> seen;
	stream::KafkaGroupSource reader(kafka, "pipeline-test-reader", {"hcopd-out"});
	auto read_until = [&](size_t count, std::chrono::seconds timeout) {
		read_predictions(reader, seen, count, timeout);
	};

	produce(0, 500);
	read_until(100, 120s);
	ASSERT_GE(seen.size(), 100u) << "no predictions arrived";
	// The replicas reported themselves: the inference is running, and its
	// throughput and lag are at /metrics (what the web UI shows).
	auto metric = [&](const std::string &name) -> std::optional<double> {
		auto text = metrics();
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

//! A model that learns the HCOPD-like rule of OnlineRows within a few
//! windows of an online stream.
constexpr const char *kOnlineModel = R"(model = tf.keras.Sequential([
    tf.keras.layers.Dense(8, activation='relu', input_shape=(3,)),
    tf.keras.layers.Dense(2, activation='softmax')
])
model.compile(keras.optimizers.Adam(lr=.05), loss='sparse_categorical_crossentropy', metrics=['accuracy'])
)";

//! The original's online control message for `topic`, keyed by
//! bytes([deployment_id]) as its online RAW source sends it.
void send_online_control(stream::KafkaSink &producer, const std::string &topic, int64_t deployment) {
	std::string control = R"({"topic": ")" + topic + R"(", "unsupervised_topic": null, "input_format": "RAW",
	    "description": "online", "input_config": {"data_type": "float32", "label_type": "uint8",
	    "data_reshape": "3", "label_reshape": ""}, "validation_rate": 0, "test_rate": 0, "total_msg": null,
	    "dataset_restrictions": "{}", "incremental": true})";
	std::string key(1, static_cast<char>(deployment));
	stream::OutRecord message;
	message.topic = "control";
	message.key = std::string_view(key);
	message.value = control;
	producer.produce(message);
	producer.flush(30s);
}

//! HCOPD-like RAW records keyed by their label (the original's
//! bytes([label])): older smokers are more often ill, or, `flipped`, the
//! other way round.
class OnlineRows {
public:
	explicit OnlineRows(uint32_t seed) : rng_(seed) {}
	void produce(stream::KafkaSink &producer, const std::string &topic, int rows, bool flipped = false) {
		for (int i = 0; i < rows; ++i) {
			bool ill = coin_(rng_);
			float row[3] = {coin_(rng_) ? 1.0f : -1.0f, (ill ? 0.9f : -0.9f) + 0.6f * noise_(rng_),
			                (ill ? 0.7f : -0.7f) + 0.7f * noise_(rng_)};
			std::string label(1, static_cast<char>(ill != flipped ? 1 : 0));
			stream::OutRecord record;
			record.topic = topic;
			record.key = std::string_view(label);
			record.value = std::string_view(reinterpret_cast<const char *>(row), sizeof(row));
			producer.produce(record);
		}
		producer.flush(30s);
	}

private:
	std::mt19937 rng_;
	std::normal_distribution<float> noise_{0.0f, 1.0f};
	std::bernoulli_distribution coin_{0.5};
};

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
	auto model = api->post("/models", {{"name", "online"}, {"code", kOnlineModel}});
	auto configuration = api->post("/configurations", {{"name", "online"}, {"ml_models", {model.at("id")}}});
	auto incremental = [&](const std::string &mode = "incremental", json more = json::object()) {
		json body = {{"configuration", configuration.at("id")},
		             {"batch", 20},
		             {"kwargs_fit", "epochs=5"},
		             {"mode", mode},
		             {"stream_timeout", 3000},
		             {"window_size", 100}};
		body.update(more);
		auto deployment = api->post("/deployments", body);
		EXPECT_EQ(deployment.value("mode", ""), mode) << deployment.dump(2);
		EXPECT_EQ(deployment.value("stream_timeout", 0), body.at("stream_timeout"));
		return deployment.at("id").get<int64_t>();
	};
	// Records already on the topic before the control message are not of the stream.
	stream::KafkaConfig kafka{cluster->bootstrap(), {}};
	stream::KafkaSink producer(kafka);
	OnlineRows rows(11);
	rows.produce(producer, "online-hcopd", 50);

	auto d1 = incremental();
	send_online_control(producer, "online-hcopd", d1);
	std::this_thread::sleep_for(20ms); // the records' timestamps come after the message's
	rows.produce(producer, "online-hcopd", 300);
	std::this_thread::sleep_for(1s); // a pause: the stream goes on after it
	rows.produce(producer, "online-hcopd", 300);

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
	//    killed with SIGKILL, is restarted and resumes from its last version;
	//    its versions number on after the stored ones, none twice.
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
	auto jobs = find_processes(server->pid(), {"train", "--result-id " + id});
	ASSERT_EQ(jobs.size(), 1u);
	::kill(jobs[0], SIGKILL);
	// Resumed (its detail says so once the epochs after its version are
	// dropped), it learns again only what came after that version.
	auto resumed = [&] {
		return api->get(path + "?epochs=none").value("status_detail", "").find("resumed from version") !=
		           std::string::npos &&
		       learned();
	};
	for (int attempt = 0; attempt < 600 && !resumed(); ++attempt) {
		std::this_thread::sleep_for(100ms);
	}
	ASSERT_TRUE(resumed()) << api->get(path).dump(2);
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
	EXPECT_EQ(api->get(path + "/versions").back().value("records", 0), 400)
	    << "the model it was stopped with is its last version";
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

	// 4. kill -9 mid-stream: the job restarted by the server resumes from
	//    its last version (its model, counts and the offsets committed
	//    after it), so that with N records sent the finished result learned
	//    exactly N, its epoch series and versions count each record once,
	//    and its prequential metrics are over every record once.
	// Versions after the first window, then every 300 records; what was
	// learned after the last one (100 records when the windows are full)
	// is reported but no version when the job is killed: the restarted
	// one learns it again.
	constexpr int kFirst = 500, kRest = 700;
	auto d4 =
	    incremental("incremental", {{"version_every_records", 300}, {"improvement", 1e9}, {"stream_timeout", 8000}});
	send_online_control(producer, "online-resume", d4);
	std::this_thread::sleep_for(20ms);
	rows.produce(producer, "online-resume", kFirst);
	auto resume_id =
	    std::to_string(api->get("/results?deployment=" + std::to_string(d4)).at(0).at("id").get<int64_t>());
	auto resume_path = "/results/" + resume_id;
	auto records_learned = [&] {
		const auto &last = api->get(resume_path + "?epochs=last").value("last_epoch", json());
		return last.is_object() ? last.at("metrics").value("records", 0.0) : 0.0;
	};
	for (int attempt = 0; attempt < 600 && records_learned() < kFirst; ++attempt) {
		std::this_thread::sleep_for(50ms);
	}
	ASSERT_EQ(records_learned(), kFirst) << api->get(resume_path).dump(2);
	auto killed = find_processes(server->pid(), {"train", "--result-id " + resume_id});
	ASSERT_EQ(killed.size(), 1u);
	::kill(killed[0], SIGKILL);
	rows.produce(producer, "online-resume", kRest);
	auto finished = wait_for_results(d4);
	ASSERT_EQ(finished.size(), 1u);
	auto whole = api->get(resume_path);
	ASSERT_EQ(whole.value("status", ""), "finished") << whole.dump(2);
	EXPECT_GE(whole.value("restarts", 0), 1) << whole.dump(2);
	EXPECT_NE(whole.value("status_detail", "").find("learned from " + std::to_string(kFirst + kRest) + " records"),
	          std::string::npos)
	    << whole.value("status_detail", "");
	const auto &series = whole.at("epochs");
	double previous = 0, weighted = 0;
	for (size_t i = 0; i < series.size(); i++) {
		EXPECT_EQ(series[i].value("epoch", 0), static_cast<int64_t>(i + 1)) << series.dump();
		double records = series[i].at("metrics").value("records", 0.0);
		EXPECT_GT(records, previous) << "window " << i + 1 << " overlaps the one before: " << series.dump();
		weighted += series[i].at("metrics").value("prequential_accuracy", 0.0) * (records - previous);
		previous = records;
	}
	EXPECT_EQ(previous, kFirst + kRest) << series.dump();
	EXPECT_NEAR(whole.at("train_metrics").value("prequential_accuracy", 0.0), weighted / (kFirst + kRest), 1e-6)
	    << "the prequential metrics count the records before the kill once: " << whole.dump(2);
	auto cut = api->get(resume_path + "/versions");
	ASSERT_GE(cut.size(), 2u) << cut.dump(2);
	for (size_t i = 0; i < cut.size(); i++) {
		EXPECT_EQ(cut[i].value("version", 0), static_cast<int64_t>(i + 1)) << cut.dump(2);
		if (i > 0) {
			EXPECT_GT(cut[i].value("records", 0), cut[i - 1].value("records", 0)) << cut.dump(2);
		}
		// Each with the training state the restarted job resumed with.
		EXPECT_GT(cut[i].value("state_size", 0), 0) << cut.dump(2);
	}
	EXPECT_EQ(cut.back().value("records", 0), kFirst + kRest) << "the model it ended with is its last version";
}

// Concept drift on the original's online stream: the label's rule flips
// half-way. The prequential accuracy drops, the Page-Hinkley test on the
// prequential error reports a drift in the flipped half (on the result, at
// /metrics, in `kafkaml results get`), the optimizer starts over as the
// deployment asked, and the model relearns the flipped rule.
TEST_P(PipelineTest, AConceptThatFlipsHalfWayIsADriftAndTheModelRelearnsIt) {
	if (cluster->is_mock()) {
		GTEST_SKIP() << "against our broker: the stream starts at its control message's time (ListOffsets by "
		                "timestamp), and its topic is created by its first record";
	}
	auto model = api->post("/models", {{"name", "drifting"}, {"code", kOnlineModel}});
	auto configuration = api->post("/configurations", {{"name", "drifting"}, {"ml_models", {model.at("id")}}});
	auto deployment = api->post("/deployments", {{"configuration", configuration.at("id")},
	                                             {"batch", 20},
	                                             {"kwargs_fit", "epochs=5"},
	                                             {"mode", "incremental"},
	                                             {"stream_timeout", 3000},
	                                             {"window_size", 200},
	                                             {"drift_response", "reset_optimizer"}});
	EXPECT_EQ(deployment.value("drift_detection", false), true) << deployment.dump(2);
	auto id = deployment.at("id").get<int64_t>();
	stream::KafkaConfig kafka{cluster->bootstrap(), {}};
	stream::KafkaSink producer(kafka);
	send_online_control(producer, "drifting-hcopd", id);
	std::this_thread::sleep_for(20ms); // the records' timestamps come after the message's
	constexpr int kHalf = 2000;
	OnlineRows rows(17);
	rows.produce(producer, "drifting-hcopd", kHalf);
	rows.produce(producer, "drifting-hcopd", kHalf, true); // the concept flips

	auto results = wait_for_results(id);
	ASSERT_EQ(results.size(), 1u);
	auto result_id = std::to_string(results[0].at("id").get<int64_t>());
	auto result = api->get("/results/" + result_id);
	ASSERT_EQ(result.value("status", ""), "finished") << result.dump(2);
	// The windows by records: learned before the flip, wrong right after
	// it, relearned by the end.
	double before = 0, after = 1, last = 0;
	for (const auto &window : result.at("epochs")) {
		const auto &metrics = window.at("metrics");
		auto records = metrics.value("records", 0.0);
		auto accuracy = metrics.value("prequential_accuracy", 0.0);
		if (records <= kHalf) {
			before = accuracy;
		} else if (records <= kHalf + 200) {
			after = std::min(after, accuracy);
		}
		last = accuracy;
	}
	EXPECT_GT(before, 0.8) << result.at("epochs").dump();
	EXPECT_LT(after, 0.4) << result.at("epochs").dump();
	EXPECT_GT(last, 0.8) << result.at("epochs").dump();

	// The drift: in the flipped half, soon after the flip, and none before it.
	const auto &drifts = result.at("drifts");
	ASSERT_GE(drifts.size(), 1u) << result.dump(2);
	for (const auto &drift : drifts) {
		EXPECT_GT(drift.value("records", 0), kHalf) << drifts.dump(2);
	}
	EXPECT_LE(drifts[0].value("records", 0), kHalf + 400) << drifts.dump(2);
	EXPECT_LT(drifts[0].value("error_before", 1.0), 0.3) << drifts.dump(2);
	EXPECT_GT(drifts[0].value("error_after", 0.0), 0.5) << drifts.dump(2);
	EXPECT_EQ(drifts[0].value("measure", ""), "1 - accuracy");
	EXPECT_EQ(drifts[0].value("response", ""), "reset_optimizer");
	EXPECT_FALSE(drifts[0].value("created_at", "").empty());

	auto text = metrics();
	EXPECT_NE(text.find("kafkaml_training_drifts_total{result=\"" + result_id + "\"} " + std::to_string(drifts.size())),
	          std::string::npos)
	    << text;
	auto shown = start_kafkaml(dir, "drift-get-" + result_id,
	                           {"results", "get", result_id, "--server", url, "--data-dir", (dir / "server").string()});
	ASSERT_EQ(shown->wait(120s), 0) << shown->err();
	EXPECT_NE(shown->out().find("drift: after " + std::to_string(drifts[0].value("records", 0)) + " records"),
	          std::string::npos)
	    << shown->out();
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
	json result;
	ASSERT_NO_FATAL_FAILURE(train_on_csv(deployment, "images", dir / "images.csv", "0.1", result));
	auto result_id = std::to_string(result.at("id").get<int64_t>());

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

// Model rollout: an inference created with an indefinite training, before
// its first version, follows it. While the training cuts versions from a
// live stream, 10,000 inputs flow through 2 replicas: each is predicted
// exactly once, by a version the result stored, named in the prediction's
// kafkaml.model_version header, and the replicas move on to newer versions
// as they come. Pinned to version 1, every replica serves it; following
// the latest again with a replica killed mid-stream, no input is lost; nor
// when the server is killed and started again.
TEST_P(PipelineTest, AnInferenceFollowsTheVersionsOfATrainingThatLearnsWhileItServes) {
	if (cluster->is_mock()) {
		GTEST_SKIP() << "against our broker: the online stream starts at its control message's time";
	}
	auto model = api->post("/models", {{"name", "followed"}, {"code", kOnlineModel}});
	auto configuration = api->post("/configurations", {{"name", "followed"}, {"ml_models", {model.at("id")}}});
	auto deployment = api->post("/deployments", {{"configuration", configuration.at("id")},
	                                             {"batch", 20},
	                                             {"kwargs_fit", "epochs=1"},
	                                             {"mode", "indefinite"},
	                                             {"window_size", 100},
	                                             {"version_every_records", 300}});
	auto deployment_id = deployment.at("id").get<int64_t>();
	auto result_id = deployment.at("results").at(0).at("id").get<int64_t>();
	auto result_path = "/results/" + std::to_string(result_id);

	stream::KafkaConfig kafka{cluster->bootstrap(), {}};
	ASSERT_TRUE(stream::create_topic(kafka, "follow-in", 2));
	auto inference = api->post("/inferences", {{"model_result", result_id},
	                                           {"replicas", 2},
	                                           {"input_format", "RAW"},
	                                           {"input_config", {{"data_type", "float32"}, {"data_reshape", "3"}}},
	                                           {"input_topic", "follow-in"},
	                                           {"output_topic", "follow-out"}});
	EXPECT_EQ(inference.value("model_version", json()), "latest") << inference.dump(2);
	auto inference_id = std::to_string(inference.at("id").get<int64_t>());
	auto inference_path = "/inferences/" + inference_id;

	// The training stream: the original's online control message, then
	// labelled rows for as long as the test runs.
	stream::KafkaSink producer(kafka);
	send_online_control(producer, "follow-train", deployment_id);
	std::this_thread::sleep_for(20ms);
	std::atomic<bool> training_stream{true};
	std::thread trainer([&] {
		stream::KafkaSink sink(kafka);
		OnlineRows rows(3);
		while (training_stream) {
			rows.produce(sink, "follow-train", 50);
			std::this_thread::sleep_for(100ms);
		}
	});
	struct StopStream {
		std::atomic<bool> &flag;
		std::thread &thread;
		~StopStream() {
			flag = false;
			thread.join();
		}
	} stop_stream{training_stream, trainer};

	// Both replicas serve a version once the first is stored.
	auto serving = [&](const std::function<bool(const json &)> &each) {
		auto live = api->get(inference_path).value("live_replicas", json::array());
		return live.size() == 2 && std::all_of(live.begin(), live.end(), each);
	};
	auto wait_for = [&](const std::function<bool()> &done, std::chrono::seconds timeout) {
		auto deadline = std::chrono::steady_clock::now() + timeout;
		while (!done() && std::chrono::steady_clock::now() < deadline) {
			std::this_thread::sleep_for(100ms);
		}
		return done();
	};
	ASSERT_TRUE(
	    wait_for([&] { return serving([](const json &r) { return r.at("model_version").is_number(); }); }, 180s))
	    << api->get(inference_path).dump(2);

	auto produce_inputs = [&](int from, int to) {
		for (int i = from; i < to; ++i) {
			float row[3] = {1.0f, 0.01f * static_cast<float>(i % 100), -0.5f};
			std::string seq = std::to_string(i);
			stream::Header header{"seq", seq};
			stream::OutRecord record;
			record.topic = "follow-in";
			record.key = std::string_view(seq);
			record.value = std::string_view(reinterpret_cast<const char *>(row), sizeof(row));
			record.headers = std::span<const stream::Header>(&header, 1);
			producer.produce(record);
			if (i % 500 == 499) {
				producer.flush(30s);
				std::this_thread::sleep_for(100ms); // inputs keep coming while versions change
			}
		}
		producer.flush(30s);
	};
	std::map<int, int> answers;        // seq -> predictions of it
	std::map<int, int64_t> version_of; // seq -> version of its last prediction
	stream::KafkaGroupSource reader(kafka, "follow-reader", {"follow-out"});
	auto read_until = [&](int count, std::chrono::seconds timeout) {
		auto deadline = std::chrono::steady_clock::now() + timeout;
		std::vector<stream::Record> records;
		while (static_cast<int>(answers.size()) < count && std::chrono::steady_clock::now() < deadline) {
			records.clear();
			reader.poll_batch(records, 1000, 200ms);
			for (const auto &record : records) {
				int seq = -1;
				int64_t version = -1;
				for (const auto &header : record.headers) {
					if (header.key == "seq") {
						seq = std::stoi(header.value.value_or("-1"));
					} else if (header.key == "kafkaml.model_version") {
						version = std::stoll(header.value.value_or("-1"));
					}
				}
				EXPECT_GE(version, 1) << "prediction of input " << seq << " names no version";
				answers[seq]++;
				version_of[seq] = version;
			}
		}
	};

	// 1. 10,000 inputs while versions change: each predicted exactly once.
	produce_inputs(0, 10000);
	read_until(10000, 180s);
	ASSERT_EQ(answers.size(), 10000u);
	std::set<int64_t> stored;
	for (const auto &version : api->get(result_path + "/versions")) {
		stored.insert(version.at("version").get<int64_t>());
	}
	std::set<int64_t> used;
	for (const auto &[seq, count] : answers) {
		EXPECT_EQ(count, 1) << "input " << seq << " predicted " << count << " times";
		EXPECT_TRUE(stored.contains(version_of[seq])) << "version " << version_of[seq] << " was never stored";
		used.insert(version_of[seq]);
	}
	EXPECT_GE(used.size(), 2u) << "the replicas moved on to a newer version while serving";

	// 2. Pinned to version 1: every replica serves it, and every prediction is its.
	auto pin = start_kafkaml(
	    dir, "pin",
	    {"inferences", "version", inference_id, "1", "--server", url, "--data-dir", (dir / "server").string()});
	ASSERT_EQ(pin->wait(60s), 0) << pin->err();
	EXPECT_NE(pin->out().find("serves version 1 of result"), std::string::npos) << pin->out();
	ASSERT_TRUE(wait_for([&] { return serving([](const json &r) { return r.at("model_version") == 1; }); }, 30s))
	    << api->get(inference_path).dump(2);
	produce_inputs(10000, 10500);
	read_until(10500, 60s);
	ASSERT_EQ(answers.size(), 10500u);
	for (int seq = 10000; seq < 10500; ++seq) {
		EXPECT_EQ(version_of[seq], 1) << "input " << seq;
	}

	// 3. Following the latest again, with a replica and the training job
	//    killed mid-stream: every input is answered (at least once), by a
	//    stored version; the training resumes from its last version.
	api->post(inference_path + "/version", {{"model_version", "latest"}}, 200);
	produce_inputs(10500, 11000);
	auto replicas = find_processes(server->pid(), {"infer", "--inference-id " + inference_id});
	ASSERT_EQ(replicas.size(), 2u);
	::kill(replicas[0], SIGKILL);
	auto training_jobs = find_processes(server->pid(), {"train", "--result-id " + std::to_string(result_id)});
	ASSERT_EQ(training_jobs.size(), 1u);
	::kill(training_jobs[0], SIGKILL);
	produce_inputs(11000, 12000);
	read_until(12000, 120s);
	EXPECT_EQ(answers.size(), 12000u);
	stored.clear();
	for (const auto &version : api->get(result_path + "/versions")) {
		stored.insert(version.at("version").get<int64_t>());
	}
	int64_t newest = 0;
	for (int seq = 10500; seq < 12000; ++seq) {
		EXPECT_TRUE(stored.contains(version_of[seq])) << "input " << seq << ": version " << version_of[seq];
		newest = std::max(newest, version_of[seq]);
	}
	EXPECT_GT(newest, 1) << "the latest version, not the pinned one, once the pin was lifted";

	// 4. The server killed with -9 and started again on its address: it
	//    adopts the training job and the replicas, which carried on; the
	//    versions cut meanwhile and after are rolled out as before.
	auto newest_stored = [&] {
		int64_t last = 0;
		for (const auto &version : api->get(result_path + "/versions")) {
			last = std::max(last, version.at("version").get<int64_t>());
		}
		return last;
	};
	int64_t before_restart = newest_stored();
	server->signal(SIGKILL);
	ASSERT_TRUE(server->wait(30s));
	server = start_kafkaml(dir, "server-again",
	                       {"server", "--listen", url.substr(std::string("http://").size()), "--bootstrap-servers",
	                        cluster->bootstrap(), "--data-dir", (dir / "server").string()});
	ASSERT_EQ(server->required_first_line(), url);
	ASSERT_TRUE(wait_for([&] { return newest_stored() >= before_restart + 2; }, 120s)) << api->get(result_path).dump(2);
	int64_t after_restart = newest_stored();
	ASSERT_TRUE(wait_for(
	    [&] { return serving([&](const json &r) { return r.at("model_version").get<int64_t>() >= after_restart; }); },
	    60s))
	    << api->get(inference_path).dump(2);
	produce_inputs(12000, 13000);
	read_until(13000, 120s);
	EXPECT_EQ(answers.size(), 13000u);
	for (int seq = 12000; seq < 13000; ++seq) {
		EXPECT_GE(version_of[seq], after_restart) << "input " << seq;
	}
	// Through both kills, one version per number, each having learned more.
	auto all_versions = api->get(result_path + "/versions");
	for (size_t i = 0; i < all_versions.size(); ++i) {
		EXPECT_EQ(all_versions[i].value("version", 0), static_cast<int64_t>(i + 1)) << all_versions.dump(2);
		if (i > 0) {
			EXPECT_GT(all_versions[i].value("records", 0), all_versions[i - 1].value("records", 0))
			    << all_versions.dump(2);
		}
	}

	api->post(inference_path + "/stop", json::object(), 200);
	api->post("/deployments/" + std::to_string(deployment_id) + "/stop", json::object(), 200);
}

//! Every pid in /proc, as text.
TEST_P(PipelineTest, ADatasourcesRecordsAreDeletedFromTheLogAndItCannotBeSentAgain) {
	auto m = api->post("/models", {{"name", "hcopd"}, {"description", ""}, {"code", kHcopdModel}});
	auto configuration =
	    api->post("/configurations", {{"name", "one model"}, {"description", ""}, {"ml_models", {m["id"]}}});
	int64_t conf = configuration.at("id").get<int64_t>();
	write_hcopd_like_csv(dir / "hcopd.csv", 239);
	// Two streams one after the other on the same topic partition, each
	// trained on by its own deployment.
	std::vector<int64_t> deployments;
	for (int i = 0; i < 2; i++) {
		auto deployment = deploy(conf, "epochs=2, steps_per_epoch=22, shuffle=True");
		deployments.push_back(deployment);
		auto send = start_kafkaml(dir, "send-" + std::to_string(i),
		                          {"send", "--bootstrap-servers", cluster->bootstrap(), "--topic", "hcopd",
		                           "--deployment-id", std::to_string(deployment), "--format", "raw", "--label-column",
		                           "Diagnosis", (dir / "hcopd.csv").string()});
		ASSERT_EQ(send->wait(120s), 0) << send->err();
		wait_for_results(deployment);
	}
	json datasources;
	for (int attempt = 0; attempt < 100 && datasources.size() < 2; ++attempt) {
		datasources = api->get("/datasources");
		std::this_thread::sleep_for(200ms);
	}
	ASSERT_EQ(datasources.size(), 2u) << datasources.dump(2);
	int64_t first = 0, second = 0;
	for (const auto &d : datasources) {
		(d.value("topic", "") == "hcopd:0:0:239" ? first : second) = d.at("id").get<int64_t>();
	}
	ASSERT_NE(first, 0) << datasources.dump(2);
	std::string second_path = "/datasources/" + std::to_string(second);
	EXPECT_EQ(api->get(second_path).value("topic", ""), "hcopd:0:239:478");

	// The first stream lies earlier in the partition: named, nothing deleted.
	auto refused = api->del(second_path + "/records", 409);
	EXPECT_EQ(refused["detail"]["datasources"], json::array({first})) << refused.dump();

	if (cluster->is_mock()) {
		// librdkafka's mock cluster has no DeleteRecords: the cluster's error is named.
		auto failed = api->del(second_path + "/records?include_earlier=true", 502);
		EXPECT_NE(failed.value("error", "").find("DeleteRecords failed"), std::string::npos) << failed.dump();
		EXPECT_TRUE(api->get(second_path)["records_deleted_at"].is_null());
		return;
	}
	// Confirmed through the CLI.
	auto cli = start_kafkaml(dir, "delete-records",
	                         {"datasources", "delete", std::to_string(second), "--records", "--include-earlier",
	                          "--server", url, "--data-dir", (dir / "server").string()});
	ASSERT_EQ(cli->wait(60s), 0) << cli->err();
	EXPECT_FALSE(api->get(second_path)["records_deleted_at"].is_null());
	EXPECT_FALSE(api->get("/datasources/" + std::to_string(first))["records_deleted_at"].is_null());

	// A consumer from the beginning no longer gets them: the log starts at the end.
	stream::KafkaSink probe(stream::KafkaConfig{cluster->bootstrap(), {}});
	int64_t low = -1, high = -1;
	ASSERT_EQ(rd_kafka_query_watermark_offsets(probe.handle(), "hcopd", 0, &low, &high, 10000),
	          RD_KAFKA_RESP_ERR_NO_ERROR);
	EXPECT_EQ(low, 478);
	EXPECT_EQ(high, 478);
	auto consumed = testing::run_shell("kcat -b " + cluster->bootstrap() +
	                                   " -C -t hcopd -p 0 -o beginning -e -q -f '%o\\n' 2>&1 | wc -l");
	EXPECT_EQ(consumed.out, "0\n") << "records from the beginning";

	// Re-training from the log is refused, saying why.
	auto d3 = deploy(conf, "epochs=2, steps_per_epoch=22, shuffle=True");
	auto resend = api->post(second_path + "/send", {{"deployment", d3}}, 409);
	EXPECT_NE(resend.value("error", "").find("were deleted"), std::string::npos) << resend.dump();
}

std::vector<std::string> all_pids() {
	std::vector<std::string> pids;
	for (const auto &entry : std::filesystem::directory_iterator("/proc")) {
		auto name = entry.path().filename().string();
		if (name.find_first_not_of("0123456789") == std::string::npos) {
			pids.push_back(name);
		}
	}
	return pids;
}

//! The client ids of the members of a consumer group, as the broker answers them.
std::vector<std::string> group_client_ids(rd_kafka_t *rk, const std::string &group) {
	const rd_kafka_group_list *list = nullptr;
	std::vector<std::string> ids;
	if (rd_kafka_list_groups(rk, group.c_str(), &list, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
		return ids;
	}
	for (int g = 0; g < list->group_cnt; ++g) {
		for (int m = 0; m < list->groups[g].member_cnt; ++m) {
			ids.emplace_back(list->groups[g].members[m].client_id);
		}
	}
	rd_kafka_group_list_destroy(list);
	return ids;
}

// The original Kafka-ML's distributed models, defined as it defines them:
// an edge sub-model whose first output feeds its upper model, the cloud
// one, named as its father; the configuration holds the top. The training
// job trains the joined chain as one model with an exit per sub-model, and
// the original's inference body (limit, output_upper) serves it as a chain
// of two stages that answers every input.
TEST_P(PipelineTest, TheOriginalsDistributedSubModelsTrainAsOneChainAndServeAsItsStages) {
	if (cluster->is_mock()) {
		GTEST_SKIP() << "the chain's Kafka side is tested on both clusters by the early-exit test";
	}
	auto cloud = api->post("/models", {{"name", "cloud"}, {"distributed", true}, {"code", R"(
cloud_input = keras.Input(shape=8, name='cloud_input')
x = tf.keras.layers.Dense(8, activation=tf.nn.relu, name='cloud_hidden')(cloud_input)
cloud_output = tf.keras.layers.Dense(2, activation=tf.nn.softmax, name='cloud_output')(x)
cloud_model = keras.Model(inputs=cloud_input, outputs=[cloud_output], name='cloud_model')
)"}});
	api->post("/models", {{"name", "edge"}, {"distributed", true}, {"father", cloud.at("id")}, {"code", R"(
edge_input = keras.Input(shape=(3,), name='edge_input')
to_cloud = tf.keras.layers.Dense(8, activation=tf.nn.relu, name='to_cloud')(edge_input)
edge_output = tf.keras.layers.Dense(2, activation=tf.nn.softmax, name='edge_output')(to_cloud)
edge_model = keras.Model(inputs=[edge_input], outputs=[to_cloud, edge_output], name='edge_model')
)"}});
	auto configuration = api->post("/configurations", {{"name", "edge-cloud"}, {"ml_models", {cloud.at("id")}}});
	auto deployment = deploy(configuration.at("id").get<int64_t>(), "epochs=30, shuffle=True");
	json trained;
	ASSERT_NO_FATAL_FAILURE(train_on_hcopd_csv(deployment, trained, {"--validation-rate", "0.2"}));
	auto result = api->get("/results/" + std::to_string(trained.at("id").get<int64_t>()));
	ASSERT_EQ(result.at("exits").size(), 2u) << result.dump(2);
	EXPECT_EQ(result["exits"][0].value("name", ""), "edge_output");
	EXPECT_EQ(result["exits"][1].value("name", ""), "cloud_output");
	for (const auto &exit : result["exits"]) {
		EXPECT_GT(exit.at("metrics").value("accuracy", exit.at("metrics").value("sparse_categorical_accuracy", 0.0)),
		          0.7)
		    << exit.dump();
	}

	auto inference = api->post("/inferences", {{"model_result", result.at("id")},
	                                           {"input_topic", "hcopd-in"},
	                                           {"output_topic", "hcopd-out"},
	                                           {"input_format", "RAW"},
	                                           {"input_config", {{"data_type", "float32"}}},
	                                           {"replicas", 1},
	                                           {"limit", 0.7},
	                                           {"output_upper", "hcopd-upper"}});
	ASSERT_EQ(inference.at("exits").size(), 2u) << inference.dump(2);
	stream::KafkaConfig kafka{cluster->bootstrap(), {}};
	stream::KafkaSink producer(kafka);
	stream::KafkaGroupSource reader(kafka, "distributed-reader", {"hcopd-out"});
	produce_hcopd_inputs(producer, 0, 100);
	std::set<int> seen;
	read_predictions(reader, seen, 100, 120s);
	EXPECT_EQ(seen.size(), 100u) << "every input answered, at the edge or in the cloud";
}

// Early exits: a CNN with two exits, trained on a generated image stream
// by the training job, served as a chain of two stages. The test downloads
// the trained model to know each input's confidence at the first exit: a
// threshold at the median sends about half of the inputs on to the second
// stage. Every input is answered (duplicates counted, as at-least-once
// allows them), each by the exit its confidence says, with that exit's
// values; a replica of each stage killed with SIGKILL mid-stream loses
// nothing; the stages' figures show the share answered at each exit.
TEST_P(PipelineTest, AnInferenceWithEarlyExitsAnswersEachInputOnceAtTheExitItsConfidenceSays) {
	constexpr int kInputs = 1000;
	// 1. The model trained on 400 generated images (labels in the last
	//    column, one per image: it applies to both exits).
	auto model = api->post("/models", {{"name", "two exits"}, {"code", testing::kTwoExitCnn}});
	auto configuration = api->post("/configurations", {{"name", "exits"}, {"ml_models", {model.at("id")}}});
	auto deployment = deploy(configuration.at("id").get<int64_t>(), "epochs=8, shuffle=True");
	// Training images are numbered apart from the inference's.
	testing::write_exit_images_csv(dir / "images.csv", 100000, 400);
	json trained_result;
	ASSERT_NO_FATAL_FAILURE(train_on_csv(deployment, "exit-images", dir / "images.csv", "0.2", trained_result));
	auto result_id = std::to_string(trained_result.at("id").get<int64_t>());
	// The exit table: both exits learned the task, and at 0.5 the first exit
	// takes every validation input (two classes).
	const json &exits = trained_result.at("exits");
	ASSERT_EQ(exits.size(), 2u) << trained_result.dump(2);
	for (const auto &exit : exits) {
		std::cerr << "exit " << exit.value("name", "") << ": " << exit.at("metrics").dump() << "\n";
		EXPECT_GT(exit.at("metrics").value("accuracy", 0.0), 0.7) << exit.dump();
	}
	EXPECT_EQ(exits[0].at("thresholds")[0].value("share", 0.0), 1.0) << exits[0].dump();
	// And by each confidence rule a stage may use.
	const json &by_rule = exits[0].at("thresholds_by_confidence");
	EXPECT_EQ(by_rule.at("top_probability"), exits[0].at("thresholds"));
	EXPECT_EQ(by_rule.at("margin").size(), exits[0].at("thresholds").size());
	EXPECT_EQ(by_rule.at("entropy").size(), exits[0].at("thresholds").size());

	auto download = start_kafkaml(dir, "download",
	                              {"results", "download", result_id, "-o", (dir / "exits.kafkaml").string(), "--server",
	                               url, "--data-dir", (dir / "server").string()});
	ASSERT_EQ(download->wait(120s), 0) << download->err();
	auto trained = ml::Model::load(testing::read_file(dir / "exits.kafkaml"));
	ASSERT_EQ(trained.stage_count(), 2u);

	// 2. What each input's first exit says, computed here with the same model.
	ml::Array inputs{{kInputs, 8, 8, 1}, {}};
	for (int i = 0; i < kInputs; ++i) {
		auto row = testing::exit_image(i);
		inputs.data.insert(inputs.data.end(), row.begin(), row.end());
	}
	auto first = trained.run_stage(0, inputs);
	auto last = trained.run_stage(1, first.carry);
	std::vector<double> confidence(kInputs);
	for (int i = 0; i < kInputs; ++i) {
		confidence[i] = std::max(first.exit.data[2 * i], first.exit.data[2 * i + 1]);
	}
	auto sorted = confidence;
	std::sort(sorted.begin(), sorted.end());
	double threshold = (sorted[kInputs / 2 - 1] + sorted[kInputs / 2]) / 2;
	ASSERT_LT(sorted[kInputs / 2 - 1], sorted[kInputs / 2]) << "no spread of confidences to split at";

	// 3. The chain: two replicas at the first exit, one at the last.
	auto inference =
	    api->post("/inferences", {{"model_result", std::stoll(result_id)},
	                              {"input_topic", "exits-in"},
	                              {"output_topic", "exits-out"},
	                              {"input_format", "RAW"},
	                              {"input_config", {{"data_type", "float32"}, {"data_reshape", "8 8 1"}}},
	                              {"exits", {{{"threshold", threshold}, {"replicas", 2}}, {{"replicas", 1}}}}});
	ASSERT_EQ(inference.at("exits").size(), 2u) << inference.dump(2);
	EXPECT_EQ(inference.at("exits")[1].value("input_topic", ""), "exits-out-stage-1");
	auto inference_id = std::to_string(inference.at("id").get<int64_t>());

	stream::KafkaConfig kafka{cluster->bootstrap(), {}};
	if (!cluster->is_mock()) {
		ASSERT_TRUE(stream::create_topic(kafka, "exits-out", 1));
	}
	stream::KafkaSink producer(kafka);
	auto produce = [&](int from, int to) { produce_rows(producer, "exits-in", from, to, testing::exit_image); };
	std::map<int, int> answers; // input -> times answered
	int wrong_exit = 0, wrong_key = 0, near_threshold = 0;
	stream::KafkaGroupSource reader(kafka, "exits-test-reader", {"exits-out"});
	auto read_until = [&](size_t count, std::chrono::seconds timeout) {
		auto deadline = std::chrono::steady_clock::now() + timeout;
		std::vector<stream::Record> records;
		while (answers.size() < count && std::chrono::steady_clock::now() < deadline) {
			records.clear();
			reader.poll_batch(records, 1000, 200ms);
			for (const auto &record : records) {
				std::map<std::string, std::string> headers;
				for (const auto &header : record.headers) {
					headers[header.key] = header.value.value_or("");
				}
				int i = std::stoi(headers["seq"]);
				answers[i] += 1;
				wrong_key += record.key != std::to_string(i);
				if (std::abs(confidence[i] - threshold) < 1e-5) {
					++near_threshold; // a last-bit difference could go either way
					continue;
				}
				int expected = float(confidence[i]) >= float(threshold) ? 0 : 1;
				auto values = json::parse(record.value).at("values");
				const auto &exit = expected == 0 ? first.exit : last.exit;
				bool same = headers["kafkaml.exit"] == std::to_string(expected) && values.size() == 2 &&
				            std::abs(values[0].get<double>() - exit.data[2 * i]) < 1e-4;
				if (!same && wrong_exit++ < 5) {
					ADD_FAILURE() << "input " << i << " (confidence " << confidence[i] << ", threshold " << threshold
					              << ") answered by exit " << headers["kafkaml.exit"] << " with " << values.dump();
				}
			}
		}
	};

	// 4. The first inputs, answered once the replicas run; then a steady
	//    stream (ten inputs every 10 ms), in the middle of which a replica of
	//    each stage is killed. What a killed replica had in flight is
	//    answered again; a kill before its first commit would repeat all it
	//    read, which a stream sent at once would make the usual case.
	produce(0, 100);
	read_until(100, 120s);
	ASSERT_GE(answers.size(), 100u) << "no predictions arrived";
	std::thread sender([&] {
		for (int from = 100; from < kInputs; from += 10) {
			produce(from, from + 10);
			std::this_thread::sleep_for(10ms);
		}
	});
	struct Joiner {
		std::thread &thread;
		~Joiner() { thread.join(); }
	} join_sender{sender};
	read_until(kInputs * 4 / 10, 120s);
	auto first_stage = find_processes(server->pid(), {"infer", "--inference-id " + inference_id, "--stage 0"});
	auto last_stage = find_processes(server->pid(), {"infer", "--inference-id " + inference_id, "--stage 1"});
	ASSERT_EQ(first_stage.size(), 2u);
	ASSERT_EQ(last_stage.size(), 1u);
	::kill(first_stage[0], SIGKILL);
	::kill(last_stage[0], SIGKILL);
	size_t answered_at_kill = answers.size();
	read_until(kInputs, 240s);
	EXPECT_EQ(answers.size(), size_t(kInputs)) << "inputs lost";
	EXPECT_LT(answered_at_kill, size_t(kInputs)) << "the kill came after the stream: send more, or slower";
	int duplicates = 0;
	for (const auto &[input, times] : answers) {
		duplicates += times - 1;
	}
	std::cerr << "early exits: " << kInputs << " inputs, " << duplicates << " answered twice (at-least-once), "
	          << near_threshold << " too near the threshold to check\n";
	// A replica commits what it answered when a rebalance takes its
	// partitions, and Kafka (the embedded broker too) accepts that commit
	// while the rebalance waits for the dead member's session to end. The
	// mock cluster refuses every commit meanwhile, so the survivor's answers
	// of that whole wait are repeated by the partitions' next owner there.
	int allowed = cluster->is_mock() ? kInputs / 2 : kInputs / 20;
	EXPECT_LT(duplicates, allowed) << "more repeated than a kill leaves in flight";
	EXPECT_EQ(wrong_exit, 0);
	EXPECT_EQ(wrong_key, 0) << "answers keep their input's key";

	// 5. The stages' figures: about half answered at each exit.
	json stages;
	for (int attempt = 0; attempt < 100; ++attempt) {
		stages = api->get("/inferences/" + inference_id).value("stages", json::array());
		if (stages.size() == 2 && stages[0]["answered_share"].is_number() && stages[0]["live_replicas"] == 2 &&
		    stages[1]["live_replicas"] == 1) {
			break;
		}
		std::this_thread::sleep_for(100ms);
	}
	ASSERT_EQ(stages.size(), 2u) << stages.dump(2);
	ASSERT_TRUE(stages[0]["answered_share"].is_number()) << stages.dump(2);
	EXPECT_NEAR(stages[0]["answered_share"].get<double>(), 0.5, 0.2) << stages.dump(2);

	// 6. A threshold changed while it runs: at 0, the first exit answers all.
	api->post("/inferences/" + inference_id + "/exits", {{"thresholds", {0.0, 0.0}}}, 200);
	std::this_thread::sleep_for(3s); // the replicas learn it from their next report
	// New inputs, numbered after the others: repeats of earlier ones that
	// are still on their way are not counted.
	produce(kInputs, kInputs + 100);
	int at_first = 0, seen = 0;
	auto deadline = std::chrono::steady_clock::now() + 60s;
	std::vector<stream::Record> records;
	while (seen < 100 && std::chrono::steady_clock::now() < deadline) {
		records.clear();
		reader.poll_batch(records, 1000, 200ms);
		for (const auto &record : records) {
			std::map<std::string, std::string> headers;
			for (const auto &header : record.headers) {
				headers[header.key] = header.value.value_or("");
			}
			if (std::stoi(headers["seq"]) < kInputs) {
				continue;
			}
			++seen;
			at_first += headers["kafkaml.exit"] == "0";
		}
	}
	EXPECT_GE(seen, 100);
	EXPECT_EQ(at_first, seen) << "a threshold of 0 answers every input at the first exit";
}

// The server's Kafka client settings (a file, and -X over it) reach every
// Kafka client of the system: the server's own (its control logger joins
// the broker's group under the client id given), `kafkaml send`'s, the
// training job's and the replicas', which get them through a file only the
// server's user reads. A secret given with -X (a SASL password, which
// librdkafka takes on a plaintext connection and leaves unused) is in no
// job's command line or environment, no log, no API answer.
class KafkaSettingsTest : public PipelineTest {
protected:
	static constexpr const char *kClientId = "kafkaml-settings-test";
	std::vector<std::string> extra_server_args() override {
		std::ofstream(dir / "client.properties") << "# what every client of this test uses\n"
		                                         << "client.id = " << kClientId << "\n"
		                                         << "\n"
		                                         << "debug=conf\n";
		return {"--kafka-config", (dir / "client.properties").string(), "-X", "sasl.password=" + secret};
	}
	//! Made for this run, so that finding it anywhere is this test's doing.
	std::string secret = "pw-" + std::to_string(std::random_device()()) + "-" + std::to_string(::getpid());
};

TEST_P(KafkaSettingsTest, ReachEveryClientAndTheSecretNoListing) {
	auto server_pid = server->pid();
	auto model = api->post("/models", {{"name", "hcopd"}, {"code", kHcopdModel}});
	auto configuration = api->post("/configurations", {{"name", "one"}, {"ml_models", {model.at("id")}}});
	auto deployment = deploy(configuration.at("id").get<int64_t>(), "epochs=5, steps_per_epoch=22");

	// The training job waits for its stream: look at it from outside, as
	// another user of the machine could.
	auto job_settings = dir / "server" / "job-kafka.properties";
	std::vector<pid_t> trainers;
	for (int attempt = 0; attempt < 200 && trainers.empty(); ++attempt) {
		trainers = find_processes(server_pid, {"train", "--kafka-config"});
		std::this_thread::sleep_for(50ms);
	}
	ASSERT_EQ(trainers.size(), 1u) << "no training job given --kafka-config";
	auto trainer_cmdline = testing::read_file("/proc/" + std::to_string(trainers[0]) + "/cmdline");
	EXPECT_NE(trainer_cmdline.find(std::filesystem::absolute(job_settings).string()), std::string::npos);
	EXPECT_EQ(trainer_cmdline.find(secret), std::string::npos);
	EXPECT_EQ(testing::read_file("/proc/" + std::to_string(trainers[0]) + "/environ").find(secret), std::string::npos);
	struct stat info {};
	ASSERT_EQ(::stat(job_settings.c_str(), &info), 0);
	EXPECT_EQ(info.st_mode & 0777, 0600u) << "the jobs' settings file is readable by others";
	EXPECT_NE(testing::read_file(job_settings).find("sasl.password=" + secret), std::string::npos);

	// `kafkaml send` with the same settings file and secret.
	write_hcopd_like_csv(dir / "hcopd.csv", 239);
	auto send = start_kafkaml(dir, "send",
	                          {"send", "--bootstrap-servers", cluster->bootstrap(), "--topic", "hcopd",
	                           "--deployment-id", std::to_string(deployment), "--format", "raw", "--label-column",
	                           "Diagnosis", "--kafka-config", (dir / "client.properties").string(), "-X",
	                           "sasl.password=" + secret, (dir / "hcopd.csv").string()});
	ASSERT_EQ(send->wait(120s), 0) << send->err();
	auto results = wait_for_results(deployment);
	ASSERT_EQ(results.size(), 1u);
	ASSERT_EQ(results[0].value("status", ""), "finished") << results.dump(2);

	auto inference = api->post("/inferences", {{"model_result", results[0].at("id")},
	                                           {"replicas", 1},
	                                           {"input_topic", "settings-in"},
	                                           {"output_topic", "settings-out"}});
	auto group = "kafkaml-inference-" + std::to_string(inference.at("id").get<int64_t>());
	// The broker names the members of the control logger's group and of the
	// replica's by the client id the server was given.
	stream::KafkaSink probe(stream::KafkaConfig{cluster->bootstrap(), {}});
	std::vector<std::string> replica_ids;
	for (int attempt = 0; attempt < 120 && replica_ids.empty(); ++attempt) {
		replica_ids = group_client_ids(probe.handle(), group);
		std::this_thread::sleep_for(500ms);
	}
	EXPECT_EQ(replica_ids, std::vector<std::string>{kClientId}) << "group " << group;
	EXPECT_EQ(group_client_ids(probe.handle(), "kafkaml-control-logger"), std::vector<std::string>{kClientId});
	auto replicas = find_processes(server_pid, {"infer", "--kafka-config"});
	ASSERT_EQ(replicas.size(), 1u);

	// No process of the machine but the server, given it with -X by this
	// test, shows the secret on its command line, nor any job in its
	// environment.
	for (const auto &pid : all_pids()) {
		if (pid == std::to_string(server_pid)) {
			continue;
		}
		EXPECT_EQ(testing::read_file("/proc/" + pid + "/cmdline").find(secret), std::string::npos) << "pid " << pid;
	}
	EXPECT_EQ(testing::read_file("/proc/" + std::to_string(replicas[0]) + "/environ").find(secret), std::string::npos);

	// Each process's librdkafka took the settings: with debug=conf it lists
	// its configuration under the handle's name, the client id, and redacts
	// the password. No log has the secret.
	auto handle_name = std::string(kClientId) + "#";
	std::map<std::string, std::string> logs{{"server", server->err()}, {"send", testing::read_file(dir / "send.log")}};
	for (const auto &entry : std::filesystem::directory_iterator(dir / "server" / "jobs")) {
		logs[entry.path().filename().string()] = testing::read_file(entry.path());
	}
	EXPECT_EQ(logs.size(), 4u) << "server, send, the training job and the replica";
	for (const auto &[name, text] : logs) {
		EXPECT_EQ(text.find(secret), std::string::npos) << name << " logs the secret";
		if (name != "send") { // send's check of the cluster keeps librdkafka quiet
			EXPECT_NE(text.find(handle_name), std::string::npos) << name << " has no client named " << kClientId;
		}
	}
	EXPECT_NE(logs["server"].find("sasl.password=***"), std::string::npos) << logs["server"];
	EXPECT_NE(logs["server"].find("-X sasl.password puts a secret on this command line"), std::string::npos)
	    << logs["server"];

	// Nor does any API answer.
	for (const auto &path : {"/results", "/inferences", "/datasources", "/deployments"}) {
		EXPECT_EQ(api->get(path).dump().find(secret), std::string::npos) << path;
	}

	// The server killed with -9 and started again on its address: with the
	// same settings it adopts the replica; with other settings in the same
	// file it replaces it, and the new replica has the new ones.
	auto restart = [&](const std::string &name) {
		server->signal(SIGKILL);
		ASSERT_TRUE(server->wait(30s));
		server = start_kafkaml(dir, name,
		                       {"server", "--listen", url.substr(std::string("http://").size()), "--bootstrap-servers",
		                        cluster->bootstrap(), "--data-dir", (dir / "server").string(), "--kafka-config",
		                        (dir / "client.properties").string(), "-X", "sasl.password=" + secret});
		ASSERT_EQ(server->required_first_line(), url);
	};
	restart("server-same");
	// Jobs are adopted or replaced in start(), before the URL is printed.
	EXPECT_EQ(server->err().find("replacing"), std::string::npos) << server->err();
	EXPECT_EQ(::kill(replicas[0], 0), 0) << "the replica with the same settings was not adopted";
	EXPECT_EQ(group_client_ids(probe.handle(), group), std::vector<std::string>{kClientId});

	std::ofstream(dir / "client.properties") << "client.id=kafkaml-settings-test-2\n";
	restart("server-other");
	auto deadline = std::chrono::steady_clock::now() + 60s;
	while (::kill(replicas[0], 0) == 0 && std::chrono::steady_clock::now() < deadline) {
		std::this_thread::sleep_for(100ms);
	}
	EXPECT_NE(::kill(replicas[0], 0), 0) << "the replica with the old settings runs on";
	std::vector<std::string> new_ids;
	for (int attempt = 0; attempt < 120 && new_ids != std::vector<std::string>{"kafkaml-settings-test-2"}; ++attempt) {
		new_ids = group_client_ids(probe.handle(), group);
		std::this_thread::sleep_for(500ms);
	}
	EXPECT_EQ(new_ids, std::vector<std::string>{"kafkaml-settings-test-2"});
	EXPECT_EQ(testing::read_file(job_settings).find("kafkaml-settings-test\n"), std::string::npos);
	api->post("/inferences/" + std::to_string(inference.at("id").get<int64_t>()) + "/stop", json::object(), 200);
}

#ifndef KAFKAML_DOCKER_TEST_DIR
INSTANTIATE_TEST_SUITE_P(Embedded, KafkaSettingsTest, ::testing::Values("embedded"));

//! Records on `topic` of the cluster at `bootstrap`, over every partition
//! (0 when the topic does not exist).
int64_t records_on(const std::string &bootstrap, const std::string &topic) {
	stream::KafkaConfig kafka{bootstrap, {}};
	auto partitions = stream::list_partitions(kafka, topic, 10s);
	stream::KafkaSink probe(kafka);
	int64_t total = 0;
	for (auto partition : partitions) {
		int64_t low = 0, high = 0;
		auto err = rd_kafka_query_watermark_offsets(probe.handle(), topic.c_str(), partition, &low, &high, 10000);
		EXPECT_EQ(err, RD_KAFKA_RESP_ERR_NO_ERROR) << topic << ": " << rd_kafka_err2str(err);
		total += high - low;
	}
	return total;
}

// An inference reads its input from one cluster and writes its predictions
// to another (an edge cluster feeding a cloud one): two brokers, A the
// server's own ("default") and B configured as "cloud" from a file that
// also holds a SASL password (unused on B's plaintext listener, which
// librdkafka then ignores). B is reached by its name and by its bootstrap
// list; every input is predicted on B and nothing on A; the live
// predictions come from B; the password shows in no answer, no job's
// command line and no log; a restarted server adopts the replicas.
class KafkaClustersTest : public PipelineTest {
protected:
	//! Starts B on the first call.
	std::vector<std::string> extra_server_args() override {
		if (!cloud) {
			std::filesystem::create_directories(dir / "b");
			cloud.emplace("embedded", dir / "b");
			auto file = dir / "cloud.properties";
			std::ofstream(file) << "bootstrap.servers=" << cloud->bootstrap() << "\nclient.id=kafkaml-cloud\n"
			                    << "sasl.password=" << secret << "\n";
			::chmod(file.c_str(), 0600);
		}
		return {"--kafka-cluster", "cloud=" + (dir / "cloud.properties").string()};
	}
	void TearDown() override {
		PipelineTest::TearDown();
		cloud.reset();
	}
	std::optional<Cluster> cloud;
	std::string secret = "cloud-pw-" + std::to_string(std::random_device()()) + "-" + std::to_string(::getpid());
};

TEST_P(KafkaClustersTest, AnInferenceReadsFromOneClusterAndPredictsToAnother) {
	// The clusters, without the password.
	auto clusters = api->get("/clusters");
	ASSERT_EQ(clusters.size(), 2u) << clusters.dump();
	EXPECT_EQ(clusters[0].value("name", ""), "default");
	EXPECT_EQ(clusters[0].value("bootstrap_servers", ""), cluster->bootstrap());
	EXPECT_EQ(clusters[1].value("name", ""), "cloud");
	EXPECT_EQ(clusters[1].value("bootstrap_servers", ""), cloud->bootstrap());
	EXPECT_EQ(clusters[1].value("security_protocol", ""), "plaintext");
	EXPECT_EQ(clusters.dump().find(secret), std::string::npos);

	// A small training on A.
	int64_t deployment = 0;
	json trained;
	ASSERT_NO_FATAL_FAILURE(train_small({}, deployment, trained));
	auto result = trained.at("id");

	// An unknown cluster and a malformed list are refused, naming the configured ones.
	for (auto [field, value] : {std::pair{"input_kafka_broker", "edge"}, std::pair{"output_kafka_broker", "b:0"}}) {
		auto refused =
		    api->post("/inferences",
		              {{"model_result", result}, {"input_topic", "x"}, {"output_topic", "y"}, {field, value}}, 400);
		EXPECT_NE(refused.value("error", "").find("(default, cloud;"), std::string::npos) << refused.dump();
		EXPECT_EQ(refused["detail"].value("field", ""), field) << refused.dump();
	}
	EXPECT_TRUE(api->get("/inferences").empty());

	// By name, and by bootstrap list (reached with the default settings).
	auto by_name = api->post("/inferences", {{"model_result", result},
	                                         {"input_topic", "edge-in"},
	                                         {"output_topic", "cloud-out"},
	                                         {"input_kafka_broker", cluster->bootstrap()},
	                                         {"output_kafka_broker", "cloud"}});
	auto by_list = api->post("/inferences", {{"model_result", result},
	                                         {"input_topic", "edge-in-2"},
	                                         {"output_topic", "cloud-out-2"},
	                                         {"output_kafka_broker", cloud->bootstrap()}});
	EXPECT_EQ(by_name.value("input_kafka_broker", ""), cluster->bootstrap());
	EXPECT_EQ(by_name.value("output_kafka_broker", ""), "cloud");
	EXPECT_EQ(by_list.value("input_kafka_broker", ""), "default");
	EXPECT_EQ(by_list.value("output_kafka_broker", ""), cloud->bootstrap());
	auto name_path = "/inferences/" + std::to_string(by_name.at("id").get<int64_t>());
	auto list_path = "/inferences/" + std::to_string(by_list.at("id").get<int64_t>());
	EXPECT_EQ(api->get(name_path).value("output_kafka_broker", ""), "cloud");

	// The live predictions of the first come from B.
	std::atomic<bool> live_prediction{false};
	auto watch_deadline = std::chrono::steady_clock::now() + 200s;
	std::thread watcher([&] {
		httplib::Client client(url);
		client.set_read_timeout(120, 0);
		client.set_bearer_token_auth(testing::read_file(dir / "server" / "admin-token").substr(0, 64));
		client.Get("/api/v1" + name_path + "/predictions/stream", [&](const char *data, size_t size) {
			if (std::string_view(data, size).find("\"values\"") != std::string_view::npos) {
				live_prediction = true;
			}
			// The server sends a comment every second: this runs often enough.
			return !live_prediction && std::chrono::steady_clock::now() < watch_deadline;
		});
	});
	std::this_thread::sleep_for(1s);

	stream::KafkaSink producer(stream::KafkaConfig{cluster->bootstrap(), {}});
	constexpr int kInputs = 300;
	for (const char *topic : {"edge-in", "edge-in-2"}) {
		for (int i = 0; i < kInputs; ++i) {
			float row[3] = {1.0f, 0.01f * static_cast<float>(i % 100), -0.5f};
			stream::OutRecord record;
			record.topic = topic;
			record.value = std::string(reinterpret_cast<const char *>(row), sizeof(row));
			producer.produce(record);
		}
	}
	producer.flush(30s);
	auto deadline = std::chrono::steady_clock::now() + 180s;
	while ((records_on(cloud->bootstrap(), "cloud-out") < kInputs ||
	        records_on(cloud->bootstrap(), "cloud-out-2") < kInputs) &&
	       std::chrono::steady_clock::now() < deadline) {
		std::this_thread::sleep_for(500ms);
	}
	EXPECT_EQ(records_on(cloud->bootstrap(), "cloud-out"), kInputs);
	EXPECT_EQ(records_on(cloud->bootstrap(), "cloud-out-2"), kInputs);
	EXPECT_EQ(records_on(cluster->bootstrap(), "cloud-out"), 0);
	EXPECT_EQ(records_on(cluster->bootstrap(), "cloud-out-2"), 0);
	EXPECT_EQ(records_on(cloud->bootstrap(), "edge-in"), 0) << "the input topic is A's only";
	watcher.join();
	EXPECT_TRUE(live_prediction) << "no prediction on the live stream of " << name_path;

	// The replicas' command lines name the cloud cluster's settings file,
	// never the password; the file is the server's user's only.
	auto server_pid = server->pid();
	auto replicas = find_processes(server_pid, {"infer", "--output-kafka-config"});
	ASSERT_EQ(replicas.size(), 1u) << "the replica writing to \"cloud\" by name";
	auto settings = dir / "server" / "kafka-clusters" / "cloud.properties";
	auto cmdline = testing::read_file("/proc/" + std::to_string(replicas[0]) + "/cmdline");
	EXPECT_NE(cmdline.find(std::filesystem::absolute(settings).string()), std::string::npos);
	EXPECT_NE(cmdline.find(cloud->bootstrap()), std::string::npos);
	struct stat info {};
	ASSERT_EQ(::stat(settings.c_str(), &info), 0);
	EXPECT_EQ(info.st_mode & 0777, 0600u);
	EXPECT_EQ(find_processes(server_pid, {"infer", "--output-bootstrap-servers " + cloud->bootstrap()}).size(), 2u);
	for (const auto &pid : all_pids()) {
		EXPECT_EQ(testing::read_file("/proc/" + pid + "/cmdline").find(secret), std::string::npos) << "pid " << pid;
	}
	std::map<std::string, std::string> logs{{"server", server->err()}};
	for (const auto &entry : std::filesystem::directory_iterator(dir / "server" / "jobs")) {
		logs[entry.path().filename().string()] = testing::read_file(entry.path());
	}
	for (const auto &[name, text] : logs) {
		EXPECT_EQ(text.find(secret), std::string::npos) << name << " logs the secret";
	}
	EXPECT_NE(logs["server"].find("sasl.password=***"), std::string::npos) << logs["server"];
	for (const auto &path : {"/clusters", "/inferences", name_path.c_str()}) {
		EXPECT_EQ(api->get(path).dump().find(secret), std::string::npos) << path;
	}

	// A server killed with -9 and started again with the same clusters
	// adopts both replicas.
	server->signal(SIGKILL);
	ASSERT_TRUE(server->wait(30s));
	auto args = server_args(url.substr(std::string("http://").size()));
	server = start_kafkaml(dir, "server-again", args);
	ASSERT_EQ(server->required_first_line(), url);
	EXPECT_EQ(server->err().find("replacing"), std::string::npos) << server->err();
	EXPECT_EQ(::kill(replicas[0], 0), 0) << "the replica writing to \"cloud\" was not adopted";
	EXPECT_NE(server->err().find("adopted infer-" + std::to_string(by_name.at("id").get<int64_t>()) + "-0"),
	          std::string::npos)
	    << server->err();

	api->post(name_path + "/stop", json::object(), 200);
	api->post(list_path + "/stop", json::object(), 200);

	// A stopped replica ends cleanly. Its consumer is closed after the job
	// it fed is gone, and the partitions that close revokes once reached
	// that job (a double free, in the replica's log).
	auto gone = std::chrono::steady_clock::now() + 30s;
	while (::kill(replicas[0], 0) == 0 && std::chrono::steady_clock::now() < gone) {
		std::this_thread::sleep_for(100ms);
	}
	EXPECT_NE(::kill(replicas[0], 0), 0) << "the stopped replica did not end";
	for (const auto &entry : std::filesystem::directory_iterator(dir / "server" / "jobs")) {
		if (!entry.path().filename().string().starts_with("infer-")) {
			continue;
		}
		auto log = testing::read_file(entry.path());
		EXPECT_EQ(log.find("free()"), std::string::npos) << entry.path() << ":\n"
		                                                 << log.substr(log.size() - std::min<size_t>(log.size(), 2000));
	}
}

INSTANTIATE_TEST_SUITE_P(Embedded, KafkaClustersTest, ::testing::Values("embedded"));

// A cluster file other users may read, without bootstrap.servers, or named
// "default" ends the server at once, saying what to change.
TEST(KafkaClusterOptions, ABadClusterEndsTheServerAtOnce) {
	testing::TempDir temp("kafka-clusters");
	auto open_file = temp.write("open.properties", "bootstrap.servers=127.0.0.1:1\nsasl.password=hunter2-open\n");
	::chmod(open_file.c_str(), 0644);
	auto no_bootstrap = temp.write("none.properties", "client.id=x\n");
	::chmod(no_bootstrap.c_str(), 0600);
	auto run = [&temp](const std::string &cluster) {
		auto options = testing::kafkaml_command(
		    {"server", "--listen", "127.0.0.1:0", "--data-dir", (temp / "data").string(), "--kafka-cluster", cluster});
		options.err = testing::Output::capture();
		return testing::run(std::move(options), 60s);
	};
	auto open = run("cloud=" + open_file);
	EXPECT_EQ(open.status, 1);
	EXPECT_NE(open.err.find("chmod 600 " + open_file), std::string::npos) << open.err;
	EXPECT_EQ(open.err.find("hunter2"), std::string::npos) << open.err;
	auto none = run("cloud=" + no_bootstrap);
	EXPECT_EQ(none.status, 1);
	EXPECT_NE(none.err.find("has no bootstrap.servers"), std::string::npos) << none.err;
	auto named_default = run("default=" + no_bootstrap);
	EXPECT_EQ(named_default.status, 1);
	EXPECT_NE(named_default.err.find("the server's own cluster"), std::string::npos) << named_default.err;
}

// A bad line or property is named with its file and line before anything
// starts, and a secret's value is never echoed.
TEST(KafkaSettingsOptions, ABadSettingEndsServerAndSendAtOnceNamingFileAndLine) {
	testing::TempDir temp("kafka-settings");
	auto file =
	    temp.write("client.properties", "client.id=x\nsasl.password=hunter2-in-file\n# comment\nlinger.ms=soon\n");
	auto run = [](const std::vector<std::string> &args) {
		auto options = testing::kafkaml_command(args);
		options.err = testing::Output::capture();
		return testing::run(std::move(options), 60s);
	};
	auto server =
	    run({"server", "--listen", "127.0.0.1:0", "--data-dir", (temp / "data").string(), "--kafka-config", file});
	EXPECT_EQ(server.status, 1);
	EXPECT_NE(server.err.find(file + ":4: Kafka client property linger.ms=soon is invalid"), std::string::npos)
	    << server.err;
	EXPECT_EQ(server.err.find("hunter2"), std::string::npos) << server.err;

	auto send = run({"send", "--topic", "t", "--deployment-id", "1", "--kafka-config", file, "-X", "acks=all",
	                 temp.write("data.csv", "a,b\n1,2\n")});
	EXPECT_EQ(send.status, 1);
	EXPECT_NE(send.err.find(file + ":4: Kafka client property linger.ms=soon is invalid"), std::string::npos)
	    << send.err;
	EXPECT_EQ(send.err.find("hunter2"), std::string::npos) << send.err;
	send = run({"send", "--topic", "t", "--deployment-id", "1", "-X", "typo.password=hunter2-option",
	            (temp / "data.csv").string()});
	EXPECT_EQ(send.status, 1);
	EXPECT_NE(send.err.find("-X typo.password: Kafka client property typo.password=*** is invalid"), std::string::npos)
	    << send.err;
	EXPECT_EQ(send.err.find("hunter2"), std::string::npos) << send.err;
	auto up = run({"up", "--data-dir", (temp / "up").string(), "--listen", "127.0.0.1:0", "--broker-listen",
	               "127.0.0.1:0", "--kafka-config", file});
	EXPECT_EQ(up.status, 1);
	EXPECT_NE(up.err.find(file + ":4:"), std::string::npos) << up.err;
}

// The whole pipeline over a secured connection: the broker has a SASL_SSL
// listener only, with a SCRAM-SHA-256 user added by `kafkaml broker users
// add`; every client (the server and its control logger, `kafkaml send`,
// the training job, two inference replicas, this test's own producer and
// consumer) reaches it with one 0600 settings file holding the user, its
// password and the CA. The password is in no process's command line, no
// job's environment, no log and no API answer. Wrong credentials end the
// server at its start, saying authentication failed; a client that does not
// trust the broker's certificate is refused, saying why.
class SecureKafkaTest : public PipelineTest {
protected:
	static constexpr const char *kUser = "kafkaml-pipeline";

	void start_cluster() override {
		std::filesystem::create_directories(dir / "certs");
		certs.emplace(dir / "certs");
		auto broker_dir = dir / "broker";
		testing::add_broker_user(broker_dir, kUser, password);
		auto broker = start_kafkaml(dir, "broker",
		                            {"broker", "--data-dir", broker_dir.string(), "--listeners",
		                             "SASL_SSL://127.0.0.1:0", "--ssl-cert-file", certs->file("server.pem").string(),
		                             "--ssl-key-file", certs->file("server.key").string()});
		auto listener = broker->required_first_line();
		ASSERT_TRUE(listener.starts_with("SASL_SSL://")) << listener;
		cluster.emplace(std::move(broker), listener.substr(std::string("SASL_SSL://").size()));
		write_settings(settings_file, password, true);
	}
	std::vector<std::string> extra_server_args() override { return {"--kafka-config", settings_file.string()}; }

	//! A 0600 settings file for the SCRAM user with `secret`, trusting the
	//! test's CA when `with_ca`.
	void write_settings(const std::filesystem::path &file, const std::string &secret, bool with_ca) {
		testing::write_properties_file(
		    file,
		    testing::sasl_ssl_properties(kUser, secret, with_ca ? certs->file("ca.pem") : std::filesystem::path()));
	}
	//! What the test's own clients use: the same settings as the server's.
	stream::KafkaConfig secure() const {
		return {cluster->bootstrap(), testing::sasl_ssl_properties(kUser, password, certs->file("ca.pem"))};
	}

	//! Made for this run, so that finding it anywhere is this test's doing.
	std::string password = "scram-" + std::to_string(std::random_device()()) + "-" + std::to_string(::getpid());
	std::filesystem::path settings_file = dir / "secure.properties";
	std::optional<testing::Certificates> certs;
};

TEST_P(SecureKafkaTest, TrainsAndInfersOverSaslSslAndThePasswordShowsNowhere) {
	auto server_pid = server->pid();
	std::vector<std::string> answers; // every API answer the test fetched
	auto get = [&](const std::string &path) {
		auto answer = api->get(path);
		answers.push_back(path + " " + answer.dump());
		return answer;
	};

	// Training: the stream sent by `kafkaml send` with the same settings.
	int64_t deployment = 0;
	json trained;
	ASSERT_NO_FATAL_FAILURE(train_small({"--kafka-config", settings_file.string()}, deployment, trained));
	auto result_id = std::to_string(trained.at("id").get<int64_t>());
	EXPECT_EQ(get("/results/" + result_id).value("status", ""), "finished");
	// The control logger, a client of the server, recorded the stream.
	json datasources;
	for (int attempt = 0; attempt < 100 && datasources.empty(); ++attempt) {
		datasources = get("/datasources");
		std::this_thread::sleep_for(200ms);
	}
	EXPECT_EQ(datasources.size(), 1u) << datasources.dump(2);

	// Inference with two replicas: every input predicted.
	auto kafka = secure();
	ASSERT_TRUE(stream::create_topic(kafka, "hcopd-in", 2));
	ASSERT_TRUE(stream::create_topic(kafka, "hcopd-out", 1));
	auto inference = api->post("/inferences", {{"model_result", trained.at("id")},
	                                           {"replicas", 2},
	                                           {"input_topic", "hcopd-in"},
	                                           {"output_topic", "hcopd-out"}});
	auto inference_id = std::to_string(inference.at("id").get<int64_t>());
	stream::KafkaSink producer(kafka);
	stream::KafkaGroupSource reader(kafka, "secure-pipeline-test-reader", {"hcopd-out"});
	constexpr int kInputs = 400;
	produce_hcopd_inputs(producer, 0, kInputs);
	std::set<int> seen;
	read_predictions(reader, seen, kInputs, 180s);
	EXPECT_EQ(seen.size(), static_cast<size_t>(kInputs));
	auto replicas = find_processes(server_pid, {"infer", "--inference-id " + inference_id});
	EXPECT_EQ(replicas.size(), 2u);
	get("/results");
	get("/inferences");
	get("/inferences/" + inference_id);
	get("/deployments");
	answers.push_back("/metrics " + metrics());

	// Command lines are world-readable: none, the server's included, has
	// the password.
	for (const auto &pid : all_pids()) {
		EXPECT_EQ(testing::read_file("/proc/" + pid + "/cmdline").find(password), std::string::npos)
		    << "pid " << pid << ": " << testing::read_file("/proc/" + pid + "/cmdline");
	}
	// /proc/PID/environ is readable by the process's own user (and root)
	// only, so a password there would not leak to other users; it is kept
	// out of the server's and the jobs' environments all the same.
	std::vector<pid_t> daemons = replicas;
	daemons.push_back(server_pid);
	for (auto pid : daemons) {
		EXPECT_EQ(testing::read_file("/proc/" + std::to_string(pid) + "/environ").find(password), std::string::npos)
		    << "pid " << pid;
	}
	std::map<std::string, std::string> logs{{"server", server->err()},
	                                        {"send", testing::read_file(dir / "send.log")},
	                                        {"broker", testing::read_file(dir / "broker.log")}};
	for (const auto &entry : std::filesystem::directory_iterator(dir / "server" / "jobs")) {
		logs[entry.path().filename().string()] = testing::read_file(entry.path());
	}
	EXPECT_GE(logs.size(), 6u) << "server, send, broker, the training job and two replicas";
	for (const auto &[name, text] : logs) {
		EXPECT_EQ(text.find(password), std::string::npos) << name << " logs the password";
	}
	for (const auto &answer : answers) {
		EXPECT_EQ(answer.find(password), std::string::npos) << answer.substr(0, answer.find(' '));
	}
	api->post("/inferences/" + inference_id + "/stop", json::object(), 200);

	// A second server with a wrong password ends at its start, saying the
	// cluster refused authentication.
	auto other_server = [&](const std::filesystem::path &settings) {
		auto options = testing::kafkaml_command({"server", "--listen", "127.0.0.1:0", "--bootstrap-servers",
		                                         cluster->bootstrap(), "--data-dir", (dir / settings.stem()).string(),
		                                         "--kafka-config", settings.string()});
		options.err = testing::Output::capture();
		return testing::run(std::move(options), 60s);
	};
	auto wrong = dir / "wrong.properties";
	write_settings(wrong, "not-" + password, true);
	auto refused = other_server(wrong);
	EXPECT_EQ(refused.status, 1) << refused.err;
	EXPECT_NE(refused.err.find("error: Kafka at " + cluster->bootstrap() + " refused authentication"),
	          std::string::npos)
	    << refused.err;
	EXPECT_NE(refused.err.find("invalid credentials with SASL mechanism SCRAM-SHA-256"), std::string::npos)
	    << refused.err;
	EXPECT_NE(refused.err.find("sasl.password"), std::string::npos) << refused.err;
	EXPECT_EQ(refused.out.find("http://"), std::string::npos) << "the server served: " << refused.out;

	// A client that does not trust the broker's certificate (no
	// ssl.ca.location: the system's CAs) is refused, saying why.
	auto untrusted = dir / "untrusted.properties";
	write_settings(untrusted, password, false);
	auto untrusted_send =
	    start_kafkaml(dir, "send-untrusted",
	                  {"send", "--bootstrap-servers", cluster->bootstrap(), "--topic", "hcopd", "--deployment-id",
	                   std::to_string(deployment), "--format", "raw", "--label-column", "Diagnosis", "--kafka-config",
	                   untrusted.string(), (dir / "hcopd.csv").string()});
	EXPECT_EQ(untrusted_send->wait(120s), 1);
	auto said = testing::read_file(dir / "send-untrusted.log");
	EXPECT_NE(said.find("certificate verify failed"), std::string::npos) << said;
	auto untrusted_server = other_server(untrusted);
	EXPECT_EQ(untrusted_server.status, 1) << untrusted_server.err;
	EXPECT_NE(untrusted_server.err.find("the TLS handshake with Kafka at " + cluster->bootstrap() + " failed"),
	          std::string::npos)
	    << untrusted_server.err;
	EXPECT_NE(untrusted_server.err.find("ssl.ca.location"), std::string::npos) << untrusted_server.err;
}

INSTANTIATE_TEST_SUITE_P(SaslSsl, SecureKafkaTest, ::testing::Values("embedded"));

// Two `kafkaml server`s on one PostgreSQL, each with its own data
// directory and port, both naming both in --server-urls: A holds the
// orchestrator's lease, B serves the API and stands by. An inference asked
// of B runs on A's executor; A killed with SIGKILL, B takes the lease
// within its time to live and adopts A's replicas (the same processes),
// which go on predicting and reporting (to B); B scales and stops them.
class TwoServersTest : public PipelineTest {
protected:
	void SetUp() override {
		store_url = postgres.create_database("kafkaml");
		server_urls = "http://127.0.0.1:" + std::to_string(testing::free_port()) +
		              ",http://127.0.0.1:" + std::to_string(testing::free_port());
		auto comma = server_urls.find(',');
		std::string a_listen = server_urls.substr(7, comma - 7);
		std::string b_listen = server_urls.substr(comma + 8);
		start_cluster();
		server = start_kafkaml(dir, "server", server_args(a_listen));
		url = server->required_first_line();
		ASSERT_EQ(url, server_urls.substr(0, comma));
		ASSERT_TRUE(health(url).at("orchestrator").value("leader", false)) << "a server alone takes the lease at start";
		token = testing::read_file(dir / "server" / "admin-token").substr(0, 64);
		api.emplace(url, token);

		// B gets the admin token the way an operator gives it: its file,
		// copied into B's own data directory.
		std::filesystem::create_directory(dir / "b");
		std::filesystem::permissions(dir / "b", std::filesystem::perms::owner_all);
		testing::write_file(dir / "b" / "admin-token", token + "\n");
		std::filesystem::permissions(dir / "b" / "admin-token",
		                             std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
		auto args = server_args(b_listen);
		*(std::find(args.begin(), args.end(), "--data-dir") + 1) = (dir / "b").string();
		b = start_kafkaml(dir, "b", args);
		b_url = b->required_first_line();
		via_b.emplace(b_url, token);
	}
	void TearDown() override {
		if (HasFailure() && b) {
			std::cerr << "---- server b log\n" << b->err() << "\n";
			if (std::filesystem::exists(dir / "b" / "jobs")) {
				for (const auto &entry : std::filesystem::directory_iterator(dir / "b" / "jobs")) {
					std::cerr << "---- b: " << entry.path().filename() << "\n"
					          << testing::read_file(entry.path()) << "\n";
				}
			}
		}
		if (b) {
			b->terminate(kStopGrace);
		}
		PipelineTest::TearDown();
	}
	std::vector<std::string> extra_server_args() override {
		return {"--store", store_url, "--server-urls", server_urls};
	}
	void start_cluster() override { cluster.emplace("embedded", dir); }

	static json health(const std::string &server) {
		httplib::Client http(server);
		auto r = http.Get("/api/v1/health");
		EXPECT_TRUE(r && r->status == 200) << server << ": " << (r ? r->body : httplib::to_string(r.error()));
		return r && r->status == 200 ? json::parse(r->body) : json::object({{"orchestrator", json::object()}});
	}
	//! kafkaml_orchestrator_leader at `server`'s /metrics (the scrape token
	//! is the same on both: it derives from the admin token).
	double leader_gauge(const std::string &server) {
		httplib::Client http(server);
		auto scrape = testing::read_file(dir / "server" / "metrics-token").substr(0, 64);
		auto r = http.Get("/metrics", {{"Authorization", "Bearer " + scrape}});
		EXPECT_TRUE(r && r->status == 200) << server;
		std::string key = "\nkafkaml_orchestrator_leader ";
		auto at = r ? r->body.find(key) : std::string::npos;
		return at == std::string::npos ? -1 : std::stod(r->body.substr(at + key.size()));
	}
	static bool ended(pid_t pid) {
		std::error_code error;
		auto stat = std::filesystem::path("/proc") / std::to_string(pid) / "stat";
		if (!std::filesystem::exists(stat, error)) {
			return true;
		}
		auto text = testing::read_file(stat);
		auto close = text.rfind(')');
		return close != std::string::npos && text.substr(close + 2, 1) == "Z"; // ended, not reaped by its new parent
	}
	static bool eventually(const std::function<bool()> &condition, std::chrono::seconds timeout) {
		auto deadline = std::chrono::steady_clock::now() + timeout;
		while (std::chrono::steady_clock::now() < deadline) {
			if (condition()) {
				return true;
			}
			std::this_thread::sleep_for(100ms);
		}
		return condition();
	}

	testing::PostgresServer postgres;
	std::string store_url;
	std::string server_urls;
	std::string token;
	std::unique_ptr<ChildProcess> b;
	std::string b_url;
	std::optional<Api> via_b;
};

TEST_P(TwoServersTest, TheStandbyTakesOverAfterKill9AndAdoptsTheRunningReplicas) {
	auto b_health = health(b_url).at("orchestrator");
	EXPECT_FALSE(b_health.value("leader", true));
	EXPECT_EQ(b_health.value("leader_url", ""), url);
	EXPECT_EQ(leader_gauge(url), 1.0);
	EXPECT_EQ(leader_gauge(b_url), 0.0);

	int64_t deployment = 0;
	json result;
	ASSERT_NO_FATAL_FAILURE(train_small({}, deployment, result));

	// Asked of B while A leads: A's executor starts the replicas.
	ASSERT_TRUE(stream::create_topic(stream::KafkaConfig{cluster->bootstrap(), {}}, "hcopd-in", 2));
	auto inference = via_b->post("/inferences", {{"model_result", result.at("id")},
	                                             {"replicas", 2},
	                                             {"input_topic", "hcopd-in"},
	                                             {"output_topic", "hcopd-out"}});
	auto inference_id = std::to_string(inference.at("id").get<int64_t>());
	std::vector<std::string> replica_args{"infer", "--inference-id " + inference_id};
	std::vector<pid_t> replicas;
	ASSERT_TRUE(eventually(
	    [&] {
		    replicas = find_processes(server->pid(), replica_args);
		    return replicas.size() == 2;
	    },
	    30s))
	    << "A did not start the replicas asked of B";
	EXPECT_TRUE(find_processes(b->pid(), replica_args).empty());

	stream::KafkaConfig kafka{cluster->bootstrap(), {}};
	stream::KafkaSink producer(kafka);
	std::set<int> seen;
	stream::KafkaGroupSource reader(kafka, "two-servers-reader", {"hcopd-out"});
	produce_hcopd_inputs(producer, 0, 100);
	read_predictions(reader, seen, 100, 120s);
	ASSERT_EQ(seen.size(), 100u);

	// A training asked of B before the kill: A's executor starts its job,
	// which waits for its stream; the stream is sent only once A is dead.
	auto standby_model = via_b->post("/models", {{"name", "hcopd-b"}, {"code", kHcopdModel}});
	auto standby_configuration =
	    via_b->post("/configurations", {{"name", "asked of b"}, {"ml_models", {standby_model.at("id")}}});
	auto training = via_b->post("/deployments", {{"configuration", standby_configuration.at("id")},
	                                             {"batch", 10},
	                                             {"kwargs_fit", "epochs=5, steps_per_epoch=22"},
	                                             {"kwargs_val", ""}});
	auto training_id = training.at("id").get<int64_t>();
	std::string training_result;
	ASSERT_TRUE(eventually(
	    [&] {
		    auto results = via_b->get("/results?deployment=" + std::to_string(training_id));
		    if (results.size() != 1) {
			    return false;
		    }
		    training_result = std::to_string(results[0].at("id").get<int64_t>());
		    return find_processes(server->pid(), {"train", "--result-id " + training_result}).size() == 1;
	    },
	    30s))
	    << "A did not start the training asked of B";
	auto training_pid = find_processes(server->pid(), {"train", "--result-id " + training_result}).at(0);

	// A dies without a word; B takes the lease once it has expired (10 s
	// after A's last renewal, asked every 2 s).
	server->signal(SIGKILL);
	ASSERT_TRUE(server->wait(10s));
	auto killed_at = std::chrono::steady_clock::now();
	ASSERT_TRUE(eventually([&] { return health(b_url).at("orchestrator").value("leader", false); }, 20s))
	    << "B did not take over";
	auto took = std::chrono::duration<double>(std::chrono::steady_clock::now() - killed_at).count();
	std::cerr << "B orchestrates " << took << " s after A was killed\n";
	EXPECT_LE(took, 13.0) << "the lease's time to live (10 s) and one renewal period (2 s), and a little";
	EXPECT_EQ(health(b_url).at("orchestrator").value("leader_url", ""), b_url);
	EXPECT_EQ(leader_gauge(b_url), 1.0);

	// Adopted, not replaced: the same processes, still running.
	ASSERT_TRUE(
	    eventually([&] { return b->err().find("adopted infer-" + inference_id + "-1") != std::string::npos; }, 10s))
	    << "B adopted no replica";
	EXPECT_NE(b->err().find("adopted infer-" + inference_id + "-0"), std::string::npos);
	EXPECT_NE(b->err().find("adopted train-" + training_result + " (pid " + std::to_string(training_pid) + ")"),
	          std::string::npos)
	    << "B did not adopt the training job";
	for (auto pid : replicas) {
		EXPECT_FALSE(ended(pid)) << "replica pid " << pid << " ended";
	}
	EXPECT_EQ(via_b->get("/inferences/" + inference_id).value("restarts", -1), 0);

	// The pipeline goes on: inputs produced after the kill are predicted.
	produce_hcopd_inputs(producer, 100, 200);
	read_predictions(reader, seen, 200, 120s);
	EXPECT_EQ(seen.size(), 200u);
	EXPECT_EQ(*seen.rbegin(), 199);
	for (auto pid : replicas) {
		EXPECT_FALSE(ended(pid)) << "replica pid " << pid << " ended";
	}

	// The training job outlived A too: its stream, sent now, trains it, and
	// its result reaches B.
	api.emplace(b_url, token);
	json trained;
	ASSERT_NO_FATAL_FAILURE(train_on_hcopd_csv(training_id, trained));
	EXPECT_EQ(std::to_string(trained.at("id").get<int64_t>()), training_result);
	EXPECT_EQ(via_b->get("/results/" + training_result).value("status", ""), "finished");

	// Scaled and stopped through B, which now runs them.
	via_b->post("/inferences/" + inference_id + "/scale", {{"replicas", 3}}, 200);
	std::vector<pid_t> third;
	EXPECT_TRUE(eventually(
	    [&] {
		    third = find_processes(b->pid(), replica_args);
		    return third.size() == 1;
	    },
	    30s));
	via_b->post("/inferences/" + inference_id + "/stop", json::object(), 200);
	replicas.insert(replicas.end(), third.begin(), third.end());
	for (auto pid : replicas) {
		EXPECT_TRUE(eventually([&] { return ended(pid); }, 30s)) << "replica pid " << pid << " still runs";
	}
}

INSTANTIATE_TEST_SUITE_P(Embedded, TwoServersTest, ::testing::Values("embedded"));

INSTANTIATE_TEST_SUITE_P(Clusters, PipelineTest, ::testing::Values("embedded", "mock"),
                         [](const ::testing::TestParamInfo<std::string> &cluster_kind) { return cluster_kind.param; });
#else
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(PipelineTest);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(KafkaSettingsTest);

// Built into docker_pipeline_test only: the server runs its jobs as
// containers (--executor docker) of the image scripts/image built, on the
// private dockerd of the ctest fixture `dockerd` (tests/docker). A training
// job and an inference of two replicas, one replica's container killed on
// the way; the admin token and a Kafka secret are in no container's
// command line or environment.
class DockerPipelineTest : public KafkaSettingsTest {
protected:
	void SetUp() override {
		if (!std::filesystem::exists(docker_dir / "docker.sock") || !std::filesystem::exists(docker_dir / "image")) {
			GTEST_SKIP() << "no dockerd of the fixture in " << docker_dir << " (ctest -L docker starts it)";
		}
		PipelineTest::SetUp();
	}
	std::vector<std::string> extra_server_args() override {
		auto args = KafkaSettingsTest::extra_server_args();
		auto image = testing::read_file(docker_dir / "image");
		image.erase(image.find_last_not_of("\n") + 1);
		args.insert(args.end(), {"--executor", "docker", "--docker-host",
		                         "unix://" + (docker_dir / "docker.sock").string(), "--image", image});
		return args;
	}
	//! The daemon's client over its Unix socket; the socket's path is no
	//! host name for the daemon's HTTP server, so the Host header says one.
	std::unique_ptr<httplib::Client> daemon() {
		auto client = std::make_unique<httplib::Client>((docker_dir / "docker.sock").string());
		client->set_address_family(AF_UNIX);
		client->set_default_headers({{"Host", "docker"}});
		return client;
	}
	json docker(const std::string &path) {
		auto response = daemon()->Get(path);
		if (!response) {
			ADD_FAILURE() << "the Docker daemon did not answer " << path;
			return json();
		}
		return json::parse(response->body);
	}
	//! Running containers of one inference's replicas (label kafkaml.owner).
	json replica_containers(const std::string &inference) {
		json filters = {{"label", {"kafkaml.kind=inference", "kafkaml.owner=" + inference}}};
		return docker("/containers/json?filters=" + httplib::detail::encode_query_param(filters.dump()));
	}

	std::filesystem::path docker_dir = KAFKAML_DOCKER_TEST_DIR;
};

TEST_P(DockerPipelineTest, TrainsAndServesWithTwoReplicasInContainers) {
	auto model = api->post("/models", {{"name", "hcopd"}, {"description", ""}, {"code", kHcopdModel}});
	auto configuration =
	    api->post("/configurations", {{"name", "one"}, {"description", ""}, {"ml_models", {model["id"]}}});
	auto deployment = deploy(configuration.at("id").get<int64_t>(), "epochs=20, steps_per_epoch=22, shuffle=True");
	write_hcopd_like_csv(dir / "hcopd.csv", 239);
	auto send = start_kafkaml(dir, "send",
	                          {"send", "--bootstrap-servers", cluster->bootstrap(), "--topic", "hcopd",
	                           "--deployment-id", std::to_string(deployment), "--format", "raw", "--label-column",
	                           "Diagnosis", "--validation-rate", "0.1", "--kafka-config",
	                           (dir / "client.properties").string(), (dir / "hcopd.csv").string()});
	ASSERT_EQ(send->wait(120s), 0) << send->err();
	auto results = wait_for_results(deployment);
	ASSERT_EQ(results.size(), 1u);
	ASSERT_EQ(results[0].value("status", ""), "finished") << results.dump(2);
	auto result_id = std::to_string(results[0].at("id").get<int64_t>());
	// The container's output becomes the job's log once it has ended, which
	// the server notices after the result's end was reported.
	auto log_path = dir / "server" / "jobs" / ("train-" + result_id + ".log");
	std::string training_log;
	for (int attempt = 0; attempt < 100 && training_log.find(": finished") == std::string::npos; ++attempt) {
		std::this_thread::sleep_for(100ms);
		training_log = std::filesystem::exists(log_path) ? testing::read_file(log_path) : "";
	}
	EXPECT_NE(training_log.find("result " + result_id + ": finished"), std::string::npos) << training_log;

	ASSERT_TRUE(stream::create_topic(stream::KafkaConfig{cluster->bootstrap(), {}}, "hcopd-in", 2));
	auto inference = api->post("/inferences", {{"model_result", results[0].at("id")},
	                                           {"replicas", 2},
	                                           {"input_topic", "hcopd-in"},
	                                           {"output_topic", "hcopd-out"}});
	auto inference_id = std::to_string(inference.at("id").get<int64_t>());
	auto containers = replica_containers(inference_id);
	ASSERT_EQ(containers.size(), 2u) << containers.dump(2);
	auto token = testing::read_file(dir / "server" / "admin-token").substr(0, 64);
	for (const auto &container : containers) {
		auto inspected = docker("/containers/" + container.value("Id", "") + "/json").dump();
		EXPECT_EQ(inspected.find(token), std::string::npos) << "the admin token shows in docker inspect";
		EXPECT_EQ(inspected.find(secret), std::string::npos) << "the Kafka secret shows in docker inspect";
	}

	stream::KafkaConfig kafka{cluster->bootstrap(), {}};
	stream::KafkaSink producer(kafka);
	auto produce = [&](int from, int to) { produce_hcopd_inputs(producer, from, to); };
	std::set<int> seen;
	stream::KafkaGroupSource reader(kafka, "docker-pipeline-test-reader", {"hcopd-out"});
	auto read_until = [&](size_t count, std::chrono::seconds timeout) {
		read_predictions(reader, seen, count, timeout);
	};
	produce(0, 200);
	read_until(200, 120s);
	ASSERT_EQ(seen.size(), 200u) << "predictions missing";

	// A replica's container killed: a new container takes its place.
	auto killed = containers[0].value("Id", "");
	ASSERT_TRUE(daemon()->Post("/containers/" + killed + "/kill?signal=KILL"));
	bool replaced = false;
	for (int attempt = 0; attempt < 200 && !replaced; ++attempt) {
		std::this_thread::sleep_for(100ms);
		auto now = replica_containers(inference_id);
		replaced = now.size() == 2u && now[0].value("Id", "") != killed && now[1].value("Id", "") != killed;
	}
	EXPECT_TRUE(replaced) << replica_containers(inference_id).dump(2);
	produce(200, 400);
	read_until(400, 240s);
	EXPECT_EQ(seen.size(), 400u);
	EXPECT_GE(api->get("/inferences/" + inference_id).value("restarts", 0), 1);

	// Stopped: its containers go.
	api->post("/inferences/" + inference_id + "/stop", json::object(), 200);
	EXPECT_TRUE(replica_containers(inference_id).empty());
}

INSTANTIATE_TEST_SUITE_P(Docker, DockerPipelineTest, ::testing::Values("embedded"));
#endif

} // namespace
} // namespace kafkaml
