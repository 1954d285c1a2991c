// Continual training (issue 15) on this machine, side by side in the same
// run with a peer doing the same consume-score-train loop in Python
// (bench/continual_peer.py: confluent-kafka, numpy, PyTorch under
// /usr/bin/python3). Both read the same records from the same `kafkaml
// broker` child.
//
//   records   HCOPD-sized RAW records (3 float32 features, a uint8 label as
//             the key), pre-loaded into one partition: the backlog both
//             sides learn from, as fast as they can.
//   ours      `kafkaml server` runs `kafkaml train` for an incremental
//             deployment of the paper's HCOPD model (examples/hcopd), batch
//             32, epochs=1 per window, a version every --version-every
//             records; its control message names the records' range, so it
//             ends with them. Records/s from the control message sent (the
//             job started and waiting first) to the result "finished"
//             (REST API polled every 10 ms): the whole product path, Kafka,
//             decoding, prequential scoring, fit, epoch reports, versions
//             stored and the final upload.
//   peer      the same loop: windows of the same size, each scored, then
//             trained on with Adam (batch 32, shuffled), the model saved at
//             the same cadence; records/s from its control message sent to
//             its `finished=` line.
//   serving   the same again while an inference of 2 replicas follows our
//             result (model_version "latest") and serves --rate inputs/s
//             over 2 partitions (one per replica). Rollout: per version
//             after the first and per replica (input partition), from the
//             version's created_at to the first prediction (its record
//             timestamp, set by the replica's producer) that a version at
//             least as new made; a replica that skips a version because a
//             newer one was stored before it asked counts from the older
//             one's time. Versions stored before a replica's first
//             prediction time its start (a first model, then its consumer
//             group), not a rollout, and are counted apart; the serving
//             round learns --serving-records records so that most are not.
//   where     in this process, the job's stages one by one on the same
//             records: Kafka (KafkaRangeReader, windows), decode
//             (MessageDecoder), score (Model::evaluate), fit (Model::fit).
//
// Usage: continual_bench [--runs N] [--kafkaml PATH] [--records N]
//                        [--serving-records N] [--peer-records N] [--window N] [--version-every N]
//                        [--rate INPUTS_PER_S] [--verbose]
//
// clang-format off
// bench-libs: kafkaml_api_client kafkaml_stream kafkaml_formats kafkaml_ml kafkaml_test_support PkgConfig::RDKAFKA nlohmann_json::nlohmann_json
// clang-format on

#include "bench_support.h"
#include "client/api_client.h"
#include "formats/control_message.h"
#include "formats/message_decoder.h"
#include "ml/model.h"
#include "ml/spec/parse.h"
#include "stream/admin.h"
#include "stream/kafka_group_source.h"
#include "stream/kafka_range_reader.h"
#include "stream/kafka_sink.h"
#include "support/files.h"
#include "support/temp_dir.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

namespace kafkaml {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using bench::median;
using bench::PeerProcess;
using bench::percentile;
using bench::unix_seconds;

struct Options {
	int runs = 3;
	std::string kafkaml = KAFKAML_BINARY_DIR "/kafkaml";
	std::string source_dir = KAFKAML_SOURCE_DIR;
	int64_t records = 4'000'000;
	//! Longer than `records`: the replicas start (a first version, then
	//! their group) within a second or two, and rollouts are timed after.
	int64_t serving_records = 4'000'000;
	int64_t peer_records = 100'000;
	int64_t window = 1000;
	int64_t version_every = 100'000;
	int rate = 2000;
	bool verbose = false; //!< per version and replica rollout times
};

constexpr int64_t kBatch = 32;
const char *kTrainTopic = "hcopd-stream";

//! "2026-05-01T12:00:00.123Z" (the store's timestamps) as Unix seconds.
double parse_utc(const std::string &text) {
	std::tm utc{};
	int millis = 0;
	if (std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &utc.tm_year, &utc.tm_mon, &utc.tm_mday, &utc.tm_hour,
	                &utc.tm_min, &utc.tm_sec, &millis) != 7) {
		throw std::runtime_error("not a timestamp of the store: " + text);
	}
	utc.tm_year -= 1900;
	utc.tm_mon -= 1;
	return static_cast<double>(timegm(&utc)) + millis / 1000.0;
}

