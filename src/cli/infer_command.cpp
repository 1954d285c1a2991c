#include "cli/command_registry.h"
#include "cli/worker_options.h"
#include "common/signals.h"
#include "formats/message_decoder.h"
#include "stream/kafka_group_source.h"
#include "stream/kafka_sink.h"
#include "workers/http_control_plane.h"
#include "workers/inference_job.h"

#include <spdlog/spdlog.h>

#include <memory>

namespace kafkaml::cli {
namespace {

void add_infer_command(CLI::App &root) {
	auto *command = root.add_subcommand("infer", "Run one replica of an inference (started by the server)");
	auto options = std::make_shared<WorkerOptions>();
	auto inference_id = std::make_shared<int64_t>(0);
	auto max_batch = std::make_shared<size_t>(1024);
	options->add_to(*command);
	command->add_option("--inference-id", *inference_id, "the inference this replica serves")->required();
	command->add_option("--max-batch", *max_batch, "most inputs predicted in one model call")->capture_default_str();
	command->callback([options, inference_id, max_batch] {
		ShutdownSignal::install();
		workers::HttpControlPlane plane(options->server, WorkerOptions::token());
		auto assignment = plane.inference_assignment(*inference_id);
		auto model = ml::Model::load(assignment.model_blob);
		auto decoder = formats::MessageDecoder::from_config(assignment.input_format, assignment.input_config);
		stream::KafkaConfig kafka{options->bootstrap_servers, {}};
		stream::KafkaSink sink(kafka);
		workers::InferenceJob *job_ptr = nullptr;
		stream::KafkaGroupSource source(kafka, assignment.group_id, {assignment.input_topic},
		                                [&job_ptr](const std::string &topic, int32_t partition) {
			                                if (job_ptr) {
				                                job_ptr->forget_partition(topic, partition);
			                                }
		                                });
		workers::InferenceJobConfig config;
		config.output_topic = assignment.output_topic;
		config.dead_letter_topic = assignment.dead_letter_topic;
		config.max_batch = *max_batch;
		workers::InferenceJob job(model, decoder, source, sink, config);
		job_ptr = &job;
		spdlog::info("inference {}: serving {} -> {} in group {}", *inference_id, assignment.input_topic,
		             assignment.output_topic, assignment.group_id);
		job.run([] { return ShutdownSignal::requested(); });
	});
}

KAFKAML_REGISTER_COMMAND(61, add_infer_command);

} // namespace
} // namespace kafkaml::cli
