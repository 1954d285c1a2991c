#include "ml/spec/summary.h"

#include "ml/spec/functional_graph.h"
#include "ml/spec/layer_kinds.h"
#include "ml/spec/layer_shapes.h"
#include "ml/spec/value.h"

#include <algorithm>

namespace kafkaml::ml {

namespace {

using spec::fail;

//! Checked sum of parameter counts.
int64_t add_checked(const LayerSpec &layer, int64_t a, int64_t b) {
	int64_t result = 0;
	if (__builtin_add_overflow(a, b, &result)) {
		fail(layer.location, "layer '" + layer.name + "' is too large: its size overflows 64-bit counts");
	}
	return result;
}

std::string with_commas(int64_t value) {
	std::string digits = std::to_string(value);
	std::string out;
	for (size_t i = 0; i < digits.size(); i++) {
		if (i > 0 && (digits.size() - i) % 3 == 0 && digits[i - 1] != '-') {
			out += ',';
		}
		out += digits[i];
	}
	return out;
}

} // namespace

ModelSummary summarize(const ModelSpec &spec) {
	if (spec.nodes.empty()) {
		// Built without a graph (by hand, or an older saved model): a chain.
		ModelSpec chain = spec;
		spec::fill_chain(chain);
		return summarize(chain);
	}
	const ModelSpec &model = spec;
	ModelSummary summary;
	summary.name = model.name;
	summary.chain = model.is_chain();
	summary.bound = model.input_bound();
	for (const auto &input : model.inputs) {
		summary.input_names.push_back(input.name);
	}
	for (const auto &output : model.outputs) {
		summary.output_names.push_back(output.name);
	}
	std::vector<int> seen(model.layers.size(), 0);
	std::vector<size_t> layer_row(model.layers.size(), 0);
	for (const auto &node : model.nodes) {
		if (seen[node.layer]++ == 0) {
			layer_row[node.layer] = summary.layers.size();
			LayerSummary row;
			row.name = model.layers[node.layer].name;
			row.type = std::string(layer_class_name(model.layers[node.layer].kind));
			row.applications = 0;
			summary.layers.push_back(std::move(row));
		}
	}
	std::vector<size_t> node_ordinal(model.nodes.size(), 0); // which application of its layer
	std::vector<int> applied(model.layers.size(), 0);
	for (size_t i = 0; i < model.nodes.size(); i++) {
		const NodeSpec &node = model.nodes[i];
		node_ordinal[i] = static_cast<size_t>(applied[node.layer]++);
		LayerSummary &row = summary.layers[layer_row[node.layer]];
		row.applications++;
		for (const auto &ref : node.inputs) {
			std::string source = ref.node < 0 ? model.inputs.at(static_cast<size_t>(ref.index)).name + "[0][0]"
			                                  : model.layers[model.nodes[static_cast<size_t>(ref.node)].layer].name +
			                                        "[" + std::to_string(node_ordinal[static_cast<size_t>(ref.node)]) +
			                                        "][" + std::to_string(ref.index) + "]";
			row.connected_to.push_back(std::move(source));
		}
	}
	if (!summary.bound) {
		return summary;
	}
	std::vector<std::vector<Shape>> node_shapes(model.nodes.size()); // output, then returned states
	auto shape_of = [&](const TensorRef &ref) -> const Shape & {
		if (ref.node < 0) {
			return *model.inputs.at(static_cast<size_t>(ref.index)).shape;
		}
		const auto &outputs = node_shapes.at(static_cast<size_t>(ref.node));
		if (ref.index < 0 || static_cast<size_t>(ref.index) >= outputs.size()) {
			fail(model.nodes[static_cast<size_t>(ref.node)].location,
			     "the model reads output " + std::to_string(ref.index) + " of a layer that returns " +
			         std::to_string(outputs.size()));
		}
		return outputs[static_cast<size_t>(ref.index)];
	};
	for (const auto &input : model.inputs) {
		summary.input_shapes.push_back(*input.shape);
	}
	std::vector<bool> counted(model.layers.size(), false);
	for (size_t i = 0; i < model.nodes.size(); i++) {
		const NodeSpec &node = model.nodes[i];
		const LayerSpec &layer = model.layers[node.layer];
		std::vector<Shape> inputs;
		for (const auto &ref : node.inputs) {
			inputs.push_back(shape_of(ref));
		}
		if (i > 0 && summary.chain && layer.input_shape && *layer.input_shape != inputs[0]) {
			fail(layer.location, "input_shape (" + spec::format_dims(*layer.input_shape) + ") of layer '" + layer.name +
			                         "' disagrees with the output of the layer before it, (" +
			                         spec::format_dims(inputs[0]) + "); input_shape belongs on the first layer only");
		}
		LayerSummary inferred = spec::infer_layer(layer, inputs);
		node_shapes[i] = {inferred.output_shape};
		node_shapes[i].insert(node_shapes[i].end(), inferred.state_shapes.begin(), inferred.state_shapes.end());
		LayerSummary &row = summary.layers[layer_row[node.layer]];
		if (counted[node.layer]) {
			if (inferred.params() != row.params()) {
				fail(node.location, "layer '" + layer.name + "' is applied again to an input of another size, (" +
				                        spec::format_dims(inputs[0]) + ") after (" +
				                        spec::format_dims(row.input_shape) + "); its weights fit only the first");
			}
			continue;
		}
		counted[node.layer] = true;
		inferred.connected_to = std::move(row.connected_to);
		inferred.applications = row.applications;
		row = std::move(inferred);
		summary.trainable_params = add_checked(layer, summary.trainable_params, row.trainable_params);
		summary.non_trainable_params = add_checked(layer, summary.non_trainable_params, row.non_trainable_params);
		summary.total_params = add_checked(layer, summary.trainable_params, summary.non_trainable_params);
	}
	for (const auto &output : model.outputs) {
		summary.output_shapes.push_back(shape_of(output.tensor));
	}
	summary.input_shape = summary.input_shapes.empty() ? Shape{} : summary.input_shapes.front();
	summary.output_shape = summary.output_shapes.empty() ? Shape{} : summary.output_shapes.front();
	return summary;
}

std::string format_shape(const Shape &shape) {
	return "(None" + (shape.empty() ? std::string() : ", " + spec::format_dims(shape)) + ")";
}

namespace {

//! One table row: each field starts at its column and wraps onto
//! continuation lines (at a space when there is one), as newer Keras
//! versions print.
std::string table_row(std::vector<std::string> fields, const std::vector<size_t> &starts,
                      const std::vector<size_t> &limits) {
	std::string out;
	auto pending = [&] {
		return std::any_of(fields.begin(), fields.end(), [](const std::string &f) { return !f.empty(); });
	};
	while (pending()) {
		std::string line;
		for (size_t i = 0; i < fields.size(); i++) {
			std::string &field = fields[i];
			size_t take = field.size();
			if (take > limits[i]) {
				size_t space = field.rfind(' ', limits[i]);
				take = space != std::string::npos && space > 0 ? space : limits[i];
			}
			if (take > 0) {
				line.resize(starts[i], ' ');
				line += field.substr(0, take);
			}
			field.erase(0, take);
			if (!field.empty() && field[0] == ' ') {
				field.erase(0, 1);
			}
		}
		out += line + "\n";
	}
	return out;
}

} // namespace

std::string format_summary(const ModelSummary &summary) {
	// Keras' layouts: a Sequential (chain) table of 65 columns with fields at
	// 1, 29 and 55; a functional table of 98 with "Connected to" at 65.
	bool graph = !summary.chain;
	size_t width = graph ? 98 : 65;
	std::vector<size_t> starts = graph ? std::vector<size_t>{1, 32, 53, 65} : std::vector<size_t>{1, 29, 55};
	std::vector<size_t> limits = graph ? std::vector<size_t>{30, 20, 11, 33} : std::vector<size_t>{27, 25, 10};
	auto row = [&](std::string name, std::string shape, std::string params, std::string connected) {
		std::vector<std::string> fields = {std::move(name), std::move(shape), std::move(params)};
		if (graph) {
			fields.push_back(std::move(connected));
		}
		return table_row(std::move(fields), starts, limits);
	};
	auto quoted_list = [](const std::vector<std::string> &items) {
		std::string out = "[";
		for (size_t i = 0; i < items.size(); i++) {
			out += (i ? ", '" : "'") + items[i] + "'";
		}
		return out + "]";
	};
	std::string out = "Model: \"" + summary.name + "\"\n";
	out += std::string(width, '_') + "\n";
	out += row("Layer (type)", "Output Shape", "Param #", "Connected to");
	out += std::string(width, '=') + "\n";
	std::vector<std::string> rows;
	if (graph) {
		for (size_t i = 0; i < summary.input_names.size(); i++) {
			std::string shape = summary.bound ? "[" + format_shape(summary.input_shapes[i]) + "]" : "?";
			rows.push_back(row(summary.input_names[i] + " (InputLayer)", shape, "0", "[]"));
		}
	}
	for (const auto &layer : summary.layers) {
		std::string shape = !summary.bound           ? "?"
		                    : layer.applications > 1 ? "multiple"
		                                             : format_shape(layer.output_shape);
		std::string params = summary.bound ? with_commas(layer.params()) : "?";
		rows.push_back(row(layer.name + " (" + layer.type + ")", shape, params, quoted_list(layer.connected_to)));
	}
	for (size_t i = 0; i < rows.size(); i++) {
		out += rows[i] + (i + 1 < rows.size() ? "\n" : "");
	}
	out += std::string(width, '=') + "\n";
	if (!summary.bound) {
		out += "Total params: unknown until the input shape is bound\n";
		out += "input shape: from the training stream\n";
		out += std::string(width, '_') + "\n";
		return out;
	}
	out += "Total params: " + with_commas(summary.total_params) + "\n";
	out += "Trainable params: " + with_commas(summary.trainable_params) + "\n";
	out += "Non-trainable params: " + with_commas(summary.non_trainable_params) + "\n";
	out += std::string(width, '_') + "\n";
	return out;
}

} // namespace kafkaml::ml
