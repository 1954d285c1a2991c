#include "cli/command_registry.h"
#include "cli/worker_options.h"
#include "common/error.h"
#include "common/signals.h"
#include "formats/message_decoder.h"
#include "stream/kafka_group_source.h"
#include "stream/kafka_sink.h"
#include "workers/failure_action.h"
#include "workers/http_job_coordinator.h"
#include "workers/inference_job.h"
#include "workers/model_rollout.h"
#include "workers/replica_stats_reporter.h"
#include "workers/served_stages.h"

#include <spdlog/spdlog.h>

#include <memory>
#include <unistd.h>

namespace kafkaml::cli {
namespace {

//! Where one side of a replica (its consumer, or its producer) is: a
//! cluster of its own (--input-*/--output-*), or the common one.
struct SideCluster {
	std::string bootstrap_servers;
	std::string config_file;

	void add_to(CLI::App &command, const std::string &side, const std::string &what) {
		command.add_option("--" + side + "-bootstrap-servers", bootstrap_servers,
		                   "Kafka bootstrap servers of the cluster " + what + " (default: --bootstrap-servers)");
		command.add_option("--" + side + "-kafka-config", config_file,
		                   "Kafka client settings of the cluster " + what +
		                       ", instead of --kafka-config (-X still applies over them)");
	}

