#include "executors/job_command.h"

#include "common/kafka_address.h"

#include <spdlog/spdlog.h>

namespace kafkaml::executors {
namespace {

// The consumer and the producer of a replica each get their own cluster;
// the settings stay in files (never on the command line, which other users
// may list). A bootstrap list is reached with the default cluster's
// settings, as --kafka-config already gives them.
void add_inference_cluster(const LocalExecutorConfig &config, supervisor::ProcessSpec &spec, int64_t inference,
                           const std::string &side, const std::string &broker) {
	if (broker.empty() || broker == kDefaultKafkaCluster) {
		return;
	}
	if (auto named = config.kafka_clusters.find(broker); named != config.kafka_clusters.end()) {
		spec.argv.insert(spec.argv.end(), {"--" + side + "-bootstrap-servers", named->second.bootstrap_servers,
		                                   "--" + side + "-kafka-config", named->second.kafka_config_file});
		std::string variable = side == "input"    ? "KAFKAML_INPUT_KAFKA_SETTINGS="
		                       : side == "output" ? "KAFKAML_OUTPUT_KAFKA_SETTINGS="
		                                          : "KAFKAML_NEXT_KAFKA_SETTINGS=";
		spec.extra_env.push_back(variable + named->second.kafka_config_digest);
		return;
	}
	if (is_bootstrap_list(broker)) {
		spec.argv.insert(spec.argv.end(), {"--" + side + "-bootstrap-servers", broker});
		return;
	}
	throw std::runtime_error(
	    "inference " + std::to_string(inference) + " has its " + side + " on the Kafka cluster \"" + broker +
	    "\", which this server does not configure: start the server with --kafka-cluster " + broker + "=FILE");
}

} // namespace

supervisor::ProcessSpec job_spec(const LocalExecutorConfig &config, store::Store &store, store::JobKind kind,
                                 int64_t owner, int64_t replica) {
	supervisor::ProcessSpec spec;
	spec.argv = {config.kafkaml_binary};
	spec.argv.insert(spec.argv.end(), config.extra_args.begin(), config.extra_args.end());
	if (kind == store::JobKind::Training) {
		spec.argv.insert(spec.argv.end(), {"train", "--result-id", std::to_string(owner)});
		spec.argv.insert(spec.argv.end(), config.training_args.begin(), config.training_args.end());
	} else {
		spec.argv.insert(spec.argv.end(),
		                 {"infer", "--inference-id", std::to_string(owner), "--replica", std::to_string(replica)});
	}
	spec.argv.insert(spec.argv.end(), {"--server", config.server_url, "--bootstrap-servers", config.bootstrap_servers,
	                                   "--control-topic", config.control_topic});
	spec.extra_env = {"KAFKAML_TOKEN=" + config.token};
	if (!config.kafka_config_file.empty()) {
		spec.argv.insert(spec.argv.end(), {"--kafka-config", config.kafka_config_file});
		spec.extra_env.push_back("KAFKAML_KAFKA_SETTINGS=" + config.kafka_config_digest);
	}
	if (kind == store::JobKind::Inference) {
		std::optional<store::Inference> inference;
		try {
			inference = store.get_inference(owner);
		} catch (const store::NotFound &) {
			// Deleted: the replica learns it from the API and ends.
		}
		if (inference && !inference->exits.empty()) {
			// A stage replica: its stage's topic and cluster in, the output
			// and the next stage's topic out (store::stage_of_replica numbers
			// the replicas stage after stage).
			auto stage = store::stage_of_replica(*inference, replica).first;
			spec.argv.insert(spec.argv.end(), {"--stage", std::to_string(stage)});
			add_inference_cluster(config, spec, owner, "input", inference->exits[stage].kafka_broker);
			add_inference_cluster(config, spec, owner, "output", inference->output_kafka_broker);
			if (stage + 1 < inference->exits.size()) {
				add_inference_cluster(config, spec, owner, "next", inference->exits[stage + 1].kafka_broker);
			}
		} else if (inference) {
			add_inference_cluster(config, spec, owner, "input", inference->input_kafka_broker);
			add_inference_cluster(config, spec, owner, "output", inference->output_kafka_broker);
		}
	}
	auto resources = job_resources(store, kind, owner);
	spec.cpus = resources.cpu;
	spec.memory_bytes = resources.memory;
	return spec;
}

store::Resources job_resources(store::Store &store, store::JobKind kind, int64_t owner) {
	try {
		if (kind == store::JobKind::Training) {
			auto result = store.get_result(owner, {.which = store::EpochQuery::Which::none});
			return store.get_deployment(result.deployment).resources;
		}
		return store.get_inference(owner).resources;
	} catch (const store::NotFound &) {
		return {}; // not stored (yet): no limits
	}
}

bool owner_has_ended(store::Store &store, store::JobKind kind, int64_t owner) {
	try {
		if (kind == store::JobKind::Training) {
			return store::is_terminal(store.get_result(owner, {.which = store::EpochQuery::Which::none}).status);
		}
		return store::is_terminal(store.get_inference(owner).status);
	} catch (const std::exception &e) {
		spdlog::warn("executor: cannot read the state of {} {}: {}", store::to_string(kind), owner, e.what());
		return false;
	}
}

void mark_owner_failed(store::Store &store, store::JobKind kind, int64_t owner, const std::string &reason) {
	try {
		if (kind == store::JobKind::Training) {
			store.update_result_status(owner, store::ResultStatus::Failed, {.detail = reason});
		} else {
			store.update_inference_status(owner, store::InferenceStatus::Failed, reason);
		}
	} catch (const store::Conflict &) {
		// Ended meanwhile: that stands.
	}
}

} // namespace kafkaml::executors
