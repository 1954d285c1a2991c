// `kafkaml send`: streams a dataset file (CSV with a header, or .npy) to a
// Kafka topic as RAW or AVRO records, then sends the control message that
// names the acknowledged offsets, as the original Kafka-ML data sources do.
// What to send (columns, missing values, z-scores) is decided in
// src/dataset; this file reads the files, checks the options against each
// other and runs the stream. Runs on the main thread; librdkafka's threads
// do the network I/O.

#include "cli/command_registry.h"
#include "dataset/column_choice.h"
#include "dataset/missing_values.h"
#include "dataset/standardization.h"
#include "formats/avro_schema.h"
#include "formats/format_error.h"
#include "formats/split.h"
#include "formats/table.h"
#include "stream/admin.h"
#include "stream/data_sink.h"
#include "stream/stream_error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>
#include <unistd.h>

namespace kafkaml::cli {
namespace {

struct SendOptions {
	std::string bootstrap_servers = "localhost:9092";
	std::string topic;
	int64_t deployment_id = -1;
	std::string format = "raw";
	std::string data_scheme;
	std::string label_scheme;
	std::string label_column;
	std::string labels_file;
	std::vector<std::string> ignore_columns;
	double validation_rate = 0;
	double test_rate = 0;
	std::string description;
	bool standardize = false;
	std::string standardize_from;
	std::string save_standardization;
	bool inference = false;
	std::string control_topic = "control";
	std::string partitions;
	int64_t timeout_ms = 10000;
	std::vector<std::string> properties;
	std::string file;
};

std::string read_file(const std::string &path) {
	if (path == "-") {
		return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
	}
	std::ifstream in(path, std::ios::binary);
	if (!in) {
		throw std::runtime_error("cannot open " + path + ": check the path");
	}
	std::ostringstream buffer;
	buffer << in.rdbuf();
	return buffer.str();
}

bool ends_with(const std::string &text, const std::string &suffix) {
	return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

//! Row `row`'s elements of `columns`, as the .npy stores them, into `out`.
void gather_elements(const formats::Table &table, size_t row, const std::vector<size_t> &columns, std::string &out) {
	size_t size = formats::dtype_size(table.dtype);
	const char *base = table.elements.data() + row * table.width() * size;
	out.clear();
	for (auto column : columns) {
		out.append(base + column * size, size);
	}
}

class Progress {
public:
	explicit Progress(int64_t total) : total_(total), terminal_(isatty(STDERR_FILENO) != 0) {}
	void update(int64_t done) {
		if (!terminal_ || total_ == 0) {
			return;
		}
		int percent = static_cast<int>(done * 100 / total_);
		if (percent == last_) {
			return;
		}
		last_ = percent;
		int filled = percent * 30 / 100;
		std::fprintf(stderr, "\r[%.*s%*s] %3d%% %lld/%lld", filled, "##############################", 30 - filled, "",
		             percent, static_cast<long long>(done), static_cast<long long>(total_));
		if (done == total_) {
			std::fputc('\n', stderr);
		}
	}

private:
	int64_t total_;
	bool terminal_;
	int last_ = -1;
};

//! How errors name an input file.
std::string display_name(const std::string &path) {
	return path == "-" ? "stdin" : path;
}

//! The dataset: a .npy by its magic (also on stdin) or name, else CSV.
//! Errors name the file.
formats::Table load_table(const std::string &path) {
	std::string name = display_name(path);
	std::string bytes = read_file(path);
	try {
		auto table =
		    formats::is_npy(bytes) || ends_with(path, ".npy") ? formats::read_npy(bytes) : formats::read_csv(bytes);
		if (table.rows == 0) {
			throw std::runtime_error(name + " holds no rows");
		}
		return table;
	} catch (const formats::FormatError &e) {
		throw std::runtime_error(name + ": " + e.what());
	}
}

//! `which` is "data" or "label"; errors name the option and the file.
formats::AvroSchema read_scheme(const std::string &path, const char *which) {
	try {
		return formats::AvroSchema::parse(read_file(path));
	} catch (const formats::FormatError &e) {
		throw std::runtime_error(std::string("the ") + which + " scheme " + path + " (--" + which +
		                         "-scheme): " + e.what());
	}
}

void run_send(const SendOptions &options) {
	auto started = std::chrono::steady_clock::now();
	auto table = load_table(options.file);
	if (!options.inference && options.deployment_id < 0) {
		throw std::runtime_error("--deployment-id is required (the deployment that trains on this stream); "
		                         "use --inference to send inference input without a control message");
	}
	if (!options.inference) {
		// Every consumer rejects a control message with unusable rates: say so
		// before a single record is sent.
		try {
			formats::compute_split(static_cast<int64_t>(table.rows), options.validation_rate, options.test_rate);
		} catch (const formats::FormatError &e) {
			throw std::runtime_error(std::string("--validation-rate and --test-rate: ") + e.what());
		}
	}

	bool avro = options.format == "avro" || options.format == "AVRO";
	if (!avro && options.format != "raw" && options.format != "RAW") {
		throw std::runtime_error("--format must be raw or avro, got '" + options.format + "'");
	}
	if (!avro && (!options.data_scheme.empty() || !options.label_scheme.empty())) {
		throw std::runtime_error("--data-scheme and --label-scheme are Avro schemas: add --format avro");
	}
	// Labels of their own file (x.npy and y.npy as numpy users keep them):
	// every column of it is the label, every column of the data a feature.
	std::optional<formats::Table> labels;
	if (!options.labels_file.empty()) {
		if (avro || !options.label_column.empty() || options.inference) {
			throw std::runtime_error("--labels goes with --format raw, without --label-column and --inference");
		}
		labels = load_table(options.labels_file);
		if (labels->rows != table.rows || !labels->row_shape.empty()) {
			throw std::runtime_error(
			    options.labels_file + " must hold one label row (1-D, or 2-D rows x columns) per row of " +
			    options.file + ": it has " + std::to_string(labels->rows) + " rows for " + std::to_string(table.rows));
		}
	}
	if (!table.row_shape.empty()) {
		// Rows of N-D slices have no column to take a label from.
		if (avro || (!options.inference && !labels)) {
			throw std::runtime_error(
			    "a .npy of " + std::to_string(table.row_shape.size() + 1) +
			    " dimensions is sent as RAW, one record per first-axis slice, its labels from their own file: "
			    "add --format raw and --labels LABELS.npy (or --inference for values only)");
		}
		if (!options.label_column.empty()) {
			throw std::runtime_error("--label-column picks a column of a 2-D table; a .npy of " +
			                         std::to_string(table.row_shape.size() + 1) + " dimensions has none");
		}
	}
	std::optional<formats::AvroSchema> data_scheme, label_scheme;
	if (avro && !options.data_scheme.empty()) {
		data_scheme = read_scheme(options.data_scheme, "data");
	}
	if (avro && !options.label_scheme.empty()) {
		label_scheme = read_scheme(options.label_scheme, "label");
	}
	dataset::ColumnRequest request{options.label_column, options.ignore_columns, options.inference, options.file};
	auto [features, label_columns] =
	    dataset::choose_columns(request, table, data_scheme ? &*data_scheme : nullptr,
	                            label_scheme ? &*label_scheme : nullptr, labels ? &*labels : nullptr);

	bool standardize = options.standardize || !options.standardize_from.empty();
	if (!options.save_standardization.empty() && !standardize) {
		throw std::runtime_error("--save-standardization writes the statistics of --standardize: add it");
	}
	std::vector<bool> nullable(features.size(), false);
	if (data_scheme) {
		nullable = data_scheme->nullable_fields();
	}
	dataset::refuse_missing_values(table, features, nullable, labels ? *labels : table,
	                               options.inference ? std::vector<size_t>{} : label_columns,
	                               display_name(options.file));
	dataset::Standardization scaling;
	if (standardize) {
		scaling = options.standardize_from.empty()
		              ? dataset::Standardization::of(table, features)
		              : dataset::Standardization::load(options.standardize_from, table, features);
		if (!options.save_standardization.empty()) {
			scaling.save(options.save_standardization, table, features);
		}
	}

	stream::DataSinkOptions sink_options;
	sink_options.kafka.bootstrap_servers = options.bootstrap_servers;
	for (const auto &property : options.properties) {
		auto eq = property.find('=');
		if (eq == std::string::npos) {
			throw std::runtime_error("--kafka-property wants name=value, got '" + property + "'");
		}
		sink_options.kafka.properties[property.substr(0, eq)] = property.substr(eq + 1);
	}
	sink_options.topic = options.topic;
	sink_options.deployment_id = std::max<int64_t>(options.deployment_id, 0);
	sink_options.control_topic = options.control_topic;
	sink_options.description = options.description;
	sink_options.validation_rate = options.validation_rate;
	sink_options.test_rate = options.test_rate;
	// Before any record: a cluster that is not there would otherwise cost
	// a minute of delivery retries, and of librdkafka logs, first.
	std::chrono::milliseconds timeout(options.timeout_ms);
	stream::check_reachable(sink_options.kafka, timeout);
	if (options.partitions.empty() && options.inference) {
		// Inference inputs have no ranges to keep together: spread them over
		// every partition, so that each replica of the inference gets its
		// share. A topic not made yet is auto-created, and gets partition 0.
		sink_options.partitions = stream::list_partitions(sink_options.kafka, options.topic, timeout);
	} else if (options.partitions == "all") {
		sink_options.partitions = stream::list_partitions(sink_options.kafka, options.topic, timeout);
		if (sink_options.partitions.empty()) {
			throw std::runtime_error("topic " + options.topic + " does not exist; create it or name --partitions");
		}
	} else if (!options.partitions.empty()) {
		std::stringstream list(options.partitions);
		std::string item;
		while (std::getline(list, item, ',')) {
			int32_t partition = -1;
			auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), partition);
			if (ec != std::errc() || end != item.data() + item.size() || partition < 0) {
				throw std::runtime_error("--partitions wants partition numbers like 0,1,2 or 'all', got '" + item +
				                         "'");
			}
			sink_options.partitions.push_back(partition);
		}
	}

