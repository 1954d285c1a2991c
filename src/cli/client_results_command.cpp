// `kafkaml results list [--deployment D]|get ID [--epochs]|versions ID|download ID -o FILE [--version V]
// [--format pytorch]|stop ID|delete ID|watch ID...`.
// `watch` polls the server once a second (main thread, no other threads): on
// a terminal it redraws one progress bar per result in place; otherwise it
// prints a line whenever a result's line changes. It returns when every
// result is terminal: exit 0 if all finished, 1 if any failed or stopped.

#include "cli/command_registry.h"
#include "client/cli_support.h"
#include "client/progress.h"
#include "client/result_summary.h"

#include <chrono>
#include <fstream>
#include <map>
#include <thread>
#include <unistd.h>

namespace kafkaml::cli {

namespace {

using nlohmann::json;

//! Planned epochs of a result's deployment (kwargs_fit epochs), 0 if unknown.
long planned_epochs(const client::ApiClient &api, const json &result, std::map<int64_t, long> &cache) {
	int64_t deployment = result.value("deployment", int64_t(0));
	auto found = cache.find(deployment);
	if (found != cache.end()) {
		return found->second;
	}
	long epochs = 0;
	try {
		json parsed = api.get("/deployments/" + std::to_string(deployment)).value("kwargs_fit_parsed", json::object());
		if (parsed.is_object() && parsed.contains("epochs") && parsed["epochs"].is_number()) {
			epochs = parsed["epochs"].get<long>();
		} else {
			epochs = 1; // Keras' default
		}
	} catch (const client::ClientError &) {
		epochs = 0;
	}
	cache[deployment] = epochs;
	return epochs;
}

int watch(const client::Connection &conn, const std::vector<int64_t> &ids, double interval) {
	client::ApiClient api = conn.client();
	bool tty = isatty(STDOUT_FILENO) == 1;
	std::map<int64_t, long> planned;
	std::vector<std::string> last(ids.size());
	bool drawn = false;
	while (true) {
		bool all_terminal = true, any_bad = false;
		std::vector<std::string> lines;
		for (int64_t id : ids) {
			// Only the newest epoch: a result may hold hundreds of thousands.
			json result = api.get("/results/" + std::to_string(id) + "?epochs=last");
			std::string status = result.value("status", std::string());
			all_terminal = all_terminal && client::is_terminal_status(status);
			any_bad = any_bad || status == "failed" || status == "stopped";
			lines.push_back(client::progress_line(result, planned_epochs(api, result, planned), tty ? 30 : 0));
		}
		if (tty) {
			if (drawn) {
				std::printf("\033[%zuA", lines.size());
			}
			for (const auto &line : lines) {
				std::printf("\r\033[K%s\n", line.c_str());
			}
			drawn = true;
		} else {
			for (size_t i = 0; i < lines.size(); i++) {
				if (lines[i] != last[i]) {
					std::printf("%s\n", lines[i].c_str());
				}
			}
		}
		std::fflush(stdout);
		last = lines;
		if (all_terminal) {
			return any_bad ? 1 : 0;
		}
		std::this_thread::sleep_for(std::chrono::duration<double>(interval));
	}
}

void add_results_command(CLI::App &root) {
	CLI::App *group = root.add_subcommand("results", "Training results: list, get, download, stop, watch, delete");
	group->require_subcommand(1);
	auto conn = client::add_connection_options(*group);

	auto deployment = std::make_shared<std::optional<int64_t>>();
	CLI::App *list = group->add_subcommand("list", "List the results");
	list->add_option("--deployment", *deployment, "only the results of this deployment");
	list->callback([conn, deployment] {
		client::run_command([&] {
			std::string path = "/results";
			if (*deployment) {
				path += "?deployment=" + std::to_string(**deployment);
			}
			json rows = conn->client().get(path);
			for (auto &r : rows) {
				const json &last = r.value("last_epoch", json());
				r["epoch"] = last.is_object() ? last.value("epoch", json(nullptr)) : json(nullptr);
			}
			client::print_list(*conn,
			                   {{"ID", "id"},
			                    {"DEPLOYMENT", "deployment"},
			                    {"MODEL", "model"},
			                    {"STATUS", "status"},
			                    {"EPOCH", "epoch"},
			                    {"TRAIN_TIME_S", "training_time"},
			                    {"VAL_METRICS", "val_metrics"}},
			                   rows);
		});
	});

	auto get_id = std::make_shared<int64_t>();
	auto all_epochs = std::make_shared<bool>(false);
	CLI::App *get = group->add_subcommand(
	    "get", "Show one result: status, metrics, training time and its last epochs (--epochs: all; --json: "
	           "everything)");
	get->add_option("id", *get_id, "result id")->required();
	get->add_flag("--epochs", *all_epochs, "list every epoch, not only the last few");
	get->callback([conn, get_id, all_epochs] {
		client::run_command([&] {
			auto api = conn->client();
			std::string path = "/results/" + std::to_string(*get_id);
			if (conn->json_output || *all_epochs) {
				json result = api.get(path);
				if (conn->json_output) {
					std::printf("%s\n", result.dump(2).c_str());
					return;
				}
				std::fputs(client::result_summary(result, -1).c_str(), stdout);
				return;
			}
			// The summary shows the last few epochs: fetch only those.
			constexpr long shown = 5;
			json last = api.get(path + "?epochs=last").value("last_epoch", json());
			long newest = last.is_object() ? last.value("epoch", 0L) : 0L;
			json result = api.get(path + "?since_epoch=" + std::to_string(newest - shown));
			std::fputs(client::result_summary(result, shown).c_str(), stdout);
		});
	});

	auto versions_id = std::make_shared<int64_t>();
	CLI::App *versions = group->add_subcommand(
	    "versions", "List the model versions of an incremental or indefinite result: when each was cut, the records "
	                "it had learned from and its prequential metrics (download one with download --version)");
	versions->add_option("id", *versions_id, "result id")->required();
	versions->callback([conn, versions_id] {
		client::run_command([&] {
			json rows = conn->client().get("/results/" + std::to_string(*versions_id) + "/versions");
			client::print_list(*conn,
			                   {{"VERSION", "version"},
			                    {"CREATED_AT", "created_at"},
			                    {"RECORDS", "records"},
			                    {"BYTES", "size"},
			                    {"METRICS", "metrics"}},
			                   rows);
		});
	});

	auto download_id = std::make_shared<int64_t>();
	auto output = std::make_shared<std::string>();
	auto format = std::make_shared<std::string>("kafkaml");
	auto version = std::make_shared<std::optional<int64_t>>();
	CLI::App *download = group->add_subcommand(
	    "download",
	    "Download a result's trained model (finished, or stopped after it learned), or one of its versions");
	download->add_option("id", *download_id, "result id")->required();
	download->add_option("--version", *version, "this model version instead (see results versions)")
	    ->check(CLI::PositiveNumber);
	download->add_option("-o,--output", *output, "file to write")->required();
	download
	    ->add_option("--format", *format,
	                 "kafkaml (the file kafkaml infer loads) or pytorch (a file Python's torch.load reads)")
	    ->capture_default_str()
	    ->check(CLI::IsMember({"kafkaml", "pytorch"}));
	download->callback([conn, download_id, output, format, version] {
		client::run_command([&] {
			std::string path = "/results/" + std::to_string(*download_id);
			if (*version) {
				path += "/versions/" + std::to_string(**version);
			}
			std::string bytes = conn->client().get_bytes(path + "/model?format=" + *format);
			std::ofstream file(*output, std::ios::binary);
			if (!file.write(bytes.data(), std::streamsize(bytes.size()))) {
				throw client::ClientError("cannot write '" + *output + "'; check the directory and free space");
			}
			std::printf("wrote %zu bytes to %s\n", bytes.size(), output->c_str());
		});
	});

	auto stop_id = std::make_shared<int64_t>();
	CLI::App *stop = group->add_subcommand("stop", "Stop a result's training job");
	stop->add_option("id", *stop_id, "result id")->required();
	stop->callback([conn, stop_id] {
		client::run_command([&] {
			json r = conn->client().post("/results/" + std::to_string(*stop_id) + "/stop", json::object());
			std::printf("result %lld is %s\n", static_cast<long long>(*stop_id),
			            r.value("status", std::string()).c_str());
		});
	});

	client::add_delete_by_id(*group, conn, "result", "/results",
	                         "Delete a result with its epochs and model (refused until it ended, or while an inference "
	                         "uses it)");

	auto watch_ids = std::make_shared<std::vector<int64_t>>();
	auto interval = std::make_shared<double>(1.0);
	CLI::App *watch_cmd = group->add_subcommand(
	    "watch", "Follow results until they end: a progress bar each on a terminal, a line per change otherwise; "
	             "exit status 1 if any failed or was stopped");
	watch_cmd->add_option("ids", *watch_ids, "result ids")->required();
	watch_cmd->add_option("--interval", *interval, "seconds between polls")
	    ->capture_default_str()
	    ->check(CLI::PositiveNumber);
	watch_cmd->callback([conn, watch_ids, interval] {
		int status = 0;
		client::run_command([&] { status = watch(*conn, *watch_ids, *interval); });
		if (status != 0) {
			throw CLI::RuntimeError(status);
		}
	});
}

} // namespace

KAFKAML_REGISTER_COMMAND(43, add_results_command);

} // namespace kafkaml::cli