//! The training stream's control message for [0, records) of kTrainTopic.
formats::ControlMessage control_message(int64_t deployment, int64_t records) {
	formats::ControlMessage control;
	control.deployment_id = deployment;
	control.ranges = {{kTrainTopic, 0, 0, records}};
	control.input_format = "RAW";
	control.input_config = {
	    {"data_type", "float32"}, {"label_type", "uint8"}, {"data_reshape", "3"}, {"label_reshape", ""}};
	control.description = "continual_bench";
	control.total_msg = records;
	return control;
}

//! HCOPD-like rows: three features, the label (ill or not) a noisy
//! function of them, so that the model has something to learn.
void preload(stream::KafkaSink &sink, int64_t records) {
	std::mt19937 rng(15);
	std::normal_distribution<float> noise(0.0f, 1.0f);
	std::bernoulli_distribution coin(0.5);
	for (int64_t i = 0; i < records; i++) {
		bool ill = coin(rng);
		float row[3] = {coin(rng) ? 1.0f : -1.0f, (ill ? 0.9f : -0.9f) + 0.6f * noise(rng),
		                (ill ? 0.7f : -0.7f) + 0.7f * noise(rng)};
		char label = ill ? 1 : 0;
		stream::OutRecord record;
		record.topic = kTrainTopic;
		record.partition = 0;
		record.key = std::string_view(&label, 1);
		record.value = std::string_view(reinterpret_cast<const char *>(row), sizeof(row));
		sink.produce(record);
	}
	sink.flush(120s);
}