	//! The common cluster with what this side changes. Throws StreamError (user).
	stream::KafkaConfig config(const WorkerOptions &options, const stream::KafkaConfig &common,
	                           const std::string &side) const {
		stream::KafkaConfig config = common;
		if (!bootstrap_servers.empty()) {
			config.bootstrap_servers = bootstrap_servers;
		}
		if (!config_file.empty()) {
			config.properties = stream::load_properties(config_file, options.kafka.overrides);
		}
		if (!bootstrap_servers.empty() || !config_file.empty()) {
			spdlog::info("{} cluster: {}{}{}", side, config.bootstrap_servers, config.properties.empty() ? "" : ": ",
			             stream::describe_properties(config.properties));
		}
		return config;
	}
};

void add_infer_command(CLI::App &root) {
	auto *command = root.add_subcommand("infer", "Run one replica of an inference (started by the server)");
	auto options = std::make_shared<WorkerOptions>();
	auto inference_id = std::make_shared<int64_t>(0);
	auto max_batch = std::make_shared<size_t>(1024);
	auto replica = std::make_shared<std::string>();
	auto session_timeout_ms = std::make_shared<int>(8000);
	auto input = std::make_shared<SideCluster>();
	auto output = std::make_shared<SideCluster>();
	auto next = std::make_shared<SideCluster>();
	auto stage = std::make_shared<int>(-1);
	options->add_to(*command);
	input->add_to(*command, "input", "the input topic is on");
	output->add_to(*command, "output", "the predictions and dead letters go to");
	next->add_to(*command, "next", "the next stage's topic is on (early exits)");
	command
	    ->add_option("--stage", *stage,
	                 "run this stage of an inference with early exits (0-based; started by the server for each "
	                 "stage's replicas)")
	    ->check(CLI::Range(0, 1000));
	command->add_option("--inference-id", *inference_id, "the inference this replica serves")->required();
	command->add_option("--max-batch", *max_batch, "most inputs predicted in one model call")->capture_default_str();
	command->add_option("--replica", *replica, "this replica's name in the inference's figures (default: HOST:PID)");
	command
	    ->add_option("--session-timeout-ms", *session_timeout_ms,
	                 "how long the group waits for a replica that stopped answering before giving its partitions "
	                 "to the others (heartbeats go every third of it)")
	    ->capture_default_str()
	    ->check(CLI::Range(1000, 300000));
	command->callback([options, inference_id, max_batch, replica, session_timeout_ms, input, output, next, stage] {
		ShutdownSignal::install();
		auto kafka = options->kafka_config();
		// Offsets are committed on the input cluster only after the output
		// cluster acknowledged the predictions (InferenceJob): the two may
		// differ without weakening at-least-once.
		auto input_kafka = input->config(*options, kafka, "input");
		auto output_kafka = output->config(*options, kafka, "output");
		auto next_kafka = next->config(*options, kafka, "next");
		workers::HttpJobCoordinator coordinator(options->server, WorkerOptions::token());
		std::string name = *replica;
		if (name.empty()) {
			char host[256] = {};
			::gethostname(host, sizeof(host) - 1);
			name = std::string(host) + ":" + std::to_string(::getpid());
		}
		// A model that does not load or an input it cannot decode fails
		// the same way after any restart: reported once, the inference
		// fails with the reason, and this replica ends (exit status 0).
		workers::run_or_report(
		    [&] {
			    auto assignment = coordinator.inference_assignment(*inference_id);
			    // A stage replica of an early-exit chain reads its stage's topic in
			    // its stage's group and forwards to the next stage's topic.
			    std::optional<size_t> chain_stage;
			    std::string next_topic;
			    double threshold = 0;
			    auto confidence = ml::ConfidenceRule::TopProbability;
			    if (*stage >= 0) {
				    chain_stage = static_cast<size_t>(*stage);
				    if (*chain_stage >= assignment.exits.size()) {
					    throw UserError("inference " + std::to_string(*inference_id) + " has " +
					                    std::to_string(assignment.exits.size()) + " stage(s); there is no stage " +
					                    std::to_string(*chain_stage));
				    }
				    const auto &exit = assignment.exits[*chain_stage];
				    assignment.input_topic = exit.input_topic;
				    assignment.group_id += "-stage-" + std::to_string(*chain_stage);
				    threshold = exit.threshold;
				    confidence = exit.confidence;
				    if (*chain_stage + 1 < assignment.exits.size()) {
					    next_topic = assignment.exits[*chain_stage + 1].input_topic;
				    }
			    }
			    // Which model to serve is asked again several times a second, over a
			    // connection of its own with short retries: a server that is away
			    // pauses rollouts, not predictions.
			    workers::HttpJobCoordinator rollout_coordinator(options->server, WorkerOptions::token(),
			                                                    std::chrono::seconds(1));
			    workers::ModelRollout rollout(
			        [&rollout_coordinator, id = *inference_id] { return rollout_coordinator.inference_target(id); },
			        [&rollout_coordinator](const workers::ServingTarget &target) {
				        return rollout_coordinator.served_model(target);
			        });
			    auto first = rollout.first([] { return ShutdownSignal::requested(); },
			                               [id = *inference_id](const workers::ServingTarget &target) {
				                               spdlog::info("inference {}: result {} has no model version yet; "
				                                            "waiting for its first",
				                                            id, target.result);
			                               });
			    if (!first) {
				    return;
			    }
			    auto decoder = formats::MessageDecoder::from_config(assignment.input_format, assignment.input_config);
			    // A replica that died holds its partitions for the session timeout:
			    // librdkafka's 45 s default would stall them that long.
			    // The user's settings win over these (insert keeps a property given).
			    stream::KafkaConfig consumer = input_kafka;
			    consumer.properties.insert({"session.timeout.ms", std::to_string(*session_timeout_ms)});
			    consumer.properties.insert(
			        {"heartbeat.interval.ms", std::to_string(std::max(100, *session_timeout_ms / 3))});
			    // A prediction is awaited by someone: send it at once. Batches still
			    // form under load from what queues while a request is in flight.
			    stream::KafkaConfig producer = output_kafka;
			    producer.properties.insert({"linger.ms", "0"});
			    std::vector<std::string> outputs{assignment.output_topic};
			    if (!assignment.dead_letter_topic.empty()) {
				    outputs.push_back(assignment.dead_letter_topic);
			    }
			    stream::KafkaSink sink(producer, outputs);
			    // Forwards go to the next stage's cluster, through a producer of
			    // their own (it may be another cluster than the output's).
			    std::optional<stream::KafkaSink> forward_sink;
			    if (!next_topic.empty()) {
				    stream::KafkaConfig forwarder = next_kafka;
				    forwarder.properties.insert({"linger.ms", "0"});
				    forward_sink.emplace(forwarder, std::vector<std::string>{next_topic});
			    }
			    workers::InferenceJob *job_ptr = nullptr;
			    stream::KafkaGroupSource source(consumer, assignment.group_id, {assignment.input_topic},
			                                    [&job_ptr](const std::string &topic, int32_t partition) {
				                                    if (job_ptr) {
					                                    job_ptr->release_partition(topic, partition);
				                                    }
			                                    });
			    source.on_commit_failed([&job_ptr](const std::string &topic, int32_t partition, int64_t offset) {
				    if (job_ptr) {
					    job_ptr->commit_failed(topic, partition, offset);
				    }
			    });
			    workers::InferenceJobConfig config;
			    config.output_topic = assignment.output_topic;
			    config.dead_letter_topic = assignment.dead_letter_topic;
			    config.max_batch = *max_batch;
			    config.model_version = first->target.version;
			    std::optional<workers::ServedStages> stages;
			    std::optional<workers::InferenceJob> job_slot;
			    if (chain_stage) {
				    config.stage = *chain_stage;
				    config.next_topic = next_topic;
				    config.threshold = threshold;
				    config.confidence = confidence;
				    stages.emplace(first->model);
				    job_slot.emplace(*stages, *chain_stage == 0 ? &decoder : nullptr, source, sink, config);
				    if (forward_sink) {
					    job_slot->forward_to(*forward_sink);
				    }
			    } else {
				    job_slot.emplace(first->model, decoder, source, sink, config);
			    }
			    auto &job = *job_slot;
			    job_ptr = &job;
			    // The source outlives the job (the job reads from it), and its
			    // destructor closes the consumer, which revokes the partitions
			    // and so calls the callback above: by then the job is gone.
			    // Declared after the job, this guard is destroyed before it.
			    struct DetachJob {
				    workers::InferenceJob *&job;
				    ~DetachJob() { job = nullptr; }
			    } detach_job{job_ptr};
			    if (!chain_stage) {
				    rollout.follow(first->target);
				    job.follow(rollout);
				    spdlog::info("inference {}: serving {} -> {} in group {}", *inference_id, assignment.input_topic,
				                 assignment.output_topic, assignment.group_id);
			    } else {
				    // Every stage of a chain serves the model it started with: a carry
				    // is only meaningful to the next stage of the same model.
				    spdlog::info("inference {}: stage {} serving {} -> {}{} in group {}, threshold {}", *inference_id,
				                 *chain_stage, assignment.input_topic, assignment.output_topic,
				                 next_topic.empty() ? "" : " or " + next_topic, assignment.group_id, threshold);
			    }
			    // Figures go over their own connection with short retries: they are
			    // advisory, and a server that is gone must not hold the replica up.
			    workers::HttpJobCoordinator stats_coordinator(options->server, WorkerOptions::token(),
			                                                  std::chrono::seconds(1));
			    workers::ReplicaStatsReporter reporter(
			        name, job.counters(),
			        [&source] {
				        auto lag = source.lag();
				        return workers::ConsumerPosition{lag.partitions > 0, lag.lag};
			        },
			        [&stats_coordinator, &job, chain_stage, id = *inference_id](const workers::ReplicaStats &stats) {
				        if (!chain_stage) {
					        return stats_coordinator.report_inference_stats(id, stats);
				        }
				        // The answer carries the stages' thresholds: a changed one
				        // decides from the job's next batch on.
				        std::vector<double> thresholds;
				        bool going_on = stats_coordinator.report_inference_stats(id, stats, &thresholds);
				        if (*chain_stage < thresholds.size()) {
					        job.set_threshold(thresholds[*chain_stage]);
				        }
				        return going_on;
			        },
			        std::chrono::seconds(1),
			        chain_stage ? std::optional<int64_t>(static_cast<int64_t>(*chain_stage)) : std::nullopt);
			    job.run([&reporter] { return ShutdownSignal::requested() || reporter.ended(); });
		    },
		    [&](const std::string &reason) { coordinator.inference_failed(*inference_id, name, reason); });
	});
}

KAFKAML_REGISTER_COMMAND(61, add_infer_command);

} // namespace
} // namespace kafkaml::cli
