// `kafkaml deploy CONFIGURATION --batch 10 --kwargs-fit "epochs=..." [--kwargs-val ...]
// [--mode incremental --stream-timeout 60000 --window-size 1000 ...] [--cpu 1.5 --memory 512Mi]`:
// deploys a configuration for training (one result per model) and prints the
// results' ids; `kafkaml deployments list|get|stop|delete` follow it. Main thread.

#include "cli/command_registry.h"
#include "cli/resources_options.h"
#include "client/cli_support.h"
#include "ml/spec/parse.h"

#include <optional>

namespace kafkaml::cli {

namespace {

using nlohmann::json;

// Checked here by the parser the server and the training job use, so a
// mistake is a usage error before anything is sent; sent as written.
json checked_kwargs(const std::string &option, const std::string &text) {
	try {
		ml::parse_fit_kwargs(text);
	} catch (const ml::ModelDefinitionError &e) {
		client::usage_error(option + ": " + e.what());
	}
	return text.empty() ? json::object() : json(text);
}

void add_deploy_command(CLI::App &root) {
	struct Args {
		int64_t configuration = 0;
		int64_t batch = 1;
		std::string kwargs_fit, kwargs_val;
		std::string mode;
		std::optional<int64_t> stream_timeout, window_size;
		std::optional<std::string> monitoring_metric, change;
		std::optional<double> improvement;
		std::optional<int64_t> version_every_records;
		std::optional<bool> drift_detection;
		std::optional<double> drift_threshold, drift_delta;
		std::optional<std::string> drift_response;
		ResourcesOptions resources;
	};
	auto args = std::make_shared<Args>();
	CLI::App *deploy = root.add_subcommand("deploy", "Deploy a configuration for training: one job per model waits "
	                                                 "for its data stream");
	auto conn = client::add_connection_options(*deploy);
	deploy->add_option("configuration", args->configuration, "configuration id")->required();
	deploy->add_option("--batch", args->batch, "batch size")->capture_default_str();
	deploy->add_option("--kwargs-fit", args->kwargs_fit,
	                   "fit arguments, e.g. \"epochs=1000, steps_per_epoch=22, shuffle=True\" or a JSON object");
	deploy->add_option("--kwargs-val", args->kwargs_val, "evaluate arguments, same form");
	deploy
	    ->add_option("--mode", args->mode,
	                 "batch: train once on the stream's ranges (default); incremental: learn from the stream as it "
	                 "arrives, each window scored then trained on, until --stream-timeout passes without a record; "
	                 "indefinite: the same until stopped")
	    ->check(CLI::IsMember({"batch", "incremental", "indefinite"}));
	deploy->add_option("--stream-timeout", args->stream_timeout,
	                   "ms without a record that end an incremental training (default 60000)");
	deploy->add_option("--window-size", args->window_size, "records scored then trained on at a time (default 1000)");
	deploy->add_option("--monitoring-metric", args->monitoring_metric,
	                   "the metric whose improvement marks a better model (default loss)");
	deploy->add_option("--change", args->change, "the direction in which the monitoring metric improves")
	    ->check(CLI::IsMember({"up", "down"}));
	deploy->add_option("--improvement", args->improvement,
	                   "how much the monitoring metric must improve, relative to the last model version's, for a new "
	                   "version (default 0.05)");
	deploy
	    ->add_option("--version-every-records", args->version_every_records,
	                 "also cut a model version once this many records were learned since the last (default: only "
	                 "when the monitoring metric improves)")
	    ->check(CLI::PositiveNumber);
	deploy->add_option("--drift-detection", args->drift_detection,
	                   "watch the prequential error for drift with the Page-Hinkley test (default true)");
	deploy->add_option("--drift-threshold", args->drift_threshold,
	                   "the test's lambda: the evidence of a higher error, summed over records, that is a drift "
	                   "(default 100)");
	deploy->add_option("--drift-delta", args->drift_delta,
	                   "the test's delta: the increase of the error per record that is tolerated (default 0.005)");
	deploy
	    ->add_option("--drift-response", args->drift_response,
	                 "what a drift does besides being reported: none (default), reset_optimizer (a fresh optimizer "
	                 "for the next window) or boost_learning_rate (10 times the learning rate, back to 1 over five "
	                 "windows)")
	    ->check(CLI::IsMember({"none", "reset_optimizer", "boost_learning_rate"}));
	args->resources.add_to(*deploy, "training job's container");
	deploy->callback([conn, args] {
		json body = {{"configuration", args->configuration},
		             {"batch", args->batch},
		             {"kwargs_fit", checked_kwargs("--kwargs-fit", args->kwargs_fit)},
		             {"kwargs_val", checked_kwargs("--kwargs-val", args->kwargs_val)}};
		// Absent options are left to the server's defaults.
		if (!args->mode.empty()) {
			body["mode"] = args->mode;
		}
		auto put = [&body](const char *name, const auto &option) {
			if (option) {
				body[name] = *option;
			}
		};
		put("stream_timeout", args->stream_timeout);
		put("window_size", args->window_size);
		put("monitoring_metric", args->monitoring_metric);
		put("change", args->change);
		put("improvement", args->improvement);
		put("version_every_records", args->version_every_records);
		put("drift_detection", args->drift_detection);
		put("drift_threshold", args->drift_threshold);
		put("drift_delta", args->drift_delta);
		put("drift_response", args->drift_response);
		args->resources.put(body);
		client::run_command([&] {
			json created = conn->client().post("/deployments", body);
			if (conn->json_output) {
				return client::print_object(*conn, created);
			}
			std::printf("deployment %s: results", created.value("id", json(0)).dump().c_str());
			for (const auto &r : created.value("results", json::array())) {
				std::printf(" %s (model %s)", r.value("id", json(0)).dump().c_str(),
				            r.value("model", json(0)).dump().c_str());
			}
			std::printf(
			    "\nsend its data stream with `kafkaml send ... --deployment-id %s`, then `kafkaml results watch`\n",
			    created.value("id", json(0)).dump().c_str());
		});
	});

	CLI::App *deployments = root.add_subcommand("deployments", "Training deployments: list, get, stop, delete");
	deployments->require_subcommand(1);
	auto dconn = client::add_connection_options(*deployments);
	deployments->add_subcommand("list", "List the deployments")->callback([dconn] {
		client::run_command([&] {
			json list = dconn->client().get("/deployments");
			for (auto &d : list) {
				json ids = json::array();
				for (const auto &r : d.value("results", json::array())) {
					ids.push_back(r.value("id", json(0)));
				}
				d["result_ids"] = ids;
				d["resources_text"] = resources_text(d.value("resources", json::object()));
			}
			client::print_list(*dconn,
			                   {{"ID", "id"},
			                    {"CONFIGURATION", "configuration"},
			                    {"BATCH", "batch"},
			                    {"MODE", "mode"},
			                    {"RESULTS", "result_ids"},
			                    {"RESOURCES", "resources_text"},
			                    {"KWARGS_FIT", "kwargs_fit_parsed"}},
			                   list);
		});
	});
	client::add_get_by_id(*deployments, dconn, "deployment", "/deployments");
	auto stop_id = std::make_shared<int64_t>();
	CLI::App *stop = deployments->add_subcommand("stop", "Stop every running training job of a deployment");
	stop->add_option("id", *stop_id, "deployment id")->required();
	stop->callback([dconn, stop_id] {
		client::run_command([&] {
			dconn->client().post("/deployments/" + std::to_string(*stop_id) + "/stop", json::object());
			std::printf("stopped deployment %lld\n", static_cast<long long>(*stop_id));
		});
	});
	client::add_delete_by_id(*deployments, dconn, "deployment", "/deployments",
	                         "Delete a deployment with its results and trained models (refused while one is active "
	                         "or an inference uses one)");
}

} // namespace

KAFKAML_REGISTER_COMMAND(42, add_deploy_command);

} // namespace kafkaml::cli
