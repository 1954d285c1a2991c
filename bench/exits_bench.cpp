// Early exits (issue 18) on this machine: a two-exit CNN served as a chain
// of two stages at a few thresholds of its first stage, side by side in
// the same run with the same trained result served whole (one stage that
// computes every output and answers with the last exit's).
//
//   models    "light" (tests/support/exit_images.h): an 8x8 image, a
//             convolution, an early softmax exit, a deeper one, both cheap;
//             "heavy": the same early exit, and three 64-filter
//             convolutions before the late one. Each trained once by the
//             training job (epochs=8) on 400 generated images whose class
//             is easy to tell for some and hard for others, so the first
//             exit's confidence spreads.
//   configs   "whole": the result served without `exits`, one replica.
//             "chain t=X": one replica per stage, the first answering when
//             its top-class probability reaches X and forwarding the rest.
//             The thresholds are read off the result's exit table: those
//             whose share at the first exit is nearest to 3/4, 1/2 and 1/4
//             (--thresholds overrides them).
//   latency   inputs produced at a steady --rate for --seconds, each with
//             its send time in a header; the time until its prediction is
//             consumed here, p50 and p99 over all inputs and per exit.
//   share     of the answered inputs, those the first exit answered; and
//             the accuracy of all answers against the generated labels
//             (the same inputs for every config).
//   throughput then --records inputs produced as fast as they can be;
//             predictions/s from the first to the last consumed here.
//
// Before either, untimed probes until every exit has answered one: every
// stage's replica consumes, so no timed input waits for a stage still
// joining its consumer group.
//
// The configs take turns within each run, the one going first rotating
// between runs; medians over --runs. Ratios are chain / whole.
//
// Usage: exits_bench [--runs N] [--kafkaml PATH] [--rate MSGS_PER_S]
//                    [--seconds S] [--records N] [--thresholds T1,T2,...]
//                    [--models light,heavy]
//
// bench-libs: kafkaml_api_client kafkaml_stream kafkaml_test_support PkgConfig::RDKAFKA nlohmann_json::nlohmann_json

#include "bench_kafka.h"
#include "bench_support.h"
#include "client/api_client.h"
#include "support/build_tree.h"
#include "support/child_process.h"
#include "support/exit_images.h"
#include "support/files.h"
#include "support/temp_dir.h"

#include <librdkafka/rdkafka.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <sstream>
#include <thread>

namespace kafkaml {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using bench::median;
using bench::percentile;

//! The same task with a costly tail: three 64-filter convolutions between
//! the early exit and the late one, so that an input the first exit
//! answers saves milliseconds of compute rather than microseconds.
constexpr const char *kHeavyTailCnn = R"(import tensorflow as tf
from tensorflow.keras import layers
image = tf.keras.Input(shape=(8, 8, 1), name="image")
x = layers.Conv2D(4, (3, 3), activation="relu", padding="same")(image)
x = layers.MaxPooling2D((2, 2))(x)
flat = layers.Flatten()(x)
early = layers.Dense(2, activation="softmax", name="early")(flat)
y = layers.Conv2D(64, (3, 3), activation="relu", padding="same")(image)
y = layers.Conv2D(64, (3, 3), activation="relu", padding="same")(y)
y = layers.Conv2D(64, (3, 3), activation="relu", padding="same")(y)
y = layers.GlobalAveragePooling2D()(y)
late = layers.Dense(2, activation="softmax", name="late")(layers.Concatenate()([y, flat]))
model = tf.keras.Model(inputs=image, outputs=[early, late])
model.compile(optimizer=tf.keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
              loss_weights=[0.5, 1.0], metrics=["accuracy"])
)";

struct Options {
	int runs = 3;
	std::string kafkaml = KAFKAML_BINARY_DIR "/kafkaml";
	int rate = 200;
	double seconds = 5;
	int records = 5000;
	std::vector<double> thresholds; //!< empty: from the exit table
	std::vector<std::string> models{"light", "heavy"};
};

