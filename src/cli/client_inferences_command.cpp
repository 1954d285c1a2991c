// `kafkaml inferences list|get ID|create --result R --replicas N --input-topic I
// --output-topic O|scale ID N|stop ID|delete ID`: inference deployments of trained
// models (the REST API). Main thread.

#include "cli/command_registry.h"
#include "client/cli_support.h"
#include "common/json_input.h"

namespace kafkaml::cli {

namespace {

using nlohmann::json;

//! The server's notes (e.g. the input topic it created) and warnings (e.g.
//! replicas beyond the input's partitions), on stderr.
void print_warnings(const json &answer) {
	for (const char *kind : {"notes", "warnings"}) {
		for (const auto &text : answer.value(kind, json::array())) {
			std::fprintf(stderr, "%s%s\n", std::string_view(kind) == "warnings" ? "warning: " : "",
			             text.is_string() ? text.get<std::string>().c_str() : text.dump().c_str());
		}
	}
}

void add_inferences_command(CLI::App &root) {
	CLI::App *group =
	    root.add_subcommand("inferences", "Inference deployments: list, get, create, scale, stop, delete");
	group->require_subcommand(1);
	auto conn = client::add_connection_options(*group);

	group->add_subcommand("list", "List the inferences")->callback([conn] {
		client::run_command([&] {
			client::print_list(*conn,
			                   {{"ID", "id"},
			                    {"RESULT", "model_result"},
			                    {"REPLICAS", "replicas"},
			                    {"STATUS", "status"},
			                    {"FORMAT", "input_format"},
			                    {"INPUT", "input_topic"},
			                    {"OUTPUT", "output_topic"}},
			                   conn->client().get("/inferences"));
		});
	});

	client::add_get_by_id(*group, conn, "inference", "/inferences");

	struct CreateArgs {
		int64_t result = 0, replicas = 1;
		std::string input_topic, output_topic, input_format, input_config;
	};
	auto args = std::make_shared<CreateArgs>();
	CLI::App *create = group->add_subcommand(
	    "create", "Deploy a finished result for inference; format and config default to its training stream's");
	create->add_option("--result", args->result, "result id (finished)")->required();
	create->add_option("--replicas", args->replicas, "replicas (one consumer group)")->capture_default_str();
	create->add_option("--input-topic", args->input_topic, "topic the inputs arrive on")->required();
	create->add_option("--output-topic", args->output_topic, "topic for the predictions")->required();
	create->add_option("--input-format", args->input_format, "RAW or AVRO (default: the training stream's)");
	create->add_option("--input-config", args->input_config, "input_config as a JSON object");
	create->callback([conn, args] {
		json body = {{"model_result", args->result},
		             {"replicas", args->replicas},
		             {"input_topic", args->input_topic},
		             {"output_topic", args->output_topic}};
		if (!args->input_format.empty()) {
			body["input_format"] = args->input_format;
		}
		if (!args->input_config.empty()) {
			auto config = try_parse_json(args->input_config);
			if (!config || !config->is_object()) {
				client::usage_error("--input-config must be a JSON object, e.g. '{\"data_type\": \"float32\"}'");
			}
			body["input_config"] = *config;
		}
		client::run_command([&] {
			json created = conn->client().post("/inferences", body);
			if (conn->json_output) {
				return client::print_object(*conn, created);
			}
			print_warnings(created);
			std::printf("created inference %s: %s -> %s, %s replica(s)\n", created.value("id", json(0)).dump().c_str(),
			            created.value("input_topic", std::string()).c_str(),
			            created.value("output_topic", std::string()).c_str(),
			            created.value("replicas", json(0)).dump().c_str());
		});
	});

	auto scale_id = std::make_shared<int64_t>();
	auto replicas = std::make_shared<int64_t>();
	CLI::App *scale = group->add_subcommand("scale", "Change the number of replicas");
	scale->add_option("id", *scale_id, "inference id")->required();
	scale->add_option("replicas", *replicas, "new number of replicas")->required();
	scale->callback([conn, scale_id, replicas] {
		client::run_command([&] {
			json scaled =
			    conn->client().post("/inferences/" + std::to_string(*scale_id) + "/scale", {{"replicas", *replicas}});
			print_warnings(scaled);
			std::printf("inference %lld scaled to %lld replica(s)\n", static_cast<long long>(*scale_id),
			            static_cast<long long>(*replicas));
		});
	});

	auto stop_id = std::make_shared<int64_t>();
	CLI::App *stop = group->add_subcommand("stop", "Stop an inference's replicas");
	stop->add_option("id", *stop_id, "inference id")->required();
	stop->callback([conn, stop_id] {
		client::run_command([&] {
			conn->client().post("/inferences/" + std::to_string(*stop_id) + "/stop", json::object());
			std::printf("stopped inference %lld\n", static_cast<long long>(*stop_id));
		});
	});
	client::add_delete_by_id(*group, conn, "inference", "/inferences", "Delete an inference (refused until stopped)");
}

} // namespace

KAFKAML_REGISTER_COMMAND(44, add_inferences_command);

} // namespace kafkaml::cli
