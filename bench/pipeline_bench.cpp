// The paper's Tables I and II end to end on this machine, side by side in
// the same run with a peer implementing the original Kafka-ML's loops
// (bench/pipeline_peer.py: python3-avro, PyTorch; training on kafka-python,
// inference on confluent-kafka as the original's PyTorch inference). Both
// sides use the same broker, a `kafkaml broker` child, so the broker's cost
// is in both figures alike.
//
//   training  HCOPD-like data (examples/hcopd/make_data.py, 239 rows), Avro,
//             batch 10, epochs=1000, steps_per_epoch=22, validation 0.1, the
//             paper's model. Seconds from the start of `kafkaml send` to the
//             result "finished" (REST API polled every 10 ms) / to the peer's
//             `finished=` line. Both trainers are started and waiting first.
//   latency   one replica of the trained model; Avro inputs produced at a
//             steady rate with their send time in a header; the time until
//             the prediction carrying that header is consumed here. Also
//             measured: a relay with the replica's Kafka I/O and no model,
//             the floor that both sides' latency stands on.
//   throughput one replica; inputs pre-loaded into the input topic before the
//             replica starts; predictions/s from the first to the last
//             prediction consumed here.
//
// With --executors local,docker it measures ours under each executor instead
// of against the peer (the cost of containers, as a ratio docker/local): the
// same training and latency, each executor with its own broker and server,
// taking turns; and how long a job takes to start and report in (a training
// job: the deployment's request until the job asks for its data, its log's
// "waiting for the control message"; a replica: the inference's request
// until it reports consuming). The Docker daemon is a private one started
// by tests/docker/dockerd, which builds the image from this build tree.
//
// Usage: pipeline_bench [--runs N] [--kafkaml PATH] [--rate MSGS_PER_S]
//                       [--seconds S] [--records N] [--peer-records N]
//                       [--epochs N] [--peer-client confluent-kafka|kafka-python]
//                       [--executors local,docker]
//
// bench-libs: kafkaml_api_client kafkaml_stream kafkaml_test_support PkgConfig::RDKAFKA nlohmann_json::nlohmann_json

#include "bench_support.h"
#include "client/api_client.h"
#include "stream/admin.h"
#include "stream/kafka_group_source.h"
#include "stream/kafka_sink.h"
#include "support/build_tree.h"
#include "support/child_process.h"
#include "support/files.h"
#include "support/temp_dir.h"

#include <librdkafka/rdkafka.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

namespace kafkaml {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using bench::logged;
using bench::median;
using bench::PeerProcess;
using bench::percentile;
using bench::unix_seconds;
using testing::ChildProcess;
using testing::Output;

struct Options {
	int runs = 3;
	std::string kafkaml = KAFKAML_BINARY_DIR "/kafkaml";
	std::string source_dir = KAFKAML_SOURCE_DIR;
	int rate = 1000;
	double seconds = 5;
	int records = 200000;
	int peer_records = 10000;
	int epochs = 1000;
	std::string peer_client = "confluent-kafka";
	//! Non-empty: compare these executors, no peer.
	std::vector<std::string> executors;
};

rd_kafka_conf_t *kafka_conf(const std::string &bootstrap,
                            std::initializer_list<std::pair<const char *, const char *>> extra) {
	char error[512];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), error, sizeof(error));
	for (auto [key, value] : extra) {
		if (rd_kafka_conf_set(conf, key, value, error, sizeof(error)) != RD_KAFKA_CONF_OK) {
			throw std::runtime_error(error);
		}
	}
	return conf;
}