//! One input's answer as consumed here.
struct Answer {
	int exit = 0;           //!< the `kafkaml.exit` header; the last exit when absent (served whole)
	double latency_ms = -1; //!< < 0: untimed
	bool correct = false;   //!< the answer's top class is the image's label
	Clock::time_point at{}; //!< when it was consumed
};

//! Produces images to an inference's input topic, each keyed and numbered
//! (`seq`) and, when timed, stamped with its send time (`sent`: steady
//! clock nanoseconds); consumes the output topic's predictions back into
//! answers. Thread: produce() on one thread, consume() on another.
class ImageStream {
public:
	ImageStream(const std::string &bootstrap, const std::string &input, const std::string &output)
	    : input_(input), producer_(bench::eager_producer({bootstrap, {}})) {
		try {
			consumer_ = bench::partition_reader({bootstrap, {}}, "exits-bench-" + output, output);
		} catch (...) {
			rd_kafka_destroy(producer_);
			throw;
		}
	}
	~ImageStream() {
		rd_kafka_flush(producer_, 10000);
		rd_kafka_destroy(producer_);
		rd_kafka_consumer_close(consumer_);
		rd_kafka_destroy(consumer_);
	}
	ImageStream(const ImageStream &) = delete;
	ImageStream &operator=(const ImageStream &) = delete;

	void produce(int seq, bool timed) {
		auto pixels = testing::exit_image(seq);
		auto key = std::to_string(seq);
		int64_t sent = timed ? Clock::now().time_since_epoch().count() : -1;
		rd_kafka_resp_err_t err;
		while ((err = rd_kafka_producev(
		            producer_, RD_KAFKA_V_TOPIC(input_.c_str()), RD_KAFKA_V_KEY(key.data(), key.size()),
		            RD_KAFKA_V_VALUE(pixels.data(), pixels.size() * sizeof(float)),
		            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
		            RD_KAFKA_V_HEADER("seq", key.data(), static_cast<ssize_t>(key.size())),
		            RD_KAFKA_V_HEADER("sent", &sent, sizeof(sent)), RD_KAFKA_V_END)) == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
			rd_kafka_poll(producer_, 10);
		}
		if (err) {
			throw std::runtime_error(std::string("produce: ") + rd_kafka_err2str(err));
		}
		rd_kafka_poll(producer_, 0);
	}
	void flush() { rd_kafka_flush(producer_, 60000); }

	//! Consumes predictions for up to `timeout` or until `until()`; each
	//! input's first answer goes into `answers` (repeats are dropped).
	void consume(std::chrono::milliseconds timeout, std::map<int, Answer> &answers,
	             const std::function<bool()> &until) {
		auto deadline = Clock::now() + timeout;
		while (Clock::now() < deadline && !until()) {
			rd_kafka_message_t *message = rd_kafka_consumer_poll(consumer_, 50);
			if (!message) {
				continue;
			}
			if (!message->err) {
				record(message, answers);
			}
			rd_kafka_message_destroy(message);
		}
	}

private:
	static std::string header(rd_kafka_headers_t *headers, const char *name) {
		const void *value = nullptr;
		size_t size = 0;
		if (!headers || rd_kafka_header_get_last(headers, name, &value, &size) != RD_KAFKA_RESP_ERR_NO_ERROR) {
			return {};
		}
		return std::string(static_cast<const char *>(value), size);
	}
	static void record(rd_kafka_message_t *message, std::map<int, Answer> &answers) {
		auto now = Clock::now();
		rd_kafka_headers_t *headers = nullptr;
		rd_kafka_message_headers(message, &headers);
		auto seq_text = header(headers, "seq");
		if (seq_text.empty()) {
			return;
		}
		int seq = std::stoi(seq_text);
		if (answers.contains(seq)) {
			return;
		}
		Answer answer;
		answer.at = now;
		auto sent_bytes = header(headers, "sent");
		int64_t sent = -1;
		if (sent_bytes.size() == sizeof(sent)) {
			std::memcpy(&sent, sent_bytes.data(), sizeof(sent));
		}
		if (sent >= 0) {
			answer.latency_ms = static_cast<double>(now.time_since_epoch().count() - sent) / 1e6;
		}
		auto exit = header(headers, "kafkaml.exit");
		answer.exit = exit.empty() ? 1 : std::stoi(exit);
		// Served whole, the prediction holds both exits' values: the last
		// exit's two are the answer.
		auto values = json::parse(std::string(static_cast<const char *>(message->payload), message->len)).at("values");
		if (values.size() >= 2) {
			double zero = values[values.size() - 2].get<double>(), one = values[values.size() - 1].get<double>();
			answer.correct = (one > zero ? 1 : 0) == testing::exit_image_label(seq);
		}
		answers.emplace(seq, answer);
	}

