#include "cli/command_registry.h"
#include "cli/worker_options.h"
#include "common/signals.h"
#include "formats/message_decoder.h"
#include "stream/kafka_group_source.h"
#include "stream/kafka_sink.h"
#include "workers/failure_action.h"
#include "workers/http_job_coordinator.h"
#include "workers/inference_job.h"
#include "workers/model_rollout.h"
#include "workers/replica_stats_reporter.h"

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
	options->add_to(*command);
	input->add_to(*command, "input", "the input topic is on");
	output->add_to(*command, "output", "the predictions and dead letters go to");
	command->add_option("--inference-id", *inference_id, "the inference this replica serves")->required();
	command->add_option("--max-batch", *max_batch, "most inputs predicted in one model call")->capture_default_str();
	command->add_option("--replica", *replica, "this replica's name in the inference's figures (default: HOST:PID)");
	command
	    ->add_option("--session-timeout-ms", *session_timeout_ms,
	                 "how long the group waits for a replica that stopped answering before giving its partitions "
	                 "to the others (heartbeats go every third of it)")
	    ->capture_default_str()
	    ->check(CLI::Range(1000, 300000));
	command->callback([options, inference_id, max_batch, replica, session_timeout_ms, input, output] {
		ShutdownSignal::install();
		auto kafka = options->kafka_config();
		// Offsets are committed on the input cluster only after the output
		// cluster acknowledged the predictions (InferenceJob): the two may
		// differ without weakening at-least-once.
		auto input_kafka = input->config(*options, kafka, "input");
		auto output_kafka = output->config(*options, kafka, "output");
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
			    workers::InferenceJob *job_ptr = nullptr;
			    stream::KafkaGroupSource source(consumer, assignment.group_id, {assignment.input_topic},
			                                    [&job_ptr](const std::string &topic, int32_t partition) {
				                                    if (job_ptr) {
					                                    job_ptr->forget_partition(topic, partition);
				                                    }
			                                    });
			    workers::InferenceJobConfig config;
			    config.output_topic = assignment.output_topic;
			    config.dead_letter_topic = assignment.dead_letter_topic;
			    config.max_batch = *max_batch;
			    config.model_version = first->target.version;
			    workers::InferenceJob job(first->model, decoder, source, sink, config);
			    job_ptr = &job;
			    // The source outlives the job (the job reads from it), and its
			    // destructor closes the consumer, which revokes the partitions
			    // and so calls the callback above: by then the job is gone.
			    // Declared after the job, this guard is destroyed before it.
			    struct DetachJob {
				    workers::InferenceJob *&job;
				    ~DetachJob() { job = nullptr; }
			    } detach_job{job_ptr};
			    rollout.follow(first->target);
			    job.follow(rollout);
			    spdlog::info("inference {}: serving {} -> {} in group {}", *inference_id, assignment.input_topic,
			                 assignment.output_topic, assignment.group_id);
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
			        [&stats_coordinator, id = *inference_id](const workers::ReplicaStats &stats) {
				        return stats_coordinator.report_inference_stats(id, stats);
			        });
			    job.run([&reporter] { return ShutdownSignal::requested() || reporter.ended(); });
		    },
		    [&](const std::string &reason) { coordinator.inference_failed(*inference_id, name, reason); });
	});
}

KAFKAML_REGISTER_COMMAND(61, add_infer_command);

} // namespace
} // namespace kafkaml::cli
