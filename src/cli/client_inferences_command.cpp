// `kafkaml inferences list|get ID|create --result R --replicas N --input-topic I
// --output-topic O [--model-version latest|V] [--input-kafka-broker C] [--output-kafka-broker C]
// [--cpu 1.5 --memory 512Mi] [--exit-threshold T ...] [--exit-replicas N ...] [--exit-confidence R ...]|scale ID
// N|version ID [latest|V]|exits ID [--threshold K=V ...]|stop ID|delete ID|clusters`: inference deployments of trained
// models (the REST
// API). Main thread.

#include "cli/command_registry.h"
#include "cli/resources_options.h"
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

//! "latest" or a version's number, as the API takes it; a usage error otherwise.
json model_version_value(const std::string &text) {
	if (text == "latest") {
		return "latest";
	}
	char *end = nullptr;
	long long version = std::strtoll(text.c_str(), &end, 10);
	if (text.empty() || *end != '\0' || version < 1) {
		client::usage_error("the model version must be \"latest\" or a version's number (1 or more; kafkaml "
		                    "results versions ID lists them), not \"" +
		                    text + "\"");
	}
	return version;
}

std::string served_text(const json &value) {
	return value.is_null()     ? std::string("its trained model")
	       : value.is_string() ? value.get<std::string>()
	                           : value.dump();
}

