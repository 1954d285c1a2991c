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
//                       [--security plaintext,sasl_ssl] [--executors local,docker]
//
// --security plaintext,sasl_ssl measures the cost of security instead, with
// no peer: the latency and throughput above of the same pipeline over
// plaintext and over SASL_SSL (SCRAM-SHA-256, TLS with a CA made by
// tests/support) on one broker with both listeners, a server on each
// listener with its own training. Per run, one replica on each: latency
// with both running, the inputs going to one side at a time in slices of
// a second taking turns; then throughput, one side after the other, the
// side going first alternating between runs. Prints the ratios
// sasl_ssl / plaintext.
//
// bench-libs: kafkaml_api_client kafkaml_stream kafkaml_test_support PkgConfig::RDKAFKA nlohmann_json::nlohmann_json

#include "bench_kafka.h"
#include "bench_support.h"
#include "client/api_client.h"
#include "stream/admin.h"
#include "stream/kafka_group_source.h"
#include "stream/kafka_sink.h"
#include "support/build_tree.h"
#include "support/certificates.h"
#include "support/child_process.h"
#include "support/files.h"
#include "support/secure_kafka.h"
#include "support/temp_dir.h"

#include <librdkafka/rdkafka.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
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
	bool security = false; //!< --security plaintext,sasl_ssl
	//! Non-empty: compare these executors, no peer.
	std::vector<std::string> executors;
};

using bench::kafka_conf;