//! Inputs at a steady rate over the 2 partitions of `input` (each carries
//! its partition in the "in" header), and the predictions read back from
//! `output`: per (version, input partition), the earliest prediction's
//! record timestamp. Thread: two of its own, from construction to stop().
class Traffic {
public:
	Traffic(const std::string &bootstrap, const std::string &input, const std::string &output, int rate)
	    : kafka_{bootstrap, {}}, input_(input), output_(output), rate_(rate) {
		producer_ = std::thread([this] { produce(); });
		reader_ = std::thread([this] { read(); });
	}
	~Traffic() { stop(); }
	//! Stops the inputs, then waits up to 30 s for their predictions.
	void stop() {
		if (!producer_.joinable()) {
			return;
		}
		producing_ = false;
		producer_.join();
		auto deadline = Clock::now() + 30s;
		while (predicted_ < sent_ && Clock::now() < deadline) {
			std::this_thread::sleep_for(50ms);
		}
		reading_ = false;
		reader_.join();
	}
	int64_t sent() const { return sent_; }
	int64_t predicted() const { return predicted_; }
	//! The first time (Unix seconds) partition `p` was served by a version
	//! >= `v`: by the prediction's timestamp, or (`consumed`) when it was
	//! read here.
	std::optional<double> served(int64_t v, int32_t p, bool consumed = false) {
		std::lock_guard lock(mutex_);
		std::optional<double> first;
		for (const auto &[key, time] : consumed ? first_read_ : first_) {
			if (key.first >= v && key.second == p && (!first || time < *first)) {
				first = time;
			}
		}
		return first;
	}

private:
	void produce() {
		stream::KafkaSink sink({kafka_.bootstrap_servers, {{"linger.ms", "1"}}}, {input_});
		float row[3] = {1.0f, 0.3f, -0.5f};
		auto start = Clock::now();
		auto interval = std::chrono::nanoseconds(1'000'000'000 / rate_);
		for (int64_t i = 0; producing_; i++) {
			std::this_thread::sleep_until(start + i * interval);
			int32_t partition = static_cast<int32_t>(i % 2);
			stream::Header header{"in", std::to_string(partition)};
			stream::OutRecord record;
			record.topic = input_;
			record.partition = partition;
			record.value = std::string_view(reinterpret_cast<const char *>(row), sizeof(row));
			record.headers = std::span<const stream::Header>(&header, 1);
			sink.produce(record);
			sink.poll(0ms);
			sent_++;
		}
		sink.flush(30s);
	}
	void read() {
		static std::atomic<int> groups{0};
		stream::KafkaGroupSource source(kafka_, "continual-bench-reader-" + std::to_string(groups++), {output_},
		                                nullptr);
		std::vector<stream::Record> records;
		while (reading_) {
			records.clear();
			source.poll_batch(records, 1000, 100ms);
			std::lock_guard lock(mutex_);
			for (const auto &record : records) {
				int64_t version = -1;
				int32_t partition = -1;
				for (const auto &header : record.headers) {
					if (header.key == "kafkaml.model_version") {
						version = std::stoll(header.value.value_or("-1"));
					} else if (header.key == "in") {
						partition = std::stoi(header.value.value_or("-1"));
					}
				}
				auto time = static_cast<double>(record.timestamp_ms) / 1000.0;
				auto [at, inserted] = first_.try_emplace({version, partition}, time);
				if (!inserted && time < at->second) {
					at->second = time;
				}
				first_read_.try_emplace({version, partition}, unix_seconds());
				predicted_++;
			}
		}
	}

	stream::KafkaConfig kafka_;
	std::string input_, output_;
	int rate_;
	std::atomic<bool> producing_{true}, reading_{true};
	std::atomic<int64_t> sent_{0}, predicted_{0};
	std::mutex mutex_; //!< guards first_, first_read_
	std::map<std::pair<int64_t, int32_t>, double> first_, first_read_;
	std::thread producer_, reader_;
};

//! Seconds each stage of the job's loop takes on `records` records, run
//! here one after the other on the same records and model.
struct Stages {
	double kafka = 0, decode = 0, score = 0, fit = 0;
	double total() const { return kafka + decode + score + fit; }
};

//! `kafka`: librdkafka properties over the reader's own (none: as the job
//! reads).
Stages measure_stages(const std::string &bootstrap, const std::string &model_code, int64_t records, int64_t window,
                      std::map<std::string, std::string> kafka = {}) {
	Stages stages;
	auto control = control_message(0, records);
	auto decoder = formats::MessageDecoder::from_config(control.input_format, control.input_config);
	auto model = ml::Model::build(ml::parse_model_definition(model_code), 7);
	ml::FitOptions fit = ml::parse_fit_kwargs("epochs=1");
	fit.batch_size = kBatch;
	fit.verbose = 0;
	stream::KafkaRangeReader reader({bootstrap, std::move(kafka)}, control.ranges);
	std::vector<stream::Record> batch;
	formats::Batch rows;
	bool more = true;
	while (more) {
		auto t0 = Clock::now();
		batch.clear();
		while (more && batch.size() < static_cast<size_t>(window)) {
			more = reader.poll_batch(batch, static_cast<size_t>(window) - batch.size(), 200ms);
		}
		auto t1 = Clock::now();
		rows.clear();
		for (const auto &record : batch) {
			decoder.decode(record.view(), rows, true);
		}
		auto n = static_cast<int64_t>(rows.rows);
		if (n == 0) {
			break;
		}
		ml::Array x{{n, 3}, std::move(rows.features)}, y{{n}, std::move(rows.labels)};
		auto t2 = Clock::now();
		model.evaluate(x, y, kBatch);
		auto t3 = Clock::now();
		model.fit(x, y, fit);
		auto t4 = Clock::now();
		rows.features = std::move(x.data);
		rows.labels = std::move(y.data);
		using S = std::chrono::duration<double>;
		stages.kafka += S(t1 - t0).count();
		stages.decode += S(t2 - t1).count();
		stages.score += S(t3 - t2).count();
		stages.fit += S(t4 - t3).count();
	}
	return stages;
}

struct Round {
	double seconds = 0;
	double fit_seconds = 0; //!< the result's training_time: fit alone
	int64_t versions = 0;
};

//! The whole setup: broker, server, the model, the pre-loaded records.
//! Thread: main only.
class Bench {
public:
	explicit Bench(Options options)
	    : options_(std::move(options)), services_(options_.kafkaml, dir_), bootstrap_(services_.bootstrap()),
	      api_(services_.api()) {
		model_code_ = testing::read_file(options_.source_dir + "/examples/hcopd/model.py");
		auto model = api_.post("/models", {{"name", "hcopd"}, {"description", "paper model"}, {"code", model_code_}});
		auto configuration =
		    api_.post("/configurations", {{"name", "hcopd"}, {"description", ""}, {"ml_models", {model.at("id")}}});
		configuration_ = configuration.at("id").get<int64_t>();
		stream::create_topic(kafka(), kTrainTopic, 1);
		stream::create_topic(kafka(), "peer-control", 1);
		sink_.emplace(kafka(), std::vector<std::string>{kTrainTopic, "control", "peer-control"});
		preload(*sink_, std::max({options_.records, options_.serving_records, options_.peer_records}));
	}
	//! An incremental deployment waiting for its control message; returns
	//! (deployment, result).
	std::pair<int64_t, int64_t> deploy() {
		auto deployment = api_.post("/deployments", {{"configuration", configuration_},
		                                             {"batch", kBatch},
		                                             {"kwargs_fit", "epochs=1"},
		                                             {"kwargs_val", ""},
		                                             {"mode", "incremental"},
		                                             {"window_size", options_.window},
		                                             {"version_every_records", options_.version_every},
		                                             {"improvement", 1e9}});
		auto id = deployment.at("id").get<int64_t>();
		return {id, deployment.at("results").at(0).at("id").get<int64_t>()};
	}