void add_inferences_command(CLI::App &root) {
	CLI::App *group = root.add_subcommand(
	    "inferences", "Inference deployments: list, get, create, scale, version, exits, stop, delete, clusters");
	group->require_subcommand(1);
	auto conn = client::add_connection_options(*group);

	group->add_subcommand("list", "List the inferences")->callback([conn] {
		client::run_command([&] {
			json list = conn->client().get("/inferences");
			for (auto &inference : list) {
				inference["resources_text"] = resources_text(inference.value("resources", json::object()));
			}
			client::print_list(*conn,
			                   {{"ID", "id"},
			                    {"RESULT", "model_result"},
			                    {"VERSION", "model_version"},
			                    {"REPLICAS", "replicas"},
			                    {"STATUS", "status"},
			                    {"FORMAT", "input_format"},
			                    {"INPUT", "input_topic"},
			                    {"INPUT KAFKA", "input_kafka_broker"},
			                    {"OUTPUT", "output_topic"},
			                    {"OUTPUT KAFKA", "output_kafka_broker"},
			                    {"RESOURCES", "resources_text"}},
			                   list);
		});
	});

	group->add_subcommand("clusters", "List the Kafka clusters an inference may read from or write to")
	    ->callback([conn] {
		    client::run_command([&] {
			    client::print_list(*conn,
			                       {{"NAME", "name"},
			                        {"BOOTSTRAP", "bootstrap_servers"},
			                        {"SECURITY", "security_protocol"},
			                        {"SASL", "sasl_mechanism"}},
			                       conn->client().get("/clusters"));
		    });
	    });

	client::add_get_by_id(*group, conn, "inference", "/inferences");

	struct CreateArgs {
		int64_t result = 0, replicas = 1;
		std::string input_topic, output_topic, input_format, input_config, model_version;
		std::string input_kafka_broker, output_kafka_broker;
		ResourcesOptions resources;
		std::vector<double> exit_thresholds;
		std::vector<int64_t> exit_replicas;
		std::vector<std::string> exit_confidence;
	};
	auto args = std::make_shared<CreateArgs>();
	CLI::App *create = group->add_subcommand(
	    "create", "Deploy a result for inference (a batch training's once finished; an incremental or indefinite "
	              "one's also while training); format and config default to its training stream's");
	create->add_option("--result", args->result, "result id (a batch training's must be finished)")->required();
	create->add_option("--replicas", args->replicas, "replicas (one consumer group)")->capture_default_str();
	create->add_option("--input-topic", args->input_topic, "topic the inputs arrive on")->required();
	create->add_option("--output-topic", args->output_topic, "topic for the predictions")->required();
	create->add_option("--input-format", args->input_format, "RAW or AVRO (default: the training stream's)");
	create->add_option("--input-config", args->input_config, "input_config as a JSON object");
	create->add_option("--model-version", args->model_version,
	                   "of an incremental or indefinite training: \"latest\" (the default: follow its newest "
	                   "version) or a version's number");
	create->add_option("--input-kafka-broker", args->input_kafka_broker,
	                   "Kafka cluster of the input topic: a cluster the server configures (kafkaml inferences "
	                   "clusters lists them) or a bootstrap list host:port[,host:port] (default: \"default\", the "
	                   "server's own)");
	create->add_option("--output-kafka-broker", args->output_kafka_broker,
	                   "Kafka cluster of the output and dead-letter topics, as --input-kafka-broker");
	args->resources.add_to(*create, "replica's container");
	// Early exits: one value per output (exit) of the model, in order,
	// repeated or comma-separated.
	create
	    ->add_option("--exit-threshold", args->exit_thresholds,
	                 "early exits: the confidence at which an input is answered at each exit (the last is "
	                 "ignored: it answers the rest), e.g. --exit-threshold 0.9,0")
	    ->delimiter(',');
	create
	    ->add_option("--exit-confidence", args->exit_confidence,
	                 "early exits: how each exit's confidence is measured: top_probability (default), margin "
	                 "(best minus second best class) or entropy (1 - normalised entropy), e.g. "
	                 "--exit-confidence margin,margin")
	    ->delimiter(',');
	create
	    ->add_option("--exit-replicas", args->exit_replicas,
	                 "early exits: the replicas of each stage (default: 1 each)")
	    ->delimiter(',');
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
		if (!args->model_version.empty()) {
			body["model_version"] = model_version_value(args->model_version);
		}
		if (!args->input_kafka_broker.empty()) {
			body["input_kafka_broker"] = args->input_kafka_broker;
		}
		if (!args->output_kafka_broker.empty()) {
			body["output_kafka_broker"] = args->output_kafka_broker;
		}
		args->resources.put(body);
		if (!args->exit_replicas.empty() && args->exit_replicas.size() != args->exit_thresholds.size()) {
			client::usage_error("give --exit-replicas once per --exit-threshold (one of each per exit)");
		}
		if (!args->exit_confidence.empty() && args->exit_confidence.size() != args->exit_thresholds.size()) {
			client::usage_error("give --exit-confidence once per --exit-threshold (one of each per exit)");
		}
		if (!args->exit_thresholds.empty()) {
			json exits = json::array();
			for (size_t k = 0; k < args->exit_thresholds.size(); ++k) {
				json exit = {{"threshold", args->exit_thresholds[k]}};
				if (!args->exit_replicas.empty()) {
					exit["replicas"] = args->exit_replicas[k];
				}
				if (!args->exit_confidence.empty()) {
					exit["confidence"] = args->exit_confidence[k];
				}
				exits.push_back(exit);
			}
			body["exits"] = exits;
		}
		client::run_command([&] {
			json created = conn->client().post("/inferences", body);
			if (conn->json_output) {
				return client::print_object(*conn, created);
			}
			print_warnings(created);
			std::printf("created inference %s: %s (Kafka %s) -> %s (Kafka %s), %s replica(s)\n",
			            created.value("id", json(0)).dump().c_str(),
			            created.value("input_topic", std::string()).c_str(),
			            created.value("input_kafka_broker", std::string("default")).c_str(),
			            created.value("output_topic", std::string()).c_str(),
			            created.value("output_kafka_broker", std::string("default")).c_str(),
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

	auto version_id = std::make_shared<int64_t>();
	auto version = std::make_shared<std::string>();
	CLI::App *pin = group->add_subcommand(
	    "version", "Show the model version an inference serves, or pin one (a number) or follow the latest again");
	pin->add_option("id", *version_id, "inference id")->required();
	pin->add_option("version", *version, "\"latest\" or a version's number; leave out to show");
	pin->callback([conn, version_id, version] {
		auto path = "/inferences/" + std::to_string(*version_id) + "/version";
		json body;
		if (!version->empty()) {
			body = {{"model_version", model_version_value(*version)}};
		}
		client::run_command([&] {
			json answer = version->empty() ? conn->client().get(path) : conn->client().post(path, body);
			if (conn->json_output) {
				return client::print_object(*conn, answer);
			}
			std::string serving = !answer.value("ready", false)
			                          ? "nothing yet (its result has no version so far)"
			                          : (answer["version"].is_null() ? std::string("the trained model")
			                                                         : "version " + answer["version"].dump());
			std::printf("inference %lld serves %s of result %s (model_version: %s)\n",
			            static_cast<long long>(*version_id), serving.c_str(), answer["model_result"].dump().c_str(),
			            served_text(answer["model_version"]).c_str());
		});
	});

	struct ExitsArgs {
		int64_t id = 0;
		std::vector<std::string> thresholds; //!< K=V
	};
	auto exits_args = std::make_shared<ExitsArgs>();
	CLI::App *exits = group->add_subcommand(
	    "exits", "Show the stages of an inference with early exits and their figures, or change thresholds");
	exits->add_option("id", exits_args->id, "inference id")->required();
	exits->add_option("--threshold", exits_args->thresholds,
	                  "EXIT=VALUE: the new threshold of exit EXIT (0-based); repeat for several");
	exits->callback([conn, exits_args] {
		auto base = "/inferences/" + std::to_string(exits_args->id);
		client::run_command([&] {
			if (!exits_args->thresholds.empty()) {
				json current = conn->client().get(base + "/exits");
				json thresholds = current.value("thresholds", json::array());
				for (const auto &change : exits_args->thresholds) {
					auto equals = change.find('=');
					char *end = nullptr;
					long exit = equals == std::string::npos ? -1 : std::strtol(change.c_str(), &end, 10);
					if (exit < 0 || end != change.c_str() + equals || size_t(exit) >= thresholds.size()) {
						client::usage_error("--threshold takes EXIT=VALUE with EXIT one of the inference's " +
						                    std::to_string(thresholds.size()) + " exits (0-based), not \"" + change +
						                    "\"");
					}
					auto value = try_parse_json(change.substr(equals + 1));
					if (!value || !value->is_number()) {
						client::usage_error("--threshold " + change + ": the value must be a number from 0 to 1");
					}
					thresholds[static_cast<size_t>(exit)] = *value;
				}
				conn->client().post(base + "/exits", {{"thresholds", thresholds}});
			}
			json inference = conn->client().get(base);
			if (conn->json_output) {
				return client::print_object(*conn, {{"exits", inference.value("exits", json::array())},
				                                    {"stages", inference.value("stages", json::array())}});
			}
			if (inference.value("exits", json::array()).empty()) {
				std::printf("inference %lld serves its model whole: it has no early exits\n",
				            static_cast<long long>(exits_args->id));
				return;
			}
			json rows = json::array();
			auto figures = inference.value("stages", json::array());
			for (size_t k = 0; k < inference["exits"].size(); ++k) {
				json row = inference["exits"][k];
				if (k < figures.size()) {
					row.update(figures[k]);
				}
				rows.push_back(row);
			}
			client::print_list(*conn,
			                   {{"EXIT", "exit"},
			                    {"THRESHOLD", "threshold"},
			                    {"REPLICAS", "replicas"},
			                    {"INPUT", "input_topic"},
			                    {"KAFKA", "bootstrap_servers"},
			                    {"INPUTS/S", "inputs_per_second"},
			                    {"LAG", "consumer_lag"},
			                    {"ANSWERED", "answered_total"},
			                    {"FORWARDED", "forwarded_total"},
			                    {"SHARE", "answered_share"}},
			                   rows);
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
