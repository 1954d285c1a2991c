#include "workers/training_model.h"

#include "common/error.h"
#include "formats/format_error.h"
#include "formats/shape.h"
#include "ml/spec/parse.h"

#include <spdlog/spdlog.h>

#include <functional>
#include <numeric>
#include <optional>
#include <stdexcept>

namespace kafkaml::workers {

std::string shape_text(const ml::Shape &shape) {
	std::string text = "(";
	for (size_t i = 0; i < shape.size(); ++i) {
		text += (i ? ", " : "") + (shape[i] < 0 ? std::string("None") : std::to_string(shape[i]));
	}
	return text + (shape.size() == 1 ? ",)" : ")");
}

ml::Array rows_of(const std::vector<float> &buffer, size_t width, int64_t begin, int64_t count, ml::Shape row_shape) {
	ml::Array array;
	array.shape.push_back(count);
	array.shape.insert(array.shape.end(), row_shape.begin(), row_shape.end());
	auto first = buffer.begin() + static_cast<std::ptrdiff_t>(begin * static_cast<int64_t>(width));
	array.data.assign(first, first + static_cast<std::ptrdiff_t>(count * static_cast<int64_t>(width)));
	return array;
}

ml::Shape record_shape(const formats::ControlMessage &stream, size_t width) {
	if (stream.input_format == "RAW" || stream.input_format == "raw") {
		auto reshape = stream.input_config.value("data_reshape", std::string());
		if (reshape.find_first_not_of(' ') != std::string::npos) {
			try {
				return formats::parse_shape(reshape).dims;
			} catch (const formats::FormatError &) {
				// Reported by the decoder already; the width below stands.
			}
		}
	}
	return {static_cast<int64_t>(width)};
}

ml::Shape bind_model_input(ml::ModelSpec &spec, bool torchscript, const formats::ControlMessage &stream,
                           size_t feature_width, int64_t result_id) {
	if (!ml::input_shape_complete(spec) && spec.inputs.size() > 1) {
		throw UserError("the model has " + std::to_string(spec.inputs.size()) +
		                " inputs, and a record's values cannot say where one ends: give each keras.Input its full "
		                "shape (no None)");
	}
	if (torchscript) {
		// The module says nothing of its input: it takes the stream's records.
		spec.inputs = {ml::InputSpec{"input", record_shape(stream, feature_width), "float32"}};
	} else if (!ml::input_shape_complete(spec)) {
		// As Keras builds a model on its first batch: the input shape, or its
		// None dimensions, are the stream's record shape.
		auto shape = record_shape(stream, feature_width);
		try {
			ml::bind_input_shape(spec, {shape});
		} catch (const ml::ModelDefinitionError &e) {
			throw UserError("the model cannot take the stream's records of shape " + shape_text(shape) + ": " +
			                e.what());
		}
		spdlog::info("result {}: the model takes its input shape {} from the stream", result_id, shape_text(shape));
	}
	// A record holds the model's inputs one after the other, in the order
	// of its inputs (src/ml/README.md, "Data layout").
	std::vector<ml::Shape> input_shapes;
	if (spec.inputs.empty()) { // a spec without a graph: a chain
		input_shapes.push_back(*spec.layers.front().input_shape);
	}
	for (const auto &input : spec.inputs) {
		input_shapes.push_back(*input.shape);
	}
	int64_t expected_width = 0;
	std::string inputs_text;
	for (size_t i = 0; i < input_shapes.size(); ++i) {
		const auto &shape = input_shapes[i];
		expected_width += std::accumulate(shape.begin(), shape.end(), int64_t{1}, std::multiplies<>());
		inputs_text += (i ? ", " : "") + (input_shapes.size() > 1 ? spec.inputs[i].name + " " : "") + shape_text(shape);
	}
	if (static_cast<int64_t>(feature_width) != expected_width) {
		throw UserError("each record of the stream has " + std::to_string(feature_width) + " values but the model's " +
		                (input_shapes.size() > 1 ? "inputs " : "input_shape ") + inputs_text + " take" +
		                (input_shapes.size() > 1 ? "" : "s") + " " + std::to_string(expected_width) +
		                "; fix the input shapes or the stream's data_reshape");
	}
	// Several inputs travel as one flat row each.
	return input_shapes.size() == 1 ? input_shapes[0] : ml::Shape{expected_width};
}

ml::Model build_training_model(const ml::ModelSpec &spec, const TrainingAssignment &assignment,
                               const ml::FitOptions &fit, bool torchscript, const ml::Shape &input_shape) {
	if (!torchscript && spec.pretrained && assignment.weights.empty()) {
		throw UserError(ml::missing_weights_error(spec).what());
	}
	auto seed = fit.seed.value_or(assignment.seed);
	std::optional<ml::Model> model;
	try {
		model.emplace(torchscript ? ml::Model::from_torchscript(assignment.module, spec.compile, input_shape, seed)
		                          : ml::Model::build(spec, seed));
	} catch (const std::invalid_argument &e) {
		throw UserError(std::string("the model cannot be built: ") + e.what());
	}
	if (!torchscript && spec.pretrained) {
		try {
			spdlog::info("result {}: {}", assignment.result_id, model->load_pretrained_weights(assignment.weights));
		} catch (const std::invalid_argument &e) {
			throw UserError(std::string("the uploaded weights file does not fit the model: ") + e.what());
		}
	}
	return std::move(*model);
}

} // namespace kafkaml::workers