	std::unique_ptr<stream::DataSink> sink;
	bool send_elements = false; //!< the .npy's bytes as they are, not through float
	if (avro) {
		if (!data_scheme) {
			data_scheme = formats::AvroSchema::parse(dataset::float_record_schema("data", table, features));
		}
		if (!label_scheme && !label_columns.empty()) {
			label_scheme = formats::AvroSchema::parse(dataset::float_record_schema("label", table, label_columns));
		}
		if (!label_scheme) {
			label_columns.clear();
		}
		sink = std::make_unique<stream::AvroSink>(sink_options, std::move(*data_scheme), std::move(label_scheme));
	} else {
		// A .npy goes in its own dtype (z-scores are not integers, so they
		// go as float32); CSV values as float32.
		send_elements = !table.elements.empty() && !standardize && (!labels || !labels->elements.empty());
		auto type = send_elements ? table.dtype : formats::DType::Float32;
		auto label_type = send_elements && labels ? labels->dtype : type;
		formats::Shape reshape{table.row_shape.empty() ? std::vector<int64_t>{static_cast<int64_t>(features.size())}
		                                               : table.row_shape};
		sink = std::make_unique<stream::RawSink>(sink_options, type, std::move(reshape), label_type, formats::Shape{});
	}
	if (options.inference) {
		label_columns.clear();
	}