	//! Runs the deployment's training on the first `records` records.
	Round train_ours(int64_t deployment, int64_t result, int64_t records) {
		auto path = "/results/" + std::to_string(result);
		// The job is a process of its own: let it start and wait for its
		// control message, as the peer does before its clock starts.
		while (api_.get(path).value("status", "") == "created") {
			std::this_thread::sleep_for(50ms);
		}
		std::this_thread::sleep_for(1500ms);
		auto start = Clock::now();
		send_control("control", control_message(deployment, records));
		json status;
		while ((status = api_.get(path)).value("status", "") != "finished") {
			auto text = status.value("status", "");
			if (text == "failed" || text == "stopped") {
				throw std::runtime_error("our training " + text + ": " + status.dump());
			}
			if (Clock::now() - start > 600s) {
				throw std::runtime_error("our training did not finish in 600 s: " + status.dump());
			}
			std::this_thread::sleep_for(10ms);
		}
		Round round;
		round.seconds = std::chrono::duration<double>(Clock::now() - start).count();
		round.fit_seconds = status.value("training_time", 0.0);
		round.versions = static_cast<int64_t>(api_.get(path + "/versions").size());
		return round;
	}

	//! The peer's loop on options_.peer_records records.
	Round train_peer(int run) {
		auto deployment = 1000 + run;
		PeerProcess peer(dir_, "peer-" + std::to_string(deployment),
		                 {options_.source_dir + "/bench/continual_peer.py", "--bootstrap", bootstrap_,
		                  "--control-topic", "peer-control", "--deployment", std::to_string(deployment), "--window",
		                  std::to_string(options_.window), "--batch", std::to_string(kBatch), "--version-every",
		                  std::to_string(options_.version_every)});
		peer.line("ready", 120s);
		auto start = unix_seconds();
		send_control("peer-control", control_message(deployment, options_.peer_records));
		auto finished = peer.line("finished=", 600s);
		std::printf("  peer: %s\n", finished.c_str());
		Round round;
		round.seconds = std::stod(finished.substr(std::strlen("finished="))) - start;
		return round;
	}