	std::string input_;
	rd_kafka_t *producer_ = nullptr;
	rd_kafka_t *consumer_ = nullptr;
};

//! What one config measured in one run.
struct RunFigures {
	double p50_ms = 0, p99_ms = 0;
	std::map<int, std::pair<double, double>> per_exit; //!< exit -> (p50, p99)
	double first_exit_share = 0, accuracy = 0, throughput = 0;
};

//! How a config is served: whole, or a chain whose first stage answers at `threshold`.
struct Config {
	std::string name;
	std::optional<double> threshold;
};

class Bench {
public:
	Bench(const Options &options, const std::filesystem::path &dir, const bench::KafkamlServices &services)
	    : options_(options), dir_(dir), services_(services) {}

	//! Trains the two-exit CNN through the training job; returns the
	//! result (with its exit table).
	json train(const std::string &name, const char *code) {
		const auto &api = services_.api();
		auto model = api.post("/models", {{"name", name}, {"code", code}});
		auto configuration = api.post("/configurations", {{"name", "exits"}, {"ml_models", {model.at("id")}}});
		auto deployment = api.post("/deployments", {{"configuration", configuration.at("id")},
		                                            {"batch", 10},
		                                            {"kwargs_fit", "epochs=8, shuffle=True"},
		                                            {"kwargs_val", ""}});
		auto id = deployment.at("id").get<int64_t>();
		if (!std::filesystem::exists(dir_ / "images.csv")) {
			testing::write_exit_images_csv(dir_ / "images.csv", 100000, 400);
		}
		auto send = std::make_unique<testing::ChildProcess>(bench::logged(
		    testing::kafkaml_command({"send", "--bootstrap-servers", services_.bootstrap(), "--topic", "images-" + name,
		                              "--deployment-id", std::to_string(id), "--format", "raw", "--label-column",
		                              "label", "--validation-rate", "0.2", (dir_ / "images.csv").string()}),
		    dir_, "send-" + name));
		if (send->wait(120s) != 0) {
			throw std::runtime_error("kafkaml send failed: " + send->err());
		}
		auto deadline = Clock::now() + 300s;
		for (;;) {
			auto results = api.get("/results?deployment=" + std::to_string(id));
			auto status = results.empty() ? std::string() : results[0].value("status", "");
			if (status == "finished") {
				return api.get("/results/" + std::to_string(results[0].at("id").get<int64_t>()));
			}
			if (status == "failed" || status == "stopped" || Clock::now() > deadline) {
				throw std::runtime_error("the training did not finish: " + results.dump());
			}
			std::this_thread::sleep_for(200ms);
		}
	}

