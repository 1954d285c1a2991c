#include "cli/command_registry.h"
#include "cli/worker_options.h"
#include "common/signals.h"
#include "stream/control_wait.h"
#include "stream/kafka_range_reader.h"
#include "stream/kafka_topic_source.h"
#include "workers/http_job_coordinator.h"
#include "workers/training_job.h"

#include <memory>

namespace kafkaml::cli {
namespace {

void add_train_command(CLI::App &root) {
	auto *command = root.add_subcommand("train", "Run the training job of one result (started by the server)");
	auto options = std::make_shared<WorkerOptions>();
	auto result_id = std::make_shared<int64_t>(0);
	auto records_timeout = std::make_shared<int64_t>(600);
	options->add_to(*command);
	command->add_option("--result-id", *result_id, "the training result this job produces")->required();
	command
	    ->add_option("--records-timeout", *records_timeout,
	                 "seconds to wait for the next record of the stream's ranges before failing, naming what is "
	                 "missing (a control message may name records that are not in the log)")
	    ->capture_default_str()
	    ->check(CLI::PositiveNumber);
	command->callback([options, result_id, records_timeout] {
		ShutdownSignal::install();
		workers::HttpJobCoordinator coordinator(options->server, WorkerOptions::token());
		auto kafka = options->kafka_config();
		workers::TrainingJobEnvironment env;
		env.coordinator = &coordinator;
		env.cancelled = [] { return ShutdownSignal::requested(); };
		env.records_timeout = std::chrono::seconds(*records_timeout);
		env.wait_for_stream = [&](int64_t deployment_id) {
			return stream::wait_for_control_message(kafka, options->control_topic, deployment_id,
			                                        std::chrono::hours(24 * 365), env.cancelled);
		};
		env.open_ranges = [&](const std::vector<formats::Range> &ranges) -> std::unique_ptr<stream::Source> {
			// The job's own wait, which says what is missing, ends first.
			return std::make_unique<stream::KafkaRangeReader>(kafka, ranges,
			                                                  env.records_timeout + std::chrono::minutes(1));
		};
		// The result's own consumer group holds the offsets after what its
		// stored versions learned (committed once each is stored).
		env.open_online =
		    [&](const std::string &topic, int64_t from_timestamp_ms,
		        const std::vector<stream::TopicPartitionOffset> &start) -> std::unique_ptr<stream::Source> {
			stream::KafkaTopicSource::Start from{
			    from_timestamp_ms, {}, "kafkaml-training-" + std::to_string(*result_id)};
			for (const auto &offset : start) {
				if (offset.topic == topic) {
					from.offsets[offset.partition] = offset.offset;
				}
			}
			return std::make_unique<stream::KafkaTopicSource>(kafka, topic, std::move(from));
		};
		workers::run_training_job(*result_id, env);
	});
}

KAFKAML_REGISTER_COMMAND(60, add_train_command);

} // namespace
} // namespace kafkaml::cli
