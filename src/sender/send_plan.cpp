#include "sender/send_plan.h"

#include "dataset/column_choice.h"
#include "dataset/missing_values.h"
#include "formats/format_error.h"
#include "formats/split.h"
#include "sender/dataset_file.h"

namespace kafkaml::sender {

SendPlan plan_send(const SendOptions &options) {
	SendPlan plan;
	plan.table = load_table(options.file);
	const auto &table = plan.table;
	if (!options.inference && options.deployment_id < 0) {
		throw SendError("--deployment-id is required (the deployment that trains on this stream); "
		                "use --inference to send inference input without a control message");
	}
	if (!options.inference) {
		// Every consumer rejects a control message with unusable rates: say so
		// before a single record is sent.
		try {
			formats::compute_split(static_cast<int64_t>(table.rows), options.validation_rate, options.test_rate);
		} catch (const formats::FormatError &e) {
			throw SendError(std::string("--validation-rate and --test-rate: ") + e.what());
		}
	}

	plan.avro = options.format == "avro" || options.format == "AVRO";
	if (!plan.avro && options.format != "raw" && options.format != "RAW") {
		throw SendError("--format must be raw or avro, got '" + options.format + "'");
	}
	if (!plan.avro && (!options.data_scheme.empty() || !options.label_scheme.empty())) {
		throw SendError("--data-scheme and --label-scheme are Avro schemas: add --format avro");
	}
	// Labels of their own file (x.npy and y.npy as numpy users keep them):
	// every column of it is the label, every column of the data a feature.
	if (!options.labels_file.empty()) {
		if (plan.avro || !options.label_column.empty() || options.inference) {
			throw SendError("--labels goes with --format raw, without --label-column and --inference");
		}
		plan.labels = load_table(options.labels_file);
		if (plan.labels->rows != table.rows || !plan.labels->row_shape.empty()) {
			throw SendError(options.labels_file + " must hold one label row (1-D, or 2-D rows x columns) per row of " +
			                options.file + ": it has " + std::to_string(plan.labels->rows) + " rows for " +
			                std::to_string(table.rows));
		}
	}
	if (!table.row_shape.empty()) {
		// Rows of N-D slices have no column to take a label from.
		if (plan.avro || (!options.inference && !plan.labels)) {
			throw SendError(
			    "a .npy of " + std::to_string(table.row_shape.size() + 1) +
			    " dimensions is sent as RAW, one record per first-axis slice, its labels from their own file: "
			    "add --format raw and --labels LABELS.npy (or --inference for values only)");
		}
		if (!options.label_column.empty()) {
			throw SendError("--label-column picks a column of a 2-D table; a .npy of " +
			                std::to_string(table.row_shape.size() + 1) + " dimensions has none");
		}
	}
	if (plan.avro && !options.data_scheme.empty()) {
		plan.data_scheme = read_scheme(options.data_scheme, "data");
	}
	if (plan.avro && !options.label_scheme.empty()) {
		plan.label_scheme = read_scheme(options.label_scheme, "label");
	}
	dataset::ColumnRequest request{options.label_column, options.ignore_columns, options.inference, options.file};
	auto columns = dataset::choose_columns(request, table, plan.data_scheme ? &*plan.data_scheme : nullptr,
	                                       plan.label_scheme ? &*plan.label_scheme : nullptr,
	                                       plan.labels ? &*plan.labels : nullptr);
	plan.features = std::move(columns.features);
	plan.label_columns = std::move(columns.labels);

	plan.standardize = options.standardize || !options.standardize_from.empty();
	if (!options.save_standardization.empty() && !plan.standardize) {
		throw SendError("--save-standardization writes the statistics of --standardize: add it");
	}
	std::vector<bool> nullable(plan.features.size(), false);
	if (plan.data_scheme) {
		nullable = plan.data_scheme->nullable_fields();
	}
	dataset::refuse_missing_values(table, plan.features, nullable, plan.label_table(),
	                               options.inference ? std::vector<size_t>{} : plan.label_columns,
	                               display_name(options.file));
	if (plan.standardize) {
		plan.scaling = options.standardize_from.empty()
		                   ? dataset::Standardization::of(table, plan.features)
		                   : dataset::Standardization::load(options.standardize_from, table, plan.features);
		if (!options.save_standardization.empty()) {
			plan.scaling.save(options.save_standardization, table, plan.features);
		}
	}
	return plan;
}

} // namespace kafkaml::sender