//! A producer that stamps each record with its send time (`sent`: steady
//! clock nanoseconds, 8 bytes) and a consumer of the prediction topic that
//! turns them back into latencies. Thread: produce() on one thread,
//! consume() on another.
class Stopwatch {
public:
	Stopwatch(const std::string &bootstrap, const std::string &input, const std::string &output) : input_(input) {
		char error[512];
		producer_ = rd_kafka_new(RD_KAFKA_PRODUCER, kafka_conf(bootstrap, {{"linger.ms", "0"}}), error, sizeof(error));
		static std::atomic<int> groups{0};
		auto group = "pipeline-bench-reader-" + std::to_string(::getpid()) + "-" + std::to_string(groups++);
		consumer_ = rd_kafka_new(RD_KAFKA_CONSUMER,
		                         kafka_conf(bootstrap, {{"group.id", group.c_str()},
		                                                {"auto.offset.reset", "earliest"},
		                                                {"enable.auto.commit", "false"},
		                                                {"fetch.wait.max.ms", "5"}}),
		                         error, sizeof(error));
		if (!producer_ || !consumer_) {
			throw std::runtime_error(error);
		}
		rd_kafka_poll_set_consumer(consumer_);
		auto *list = rd_kafka_topic_partition_list_new(1);
		rd_kafka_topic_partition_list_add(list, output.c_str(), 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
		rd_kafka_assign(consumer_, list);
		rd_kafka_topic_partition_list_destroy(list);
	}
	~Stopwatch() {
		rd_kafka_flush(producer_, 10000);
		rd_kafka_destroy(producer_);
		rd_kafka_consumer_close(consumer_);
		rd_kafka_destroy(consumer_);
	}
	//! One HCOPD-like Avro input (three floats); `timed` ones carry `sent`.
	void produce(int i, bool timed) {
		float row[3] = {static_cast<float>(i % 2), 0.01f * static_cast<float>(i % 200) - 1.0f, (i % 3) - 1.0f};
		int64_t sent = timed ? Clock::now().time_since_epoch().count() : -1;
		rd_kafka_resp_err_t err;
		while ((err = rd_kafka_producev(producer_, RD_KAFKA_V_TOPIC(input_.c_str()), RD_KAFKA_V_VALUE(row, sizeof(row)),
		                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
		                                RD_KAFKA_V_HEADER("sent", &sent, sizeof(sent)), RD_KAFKA_V_END)) ==
		       RD_KAFKA_RESP_ERR__QUEUE_FULL) {
			rd_kafka_poll(producer_, 10);
		}
		if (err) {
			throw std::runtime_error(std::string("produce: ") + rd_kafka_err2str(err));
		}
		rd_kafka_poll(producer_, 0);
	}
	void flush() { rd_kafka_flush(producer_, 60000); }
	//! Consumes predictions for up to `timeout` or until `until` returns
	//! true; calls `seen(sent)` for each (sent < 0: untimed).
	void consume(std::chrono::milliseconds timeout, const std::function<void(int64_t)> &seen,
	             const std::function<bool()> &until) {
		auto deadline = Clock::now() + timeout;
		while (Clock::now() < deadline && !until()) {
			rd_kafka_message_t *message = rd_kafka_consumer_poll(consumer_, 50);
			if (!message) {
				continue;
			}
			if (!message->err) {
				rd_kafka_headers_t *headers = nullptr;
				const void *value = nullptr;
				size_t size = 0;
				int64_t sent = -1;
				if (rd_kafka_message_headers(message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR &&
				    rd_kafka_header_get_last(headers, "sent", &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR &&
				    size == sizeof(sent)) {
					std::memcpy(&sent, value, sizeof(sent));
				}
				seen(sent);
			}
			rd_kafka_message_destroy(message);
		}
	}

private:
	std::string input_;
	rd_kafka_t *producer_ = nullptr;
	rd_kafka_t *consumer_ = nullptr;
};

struct LatencyFigures {
	double p50_ms = 0, p99_ms = 0;
	int64_t received = 0, sent = 0;
};

//! Waits until the replica answers (untimed probes), then produces at
//! `rate` for `seconds` and collects latencies. Thread: main plus one
//! producer thread.
LatencyFigures measure_latency(const std::string &bootstrap, const std::string &input, const std::string &output,
                               const Options &options) {
	Stopwatch watch(bootstrap, input, output);
	int64_t answered = 0;
	for (int probe = 0; answered == 0; probe++) {
		if (probe > 1200) {
			throw std::runtime_error("no prediction on " + output + " within 120 s of probing " + input);
		}
		watch.produce(probe, false);
		watch.consume(
		    100ms, [&](int64_t) { answered++; }, [&] { return answered > 0; });
	}
	watch.consume(
	    500ms, [](int64_t) {}, [] { return false; }); // the other probes' answers
	auto total = static_cast<int64_t>(options.rate * options.seconds);
	std::thread producer([&] {
		auto start = Clock::now();
		auto interval = std::chrono::nanoseconds(1'000'000'000 / options.rate);
		for (int64_t i = 0; i < total; i++) {
			std::this_thread::sleep_until(start + i * interval);
			watch.produce(static_cast<int>(i), true);
		}
		watch.flush();
	});
	std::vector<double> latencies;
	latencies.reserve(static_cast<size_t>(total));
	auto limit = std::chrono::milliseconds(static_cast<int64_t>(options.seconds * 1000) + 15000);
	watch.consume(
	    limit,
	    [&](int64_t sent) {
		    if (sent >= 0) {
			    latencies.push_back(static_cast<double>(Clock::now().time_since_epoch().count() - sent) / 1e6);
		    }
	    },
	    [&] { return static_cast<int64_t>(latencies.size()) >= total; });
	producer.join();
	return {percentile(latencies, 0.5), percentile(latencies, 0.99), static_cast<int64_t>(latencies.size()), total};
}

//! A replica with nothing but its Kafka I/O: the `KafkaGroupSource` and
//! `KafkaSink` that `kafkaml infer` uses, configured as it configures them,
//! passing each input's value and headers on unchanged. Its latency is the
//! floor every replica pays, ours or the peer: two trips through the broker
//! and four librdkafka hand-overs. Thread: its own, from construction to
//! destruction.
class Relay {
public:
	Relay(const std::string &bootstrap, const std::string &input, const std::string &output)
	    : thread_([this, bootstrap, input, output] { run(bootstrap, input, output); }) {}
	~Relay() {
		stop_ = true;
		thread_.join();
	}

private:
	void run(const std::string &bootstrap, const std::string &input, const std::string &output) {
		stream::KafkaConfig producer{bootstrap, {{"linger.ms", "0"}}};
		stream::KafkaSink sink(producer, {output});
		stream::KafkaGroupSource source({bootstrap, {}}, "relay-" + input, {input}, nullptr);
		std::vector<stream::Record> records;
		while (!stop_) {
			records.clear();
			source.poll_batch(records, 1024, 100ms);
			for (const auto &record : records) {
				stream::OutRecord out;
				out.topic = output;
				out.value = record.value;
				out.headers = record.headers;
				sink.produce(out);
			}
			sink.poll(0ms);
		}
		sink.flush(10s);
	}

	std::atomic<bool> stop_{false};
	std::thread thread_;
};

//! Pre-loads `records` inputs; `start_replica` then starts one; returns
//! predictions/s from the first to the last prediction.
double measure_throughput(const std::string &bootstrap, const std::string &input, const std::string &output,
                          int records, const std::function<void()> &start_replica) {
	Stopwatch watch(bootstrap, input, output);
	for (int i = 0; i < records; i++) {
		watch.produce(i, false);
	}
	watch.flush();
	start_replica();
	int64_t received = 0;
	Clock::time_point first, last;
	watch.consume(
	    300s,
	    [&](int64_t) {
		    last = Clock::now();
		    if (received++ == 0) {
			    first = last;
		    }
	    },
	    [&] { return received >= records; });
	if (received < records) {
		throw std::runtime_error("only " + std::to_string(received) + " of " + std::to_string(records) +
		                         " predictions arrived on " + output);
	}
	return static_cast<double>(received - 1) / std::chrono::duration<double>(last - first).count();
}

std::string read_if_exists(const std::filesystem::path &path) {
	return std::filesystem::exists(path) ? testing::read_file(path) : std::string();
}

//! The whole setup: broker, server, the model and configuration, the data.
//! Thread: main only.
class Bench {
public:
	explicit Bench(Options options, const std::vector<std::string> &server_args = {})
	    : options_(std::move(options)), services_(options_.kafkaml, dir_, server_args),
	      bootstrap_(services_.bootstrap()), api_(services_.api()) {
		auto code = testing::read_file(options_.source_dir + "/examples/hcopd/model.py");
		auto model = api_.post("/models", {{"name", "hcopd"}, {"description", "paper model"}, {"code", code}});
		auto configuration =
		    api_.post("/configurations", {{"name", "hcopd"}, {"description", ""}, {"ml_models", {model.at("id")}}});
		configuration_ = configuration.at("id").get<int64_t>();
		auto make_data = testing::run(
		    {.argv = {"/usr/bin/python3", options_.source_dir + "/examples/hcopd/make_data.py", "--rows", "239"},
		     .out = Output::file(dir_ / "hcopd.csv"),
		     .err = Output::file(dir_ / "make_data.log")});
		if (make_data.status != 0) {
			throw std::runtime_error("make_data.py failed: " + testing::read_file(dir_ / "make_data.log"));
		}
		stream::create_topic(kafka(), "peer-control", 1);
	}
	//! Seconds from `kafkaml send` to the result finished; returns the result
	//! id too, and in `started_s` the seconds from the deployment's request to
	//! its job asking for its data stream.
	std::pair<double, int64_t> train_ours(int run, double *started_s = nullptr) {
		auto requested = Clock::now();
		auto deployment = api_.post("/deployments", {{"configuration", configuration_},
		                                             {"batch", 10},
		                                             {"kwargs_fit", "epochs=" + std::to_string(options_.epochs) +
		                                                                ", steps_per_epoch=22, shuffle=True"},
		                                             {"kwargs_val", ""}});
		auto id = deployment.at("id").get<int64_t>();
		auto results_path = "/results?deployment=" + std::to_string(id);
		// The job is a process (or container) of its own: let it start and
		// wait for its control message, as the peer does before its clock
		// starts. It says so in its log (a container's is followed as it runs).
		auto log = services_.server_dir() / "jobs" /
		           ("train-" + std::to_string(api_.get(results_path).at(0).at("id").get<int64_t>()) + ".log");
		while (read_if_exists(log).find("waiting for the control message") == std::string::npos) {
			if (Clock::now() - requested > 120s) {
				throw std::runtime_error("the training job did not start in 120 s; its log:\n" + read_if_exists(log));
			}
			std::this_thread::sleep_for(5ms);
		}
		if (started_s) {
			*started_s = std::chrono::duration<double>(Clock::now() - requested).count();
		}
		std::this_thread::sleep_for(1500ms);
		auto start = Clock::now();
		auto send = send_stream("hcopd-" + std::to_string(run), id, "control");
		json result;
		while ((result = api_.get(results_path).at(0)).value("status", "") != "finished") {
			auto status = result.value("status", "");
			if (status == "failed" || status == "stopped") {
				throw std::runtime_error("our training " + status + ": " + result.dump());
			}
			if (Clock::now() - start > 300s) {
				throw std::runtime_error("our training did not finish in 300 s: " + result.dump());
			}
			std::this_thread::sleep_for(10ms);
		}
		auto seconds = std::chrono::duration<double>(Clock::now() - start).count();
		if (send->wait(120s) != 0) {
			throw std::runtime_error("kafkaml send failed: " + send->err());
		}
		return {seconds, result.at("id").get<int64_t>()};
	}

	//! Seconds from `kafkaml send` to the peer's `finished=` line.
	double train_peer(int run, const std::filesystem::path &model_out) {
		auto deployment = 1000 + run;
		PeerProcess peer(dir_, "peer-train-" + std::to_string(run),
		                 {peer_script(), "train", "--bootstrap", bootstrap_, "--control-topic", "peer-control",
		                  "--deployment", std::to_string(deployment), "--model-out", model_out.string(), "--epochs",
		                  std::to_string(options_.epochs)});
		peer.line("ready", 120s);
		auto start = unix_seconds();
		auto send = send_stream("peer-hcopd-" + std::to_string(run), deployment, "peer-control");
		auto finished = peer.line("finished=", 300s);
		if (send->wait(120s) != 0) {
			throw std::runtime_error("kafkaml send failed: " + send->err());
		}
		return std::stod(finished.substr(std::strlen("finished="))) - start;
	}

	//! Starts one replica; in `running_s`, when given, the seconds from the
	//! request until the replica reports consuming (the inference running).
	int64_t start_inference(int64_t result, const std::string &input, const std::string &output,
	                        double *running_s = nullptr) {
		auto requested = Clock::now();
		auto inference =
		    api_.post("/inferences",
		              {{"model_result", result}, {"replicas", 1}, {"input_topic", input}, {"output_topic", output}});
		auto id = inference.at("id").get<int64_t>();
		while (running_s && api_.get("/inferences/" + std::to_string(id)).value("status", "") != "running") {
			if (Clock::now() - requested > 120s) {
				throw std::runtime_error("inference " + std::to_string(id) + " did not run in 120 s");
			}
			std::this_thread::sleep_for(5ms);
		}
		if (running_s) {
			*running_s = std::chrono::duration<double>(Clock::now() - requested).count();
		}
		return id;
	}
	void stop_inference(int64_t id) { api_.post("/inferences/" + std::to_string(id) + "/stop", json::object()); }

	std::unique_ptr<PeerProcess> start_peer_inference(const std::string &name, const std::filesystem::path &model,
	                                                  const std::string &input, const std::string &output) {
		auto peer = std::make_unique<PeerProcess>(
		    dir_, name,
		    std::vector<std::string>{peer_script(), "infer", "--bootstrap", bootstrap_, "--input-topic", input,
		                             "--output-topic", output, "--group", name, "--model", model.string(),
		                             "--data-scheme", options_.source_dir + "/examples/hcopd/data_scheme.avsc",
		                             "--client", options_.peer_client});
		peer->line("ready", 120s);
		return peer;
	}

	void create_topics(std::initializer_list<std::string> topics) {
		for (const auto &topic : topics) {
			stream::create_topic(kafka(), topic, 1);
		}
	}
	const std::string &bootstrap() const { return bootstrap_; }
	const std::filesystem::path &dir() const { return dir_; }

private:
	stream::KafkaConfig kafka() const { return {bootstrap_, {}}; }
	std::string peer_script() const { return options_.source_dir + "/bench/pipeline_peer.py"; }
	std::unique_ptr<ChildProcess> send_stream(const std::string &topic, int64_t deployment,
	                                          const std::string &control_topic) {
		auto hcopd = options_.source_dir + "/examples/hcopd/";
		return std::make_unique<ChildProcess>(logged(testing::kafkaml_command({"send",
		                                                                       "--bootstrap-servers",
		                                                                       bootstrap_,
		                                                                       "--topic",
		                                                                       topic,
		                                                                       "--deployment-id",
		                                                                       std::to_string(deployment),
		                                                                       "--control-topic",
		                                                                       control_topic,
		                                                                       "--format",
		                                                                       "avro",
		                                                                       "--data-scheme",
		                                                                       hcopd + "data_scheme.avsc",
		                                                                       "--label-scheme",
		                                                                       hcopd + "label_scheme.avsc",
		                                                                       "--label-column",
		                                                                       "diagnosis",
		                                                                       "--standardize",
		                                                                       "--validation-rate",
		                                                                       "0.1",
		                                                                       (dir_ / "hcopd.csv").string()}),
		                                             dir_, "send-" + topic));
	}

	Options options_;
	testing::TempDir temp_{"pipeline-bench"};
	std::filesystem::path dir_ = temp_.path();
	bench::KafkamlServices services_;
	const std::string &bootstrap_;
	const client::ApiClient &api_;
	int64_t configuration_ = 0;
};

struct Figures {
	std::vector<double> train_s, p50_ms, p99_ms, throughput;
};

void run(Bench &bench, const Options &options, int run, Figures &ours, Figures &peer, Figures &floor) {
	auto r = std::to_string(run);
	auto [ours_train, result] = bench.train_ours(run);
	auto peer_model = bench.dir() / ("peer-model-" + r + ".pt");
	auto peer_train = bench.train_peer(run, peer_model);
	ours.train_s.push_back(ours_train);
	peer.train_s.push_back(peer_train);
	std::printf("run %d training: ours %.3f s, peer %.3f s\n", run, ours_train, peer_train);
	std::fflush(stdout);

	bench.create_topics({"lat-in-" + r, "lat-out-" + r, "relay-in-" + r, "relay-out-" + r, "peer-lat-in-" + r,
	                     "peer-lat-out-" + r, "tp-in-" + r, "tp-out-" + r, "peer-tp-in-" + r, "peer-tp-out-" + r});
	auto inference = bench.start_inference(result, "lat-in-" + r, "lat-out-" + r);
	auto ours_latency = measure_latency(bench.bootstrap(), "lat-in-" + r, "lat-out-" + r, options);
	bench.stop_inference(inference);
	LatencyFigures floor_latency;
	{
		Relay relay(bench.bootstrap(), "relay-in-" + r, "relay-out-" + r);
		floor_latency = measure_latency(bench.bootstrap(), "relay-in-" + r, "relay-out-" + r, options);
	}
	floor.p50_ms.push_back(floor_latency.p50_ms);
	floor.p99_ms.push_back(floor_latency.p99_ms);
	LatencyFigures peer_latency;
	{
		auto replica = bench.start_peer_inference("peer-lat-" + r, peer_model, "peer-lat-in-" + r, "peer-lat-out-" + r);
		peer_latency = measure_latency(bench.bootstrap(), "peer-lat-in-" + r, "peer-lat-out-" + r, options);
	}
	std::printf("run %d latency at %d msgs/s: ours p50 %.3f ms p99 %.3f ms (%lld/%lld), peer p50 %.3f ms p99 %.3f "
	            "ms (%lld/%lld), relay without a model p50 %.3f ms p99 %.3f ms\n",
	            run, options.rate, ours_latency.p50_ms, ours_latency.p99_ms,
	            static_cast<long long>(ours_latency.received), static_cast<long long>(ours_latency.sent),
	            peer_latency.p50_ms, peer_latency.p99_ms, static_cast<long long>(peer_latency.received),
	            static_cast<long long>(peer_latency.sent), floor_latency.p50_ms, floor_latency.p99_ms);
	std::fflush(stdout);
	ours.p50_ms.push_back(ours_latency.p50_ms);
	ours.p99_ms.push_back(ours_latency.p99_ms);
	peer.p50_ms.push_back(peer_latency.p50_ms);
	peer.p99_ms.push_back(peer_latency.p99_ms);

	int64_t throughput_inference = -1;
	auto ours_rate = measure_throughput(bench.bootstrap(), "tp-in-" + r, "tp-out-" + r, options.records, [&] {
		throughput_inference = bench.start_inference(result, "tp-in-" + r, "tp-out-" + r);
	});
	bench.stop_inference(throughput_inference);
	std::unique_ptr<PeerProcess> replica;
	auto peer_rate =
	    measure_throughput(bench.bootstrap(), "peer-tp-in-" + r, "peer-tp-out-" + r, options.peer_records, [&] {
		    replica = bench.start_peer_inference("peer-tp-" + r, peer_model, "peer-tp-in-" + r, "peer-tp-out-" + r);
	    });
	replica.reset();
	std::printf("run %d throughput: ours %.0f predictions/s (%d inputs), peer %.0f predictions/s (%d inputs)\n", run,
	            ours_rate, options.records, peer_rate, options.peer_records);
	std::fflush(stdout);
	ours.throughput.push_back(ours_rate);
	peer.throughput.push_back(peer_rate);
}

struct ExecutorFigures {
	std::vector<double> train_s, p50_ms, p99_ms, train_start_s, replica_start_s;
};

//! Our training and latency under each executor, taking turns (the first to
//! go alternates between runs), and how long each takes to start a job.
int compare_executors(const Options &options) {
	std::printf("pipeline_bench --executors: %d run(s) of", options.runs);
	for (const auto &name : options.executors) {
		std::printf(" %s", name.c_str());
	}
	std::printf("; each with its own `kafkaml broker` and `kafkaml server`\n");
	testing::TempDir docker_dir{"docker-bench"};
	std::unique_ptr<bench::DockerDaemon> daemon;
	std::map<std::string, std::unique_ptr<Bench>> benches;
	for (const auto &name : options.executors) {
		std::vector<std::string> server_args;
		if (name == "docker") {
			auto started = Clock::now();
			daemon =
			    std::make_unique<bench::DockerDaemon>(options.source_dir, KAFKAML_BINARY_DIR, docker_dir / "dockerd");
			std::printf("dockerd started and image %s built in %.1f s\n", daemon->image().c_str(),
			            std::chrono::duration<double>(Clock::now() - started).count());
			server_args = daemon->server_args();
		}
		benches[name] = std::make_unique<Bench>(options, server_args);
	}
	std::map<std::string, ExecutorFigures> figures;
	for (int run = 0; run < options.runs; run++) {
		auto order = options.executors;
		if (run % 2 == 1) {
			std::reverse(order.begin(), order.end());
		}
		auto r = std::to_string(run);
		for (const auto &name : order) {
			auto &bench = *benches[name];
			auto &f = figures[name];
			double started = 0, running = 0;
			auto [train, result] = bench.train_ours(run, &started);
			bench.create_topics({"lat-in-" + r, "lat-out-" + r});
			auto inference = bench.start_inference(result, "lat-in-" + r, "lat-out-" + r, &running);
			auto latency = measure_latency(bench.bootstrap(), "lat-in-" + r, "lat-out-" + r, options);
			bench.stop_inference(inference);
			f.train_s.push_back(train);
			f.train_start_s.push_back(started);
			f.replica_start_s.push_back(running);
			f.p50_ms.push_back(latency.p50_ms);
			f.p99_ms.push_back(latency.p99_ms);
			std::printf("run %d %s: training %.3f s; latency p50 %.3f ms p99 %.3f ms (%lld/%lld); training job "
			            "started in %.3f s, replica consuming in %.3f s\n",
			            run, name.c_str(), train, latency.p50_ms, latency.p99_ms,
			            static_cast<long long>(latency.received), static_cast<long long>(latency.sent), started,
			            running);
			std::fflush(stdout);
		}
	}
	const auto &base = options.executors.front();
	std::printf("\nmedians of %d run(s); ratio = each executor / %s\n%-40s", options.runs, base.c_str(), "metric");
	for (const auto &name : options.executors) {
		std::printf(" %12s", name.c_str());
	}
	for (size_t i = 1; i < options.executors.size(); i++) {
		std::printf(" %8s", (options.executors[i] + "/" + base).c_str());
	}
	std::printf("\n");
	auto row = [&](const std::string &metric, std::vector<double> ExecutorFigures::*values) {
		std::printf("%-40s", metric.c_str());
		for (const auto &name : options.executors) {
			std::printf(" %12.3f", median(figures[name].*values));
		}
		for (size_t i = 1; i < options.executors.size(); i++) {
			std::printf(" %7.2fx", median(figures[options.executors[i]].*values) / median(figures[base].*values));
		}
		std::printf("\n");
	};
	auto rate = std::to_string(options.rate) + " msgs/s";
	row("training, s (Table I)", &ExecutorFigures::train_s);
	row("latency p50, ms @ " + rate, &ExecutorFigures::p50_ms);
	row("latency p99, ms @ " + rate, &ExecutorFigures::p99_ms);
	row("training job start, s (to its request)", &ExecutorFigures::train_start_s);
	row("replica start, s (to consuming)", &ExecutorFigures::replica_start_s);
	return 0;
}

Options parse(int argc, char **argv) {
	Options options;
	for (bench::Arguments args(argc, argv); args.next();) {
		if (args.is("--runs")) {
			options.runs = std::stoi(args.value());
		} else if (args.is("--kafkaml")) {
			options.kafkaml = args.value();
		} else if (args.is("--rate")) {
			options.rate = std::stoi(args.value());
		} else if (args.is("--seconds")) {
			options.seconds = std::stod(args.value());
		} else if (args.is("--records")) {
			options.records = std::stoi(args.value());
		} else if (args.is("--peer-records")) {
			options.peer_records = std::stoi(args.value());
		} else if (args.is("--epochs")) {
			options.epochs = std::stoi(args.value());
		} else if (args.is("--peer-client")) {
			options.peer_client = args.value();
		} else if (args.is("--executors")) {
			std::stringstream list(args.value());
			for (std::string name; std::getline(list, name, ',');) {
				if (name != "local" && name != "docker") {
					throw std::runtime_error("--executors takes local and docker, not '" + name + "'");
				}
				options.executors.push_back(name);
			}
		} else {
			args.unknown("--runs N --kafkaml PATH --rate N --seconds S --records N --peer-records N --epochs N "
			             "--peer-client confluent-kafka|kafka-python --executors local,docker");
		}
	}
	if (options.runs < 1 || options.rate < 1 || options.seconds <= 0 || options.records < 2 ||
	    options.peer_records < 2 || options.epochs < 1) {
		throw std::runtime_error("--runs, --rate, --seconds, --epochs must be positive and --records, "
		                         "--peer-records at least 2");
	}
	return options;
}

void print_row(const char *metric, double ours, double peer, bool lower_is_better, const char *target, bool met) {
	double ratio = lower_is_better ? peer / ours : ours / peer;
	std::printf("%-34s %12.3f %12.3f %8.1fx  %-28s %s\n", metric, ours, peer, ratio, target,
	            met && ratio >= 10 ? "met" : "NOT met");
}

int main_bench(int argc, char **argv) {
	auto options = parse(argc, argv);
	if (!options.executors.empty()) {
		return compare_executors(options);
	}
	std::printf("pipeline_bench: %d run(s); peer: bench/pipeline_peer.py (python3-avro, PyTorch; training on "
	            "kafka-python, inference on %s); both on the same `kafkaml broker`\n",
	            options.runs, options.peer_client.c_str());
	Bench bench(options);
	Figures ours, peer, floor;
	for (int r = 0; r < options.runs; r++) {
		run(bench, options, r, ours, peer, floor);
	}
	std::printf("\nmedians of %d run(s); ratio = how many times better ours is; target also needs >= 10x\n",
	            options.runs);
	std::printf("%-34s %12s %12s %9s  %-28s %s\n", "metric", "ours", "peer", "ratio", "target", "");
	auto train = median(ours.train_s);
	print_row("training, s (Table I)", train, median(peer.train_s), true, "<= 3 s", train <= 3);
	auto rate = std::to_string(options.rate) + " msgs/s";
	auto p50 = median(ours.p50_ms), p99 = median(ours.p99_ms);
	print_row(("latency p50, ms @ " + rate).c_str(), p50, median(peer.p50_ms), true, "<= 2 ms", p50 <= 2);
	print_row(("latency p99, ms @ " + rate).c_str(), p99, median(peer.p99_ms), true, "<= 10 ms", p99 <= 10);
	std::printf("%-34s %12.3f %12s  the same two broker trips with no model: a replica's floor\n",
	            "  relay p50, ms (no model)", median(floor.p50_ms), "");
	std::printf("%-34s %12.3f %12s  (p99)\n", "  relay p99, ms (no model)", median(floor.p99_ms), "");
	// What each replica adds to the floor it shares with the other, per run
	// (the floor measured in the same run), then the median.
	auto above_floor = [&](const Figures &side) {
		std::vector<double> added;
		for (size_t r = 0; r < side.p50_ms.size(); r++) {
			added.push_back(side.p50_ms[r] - floor.p50_ms[r]);
		}
		return median(added);
	};
	double ours_added = above_floor(ours), peer_added = above_floor(peer);
	std::printf("%-34s %12.3f %12.3f %8.1fx  what the replica adds to the floor (not a target)\n",
	            "  p50 above the relay, ms", ours_added, peer_added, ours_added > 0 ? peer_added / ours_added : 0.0);
	auto throughput = median(ours.throughput);
	print_row("predictions/s, 1 replica", throughput, median(peer.throughput), false, ">= 100000/s",
	          throughput >= 100000);
	return 0;
}

} // namespace
} // namespace kafkaml

int main(int argc, char **argv) {
	try {
		return kafkaml::main_bench(argc, argv);
	} catch (const std::exception &e) {
		std::fprintf(stderr, "pipeline_bench: %s\n", e.what());
		return 1;
	}
}
