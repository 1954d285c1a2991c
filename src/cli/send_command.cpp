// `kafkaml send`: streams a dataset file (CSV with a header, or .npy) to a
// Kafka topic as RAW or AVRO records, then sends the control message that
// names the acknowledged offsets, as the original Kafka-ML data sources do.
// The sending is src/sender's; this file binds its options and prints
// its summary. Runs on the main thread; librdkafka's threads do the network
// I/O. Errors end the command through main (exit status 1).

#include "cli/command_registry.h"
#include "cli/kafka_options.h"
#include "sender/kafka_cluster.h"
#include "sender/progress_bar.h"
#include "sender/send_dataset.h"

#include <chrono>
#include <cstdio>
#include <memory>

namespace kafkaml::cli {
namespace {

void add_send_command(CLI::App &root) {
	auto options = std::make_shared<sender::SendOptions>();
	auto *cmd =
	    root.add_subcommand("send", "Send a dataset (CSV or .npy) as a RAW/AVRO stream plus its control message");
	cmd->add_option("--bootstrap-servers,-b", options->bootstrap_servers, "Kafka bootstrap servers")
	    ->capture_default_str();
	cmd->add_option("--topic,-t", options->topic, "data topic")->required();
	cmd->add_option("--deployment-id,-d", options->deployment_id, "deployment that trains on the stream");
	cmd->add_option("--format,-f", options->format, "raw or avro")->capture_default_str();
	cmd->add_option("--data-scheme", options->data_scheme, "Avro schema file of the values (fields = CSV columns)");
	cmd->add_option("--label-scheme", options->label_scheme, "Avro schema file of the labels");
	cmd->add_option("--labels", options->labels_file,
	                "RAW: the labels from their own file (.npy or CSV, one row per row of FILE), e.g. with an N-D "
	                ".npy");
	cmd->add_option("--label-column", options->label_column,
	                "label column, by name or 0-based index (default: the label scheme's fields; else the one column "
	                "the data scheme leaves; else the last column)");
	cmd->add_option("--ignore-columns", options->ignore_columns,
	                "columns to leave out, by name or 0-based index (a,b): every other column must be a feature or "
	                "the label")
	    ->delimiter(',');
	cmd->add_option("--validation-rate", options->validation_rate,
	                "share of the stream for validation, in [0, 1); with --test-rate below 1 in sum");
	cmd->add_option("--test-rate", options->test_rate, "share of the stream for test, in [0, 1)");
	cmd->add_option("--description", options->description, "description of the data source");
	cmd->add_flag("--standardize", options->standardize,
	              "z-score every feature column before sending, with this file's mean and std (empty cells: an "
	              "error, or null where the data scheme's field takes null)");
	cmd->add_option("--save-standardization", options->save_standardization,
	                "with --standardize: write the mean and std used to this JSON file");
	cmd->add_option("--standardize-from", options->standardize_from,
	                "z-score with the mean and std a training send saved (--save-standardization), e.g. for "
	                "inference inputs");
	cmd->add_flag("--inference", options->inference, "send values only (no labels, no control message)");
	cmd->add_flag("--online", options->online,
	              "send the original's online stream: its control message (the bare topic) first, then the "
	              "records, for a deployment in mode incremental or indefinite");
	cmd->add_option("--control-topic", options->control_topic, "control topic")->capture_default_str();
	cmd->add_option("--partitions", options->partitions,
	                "partitions to spread rows over: 0,1,2 or all (default: 0 for a training stream, all of the "
	                "topic's with --inference)");
	auto kafka = std::make_shared<KafkaOptions>();
	kafka->add_to(*cmd);
	cmd->add_option("--timeout-ms", options->timeout_ms, "how long to wait for the cluster to answer at the start")
	    ->capture_default_str()
	    ->check(CLI::PositiveNumber);
	cmd->add_option("file", options->file, "FILE.csv, FILE.npy, or - for either on stdin")->required();
	cmd->callback([options, kafka] {
		options->kafka_config = kafka->config_file;
		options->properties = kafka->overrides;
		auto started = std::chrono::steady_clock::now();
		sender::KafkaCluster cluster;
		sender::ProgressBar bar;
		auto report =
		    sender::send_dataset(*options, cluster, [&bar](int64_t done, int64_t total) { bar.update(done, total); });
		double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
		std::fprintf(stderr, "%s in %.2f s\n", report.summary().c_str(), seconds);
	});
}

} // namespace

KAFKAML_REGISTER_COMMAND(40, add_send_command);

} // namespace kafkaml::cli
