#include "sender/send_dataset.h"

#include "dataset/column_choice.h"
#include "formats/range_list.h"
#include "sender/send_error.h"
#include "sender/send_plan.h"
#include "sender/sink_options.h"
#include "stream/data_sink.h"
#include "stream/kafka_settings.h"

#include <memory>
#include <optional>

namespace kafkaml::sender {
namespace {

//! Row `row`'s elements of `columns`, as the .npy stores them, into `out`.
void gather_elements(const formats::Table &table, size_t row, const std::vector<size_t> &columns, std::string &out) {
	size_t size = formats::dtype_size(table.dtype);
	const char *base = table.elements.data() + row * table.width() * size;
	out.clear();
	for (auto column : columns) {
		out.append(base + column * size, size);
	}
}

} // namespace

std::string SendReport::summary() const {
	if (inference) {
		// No control message carries the format: the inference's input_config must say it.
		return "sent " + std::to_string(delivered) + " inference records to " + topic + " (" + input_format + " " +
		       input_config.dump() + ")";
	}
	if (control.online()) {
		return "sent the online control message of deployment " + std::to_string(control.deployment_id) + " to " +
		       control_topic + ", then " + std::to_string(delivered) + " records to " + topic;
	}
	return "sent " + std::to_string(control.total_msg) + " records (" + formats::format_range_list(control.ranges) +
	       ") and the control message of deployment " + std::to_string(control.deployment_id) + " to " + control_topic;
}

SendReport send_dataset(const SendOptions &options, Cluster &cluster, const SendProgress &progress) {
	if (options.online && options.inference) {
		throw SendError("--online sends a labelled training stream, --inference inputs without labels: "
		                "give one of them");
	}
	// A mistake in the Kafka settings is named before the dataset is read
	// (which may be long, or standard input, read once); sink_options reads
	// them again, which costs nothing.
	stream::load_properties(options.kafka_config, options.properties);
	auto plan = plan_send(options);
	const auto &table = plan.table;
	const auto &features = plan.features;
	auto &label_columns = plan.label_columns;
	auto to = sink_options(options, cluster);
	auto open_producer = [&] { return cluster.open_sink(to.kafka, {to.topic, to.control_topic}); };

	std::unique_ptr<stream::DataSink> sink;
	bool send_elements = false; //!< the .npy's bytes as they are, not through float
	if (plan.avro) {
		if (!plan.data_scheme) {
			plan.data_scheme = formats::AvroSchema::parse(dataset::float_record_schema("data", table, features));
		}
		if (!plan.label_scheme && !label_columns.empty()) {
			plan.label_scheme = formats::AvroSchema::parse(dataset::float_record_schema("label", table, label_columns));
		}
		if (!plan.label_scheme) {
			label_columns.clear();
		}
		auto producer = open_producer();
		sink = std::make_unique<stream::AvroSink>(std::move(to), std::move(*plan.data_scheme),
		                                          std::move(plan.label_scheme), std::move(producer));
	} else {
		// A .npy goes in its own dtype (z-scores are not integers, so they
		// go as float32); CSV values as float32.
		send_elements =
		    !table.elements.empty() && !plan.standardize && (!plan.labels || !plan.labels->elements.empty());
		auto type = send_elements ? table.dtype : formats::DType::Float32;
		auto label_type = send_elements && plan.labels ? plan.labels->dtype : type;
		formats::Shape reshape{table.row_shape.empty() ? std::vector<int64_t>{static_cast<int64_t>(features.size())}
		                                               : table.row_shape};
		auto producer = open_producer();
		sink = std::make_unique<stream::RawSink>(std::move(to), type, std::move(reshape), label_type, formats::Shape{},
		                                         std::move(producer));
	}
	if (options.inference) {
		label_columns.clear();
	}
	std::optional<formats::ControlMessage> online_control;
	if (options.online) {
		online_control = sink->send_online_control();
	}

	auto total = static_cast<int64_t>(table.rows);
	std::vector<float> row(features.size());
	std::vector<float> label_row(label_columns.size());
	std::string value, key;
	const formats::Table &label_table = plan.label_table();
	for (size_t r = 0; r < table.rows; r++) {
		if (send_elements) {
			gather_elements(table, r, features, value);
			gather_elements(label_table, r, label_columns, key);
			sink->send_encoded(value, label_columns.empty() ? std::nullopt : std::optional<std::string_view>(key));
		} else {
			for (size_t i = 0; i < features.size(); i++) {
				size_t c = features[i];
				row[i] = plan.standardize ? plan.scaling.apply(c, table.at(r, c)) : table.at(r, c);
			}
			for (size_t i = 0; i < label_columns.size(); i++) {
				label_row[i] = label_table.at(r, label_columns[i]);
			}
			sink->send(row, label_row);
		}
		if (progress && ((r & 255) == 0 || r + 1 == table.rows)) {
			progress(static_cast<int64_t>(r + 1), total);
		}
	}
	SendReport report;
	report.inference = options.inference;
	report.topic = options.topic;
	report.control_topic = options.control_topic;
	if (online_control) {
		sink->flush();
		report.control = std::move(*online_control);
	} else if (options.inference) {
		sink->flush();
	} else {
		report.control = sink->send_control();
	}
	report.delivered = sink->delivered();
	report.input_format = sink->input_format();
	report.input_config = sink->input_config();
	return report;
}

} // namespace kafkaml::sender