	Progress progress(static_cast<int64_t>(table.rows));
	std::vector<float> row(features.size());
	std::vector<float> label_row(label_columns.size());
	std::string value, key;
	const formats::Table &label_table = labels ? *labels : table;
	for (size_t r = 0; r < table.rows; r++) {
		if (send_elements) {
			gather_elements(table, r, features, value);
			gather_elements(label_table, r, label_columns, key);
			sink->send_encoded(value, label_columns.empty() ? std::nullopt : std::optional<std::string_view>(key));
		} else {
			for (size_t i = 0; i < features.size(); i++) {
				size_t c = features[i];
				row[i] = standardize ? scaling.apply(c, table.at(r, c)) : table.at(r, c);
			}
			for (size_t i = 0; i < label_columns.size(); i++) {
				label_row[i] = label_table.at(r, label_columns[i]);
			}
			sink->send(row, label_row);
		}
		if ((r & 255) == 0 || r + 1 == table.rows) {
			progress.update(static_cast<int64_t>(r + 1));
		}
	}
	std::string summary;
	if (options.inference) {
		sink->flush();
		// No control message carries the format: the inference's input_config must say it.
		summary = "sent " + std::to_string(sink->delivered()) + " inference records to " + options.topic + " (" +
		          sink->input_format() + " " + sink->input_config().dump() + ")";
	} else {
		auto control = sink->send_control();
		summary = "sent " + std::to_string(control.total_msg) + " records (" +
		          formats::format_range_list(control.ranges) + ") and the control message of deployment " +
		          std::to_string(control.deployment_id) + " to " + options.control_topic;
	}
	double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
	std::fprintf(stderr, "%s in %.2f s\n", summary.c_str(), seconds);
}

void add_send_command(CLI::App &root) {
	auto options = std::make_shared<SendOptions>();
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
	cmd->add_option("--control-topic", options->control_topic, "control topic")->capture_default_str();
	cmd->add_option("--partitions", options->partitions,
	                "partitions to spread rows over: 0,1,2 or all (default: 0 for a training stream, all of the "
	                "topic's with --inference)");
	cmd->add_option("--kafka-property,-X", options->properties, "librdkafka property name=value (repeatable)");
	cmd->add_option("--timeout-ms", options->timeout_ms, "how long to wait for the cluster to answer at the start")
	    ->capture_default_str()
	    ->check(CLI::PositiveNumber);
	cmd->add_option("file", options->file, "FILE.csv, FILE.npy, or - for either on stdin")->required();
	cmd->callback([options] { run_send(*options); });
}

} // namespace

KAFKAML_REGISTER_COMMAND(40, add_send_command);

} // namespace kafkaml::cli