	//! An inference of 2 replicas following `result`'s latest version.
	int64_t start_inference(int64_t result, const std::string &input, const std::string &output) {
		stream::create_topic(kafka(), input, 2);
		stream::create_topic(kafka(), output, 1);
		auto inference = api_.post("/inferences", {{"model_result", result},
		                                           {"replicas", 2},
		                                           {"model_version", "latest"},
		                                           {"input_format", "RAW"},
		                                           {"input_config", {{"data_type", "float32"}, {"data_reshape", "3"}}},
		                                           {"input_topic", input},
		                                           {"output_topic", output}});
		return inference.at("id").get<int64_t>();
	}
	void stop_inference(int64_t id) { api_.post("/inferences/" + std::to_string(id) + "/stop", json::object()); }

	//! (version, created_at as Unix seconds) of each of the result's versions.
	std::vector<std::pair<int64_t, double>> versions(int64_t result) {
		std::vector<std::pair<int64_t, double>> out;
		for (const auto &version : api_.get("/results/" + std::to_string(result) + "/versions")) {
			out.emplace_back(version.at("version").get<int64_t>(),
			                 parse_utc(version.at("created_at").get<std::string>()));
		}
		return out;
	}

	const std::string &bootstrap() const { return bootstrap_; }
	const std::string &model_code() const { return model_code_; }

private:
	stream::KafkaConfig kafka() const { return {bootstrap_, {}}; }
	void send_control(const std::string &topic, const formats::ControlMessage &control) {
		auto key = control.encode_key();
		auto value = control.encode_value();
		stream::OutRecord record;
		record.topic = topic;
		record.key = std::string_view(key);
		record.value = value;
		sink_->produce(record);
		sink_->flush(30s);
	}

