#include "ml/spec/summary.h"

#include "ml/spec/layer_kinds.h"
#include "ml/spec/value.h"

#include <algorithm>
#include <limits>

namespace kafkaml::ml {

namespace {

using spec::fail;

// Checked arithmetic: any input is allowed to ask for absurd sizes, none
// may overflow (the fuzzer finds such inputs at once).
struct Counter {
	const LayerSpec &layer;

	int64_t mul(int64_t a, int64_t b) const {
		int64_t result = 0;
		if (__builtin_mul_overflow(a, b, &result)) {
			overflow();
		}
		return result;
	}
	int64_t add(int64_t a, int64_t b) const {
		int64_t result = 0;
		if (__builtin_add_overflow(a, b, &result)) {
			overflow();
		}
		return result;
	}
	[[noreturn]] void overflow() const {
		fail(layer.location, "layer '" + layer.name + "' is too large: its size overflows 64-bit counts");
	}
};

std::string dims(const Shape &shape) {
	std::string out;
	for (size_t i = 0; i < shape.size(); i++) {
		out += (i ? ", " : "") + (shape[i] < 0 ? std::string("None") : std::to_string(shape[i]));
	}
	return out;
}

[[noreturn]] void rank_error(const LayerSpec &layer, const Shape &input, size_t rank, std::string_view meaning) {
	fail(layer.location, std::string(layer_class_name(layer.kind)) + " layer '" + layer.name +
	                         "' expects an input of " + std::to_string(rank) + " dimension" + (rank > 1 ? "s" : "") +
	                         " " + std::string(meaning) + " (batch excluded), but gets (" + dims(input) + ")" +
	                         (input.size() == 1 && rank > 1 ? "; add a Reshape layer before it" : ""));
}

int64_t known_last(const LayerSpec &layer, const Shape &input) {
	if (input.back() < 0) {
		fail(layer.location, std::string(layer_class_name(layer.kind)) + " layer '" + layer.name +
		                         "' needs a known last dimension, but its input is (" + dims(input) + ")");
	}
	return input.back();
}

//! Output length of a convolution or pooling window along one axis, as Keras.
int64_t window_output(const LayerSpec &layer, int64_t length, int64_t window, int64_t stride, int64_t dilation,
                      std::string_view what) {
	if (length < 0) {
		return -1;
	}
	Counter counter{layer};
	int64_t effective = counter.add(counter.mul(dilation, window - 1), 1);
	if (layer.padding == "same") {
		return (length - 1) / stride + 1;
	}
	if (length < effective) {
		fail(layer.location, std::string(layer_class_name(layer.kind)) + " layer '" + layer.name +
		                         "': " + std::string(what) + " " + std::to_string(effective) +
		                         " is larger than its input (" + std::to_string(length) +
		                         ") with padding='valid'; use a smaller " + std::string(what) + " or padding='same'");
	}
	return (length - effective) / stride + 1;
}

LayerSummary infer(const LayerSpec &layer, const Shape &input) {
	Counter counter{layer};
	LayerSummary out;
	out.name = layer.name;
	out.type = std::string(layer_class_name(layer.kind));
	out.input_shape = input;
	Shape shape = input;
	switch (layer.kind) {
	case LayerKind::Dense: {
		int64_t in = known_last(layer, input);
		shape.back() = layer.units;
		out.trainable_params = counter.add(counter.mul(in, layer.units), layer.use_bias ? layer.units : 0);
		break;
	}
	case LayerKind::Dropout:
	case LayerKind::Activation:
		break;
	case LayerKind::Flatten: {
		int64_t total = 1;
		for (int64_t dim : input) {
			total = dim < 0 || total < 0 ? -1 : counter.mul(total, dim);
		}
		shape = {total};
		break;
	}
	case LayerKind::Reshape: {
		int64_t total = 1;
		for (int64_t dim : input) {
			total = dim < 0 || total < 0 ? -1 : counter.mul(total, dim);
		}
		int64_t known = 1;
		shape = layer.target_shape;
		size_t unknown = shape.size();
		for (size_t i = 0; i < shape.size(); i++) {
			if (shape[i] < 0) {
				unknown = i;
			} else {
				known = counter.mul(known, shape[i]);
			}
		}
		if (total >= 0) {
			bool fits = unknown < shape.size() ? total % known == 0 : total == known;
			if (!fits) {
				fail(layer.location, "Reshape layer '" + layer.name + "' cannot reshape (" + dims(input) + "), " +
				                         std::to_string(total) + " values, into (" + dims(layer.target_shape) + ")");
			}
			if (unknown < shape.size()) {
				shape[unknown] = total / known;
			}
		}
		break;
	}
	case LayerKind::BatchNormalization: {
		int64_t channels = known_last(layer, input);
		if (layer.axis != -1 && layer.axis != static_cast<int64_t>(input.size())) {
			fail(layer.location, "BatchNormalization layer '" + layer.name +
			                         "': only the last axis (-1) is supported, "
			                         "got axis=" +
			                         std::to_string(layer.axis));
		}
		out.trainable_params = (layer.center ? channels : 0) + (layer.scale ? channels : 0);
		out.non_trainable_params = counter.mul(2, channels);
		break;
	}
	case LayerKind::Conv1D:
	case LayerKind::Conv2D: {
		size_t rank = layer.kind == LayerKind::Conv1D ? 1 : 2;
		if (input.size() != rank + 1) {
			rank_error(layer, input, rank + 1, rank == 1 ? "(steps, channels)" : "(height, width, channels)");
		}
		int64_t channels = known_last(layer, input);
		int64_t kernel = 1;
		for (size_t i = 0; i < rank; i++) {
			shape[i] = window_output(layer, input[i], layer.kernel_size[i], layer.strides[i], layer.dilation_rate[i],
			                         "kernel size");
			kernel = counter.mul(kernel, layer.kernel_size[i]);
		}
		shape[rank] = layer.filters;
		out.trainable_params =
		    counter.add(counter.mul(counter.mul(kernel, channels), layer.filters), layer.use_bias ? layer.filters : 0);
		break;
	}
	case LayerKind::MaxPooling1D:
	case LayerKind::MaxPooling2D:
	case LayerKind::AveragePooling1D:
	case LayerKind::AveragePooling2D: {
		size_t rank = layer.pool_size.size();
		if (input.size() != rank + 1) {
			rank_error(layer, input, rank + 1, rank == 1 ? "(steps, features)" : "(height, width, channels)");
		}
		for (size_t i = 0; i < rank; i++) {
			shape[i] = window_output(layer, input[i], layer.pool_size[i], layer.strides[i], 1, "pool size");
		}
		break;
	}
	case LayerKind::GlobalAveragePooling1D:
	case LayerKind::GlobalMaxPooling1D:
	case LayerKind::GlobalAveragePooling2D:
	case LayerKind::GlobalMaxPooling2D: {
		bool one_d = layer.kind == LayerKind::GlobalAveragePooling1D || layer.kind == LayerKind::GlobalMaxPooling1D;
		size_t rank = one_d ? 2 : 3;
		if (input.size() != rank) {
			rank_error(layer, input, rank, one_d ? "(steps, features)" : "(height, width, channels)");
		}
		shape = {input.back()};
		break;
	}
	case LayerKind::LSTM:
	case LayerKind::GRU: {
		if (input.size() != 2) {
			rank_error(layer, input, 2, "(timesteps, features)");
		}
		int64_t features = known_last(layer, input);
		int64_t units = layer.units;
		int64_t gates = layer.kind == LayerKind::LSTM ? 4 : 3;
		int64_t bias = !layer.use_bias ? 0 : (layer.kind == LayerKind::GRU && layer.reset_after) ? 2 * units : units;
		int64_t per_gate = counter.add(counter.mul(units, counter.add(features, units)), bias);
		out.trainable_params = counter.mul(gates, per_gate);
		shape = layer.return_sequences ? Shape{input[0], units} : Shape{units};
		break;
	}
	case LayerKind::Embedding:
		shape.push_back(layer.output_dim);
		out.trainable_params = counter.mul(layer.input_dim, layer.output_dim);
		break;
	}
	int64_t total = 1;
	for (int64_t dim : shape) {
		if (dim == 0) {
			fail(layer.location,
			     out.type + " layer '" + layer.name + "' would output an empty shape (" + dims(shape) + ")");
		}
		total = dim < 0 ? total : counter.mul(total, dim); // only to reject sizes that overflow
	}
	(void)total;
	out.output_shape = std::move(shape);
	return out;
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

ModelSummary summarize(const ModelSpec &model) {
	ModelSummary summary;
	summary.name = model.name;
	if (model.layers.empty()) {
		fail({}, "the model has no layers");
	}
	const LayerSpec &first = model.layers.front();
	if (!first.input_shape) {
		fail(first.location, "the first layer needs input_shape=(...)");
	}
	summary.input_shape = *first.input_shape;
	Shape shape = summary.input_shape;
	for (size_t i = 0; i < model.layers.size(); i++) {
		const LayerSpec &layer = model.layers[i];
		if (i > 0 && layer.input_shape && *layer.input_shape != shape) {
			fail(layer.location, "input_shape (" + dims(*layer.input_shape) + ") of layer '" + layer.name +
			                         "' disagrees with the output of the layer before it, (" + dims(shape) +
			                         "); input_shape belongs on the first layer only");
		}
		LayerSummary layer_summary = infer(layer, shape);
		shape = layer_summary.output_shape;
		Counter counter{layer};
		summary.trainable_params = counter.add(summary.trainable_params, layer_summary.trainable_params);
		summary.non_trainable_params = counter.add(summary.non_trainable_params, layer_summary.non_trainable_params);
		summary.layers.push_back(std::move(layer_summary));
	}
	summary.output_shape = shape;
	Counter counter{model.layers.back()};
	summary.total_params = counter.add(summary.trainable_params, summary.non_trainable_params);
	return summary;
}

std::string format_shape(const Shape &shape) {
	return "(None" + (shape.empty() ? std::string() : ", " + dims(shape)) + ")";
}

std::string format_summary(const ModelSummary &summary) {
	// Keras' Sequential layout: 65 columns, fields starting at 1, 29 and 55;
	// a field too long for its column wraps onto continuation lines (at a
	// space when there is one), as newer Keras versions do.
	constexpr size_t kWidth = 65;
	auto row = [](std::string a, std::string b, std::string c) {
		constexpr size_t kStarts[] = {1, 29, 55};
		constexpr size_t kLimits[] = {27, 25, 10};
		std::string fields[] = {std::move(a), std::move(b), std::move(c)};
		std::string out;
		while (!fields[0].empty() || !fields[1].empty() || !fields[2].empty()) {
			std::string line;
			for (size_t i = 0; i < 3; i++) {
				std::string &field = fields[i];
				size_t take = field.size();
				if (take > kLimits[i]) {
					size_t space = field.rfind(' ', kLimits[i]);
					take = space != std::string::npos && space > 0 ? space : kLimits[i];
				}
				if (take > 0) {
					line.resize(kStarts[i], ' ');
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
	};
	std::string out = "Model: \"" + summary.name + "\"\n";
	out += std::string(kWidth, '_') + "\n";
	out += row("Layer (type)", "Output Shape", "Param #");
	out += std::string(kWidth, '=') + "\n";
	for (size_t i = 0; i < summary.layers.size(); i++) {
		const LayerSummary &layer = summary.layers[i];
		out += row(layer.name + " (" + layer.type + ")", format_shape(layer.output_shape), with_commas(layer.params()));
		if (i + 1 < summary.layers.size()) {
			out += "\n";
		}
	}
	out += std::string(kWidth, '=') + "\n";
	out += "Total params: " + with_commas(summary.total_params) + "\n";
	out += "Trainable params: " + with_commas(summary.trainable_params) + "\n";
	out += "Non-trainable params: " + with_commas(summary.non_trainable_params) + "\n";
	out += std::string(kWidth, '_') + "\n";
	return out;
}

} // namespace kafkaml::ml