	//! `run` names the inference's topics.
	RunFigures measure(int64_t result, const Config &config, const std::string &run) {
		RunFigures figures;
		auto tag = config.name + "-" + run;
		std::replace(tag.begin(), tag.end(), ' ', '-');
		std::replace(tag.begin(), tag.end(), '=', '-');
		auto inference = start(result, config, tag);
		ImageStream stream(services_.bootstrap(), tag + "-in", tag + "-out");
		wait_until_every_exit_answers(stream, config, tag);

		// Latency: inputs 0.. at a steady rate, the same for every config.
		std::map<int, Answer> answers;
		const int total = static_cast<int>(options_.rate * options_.seconds);
		std::thread producer([&] {
			auto begin = Clock::now();
			auto interval = std::chrono::nanoseconds(1'000'000'000 / options_.rate);
			for (int i = 0; i < total; i++) {
				std::this_thread::sleep_until(begin + i * interval);
				stream.produce(i, true);
			}
			stream.flush();
		});
		auto limit = std::chrono::milliseconds(static_cast<int64_t>(options_.seconds * 1000) + 30000);
		stream.consume(limit, answers, [&] { return count_in(answers, 0, total) >= static_cast<size_t>(total); });
		producer.join();
		if (count_in(answers, 0, total) < static_cast<size_t>(total)) {
			throw std::runtime_error(config.name + ": " + std::to_string(count_in(answers, 0, total)) + " of " +
			                         std::to_string(total) + " inputs answered in time");
		}
		std::vector<double> all;
		std::map<int, std::vector<double>> by_exit;
		size_t first = 0, right = 0;
		for (int i = 0; i < total; i++) {
			const Answer &answer = answers.at(i);
			all.push_back(answer.latency_ms);
			by_exit[answer.exit].push_back(answer.latency_ms);
			first += answer.exit == 0;
			right += answer.correct;
		}
		figures.p50_ms = percentile(all, 0.5);
		figures.p99_ms = percentile(all, 0.99);
		for (const auto &[exit, latencies] : by_exit) {
			figures.per_exit[exit] = {percentile(latencies, 0.5), percentile(latencies, 0.99)};
		}
		figures.first_exit_share = static_cast<double>(first) / total;
		figures.accuracy = static_cast<double>(right) / total;

		// Throughput: --records inputs as fast as they can be produced;
		// predictions/s from the first answer to the last.
		const int from = kThroughputInputs;
		std::thread burst([&] {
			for (int i = from; i < from + options_.records; i++) {
				stream.produce(i, false);
			}
			stream.flush();
		});
		stream.consume(300s, answers, [&] {
			return count_in(answers, from, options_.records) >= static_cast<size_t>(options_.records);
		});
		burst.join();
		stop(inference);
		if (count_in(answers, from, options_.records) < static_cast<size_t>(options_.records)) {
			throw std::runtime_error(config.name + ": " + std::to_string(count_in(answers, from, options_.records)) +
			                         " of " + std::to_string(options_.records) + " inputs answered in 300 s");
		}
		Clock::time_point earliest = Clock::time_point::max(), latest = Clock::time_point::min();
		for (int i = from; i < from + options_.records; i++) {
			earliest = std::min(earliest, answers.at(i).at);
			latest = std::max(latest, answers.at(i).at);
		}
		double seconds = std::chrono::duration<double>(latest - earliest).count();
		figures.throughput = seconds > 0 ? (options_.records - 1) / seconds : 0.0;
		return figures;
	}

private:
	//! Inputs numbered from here on are the throughput's; from kProbes on, probes.
	static constexpr int kThroughputInputs = 1'000'000;
	static constexpr int kProbes = 2'000'000;

	int64_t start(int64_t result, const Config &config, const std::string &prefix) {
		json body = {{"model_result", result},
		             {"input_topic", prefix + "-in"},
		             {"output_topic", prefix + "-out"},
		             {"input_format", "RAW"},
		             {"input_config", {{"data_type", "float32"}, {"data_reshape", "8 8 1"}}}};
		if (config.threshold) {
			body["exits"] = {{{"threshold", *config.threshold}, {"replicas", 1}}, {{"replicas", 1}}};
		} else {
			body["replicas"] = 1;
		}
		return services_.api().post("/inferences", body).at("id").get<int64_t>();
	}
	void stop(int64_t inference) {
		services_.api().post("/inferences/" + std::to_string(inference) + "/stop", json::object());
	}
	//! Untimed probes until every exit the config answers at has answered
	//! one: then every stage's replica consumes, and no timed input waits
	//! for a stage that is still joining its consumer group.
	void wait_until_every_exit_answers(ImageStream &stream, const Config &config, const std::string &tag) {
		std::map<int, Answer> probes;
		auto every_exit = [&] {
			bool early = false, late = false;
			for (const auto &[seq, answer] : probes) {
				early = early || answer.exit == 0;
				late = late || answer.exit == 1;
			}
			return late && (early || !config.threshold);
		};
		for (int probe = 0; !every_exit(); probe++) {
			if (probe > 1200) {
				throw std::runtime_error(tag + ": not every exit answered within 120 s of probing");
			}
			stream.produce(kProbes + probe, false);
			stream.consume(100ms, probes, every_exit);
		}
		stream.consume(500ms, probes, [] { return false; });
	}
	static size_t count_in(const std::map<int, Answer> &answers, int from, int count) {
		return static_cast<size_t>(std::distance(answers.lower_bound(from), answers.lower_bound(from + count)));
	}

	const Options &options_;
	std::filesystem::path dir_;
	const bench::KafkamlServices &services_;
};

//! The exit table's thresholds whose share at the first exit is nearest to
//! 3/4, 1/2 and 1/4, each once, in increasing order.
std::vector<double> thresholds_from(const json &result) {
	const json &rows = result.at("exits").at(0).at("thresholds");
	std::vector<double> picked;
	for (double target : {0.75, 0.5, 0.25}) {
		const json *best = nullptr;
		for (const auto &row : rows) {
			double share = row.value("share", 0.0);
			if (share <= 0.02 || share >= 0.98) {
				continue; // a chain whose second stage idles, or answers all
			}
			if (!best || std::abs(share - target) < std::abs(best->value("share", 0.0) - target)) {
				best = &row;
			}
		}
		if (best && std::find(picked.begin(), picked.end(), best->value("threshold", 0.0)) == picked.end()) {
			picked.push_back(best->value("threshold", 0.0));
		}
	}
	std::sort(picked.begin(), picked.end());
	if (picked.empty()) {
		throw std::runtime_error("no threshold of the exit table splits the inputs between the exits: " + rows.dump() +
		                         "; give --thresholds");
	}
	return picked;
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
		} else if (args.is("--thresholds")) {
			std::stringstream list(args.value());
			for (std::string value; std::getline(list, value, ',');) {
				options.thresholds.push_back(std::stod(value));
			}
		} else if (args.is("--models")) {
			options.models.clear();
			std::stringstream list(args.value());
			for (std::string name; std::getline(list, name, ',');) {
				if (name != "light" && name != "heavy") {
					throw std::runtime_error("--models takes light and heavy, not '" + name + "'");
				}
				options.models.push_back(name);
			}
		} else {
			args.unknown("--runs N --kafkaml PATH --rate N --seconds S --records N --thresholds T1,T2,... --models "
			             "light,heavy");
		}
	}
	if (options.runs < 1 || options.rate < 1 || options.seconds <= 0 || options.records < 2) {
		throw std::runtime_error("--runs, --rate, --seconds must be positive and --records at least 2");
	}
	return options;
}