//! A producer that stamps each record with its send time (`sent`: steady
//! clock nanoseconds, 8 bytes) and a consumer of the prediction topic that
//! turns them back into latencies. Thread: produce() on one thread,
//! consume() on another.
class Stopwatch {
public:
	Stopwatch(const stream::KafkaConfig &kafka, const std::string &input, const std::string &output) : input_(input) {
		producer_ = bench::eager_producer(kafka);
		static std::atomic<int> groups{0};
		auto group = "pipeline-bench-reader-" + std::to_string(::getpid()) + "-" + std::to_string(groups++);
		consumer_ = bench::partition_reader(kafka, group, output);
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

//! The latency of one replica, gathered in one or more samples: inputs at
//! a steady rate, each timed until its prediction is consumed here.
//! Thread: main plus one producer thread during sample().
class LatencySampler {
public:
	LatencySampler(const stream::KafkaConfig &kafka, const std::string &input, const std::string &output)
	    : watch_(kafka, input, output), input_(input), output_(output) {}

	//! Waits until the replica answers (untimed probes), then for the
	//! other probes' answers.
	void wait_until_answering() {
		int64_t answered = 0;
		for (int probe = 0; answered == 0; probe++) {
			if (probe > 1200) {
				throw std::runtime_error("no prediction on " + output_ + " within 120 s of probing " + input_);
			}
			watch_.produce(probe, false);
			watch_.consume(
			    100ms, [&](int64_t) { answered++; }, [&] { return answered > 0; });
		}
		watch_.consume(
		    500ms, [](int64_t) {}, [] { return false; });
	}
	//! Produces at `rate` for `seconds` and waits for their predictions.
	void sample(int rate, double seconds) {
		auto total = static_cast<int64_t>(rate * seconds);
		sent_ += total;
		std::thread producer([&] {
			auto start = Clock::now();
			auto interval = std::chrono::nanoseconds(1'000'000'000 / rate);
			for (int64_t i = 0; i < total; i++) {
				std::this_thread::sleep_until(start + i * interval);
				watch_.produce(static_cast<int>(i), true);
			}
			watch_.flush();
		});
		auto limit = std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000) + 15000);
		watch_.consume(
		    limit,
		    [&](int64_t sent) {
			    if (sent >= 0) {
				    latencies_.push_back(static_cast<double>(Clock::now().time_since_epoch().count() - sent) / 1e6);
			    }
		    },
		    [&] { return static_cast<int64_t>(latencies_.size()) >= sent_; });
		producer.join();
	}
	//! Over every sample so far.
	LatencyFigures figures() const {
		return {percentile(latencies_, 0.5), percentile(latencies_, 0.99), static_cast<int64_t>(latencies_.size()),
		        sent_};
	}

private:
	Stopwatch watch_;
	std::string input_, output_;
	std::vector<double> latencies_;
	int64_t sent_ = 0;
};

//! Waits until the replica answers, then produces at `rate` for `seconds`
//! and collects latencies. Thread: main plus one producer thread.
LatencyFigures measure_latency(const stream::KafkaConfig &kafka, const std::string &input, const std::string &output,
                               const Options &options) {
	LatencySampler sampler(kafka, input, output);
	sampler.wait_until_answering();
	sampler.sample(options.rate, options.seconds);
	return sampler.figures();
}

//! A replica with nothing but its Kafka I/O: the `KafkaGroupSource` and
//! `KafkaSink` that `kafkaml infer` uses, configured as it configures them,
//! passing each input's value and headers on unchanged. Its latency is the
//! floor every replica pays, ours or the peer: two trips through the broker
//! and four librdkafka hand-overs. Thread: its own, from construction to
//! destruction.
class Relay {
public:
	Relay(const stream::KafkaConfig &kafka, const std::string &input, const std::string &output)
	    : thread_([this, kafka, input, output] { run(kafka, input, output); }) {}
	~Relay() {
		stop_ = true;
		thread_.join();
	}

private:
	void run(const stream::KafkaConfig &kafka, const std::string &input, const std::string &output) {
		auto producer = kafka;
		producer.properties["linger.ms"] = "0";
		stream::KafkaSink sink(producer, {output});
		stream::KafkaGroupSource source(kafka, "relay-" + input, {input}, nullptr);
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
double measure_throughput(const stream::KafkaConfig &kafka, const std::string &input, const std::string &output,
                          int records, const std::function<void()> &start_replica) {
	Stopwatch watch(kafka, input, output);
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

//! One pipeline on a running server: the model and configuration, the
//! data, training, inference. `kafka` is how the bench's clients reach the
//! broker (the server's own settings), `send_args` what `kafkaml send` gets
//! for the same, `prefix` starts its topics' names, the server's control
//! topic's included, so that two pipelines share a broker. Its files go into `dir`, which must exist;
//! `server_dir` is the server's data directory (its jobs' logs are in jobs/).
//! Thread: main only.
class Bench {
public:
	Bench(Options options, std::filesystem::path dir, std::filesystem::path server_dir, const client::ApiClient &api,
	      stream::KafkaConfig kafka, std::vector<std::string> send_args = {}, std::string prefix = "")
	    : options_(std::move(options)), dir_(std::move(dir)), server_dir_(std::move(server_dir)),
	      kafka_(std::move(kafka)), api_(api), send_args_(std::move(send_args)), prefix_(std::move(prefix)) {
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
		stream::create_topic(kafka_, "peer-control", 1);
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
		auto log = server_dir_ / "jobs" /
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
		auto send = send_stream(prefix_ + "hcopd-" + std::to_string(run), id, control_topic());
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
		                 {peer_script(), "train", "--bootstrap", kafka_.bootstrap_servers, "--control-topic",
		                  "peer-control", "--deployment", std::to_string(deployment), "--model-out", model_out.string(),
		                  "--epochs", std::to_string(options_.epochs)});
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
		    std::vector<std::string>{peer_script(), "infer", "--bootstrap", kafka_.bootstrap_servers, "--input-topic",
		                             input, "--output-topic", output, "--group", name, "--model", model.string(),
		                             "--data-scheme", options_.source_dir + "/examples/hcopd/data_scheme.avsc",
		                             "--client", options_.peer_client});
		peer->line("ready", 120s);
		return peer;
	}

	void create_topics(std::initializer_list<std::string> topics) {
		for (const auto &topic : topics) {
			stream::create_topic(kafka_, topic, 1);
		}
	}
	const stream::KafkaConfig &kafka() const { return kafka_; }
	//! The server's `--control-topic`: "control", after the prefix.
	std::string control_topic() const { return prefix_ + "control"; }
	const std::filesystem::path &dir() const { return dir_; }

private:
	std::string peer_script() const { return options_.source_dir + "/bench/pipeline_peer.py"; }
	std::unique_ptr<ChildProcess> send_stream(const std::string &topic, int64_t deployment,
	                                          const std::string &control_topic) {
		auto hcopd = options_.source_dir + "/examples/hcopd/";
		std::vector<std::string> args{"send",
		                              "--bootstrap-servers",
		                              kafka_.bootstrap_servers,
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
		                              "0.1"};
		args.insert(args.end(), send_args_.begin(), send_args_.end());
		args.push_back((dir_ / "hcopd.csv").string());
		return std::make_unique<ChildProcess>(logged(testing::kafkaml_command(args), dir_, "send-" + topic));
	}

	Options options_;
	std::filesystem::path dir_;
	std::filesystem::path server_dir_;
	stream::KafkaConfig kafka_;
	const client::ApiClient &api_;
	std::vector<std::string> send_args_;
	std::string prefix_;
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
	auto ours_latency = measure_latency(bench.kafka(), "lat-in-" + r, "lat-out-" + r, options);
	bench.stop_inference(inference);
	LatencyFigures floor_latency;
	{
		Relay relay(bench.kafka(), "relay-in-" + r, "relay-out-" + r);
		floor_latency = measure_latency(bench.kafka(), "relay-in-" + r, "relay-out-" + r, options);
	}
	floor.p50_ms.push_back(floor_latency.p50_ms);
	floor.p99_ms.push_back(floor_latency.p99_ms);
	LatencyFigures peer_latency;
	{
		auto replica = bench.start_peer_inference("peer-lat-" + r, peer_model, "peer-lat-in-" + r, "peer-lat-out-" + r);
		peer_latency = measure_latency(bench.kafka(), "peer-lat-in-" + r, "peer-lat-out-" + r, options);
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
	auto ours_rate = measure_throughput(bench.kafka(), "tp-in-" + r, "tp-out-" + r, options.records, [&] {
		throughput_inference = bench.start_inference(result, "tp-in-" + r, "tp-out-" + r);
	});
	bench.stop_inference(throughput_inference);
	std::unique_ptr<PeerProcess> replica;
	auto peer_rate =
	    measure_throughput(bench.kafka(), "peer-tp-in-" + r, "peer-tp-out-" + r, options.peer_records, [&] {
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
	testing::TempDir temp{"pipeline-bench"};
	std::map<std::string, std::unique_ptr<bench::KafkamlServices>> services;
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
		auto dir = temp.path() / name;
		std::filesystem::create_directories(dir);
		services[name] = std::make_unique<bench::KafkamlServices>(options.kafkaml, dir, server_args);
		benches[name] = std::make_unique<Bench>(options, dir, services[name]->server_dir(), services[name]->api(),
		                                        stream::KafkaConfig{services[name]->bootstrap(), {}});
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
			auto latency = measure_latency(bench.kafka(), "lat-in-" + r, "lat-out-" + r, options);
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
		} else if (args.is("--security")) {
			auto value = args.value();
			if (value != "plaintext,sasl_ssl" && value != "sasl_ssl,plaintext") {
				throw std::runtime_error("--security takes plaintext,sasl_ssl (the two are measured side by side), "
				                         "not " +
				                         value);
			}
			options.security = true;
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
			             "--peer-client confluent-kafka|kafka-python --security plaintext,sasl_ssl --executors "
			             "local,docker");
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

//! One side of --security: a server on one listener of the shared broker,
//! its pipeline (topics named after the side) and its trained result.
struct SecuritySide {
	std::string name; //!< "plaintext" or "sasl_ssl"
	std::unique_ptr<bench::KafkamlServer> server;
	std::unique_ptr<Bench> bench;
	int64_t result = 0;
	Figures figures;
};

//! Starts `name`'s server on `kafka` (`client_args` give it, its jobs and
//! `kafkaml send` the same settings) and trains its model once.
std::unique_ptr<SecuritySide> start_side(const Options &options, const std::filesystem::path &dir,
                                         const std::string &name, const stream::KafkaConfig &kafka,
                                         const std::vector<std::string> &client_args) {
	auto side = std::make_unique<SecuritySide>();
	side->name = name;
	auto server_args = client_args;
	server_args.insert(server_args.end(), {"--control-topic", name + "-control"});
	side->server = std::make_unique<bench::KafkamlServer>(dir, "server-" + name, kafka.bootstrap_servers, server_args);
	std::filesystem::create_directories(dir / name);
	side->bench = std::make_unique<Bench>(options, dir / name, side->server->dir(), side->server->api(), kafka,
	                                      client_args, name + "-");
	auto [seconds, result] = side->bench->train_ours(0);
	side->result = result;
	side->figures.train_s.push_back(seconds);
	return side;
}

//! --seconds in slices of about a second, at least one.
int latency_slices(const Options &options) {
	return std::max(1, static_cast<int>(options.seconds + 0.5));
}

//! The latency of one replica of each side's result, on fresh topics, into
//! their figures. Both replicas run all along; the inputs go to one side
//! at a time, in slices of about a second taking turns (`order[0]`
//! first), so that the machine's noise, which changes within seconds on a
//! shared machine, hits both alike. Thread: main.
void measure_latencies(const std::array<SecuritySide *, 2> &order, const Options &options, const std::string &run) {
	std::array<std::unique_ptr<LatencySampler>, 2> samplers;
	std::array<int64_t, 2> inferences{};
	for (size_t i = 0; i < order.size(); i++) {
		auto &side = *order[i];
		auto input = side.name + "-lat-in-" + run, output = side.name + "-lat-out-" + run;
		side.bench->create_topics({input, output});
		inferences[i] = side.bench->start_inference(side.result, input, output);
		samplers[i] = std::make_unique<LatencySampler>(side.bench->kafka(), input, output);
	}
	for (auto &sampler : samplers) {
		sampler->wait_until_answering();
	}
	auto slices = latency_slices(options);
	for (int slice = 0; slice < slices; slice++) {
		// ABBA: each side goes first in every other pair of slices.
		for (size_t turn = 0; turn < samplers.size(); turn++) {
			samplers[slice % 2 == 0 ? turn : 1 - turn]->sample(options.rate, options.seconds / slices);
		}
	}
	for (size_t i = 0; i < order.size(); i++) {
		auto &side = *order[i];
		side.bench->stop_inference(inferences[i]);
		auto latency = samplers[i]->figures();
		side.figures.p50_ms.push_back(latency.p50_ms);
		side.figures.p99_ms.push_back(latency.p99_ms);
		std::printf("  %-9s latency p50 %.3f ms p99 %.3f ms (%lld/%lld)\n", side.name.c_str(), latency.p50_ms,
		            latency.p99_ms, static_cast<long long>(latency.received), static_cast<long long>(latency.sent));
	}
}

//! The throughput of one replica of `side`'s result on fresh topics, into
//! its figures. Thread: main.
void measure_throughput_of(SecuritySide &side, const Options &options, const std::string &run) {
	auto input = side.name + "-tp-in-" + run, output = side.name + "-tp-out-" + run;
	side.bench->create_topics({input, output});
	int64_t inference = -1;
	auto rate = measure_throughput(side.bench->kafka(), input, output, options.records,
	                               [&] { inference = side.bench->start_inference(side.result, input, output); });
	side.bench->stop_inference(inference);
	side.figures.throughput.push_back(rate);
	std::printf("  %-9s throughput %.0f predictions/s (%d inputs)\n", side.name.c_str(), rate, options.records);
}

//! --security plaintext,sasl_ssl: the cost of security, as ratios. One
//! `kafkaml broker` with a PLAINTEXT and a SASL_SSL listener, a SCRAM user
//! added with `kafkaml broker users add`; a server on each listener (the
//! SASL_SSL one given a `--kafka-config` file, which it hands to its jobs;
//! `kafkaml send` and the bench's clients use the same settings). Both
//! sides run on the same machine at the same time, idle but for the one
//! measured, and take turns, so that the machine's noise hits both.
int security_bench(const Options &options) {
	std::printf("pipeline_bench --security: %d run(s); one `kafkaml broker` with a PLAINTEXT and a SASL_SSL "
	            "listener (SCRAM-SHA-256, TLS with a test CA), a `kafkaml server` and its training on each; no "
	            "peer\n",
	            options.runs);
	testing::TempDir temp("pipeline-bench");
	auto dir = temp.path();
	std::filesystem::create_directories(dir / "certs");
	testing::Certificates certs(dir / "certs");
	bench::KafkamlBroker broker(options.kafkaml, dir,
	                            {"--listeners", "PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0", "--ssl-cert-file",
	                             certs.file("server.pem").string(), "--ssl-key-file",
	                             certs.file("server.key").string()},
	                            2);
	auto address = [&](const std::string &protocol) {
		for (const auto &line : broker.addresses()) {
			if (line.starts_with(protocol + "://")) {
				return line.substr(protocol.size() + 3);
			}
		}
		throw std::runtime_error("the broker printed no " + protocol + " listener");
	};
	// Added while the broker runs: it reads its users file again when that
	// changed, as it does for an operator's `users add`.
	const std::string user = "pipeline-bench";
	auto password = "bench-" + std::to_string(std::random_device()()) + "-" + std::to_string(::getpid());
	testing::add_broker_user(dir / "broker", user, password);
	stream::KafkaConfig plaintext{address("PLAINTEXT"), {}};
	stream::KafkaConfig sasl_ssl{address("SASL_SSL"),
	                             testing::sasl_ssl_properties(user, password, certs.file("ca.pem"))};
	auto settings = dir / "sasl_ssl.properties";
	testing::write_properties_file(settings, sasl_ssl.properties);

	auto plain = start_side(options, dir, "plaintext", plaintext, {});
	auto secure = start_side(options, dir, "sasl_ssl", sasl_ssl, {"--kafka-config", settings.string()});
	std::printf("training, once each (not compared: one sample): plaintext %.3f s, sasl_ssl %.3f s\n",
	            plain->figures.train_s.front(), secure->figures.train_s.front());
	std::fflush(stdout);
	std::vector<double> p50_ratio, p99_ratio, throughput_ratio;
	for (int r = 0; r < options.runs; r++) {
		auto order = r % 2 == 0 ? std::array{plain.get(), secure.get()} : std::array{secure.get(), plain.get()};
		std::printf("run %d (%s first), latency at %d msgs/s in %d slices each:\n", r, order[0]->name.c_str(),
		            options.rate, latency_slices(options));
		measure_latencies(order, options, std::to_string(r));
		for (auto *side : order) {
			measure_throughput_of(*side, options, std::to_string(r));
		}
		p50_ratio.push_back(secure->figures.p50_ms.back() / plain->figures.p50_ms.back());
		p99_ratio.push_back(secure->figures.p99_ms.back() / plain->figures.p99_ms.back());
		throughput_ratio.push_back(secure->figures.throughput.back() / plain->figures.throughput.back());
		std::printf("  sasl_ssl / plaintext: p50 %.2fx, p99 %.2fx, predictions/s %.2fx\n", p50_ratio.back(),
		            p99_ratio.back(), throughput_ratio.back());
		std::fflush(stdout);
	}
	std::printf("\nmedians of %d run(s); ratio = sasl_ssl / plaintext (latency: above 1 is slower; predictions/s: "
	            "below 1 is fewer)\n",
	            options.runs);
	std::printf("%-34s %12s %12s %9s %9s\n", "metric", "plaintext", "sasl_ssl", "ratio", "per run");
	auto row = [](const std::string &metric, const std::vector<double> &plain_values,
	              const std::vector<double> &secure_values, const std::vector<double> &ratios) {
		auto p = median(plain_values), s = median(secure_values);
		std::printf("%-34s %12.3f %12.3f %8.2fx %8.2fx\n", metric.c_str(), p, s, s / p, median(ratios));
	};
	auto rate = std::to_string(options.rate) + " msgs/s";
	row("latency p50, ms @ " + rate, plain->figures.p50_ms, secure->figures.p50_ms, p50_ratio);
	row("latency p99, ms @ " + rate, plain->figures.p99_ms, secure->figures.p99_ms, p99_ratio);
	row("predictions/s, 1 replica", plain->figures.throughput, secure->figures.throughput, throughput_ratio);
	std::printf("(ratio: of the medians; per run: the median of each run's ratio)\n");
	return 0;
}

int main_bench(int argc, char **argv) {
	auto options = parse(argc, argv);
	if (options.security) {
		return security_bench(options);
	}
	if (!options.executors.empty()) {
		return compare_executors(options);
	}
	std::printf("pipeline_bench: %d run(s); peer: bench/pipeline_peer.py (python3-avro, PyTorch; training on "
	            "kafka-python, inference on %s); both on the same `kafkaml broker`\n",
	            options.runs, options.peer_client.c_str());
	testing::TempDir temp("pipeline-bench");
	bench::KafkamlServices services(options.kafkaml, temp.path());
	Bench bench(options, temp.path(), services.server_dir(), services.api(), {services.bootstrap(), {}});
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