	Options options_;
	testing::TempDir temp_{"continual-bench"};
	std::filesystem::path dir_ = temp_.path();
	bench::KafkamlServices services_;
	const std::string &bootstrap_;
	const client::ApiClient &api_;
	std::optional<stream::KafkaSink> sink_;
	std::string model_code_;
	int64_t configuration_ = 0;
};

struct Figures {
	std::vector<double> ours, peer, ours_serving, peer_serving, fit_share;
	std::vector<double> rollout_ms, startup_ms;
	std::vector<Stages> stages;
	std::vector<double> kafka_roomy; //!< the Kafka stage with queued.min.messages=1000000
};

void run(Bench &bench, const Options &options, int r, Figures &figures) {
	auto rate = [](int64_t records, double seconds) { return static_cast<double>(records) / seconds; };
	// Alone: our job, then the peer.
	auto [deployment, result] = bench.deploy();
	auto ours = bench.train_ours(deployment, result, options.records);
	auto peer = bench.train_peer(2 * r);
	figures.ours.push_back(rate(options.records, ours.seconds));
	figures.peer.push_back(rate(options.peer_records, peer.seconds));
	figures.fit_share.push_back(ours.fit_seconds / ours.seconds);
	std::printf("run %d alone: ours %.0f records/s (%.2f s, fit %.2f s, %lld versions), peer %.0f records/s (%.2f s)\n",
	            r, figures.ours.back(), ours.seconds, ours.fit_seconds, static_cast<long long>(ours.versions),
	            figures.peer.back(), peer.seconds);
	std::fflush(stdout);

	// Serving: an inference of 2 replicas follows the next result from
	// before its first version, inputs flowing; the peer then learns while
	// the same replicas serve (the last version) at the same rate.
	auto [serving_deployment, serving_result] = bench.deploy();
	auto in = "serve-in-" + std::to_string(r), out = "serve-out-" + std::to_string(r);
	auto inference = bench.start_inference(serving_result, in, out);
	std::this_thread::sleep_for(3s); // the replicas start and wait for a version
	Traffic traffic(bench.bootstrap(), in, out, options.rate);
	auto ours_serving = bench.train_ours(serving_deployment, serving_result, options.serving_records);
	std::this_thread::sleep_for(2s); // the last version rolls out
	auto peer_serving = bench.train_peer(2 * r + 1);
	traffic.stop();
	bench.stop_inference(inference);
	figures.ours_serving.push_back(rate(options.serving_records, ours_serving.seconds));
	figures.peer_serving.push_back(rate(options.peer_records, peer_serving.seconds));

	// A version stored before a replica served at all (it waited for its
	// first model, then joined its group) measures the replica's start, not
	// a rollout: those are counted apart.
	std::vector<double> rollouts;
	int missing = 0;
	for (const auto &[version, created] : bench.versions(serving_result)) {
		for (int32_t p = 0; p < 2; p++) {
			auto served = traffic.served(version, p);
			if (!served) {
				missing++;
				continue;
			}
			auto ms = (*served - created) * 1000.0;
			bool serving = traffic.served(0, p).value_or(created + 1) < created;
			(serving ? rollouts : figures.startup_ms).push_back(ms);
			if (options.verbose) {
				std::printf("  version %lld partition %d: served after %.0f ms (read here after %.0f ms)%s\n",
				            static_cast<long long>(version), p, ms,
				            (traffic.served(version, p, true).value_or(created) - created) * 1000.0,
				            serving ? "" : ", before the replica's first prediction");
			}
		}
	}
	figures.rollout_ms.insert(figures.rollout_ms.end(), rollouts.begin(), rollouts.end());
	std::printf("run %d serving: ours %.0f records/s (%.2f s, %lld versions), peer %.0f records/s; %lld inputs, "
	            "%lld predictions; rollout to serving replicas: %zu samples, p50 %.0f ms, max %.0f ms%s\n",
	            r, figures.ours_serving.back(), ours_serving.seconds, static_cast<long long>(ours_serving.versions),
	            figures.peer_serving.back(), static_cast<long long>(traffic.sent()),
	            static_cast<long long>(traffic.predicted()), rollouts.size(), percentile(rollouts, 0.5),
	            percentile(rollouts, 1.0), missing ? (", " + std::to_string(missing) + " never served").c_str() : "");
	std::fflush(stdout);

	auto stages = measure_stages(bench.bootstrap(), bench.model_code(), options.records, options.window);
	figures.stages.push_back(stages);
	// librdkafka (before 2.4) stops fetching a partition for a whole second
	// once more than queued.min.messages (100,000) records wait in its
	// queue: with records of 13 bytes the reader drains that in well under
	// a second, then waits. The same read with room for 1M records:
	auto roomy = measure_stages(bench.bootstrap(), bench.model_code(), options.records, options.window,
	                            {{"queued.min.messages", "1000000"}});
	figures.kafka_roomy.push_back(roomy.kafka);
	std::printf("run %d stages in-process: kafka %.2f s (%.2f s with queued.min.messages=1000000), decode %.2f s, "
	            "score %.2f s, fit %.2f s (%.0f records/s)\n",
	            r, stages.kafka, roomy.kafka, stages.decode, stages.score, stages.fit,
	            rate(options.records, stages.total()));
	std::fflush(stdout);
}

Options parse(int argc, char **argv) {
	Options options;
	for (bench::Arguments args(argc, argv); args.next();) {
		if (args.is("--runs")) {
			options.runs = std::stoi(args.value());
		} else if (args.is("--kafkaml")) {
			options.kafkaml = args.value();
		} else if (args.is("--records")) {
			options.records = std::stoll(args.value());
		} else if (args.is("--serving-records")) {
			options.serving_records = std::stoll(args.value());
		} else if (args.is("--peer-records")) {
			options.peer_records = std::stoll(args.value());
		} else if (args.is("--window")) {
			options.window = std::stoll(args.value());
		} else if (args.is("--version-every")) {
			options.version_every = std::stoll(args.value());
		} else if (args.is("--rate")) {
			options.rate = std::stoi(args.value());
		} else if (args.is("--verbose")) {
			options.verbose = true;
		} else {
			args.unknown("--runs N --kafkaml PATH --records N --serving-records N --peer-records N --window N "
			             "--version-every N --rate "
			             "INPUTS_PER_S --verbose");
		}
	}
	if (options.runs < 1 || options.records < 1 || options.serving_records < 1 || options.peer_records < 1 ||
	    options.window < 1 || options.version_every < 1 || options.rate < 2) {
		throw std::runtime_error(
		    "--runs, --records, --serving-records, --peer-records, --window, --version-every must be positive, "
		    "--rate at least 2");
	}
	return options;
}

int main_bench(int argc, char **argv) {
	auto options = parse(argc, argv);
	std::printf("continual_bench: %d run(s); ours: %lld records (%lld while serving), peer (bench/continual_peer.py: "
	            "confluent-kafka, "
	            "numpy, PyTorch): %lld records; window %lld, batch %lld, epochs=1, a version every %lld records; "
	            "serving: 2 replicas at %d inputs/s\n",
	            options.runs, static_cast<long long>(options.records), static_cast<long long>(options.serving_records),
	            static_cast<long long>(options.peer_records), static_cast<long long>(options.window),
	            static_cast<long long>(kBatch), static_cast<long long>(options.version_every), options.rate);
	std::fflush(stdout);
	Bench bench(options);
	Figures figures;
	for (int r = 0; r < options.runs; r++) {
		run(bench, options, r, figures);
	}
	std::printf("\nmedians of %d run(s); ratio = the median of each run's ours / peer\n", options.runs);
	// The machine's speed changes between runs; each run's ratio compares
	// both sides at the same moment.
	auto row = [](const char *what, const std::vector<double> &ours, const std::vector<double> &peer) {
		std::vector<double> ratios;
		for (size_t r = 0; r < ours.size(); r++) {
			ratios.push_back(ours[r] / peer[r]);
		}
		auto mine = median(ours), ratio = median(ratios);
		std::printf("%-44s %12.0f %12.0f %8.1fx  target >= 200000/s, >= 10x: %s\n", what, mine, median(peer), ratio,
		            mine >= 200000 && ratio >= 10 ? "met" : "NOT met");
	};
	std::printf("%-44s %12s %12s %9s\n", "records/s learned", "ours", "peer", "ratio");
	row("alone", figures.ours, figures.peer);
	row("while 2 replicas serve", figures.ours_serving, figures.peer_serving);
	std::printf("%-44s %11.0f%%  (the result's training_time over the run)\n", "  ours: fit's share, alone",
	            100 * median(figures.fit_share));
	std::vector<double> kafka, decode, score, fit;
	for (const auto &s : figures.stages) {
		kafka.push_back(s.kafka);
		decode.push_back(s.decode);
		score.push_back(s.score);
		fit.push_back(s.fit);
	}
	std::printf("  ours: stages in-process, medians: kafka %.3f s (%.3f s with queued.min.messages=1000000), decode "
	            "%.3f s, score %.3f s, fit %.3f s for %lld records\n",
	            median(kafka), median(figures.kafka_roomy), median(decode), median(score), median(fit),
	            static_cast<long long>(options.records));
	auto p99 = percentile(figures.rollout_ms, 0.99);
	std::printf("rollout, version stored -> replica serving it: %zu samples over all runs, p50 %.0f ms, p99 %.0f ms, "
	            "max %.0f ms; target p99 <= 1000 ms: %s\n",
	            figures.rollout_ms.size(), percentile(figures.rollout_ms, 0.5), p99,
	            percentile(figures.rollout_ms, 1.0), !figures.rollout_ms.empty() && p99 <= 1000 ? "met" : "NOT met");
	std::printf("versions stored before a replica served (its start: first model, then its group): %zu samples, "
	            "p50 %.0f ms, max %.0f ms\n",
	            figures.startup_ms.size(), percentile(figures.startup_ms, 0.5), percentile(figures.startup_ms, 1.0));
	return 0;
}

} // namespace
} // namespace kafkaml

int main(int argc, char **argv) {
	try {
		return kafkaml::main_bench(argc, argv);
	} catch (const std::exception &e) {
		std::fprintf(stderr, "continual_bench: %s\n", e.what());
		return 1;
	}
}