//! One model's whole config and chains, run by run; prints its figures.
void bench_model(Bench &bench, const Options &options, const std::string &name, const char *code) {
	auto result = bench.train(name, code);
	const auto &exits = result.at("exits");
	std::printf("\n== %s: trained by the training job; validation accuracy: early %.3f, late %.3f\n", name.c_str(),
	            exits.at(0).at("metrics").value("accuracy", 0.0), exits.at(1).at("metrics").value("accuracy", 0.0));
	auto thresholds = options.thresholds.empty() ? thresholds_from(result) : options.thresholds;
	std::vector<Config> configs{{"whole", std::nullopt}};
	for (double t : thresholds) {
		char label[32];
		std::snprintf(label, sizeof(label), "chain t=%.2f", t);
		configs.push_back({label, t});
	}
	std::map<std::string, std::vector<RunFigures>> figures;
	auto result_id = result.at("id").get<int64_t>();
	for (int run = 0; run < options.runs; run++) {
		for (size_t k = 0; k < configs.size(); k++) {
			const auto &config = configs[(k + static_cast<size_t>(run)) % configs.size()];
			auto f = bench.measure(result_id, config, name + "-" + std::to_string(run));
			std::printf("run %d %-14s exit0 %5.1f%%  accuracy %.3f  p50 %.2f ms  p99 %.2f ms  %.0f predictions/s\n",
			            run, config.name.c_str(), 100 * f.first_exit_share, f.accuracy, f.p50_ms, f.p99_ms,
			            f.throughput);
			std::fflush(stdout);
			figures[config.name].push_back(f);
		}
	}
	auto med = [&](const std::string &config, const std::function<double(const RunFigures &)> &of) {
		std::vector<double> values;
		for (const auto &f : figures[config]) {
			values.push_back(of(f));
		}
		return median(values);
	};
	auto exit_latency = [&](const std::string &config, int exit, bool p99) {
		return med(config, [&](const RunFigures &f) {
			auto it = f.per_exit.find(exit);
			return it == f.per_exit.end() ? NAN : (p99 ? it->second.second : it->second.first);
		});
	};
	std::printf("%s, medians of %d run(s); %d inputs/s for %.0f s (latency), %d at once (throughput); one replica "
	            "per stage\n",
	            name.c_str(), options.runs, options.rate, options.seconds, options.records);
	std::printf("%-14s %7s %9s %9s %9s %10s %10s %10s %10s %12s\n", "config", "exit0", "accuracy", "p50 ms", "p99 ms",
	            "exit0 p50", "exit0 p99", "exit1 p50", "exit1 p99", "predict/s");
	for (const auto &config : configs) {
		const auto &n = config.name;
		std::printf("%-14s %6.1f%% %9.3f %9.2f %9.2f %10.2f %10.2f %10.2f %10.2f %12.0f\n", n.c_str(),
		            100 * med(n, [](const RunFigures &f) { return f.first_exit_share; }),
		            med(n, [](const RunFigures &f) { return f.accuracy; }),
		            med(n, [](const RunFigures &f) { return f.p50_ms; }),
		            med(n, [](const RunFigures &f) { return f.p99_ms; }), exit_latency(n, 0, false),
		            exit_latency(n, 0, true), exit_latency(n, 1, false), exit_latency(n, 1, true),
		            med(n, [](const RunFigures &f) { return f.throughput; }));
	}
	std::printf("chain / whole (latency: < 1 is faster; throughput: > 1 is more; accuracy: difference)\n");
	auto whole_p50 = med("whole", [](const RunFigures &f) { return f.p50_ms; });
	auto whole_p99 = med("whole", [](const RunFigures &f) { return f.p99_ms; });
	auto whole_throughput = med("whole", [](const RunFigures &f) { return f.throughput; });
	auto whole_accuracy = med("whole", [](const RunFigures &f) { return f.accuracy; });
	for (size_t k = 1; k < configs.size(); k++) {
		const auto &n = configs[k].name;
		std::printf("%-14s p50 %5.2fx  p99 %5.2fx  exit0 p50 %5.2fx  throughput %5.2fx  accuracy %+.3f\n", n.c_str(),
		            med(n, [](const RunFigures &f) { return f.p50_ms; }) / whole_p50,
		            med(n, [](const RunFigures &f) { return f.p99_ms; }) / whole_p99,
		            exit_latency(n, 0, false) / whole_p50,
		            med(n, [](const RunFigures &f) { return f.throughput; }) / whole_throughput,
		            med(n, [](const RunFigures &f) { return f.accuracy; }) - whole_accuracy);
	}
	std::fflush(stdout);
}

int main_bench(int argc, char **argv) {
	auto options = parse(argc, argv);
	testing::TempDir temp("exits-bench");
	bench::KafkamlServices services(options.kafkaml, temp.path());
	Bench bench(options, temp.path(), services);
	for (const auto &model : options.models) {
		bench_model(bench, options, model, model == "light" ? testing::kTwoExitCnn : kHeavyTailCnn);
	}
	return 0;
}

} // namespace
} // namespace kafkaml

int main(int argc, char **argv) {
	try {
		return kafkaml::main_bench(argc, argv);
	} catch (const std::exception &e) {
		std::fprintf(stderr, "exits_bench: %s\n", e.what());
		return 1;
	}
}
