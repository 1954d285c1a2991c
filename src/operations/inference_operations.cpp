#include "operations/inference_operations.h"

#include "operations/operation_errors.h"

#include "common/json_input.h"
#include "common/kafka_address.h"
#include "ml/spec/exit_confidence.h"
#include "ml/spec/parse.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <tuple>
#include <utility>

namespace kafkaml::operations {
namespace {

using nlohmann::json;

void check_replicas(int64_t replicas, int64_t max_replicas) {
	if (replicas < 1 || replicas > max_replicas) {
		throw InvalidField("replicas",
		                   "field \"replicas\" must be between 1 and " + std::to_string(max_replicas) +
		                       " (each replica is a process; the server's --max-replicas sets the limit), not " +
		                       std::to_string(replicas),
		                   {{"max", max_replicas}});
	}
}

// A partition is read by one member of a consumer group, so replicas beyond
// the partition count get nothing to do. Allowed (partitions may be added
// later), but said.
std::vector<std::string> idle_replica_warnings(const PartitionCounter &partition_count,
                                               const store::Inference &inference) {
	if (!partition_count || !inference.exits.empty()) {
		return {};
	}
	auto partitions = partition_count(inference.input_kafka_broker, inference.input_topic);
	if (!partitions || *partitions >= inference.replicas) {
		return {};
	}
	int64_t idle = inference.replicas - *partitions;
	std::string text = "inference " + std::to_string(inference.id) + " has " + std::to_string(inference.replicas) +
	                   " replicas but its input topic \"" + inference.input_topic + "\" has " +
	                   std::to_string(*partitions) + " partition(s): " + std::to_string(idle) +
	                   " replica(s) sit idle, as each partition is read by one replica. Add partitions (Kafka: "
	                   "kafka-topics.sh --alter --topic " +
	                   inference.input_topic + " --partitions " + std::to_string(inference.replicas) +
	                   ") or scale down to " + std::to_string(*partitions);
	spdlog::warn("{}", text);
	return {text};
}

// Kafka's rule for topic names: a bad one would only fail later, in every
// replica.
void check_topic_name(const char *field, const std::string &topic) {
	bool valid = !topic.empty() && topic.size() <= 249 && topic != "." && topic != ".." &&
	             std::all_of(topic.begin(), topic.end(),
	                         [](unsigned char c) { return std::isalnum(c) || c == '.' || c == '_' || c == '-'; });
	if (!valid) {
		throw InvalidField(field, std::string("field \"") + field + "\" is not a valid Kafka topic name: \"" + topic +
		                              "\"; use 1 to 249 of the characters a-z A-Z 0-9 . _ - (but not \".\" or \"..\")");
	}
}

void check_topics(const store::Inference &i) {
	for (auto [field, topic] : {std::pair{"input_topic", &i.input_topic}, std::pair{"output_topic", &i.output_topic},
	                            std::pair{"dead_letter_topic", &i.dead_letter_topic}}) {
		check_topic_name(field, *topic);
	}
	if (i.output_topic == i.input_topic || i.dead_letter_topic == i.input_topic) {
		const char *field = i.output_topic == i.input_topic ? "output_topic" : "dead_letter_topic";
		throw InvalidField(field, std::string("field \"") + field +
		                              "\" is the input topic: the replicas would read what they write; name another "
		                              "topic");
	}
}

// The input's format, when not given, is that of the stream the model
// trained on: as its training job read it, or else as the control logger
// recorded it.
void fill_input_format(store::Store &store, const store::Result &result, store::Inference &i) {
	if ((i.input_format.empty() || i.input_config.is_null()) && !result.input_format.empty()) {
		if (i.input_format.empty()) {
			i.input_format = result.input_format;
		}
		if (i.input_config.is_null()) {
			i.input_config = result.input_config;
		}
	}
	if (i.input_format.empty() || i.input_config.is_null()) {
		if (auto source = store.latest_datasource(result.deployment)) {
			if (i.input_format.empty()) {
				i.input_format = format_name(source->input_format);
			}
			if (i.input_config.is_null()) {
				i.input_config = source->input_config;
			}
		}
	}
	if (i.input_format.empty()) {
		throw UserError("field \"input_format\" is required (RAW, AVRO or JSON): no data stream was recorded for "
		                "deployment " +
		                std::to_string(result.deployment) + " to take it from");
	}
	if (i.input_format != "RAW" && i.input_format != "AVRO" && i.input_format != "JSON") {
		throw InvalidField("input_format", "field \"input_format\" must be RAW, AVRO or JSON, not " + i.input_format);
	}
	if (i.input_config.is_null()) {
		i.input_config = json::object();
	}
}

// A batch training has one model; a continual one has versions and is
// followed by default.
void choose_served_model(store::Store &store, const store::Result &result, const InferenceRequest &request,
                         store::Inference &i) {
	bool continual = store.get_deployment(result.deployment).mode != "batch";
	if (!continual) {
		// Checked before anything else about the request (its format, the
		// input topic): a batch training has no model to serve until it ends.
		bool servable = result.status == store::ResultStatus::Finished ||
		                (result.status == store::ResultStatus::Stopped && result.trained_model_size > 0);
		if (!servable) {
			throw store::Conflict("result " + std::to_string(result.id) + " is " +
			                      std::string(store::to_string(result.status)) +
			                      (result.status == store::ResultStatus::Stopped ? " without a trained model" : "") +
			                      "; a batch training serves its model only once finished: wait for it (GET "
			                      "/api/v1/results/" +
			                      std::to_string(result.id) + ") or pick a finished result");
		}
		if (request.served && *request.served != store::ServedModel::Trained) {
			throw InvalidField("model_version", "result " + std::to_string(result.id) +
			                                        " was trained in batch mode: it has one model and no versions; "
			                                        "leave field \"model_version\" out");
		}
		i.served = store::ServedModel::Trained;
		return;
	}
	i.served = request.served.value_or(store::ServedModel::Latest);
	if (i.served == store::ServedModel::Trained) {
		i.served = store::ServedModel::Latest;
	}
	i.pinned_version = request.pinned_version;
}

store::Inference mark_inference_stopped(store::Store &store, int64_t id) {
	try {
		return store.update_inference_status(id, store::InferenceStatus::Stopped, "stopped by the user");
	} catch (const store::Conflict &) {
		auto current = store.get_inference(id);
		if (store::is_terminal(current.status)) {
			return current;
		}
		throw;
	}
}

void check_threshold(const char *field, double threshold) {
	if (!(threshold >= 0 && threshold <= 1)) {
		throw InvalidField(field, std::string("field \"") + field +
		                              "\" holds a threshold outside 0..1: an exit's confidence (by its rule: "
		                              "top-class probability unless another is chosen) is in 0..1 (0: answer "
		                              "every input there; 1: only certain ones)");
	}
}

// The chain's stages: checked against the model's outputs, each with its
// input topic and cluster. Stage 0 reads the inference's own input.
// The original's form (limit, output_upper): one entry per stage, all alike.
std::vector<ExitRequest> exits_from_upper_link(const InferenceRequest &request, size_t stages, int64_t result) {
	if (stages < 2) {
		throw InvalidField(request.limit ? "limit" : "output_upper",
		                   "\"limit\" and \"output_upper\" pass inputs on to an upper model, but the model of "
		                   "result " +
		                       std::to_string(result) +
		                       " has one output: it has no upper model. Leave them out to serve it whole");
	}
	if (!request.limit) {
		throw InvalidField("limit", "field \"limit\" is required with \"output_upper\": the top-class "
		                            "probability at which a stage answers instead of passing the input on");
	}
	check_threshold("limit", *request.limit);
	std::vector<ExitRequest> exits(stages);
	for (size_t k = 0; k < stages; ++k) {
		exits[k].replicas = request.replicas;
		if (k + 1 < stages) {
			exits[k].threshold = request.limit;
		}
		if (k >= 1) {
			exits[k].bootstrap_servers = request.upper_kafka_broker;
		}
	}
	exits[1].input_topic = request.output_upper;
	return exits;
}

void fill_exits(store::Store &store, const store::Result &result, const InferenceRequest &request,
                const InferenceEnvironment &environment, store::Inference &i) {
	bool upper_link = request.limit || request.output_upper || request.upper_kafka_broker;
	if (request.exits.empty() && !upper_link) {
		return;
	}
	if (!request.exits.empty() && upper_link) {
		throw InvalidField("exits", "give either \"exits\" or the original's \"limit\" and \"output_upper\", "
		                            "not both");
	}
	size_t stages = model_stage_count(store, result);
	const std::vector<ExitRequest> asked_exits =
	    upper_link ? exits_from_upper_link(request, stages, result.id) : request.exits;
	if (asked_exits.size() != stages) {
		throw InvalidField("exits",
		                   "field \"exits\" has " + std::to_string(asked_exits.size()) +
		                       " entries but the model of result " + std::to_string(result.id) + " (model " +
		                       std::to_string(result.model) + ") has " + std::to_string(stages) +
		                       " output(s), one exit each: give one entry per exit, in the model's output "
		                       "order",
		                   {{"stages", stages}});
	}
	i.exits.clear();
	i.replicas = 0;
	for (size_t k = 0; k < asked_exits.size(); ++k) {
		const auto &asked = asked_exits[k];
		bool last = k + 1 == asked_exits.size();
		if (!asked.threshold && !last) {
			throw InvalidField("exits", "exit " + std::to_string(k) +
			                                " needs a \"threshold\" (only the last stage's is ignored: it answers "
			                                "every input that reaches it)");
		}
		store::InferenceExit exit;
		exit.threshold = asked.threshold.value_or(0);
		check_threshold("exits", exit.threshold);
		if (asked.confidence) {
			auto rule = ml::parse_confidence_rule(*asked.confidence);
			if (!rule) {
				throw InvalidField("exits", "exit " + std::to_string(k) + " measures its confidence by \"" +
				                                *asked.confidence + "\": pick one of " + ml::confidence_rule_names());
			}
			exit.confidence = ml::to_string(*rule);
		}
		exit.replicas = asked.replicas;
		check_replicas(exit.replicas, environment.max_replicas);
		if (k == 0) {
			if (asked.input_topic && *asked.input_topic != i.input_topic) {
				throw InvalidField("exits", "exit 0 reads the inference's input topic \"" + i.input_topic +
				                                "\": leave its \"input_topic\" out");
			}
			if (asked.bootstrap_servers && *asked.bootstrap_servers != i.input_kafka_broker) {
				throw InvalidField("exits", "exit 0 reads from the inference's input_kafka_broker: leave its "
				                            "\"bootstrap_servers\" out");
			}
			exit.input_topic = i.input_topic;
			exit.kafka_broker = i.input_kafka_broker;
		} else {
			exit.input_topic = asked.input_topic.value_or(i.output_topic + "-stage-" + std::to_string(k));
			check_topic_name("exits", exit.input_topic);
			exit.kafka_broker = kafka_broker_of("exits", asked.bootstrap_servers, environment.kafka_clusters);
		}
		for (const auto &before : i.exits) {
			if (before.input_topic == exit.input_topic && before.kafka_broker == exit.kafka_broker) {
				throw InvalidField("exits", "two stages read the topic \"" + exit.input_topic +
				                                "\": give each stage a topic of its own");
			}
		}
		if (exit.input_topic == i.output_topic || exit.input_topic == i.dead_letter_topic) {
			throw InvalidField("exits", "stage " + std::to_string(k) +
			                                " would read the output or dead-letter topic \"" + exit.input_topic +
			                                "\"; name another topic");
		}
		i.replicas += exit.replicas;
		i.exits.push_back(std::move(exit));
	}
	if (i.replicas > environment.max_replicas) {
		throw InvalidField("exits", "the stages have " + std::to_string(i.replicas) +
		                                " replicas in all; the server's --max-replicas allows " +
		                                std::to_string(environment.max_replicas) + " per inference");
	}
}

} // namespace

size_t model_stage_count(store::Store &store, const store::Result &result) {
	auto model = store.get_model(result.model);
	if (model.framework != "keras") {
		throw InvalidField("exits", "model " + std::to_string(model.id) +
		                                " is a TorchScript module: its outputs, hence its exits, are not known to "
		                                "the server; early exits need a Keras-style model definition with one "
		                                "output per exit");
	}
	if (model.distributed) {
		// The original's sub-models: one exit each, the chain under this top.
		return store.submodel_chain(model.id).size();
	}
	try {
		return std::max<size_t>(1, ml::parse_model_definition(model.code).outputs.size());
	} catch (const std::exception &e) {
		throw InvalidField("exits", "the definition of model " + std::to_string(model.id) +
		                                " does not parse, so its exits are not known: " + e.what());
	}
}

store::Inference set_inference_thresholds(store::Store &store, int64_t id, const std::vector<double> &thresholds) {
	for (auto threshold : thresholds) {
		check_threshold("thresholds", threshold);
	}
	try {
		return store.set_inference_thresholds(id, thresholds);
	} catch (const store::InvalidArgument &e) {
		throw InvalidField("thresholds", e.what());
	}
}

InferenceOutcome create_inference(store::Store &store, executors::JobExecutor &executor,
                                  const InferenceRequest &request, const InferenceEnvironment &environment) {
	store::Inference i;
	i.model_result = request.model_result;
	i.replicas = request.replicas;
	check_replicas(i.replicas, environment.max_replicas);
	i.resources = resources_field(request.resources);
	i.input_topic = request.input_topic;
	i.output_topic = request.output_topic;
	i.dead_letter_topic = request.dead_letter_topic.value_or(i.input_topic + "-dead-letter");
	check_topics(i);
	i.input_kafka_broker =
	    kafka_broker_of("input_kafka_broker", request.input_kafka_broker, environment.kafka_clusters);
	i.output_kafka_broker =
	    kafka_broker_of("output_kafka_broker", request.output_kafka_broker, environment.kafka_clusters);
	i.input_format = format_name(request.input_format);
	i.input_config = request.input_config;
	store::Result result;
	try {
		result = store.get_result(i.model_result, {.which = store::EpochQuery::Which::none});
	} catch (const store::NotFound &e) {
		throw store::InvalidArgument(std::string(e.what()) + "; pick a finished result from GET /api/v1/results");
	}
	choose_served_model(store, result, request, i);
	fill_exits(store, result, request, environment, i);
	fill_input_format(store, result, i);
	if (environment.validate_input) {
		try {
			environment.validate_input(i.input_format, i.input_config);
		} catch (const ValidationError &e) {
			throw InvalidField("input_config", std::string("field \"input_config\" does not fit input_format ") +
			                                       i.input_format + ": " + e.what());
		}
	}
	InferenceOutcome outcome;
	// Each stage's topic gets one partition per replica of the stage that
	// reads it; a whole model's input topic one per replica.
	std::vector<std::tuple<std::string, std::string, int64_t>> topics;
	if (i.exits.empty()) {
		topics.emplace_back(i.input_kafka_broker, i.input_topic, i.replicas);
	}
	for (const auto &exit : i.exits) {
		topics.emplace_back(exit.kafka_broker, exit.input_topic, exit.replicas);
	}
	for (const auto &[broker, topic, partitions] : topics) {
		if (environment.create_input_topic &&
		    environment.create_input_topic(broker, topic, static_cast<int32_t>(partitions))) {
			outcome.notes.push_back("created the input topic \"" + topic + "\" with " + std::to_string(partitions) +
			                        " partition(s), one per replica");
		}
	}
	store::Inference created;
	try {
		created = store.create_inference(i);
	} catch (const store::InvalidArgument &e) {
		if (i.served != store::ServedModel::Pinned) {
			throw;
		}
		throw InvalidField("model_version", e.what());
	}
	try {
		executor.start_inference(created);
	} catch (const std::exception &e) {
		created = store.update_inference_status(created.id, store::InferenceStatus::Failed, e.what());
		throw NotStarted<store::Inference>(
		    std::string("the inference was recorded but its replicas could not start: ") + e.what(),
		    std::move(created));
	}
	outcome.warnings = idle_replica_warnings(environment.partition_count, created);
	outcome.inference = std::move(created);
	return outcome;
}

InferenceServing inference_serving(store::Store &store, int64_t id) {
	auto inference = store.get_inference(id);
	if (store::is_terminal(inference.status)) {
		throw store::Conflict("inference " + std::to_string(id) + " is " +
		                      std::string(store::to_string(inference.status)) + "; its replicas should end");
	}
	InferenceServing serving;
	serving.result = inference.model_result;
	switch (inference.served) {
	case store::ServedModel::Pinned:
		serving.version = inference.pinned_version;
		serving.ready = true;
		return serving;
	case store::ServedModel::Trained:
		serving.ready = true;
		return serving;
	case store::ServedModel::Latest:
		break;
	}
	if (auto latest = store.latest_result_version(inference.model_result)) {
		serving.version = latest->version;
		serving.ready = true;
		return serving;
	}
	auto result = store.get_result(inference.model_result, {.which = store::EpochQuery::Which::none});
	if (result.trained_model_size > 0) {
		// A result trained before versions existed: its model is all there is.
		serving.ready = true;
		return serving;
	}
	if (store::is_terminal(result.status)) {
		throw store::Conflict("result " + std::to_string(result.id) + " is " +
		                      std::string(store::to_string(result.status)) + " without any model version: inference " +
		                      std::to_string(id) +
		                      " has nothing to serve; stop it and deploy a result that learned from its stream");
	}
	return serving;
}

store::Inference set_inference_model_version(store::Store &store, int64_t id, store::ServedModel served,
                                             int64_t pinned_version) {
	try {
		return store.set_inference_served_model(id, served, pinned_version);
	} catch (const store::InvalidArgument &e) {
		throw InvalidField("model_version", e.what());
	}
}

InferenceOutcome scale_inference(store::Store &store, executors::JobExecutor &executor, int64_t id, int64_t replicas,
                                 const InferenceEnvironment &environment) {
	check_replicas(replicas, environment.max_replicas);
	if (!store.get_inference(id).exits.empty()) {
		throw store::Conflict("inference " + std::to_string(id) +
		                      " is a chain of early-exit stages, each with its own replicas: scaling it as a whole "
		                      "is not supported; stop it and create it again with the replicas of each exit");
	}
	auto scaled = store.set_inference_replicas(id, replicas);
	executor.scale(scaled.id, replicas);
	InferenceOutcome outcome;
	outcome.warnings = idle_replica_warnings(environment.partition_count, scaled);
	outcome.inference = std::move(scaled);
	return outcome;
}

store::Inference stop_inference(store::Store &store, executors::JobExecutor &executor, int64_t id) {
	auto current = store.get_inference(id);
	if (store::is_terminal(current.status)) {
		throw store::Conflict("inference " + std::to_string(id) + " is already " +
		                      std::string(store::to_string(current.status)) + "; there is nothing to stop");
	}
	executor.stop(store::JobKind::Inference, id);
	return mark_inference_stopped(store, id);
}

store::Inference fail_inference(store::Store &store, int64_t id, const std::string &replica,
                                const std::string &detail) {
	auto current = store.get_inference(id);
	if (store::is_terminal(current.status)) {
		throw store::Conflict("inference " + std::to_string(current.id) + " is already " +
		                      std::string(store::to_string(current.status)) + "; its replicas should end");
	}
	std::string reason = (replica.empty() ? std::string("a replica") : "replica " + replica) + " failed: " + detail;
	return store.update_inference_status(id, store::InferenceStatus::Failed, reason);
}

store::Inference accept_replica_report(store::Store &store, int64_t id, bool consuming) {
	auto inference = store.get_inference(id);
	if (store::is_terminal(inference.status)) {
		throw store::Conflict("inference " + std::to_string(id) + " is " +
		                      std::string(store::to_string(inference.status)) + "; its replicas should end");
	}
	if (inference.status == store::InferenceStatus::Deployed && consuming) {
		try {
			inference = store.update_inference_status(id, store::InferenceStatus::Running, "");
		} catch (const store::Conflict &) {
			// Stopped meanwhile: the next report is refused.
		}
	}
	return inference;
}

std::string kafka_broker_of(const char *field, const std::optional<std::string> &given,
                            const std::vector<std::string> &clusters) {
	if (!given || given->empty()) {
		return kDefaultKafkaCluster;
	}
	bool configured =
	    *given == kDefaultKafkaCluster || std::find(clusters.begin(), clusters.end(), *given) != clusters.end();
	if (configured || is_bootstrap_list(*given)) {
		return *given;
	}
	std::vector<std::string> names = clusters.empty() ? std::vector<std::string>{kDefaultKafkaCluster} : clusters;
	std::string listed;
	for (const auto &name : names) {
		listed += (listed.empty() ? "" : ", ") + name;
	}
	throw InvalidField(field,
	                   std::string("field \"") + field + "\" must name a Kafka cluster this server configures (" +
	                       listed +
	                       "; GET /api/v1/clusters lists them, the server's --kafka-cluster NAME=FILE adds "
	                       "one) or be a bootstrap list host:port[,host:port], not \"" +
	                       printable(*given) + "\"",
	                   {{"clusters", names}});
}

std::string format_name(std::string text) {
	std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return char(std::toupper(c)); });
	return text;
}

} // namespace kafkaml::operations
