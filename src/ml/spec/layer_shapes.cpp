#include "ml/spec/layer_shapes.h"

#include "ml/spec/layer_kinds.h"
#include "ml/spec/value.h"

#include <algorithm>
#include <numeric>

namespace kafkaml::ml::spec {

namespace {

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
	//! Product of known dimensions; -1 when one is unknown.
	int64_t product(const Shape &shape) const {
		int64_t total = 1;
		for (int64_t dim : shape) {
			total = dim < 0 || total < 0 ? -1 : mul(total, dim);
		}
		return total;
	}
	[[noreturn]] void overflow() const {
		fail(layer.location, "layer '" + layer.name + "' is too large: its size overflows 64-bit counts");
	}
};

std::string label(const LayerSpec &layer) {
	return std::string(layer_class_name(layer.kind)) + " layer '" + layer.name + "'";
}

[[noreturn]] void rank_error(const LayerSpec &layer, const Shape &input, size_t rank, std::string_view meaning) {
	fail(layer.location, label(layer) + " expects an input of " + std::to_string(rank) + " dimension" +
	                         (rank > 1 ? "s" : "") + " " + std::string(meaning) + " (batch excluded), but gets (" +
	                         format_dims(input) + ")" +
	                         (input.size() == 1 && rank > 1 ? "; add a Reshape layer before it" : ""));
}

void need_rank(const LayerSpec &layer, const Shape &input, size_t rank, std::string_view meaning) {
	if (input.size() != rank) {
		rank_error(layer, input, rank, meaning);
	}
}

std::string_view spatial_meaning(size_t rank) {
	return rank == 1   ? "(steps, channels)"
	       : rank == 2 ? "(height, width, channels)"
	                   : "(depth, height, width, channels)";
}

int64_t known_last(const LayerSpec &layer, const Shape &input) {
	if (input.empty() || input.back() < 0) {
		fail(layer.location,
		     label(layer) + " needs a known last dimension, but its input is (" + format_dims(input) + ")");
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
	if (layer.padding == "same" || layer.padding == "causal") {
		return (length - 1) / stride + 1;
	}
	if (length < effective) {
		fail(layer.location, label(layer) + ": " + std::string(what) + " " + std::to_string(effective) +
		                         " is larger than its input (" + std::to_string(length) +
		                         ") with padding='valid'; use a smaller " + std::string(what) + " or padding='same'");
	}
	return (length - effective) / stride + 1;
}

//! Keras' deconv_output_length.
int64_t transposed_output(const LayerSpec &layer, size_t i, int64_t length) {
	if (length < 0) {
		return -1;
	}
	Counter counter{layer};
	int64_t kernel =
	    counter.add(layer.kernel_size[i], counter.mul(layer.kernel_size[i] - 1, layer.dilation_rate[i] - 1));
	int64_t stride = layer.strides[i];
	if (layer.output_padding.empty()) {
		if (layer.padding == "valid") {
			return counter.add(counter.mul(length, stride), std::max<int64_t>(kernel - stride, 0));
		}
		return counter.mul(length, stride);
	}
	int64_t pad = layer.padding == "same" ? kernel / 2 : 0;
	return counter.add(counter.mul(length - 1, stride), kernel - 2 * pad + layer.output_padding[i]);
}

int64_t normalized_axis(const LayerSpec &layer, int64_t axis, size_t rank) {
	// Keras counts the batch as axis 0; our shapes leave it out.
	int64_t full = static_cast<int64_t>(rank) + 1;
	int64_t resolved = axis < 0 ? axis + full : axis;
	if (resolved <= 0 || resolved >= full) {
		fail(layer.location, label(layer) + ": axis " + std::to_string(axis) + " is out of range for an input of " +
		                         std::to_string(rank) + " dimensions (batch excluded)");
	}
	return resolved - 1;
}

void recurrent(const LayerSpec &layer, const Shape &input, LayerSummary &out, Shape &shape) {
	Counter counter{layer};
	need_rank(layer, input, 2, "(timesteps, features)");
	int64_t features = known_last(layer, input);
	int64_t units = layer.units;
	int64_t gates = layer.kind == LayerKind::LSTM ? 4 : layer.kind == LayerKind::GRU ? 3 : 1;
	int64_t bias = !layer.use_bias ? 0 : (layer.kind == LayerKind::GRU && layer.reset_after) ? 2 * units : units;
	int64_t per_gate = counter.add(counter.mul(units, counter.add(features, units)), bias);
	out.trainable_params = counter.mul(gates, per_gate);
	shape = layer.return_sequences ? Shape{input[0], units} : Shape{units};
}

//! Merge layers: equal shapes (an unknown dimension matches any).
Shape same_shapes(const LayerSpec &layer, const std::vector<Shape> &inputs) {
	Shape merged = inputs[0];
	for (size_t i = 1; i < inputs.size(); i++) {
		const Shape &other = inputs[i];
		if (other.size() != merged.size()) {
			fail(layer.location, label(layer) + " needs inputs of the same shape, got (" + format_dims(merged) +
			                         ") and (" + format_dims(other) + ")");
		}
		for (size_t d = 0; d < other.size(); d++) {
			if (merged[d] < 0) {
				merged[d] = other[d];
			} else if (other[d] >= 0 && other[d] != merged[d]) {
				fail(layer.location, label(layer) + " needs inputs of the same shape, got (" + format_dims(inputs[0]) +
				                         ") and (" + format_dims(other) + ")");
			}
		}
	}
	return merged;
}

Shape concatenate(const LayerSpec &layer, const std::vector<Shape> &inputs) {
	size_t rank = inputs[0].size();
	int64_t axis = normalized_axis(layer, layer.axis, rank);
	Shape out = inputs[0];
	Counter counter{layer};
	for (size_t i = 1; i < inputs.size(); i++) {
		const Shape &other = inputs[i];
		if (other.size() != rank) {
			fail(layer.location, label(layer) + " needs inputs of the same rank, got (" + format_dims(inputs[0]) +
			                         ") and (" + format_dims(other) + ")");
		}
		for (size_t d = 0; d < rank; d++) {
			if (static_cast<int64_t>(d) == axis) {
				out[d] = out[d] < 0 || other[d] < 0 ? -1 : counter.add(out[d], other[d]);
			} else if (out[d] >= 0 && other[d] >= 0 && out[d] != other[d]) {
				fail(layer.location, label(layer) + " needs inputs that match except along axis " +
				                         std::to_string(layer.axis) + ", got (" + format_dims(inputs[0]) + ") and (" +
				                         format_dims(other) + ")");
			} else if (out[d] < 0) {
				out[d] = other[d];
			}
		}
	}
	return out;
}

Shape dot(const LayerSpec &layer, const std::vector<Shape> &inputs) {
	const Shape &a = inputs[0];
	const Shape &b = inputs[1];
	int64_t axis_a = normalized_axis(layer, layer.axes.at(0), a.size());
	int64_t axis_b = normalized_axis(layer, layer.axes.at(1), b.size());
	int64_t da = a[static_cast<size_t>(axis_a)];
	int64_t db = b[static_cast<size_t>(axis_b)];
	if (da >= 0 && db >= 0 && da != db) {
		fail(layer.location, label(layer) + ": the dotted axes differ in size, " + std::to_string(da) + " and " +
		                         std::to_string(db) + ", for inputs (" + format_dims(a) + ") and (" + format_dims(b) +
		                         ")");
	}
	Shape out;
	for (size_t d = 0; d < a.size(); d++) {
		if (static_cast<int64_t>(d) != axis_a) {
			out.push_back(a[d]);
		}
	}
	for (size_t d = 0; d < b.size(); d++) {
		if (static_cast<int64_t>(d) != axis_b) {
			out.push_back(b[d]);
		}
	}
	if (out.empty()) {
		out.push_back(1);
	}
	return out;
}

void attention(const LayerSpec &layer, const std::vector<Shape> &inputs, LayerSummary &out, Shape &shape) {
	Counter counter{layer};
	const Shape &query = inputs[0];
	const Shape &value = inputs[1];
	const Shape &key = inputs.size() > 2 ? inputs[2] : value;
	for (const Shape *s : {&query, &value, &key}) {
		if (s->size() < 2) {
			fail(layer.location, label(layer) + " needs (sequence, features) inputs, got (" + format_dims(*s) + ")");
		}
	}
	int64_t dq = known_last(layer, query);
	int64_t dv = known_last(layer, value);
	int64_t dk = known_last(layer, key);
	int64_t heads = layer.num_heads;
	int64_t kd = layer.key_dim;
	int64_t vd = layer.value_dim > 0 ? layer.value_dim : layer.key_dim;
	int64_t output = layer.output_shape.empty() ? dq : counter.product(layer.output_shape);
	auto projection = [&](int64_t in, int64_t per_head) {
		int64_t width = counter.mul(heads, per_head);
		return counter.add(counter.mul(in, width), layer.use_bias ? width : 0);
	};
	int64_t params = counter.add(projection(dq, kd), projection(dk, kd));
	params = counter.add(params, projection(dv, vd));
	params = counter.add(params, counter.add(counter.mul(counter.mul(heads, vd), output), layer.use_bias ? output : 0));
	out.trainable_params = params;
	shape = Shape(query.begin(), query.end() - 1);
	if (layer.output_shape.empty()) {
		shape.push_back(dq);
	} else {
		shape.insert(shape.end(), layer.output_shape.begin(), layer.output_shape.end());
	}
}

//! Conv1D/2D/3D, SeparableConv1D/2D, DepthwiseConv2D, Conv2DTranspose.
void convolution(const LayerSpec &layer, const Shape &input, LayerSummary &out, Shape &shape) {
	Counter counter{layer};
	size_t rank = layer.kernel_size.size();
	need_rank(layer, input, rank + 1, spatial_meaning(rank));
	int64_t channels = known_last(layer, input);
	int64_t kernel = 1;
	for (size_t i = 0; i < rank; i++) {
		shape[i] = layer.kind == LayerKind::Conv2DTranspose
		               ? transposed_output(layer, i, input[i])
		               : window_output(layer, input[i], layer.kernel_size[i], layer.strides[i], layer.dilation_rate[i],
		                               "kernel size");
		kernel = counter.mul(kernel, layer.kernel_size[i]);
	}
	switch (layer.kind) {
	case LayerKind::DepthwiseConv2D: {
		int64_t outputs = counter.mul(channels, layer.depth_multiplier);
		shape[rank] = outputs;
		out.trainable_params = counter.add(counter.mul(kernel, outputs), layer.use_bias ? outputs : 0);
		return;
	}
	case LayerKind::SeparableConv1D:
	case LayerKind::SeparableConv2D: {
		int64_t middle = counter.mul(channels, layer.depth_multiplier);
		shape[rank] = layer.filters;
		int64_t params = counter.add(counter.mul(kernel, middle), counter.mul(middle, layer.filters));
		out.trainable_params = counter.add(params, layer.use_bias ? layer.filters : 0);
		return;
	}
	default:
		shape[rank] = layer.filters;
		out.trainable_params =
		    counter.add(counter.mul(counter.mul(kernel, channels), layer.filters), layer.use_bias ? layer.filters : 0);
	}
}

void pad_or_crop(const LayerSpec &layer, const Shape &input, Shape &shape, bool padding) {
	const auto &edges = padding ? layer.zero_padding : layer.cropping;
	size_t rank = edges.size();
	need_rank(layer, input, rank + 1, spatial_meaning(rank));
	for (size_t i = 0; i < rank; i++) {
		if (input[i] < 0) {
			continue;
		}
		int64_t change = edges[i].first + edges[i].second;
		shape[i] = padding ? input[i] + change : input[i] - change;
		if (shape[i] <= 0) {
			fail(layer.location, label(layer) + " crops (" + std::to_string(change) + ") all of a dimension of size " +
			                         std::to_string(input[i]));
		}
	}
}

} // namespace

std::string format_dims(const Shape &shape) {
	std::string out;
	for (size_t i = 0; i < shape.size(); i++) {
		out += (i ? ", " : "") + (shape[i] < 0 ? std::string("None") : std::to_string(shape[i]));
	}
	return out;
}

void check_arity(const LayerSpec &layer, size_t count) {
	switch (layer.kind) {
	case LayerKind::Add:
	case LayerKind::Multiply:
	case LayerKind::Average:
	case LayerKind::Maximum:
	case LayerKind::Minimum:
	case LayerKind::Concatenate:
		if (count < 2) {
			fail(layer.location, label(layer) + " merges a list of at least 2 tensors, got " + std::to_string(count));
		}
		return;
	case LayerKind::Subtract:
	case LayerKind::Dot:
		if (count != 2) {
			fail(layer.location, label(layer) + " takes a list of exactly 2 tensors, got " + std::to_string(count));
		}
		return;
	case LayerKind::MultiHeadAttention:
		if (count < 2 || count > 3) {
			fail(layer.location, label(layer) + " is called as layer(query, value) or layer(query, value, key)");
		}
		return;
	case LayerKind::LSTM:
	case LayerKind::GRU:
	case LayerKind::SimpleRNN:
		if (count != 1 && count != 1 + recurrent_state_count(layer)) {
			fail(layer.location, label(layer) + " takes one input tensor and optionally its initial state" +
			                         (layer.kind == LayerKind::LSTM ? "s [h, c]" : " [h]") + ", got " +
			                         std::to_string(count) + " tensors");
		}
		return;
	default:
		if (count != 1) {
			fail(layer.location, label(layer) + " takes one input tensor, got " + std::to_string(count) +
			                         "; to merge tensors use a merge layer such as layers.Concatenate()");
		}
	}
}

size_t recurrent_state_count(const LayerSpec &layer) {
	switch (layer.kind) {
	case LayerKind::LSTM:
		return 2;
	case LayerKind::GRU:
	case LayerKind::SimpleRNN:
		return 1;
	default:
		return 0;
	}
}

LayerSummary infer_layer(const LayerSpec &layer, const std::vector<Shape> &inputs) {
	check_arity(layer, inputs.size());
	Counter counter{layer};
	LayerSummary out;
	out.name = layer.name;
	out.type = std::string(layer_class_name(layer.kind));
	const Shape &input = inputs[0];
	out.input_shape = input;
	Shape shape = input;
	if (input.empty()) {
		fail(layer.location, label(layer) + " gets a scalar input; it needs at least one dimension");
	}
	switch (layer.kind) {
	case LayerKind::Dense: {
		int64_t in = known_last(layer, input);
		shape.back() = layer.units;
		out.trainable_params = counter.add(counter.mul(in, layer.units), layer.use_bias ? layer.units : 0);
		break;
	}
	case LayerKind::Dropout:
	case LayerKind::Activation:
	case LayerKind::GaussianNoise:
	case LayerKind::GaussianDropout:
	case LayerKind::ReLU:
	case LayerKind::LeakyReLU:
	case LayerKind::ELU:
	case LayerKind::Rescaling:
		break;
	case LayerKind::Softmax:
		normalized_axis(layer, layer.axis, input.size());
		break;
	case LayerKind::SpatialDropout1D:
		need_rank(layer, input, 2, "(steps, channels)");
		break;
	case LayerKind::SpatialDropout2D:
		need_rank(layer, input, 3, "(height, width, channels)");
		break;
	case LayerKind::Flatten:
		shape = {counter.product(input)};
		break;
	case LayerKind::Reshape: {
		int64_t total = counter.product(input);
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
				fail(layer.location, "Reshape layer '" + layer.name + "' cannot reshape (" + format_dims(input) +
				                         "), " + std::to_string(total) + " values, into (" +
				                         format_dims(layer.target_shape) + ")");
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
			                         "': only the last axis (-1) is supported, got axis=" + std::to_string(layer.axis));
		}
		out.trainable_params = (layer.center ? channels : 0) + (layer.scale ? channels : 0);
		out.non_trainable_params = counter.mul(2, channels);
		break;
	}
	case LayerKind::LayerNormalization: {
		int64_t size = 1;
		for (int64_t axis : layer.axes) {
			int64_t dim = input[static_cast<size_t>(normalized_axis(layer, axis, input.size()))];
			if (dim < 0) {
				fail(layer.location,
				     label(layer) + " needs known sizes on its axes, but its input is (" + format_dims(input) + ")");
			}
			size = counter.mul(size, dim);
		}
		out.trainable_params = (layer.center ? size : 0) + (layer.scale ? size : 0);
		break;
	}
	case LayerKind::Normalization: {
		int64_t channels = input[static_cast<size_t>(normalized_axis(layer, layer.axis, input.size()))];
		for (const auto *values : {&layer.mean, &layer.variance}) {
			if (values->size() != 1 && static_cast<int64_t>(values->size()) != channels) {
				fail(layer.location, label(layer) + ": mean and variance need 1 value or one per channel (" +
				                         std::to_string(channels) + "), got " + std::to_string(values->size()));
			}
		}
		break; // given statistics are constants, not weights
	}
	case LayerKind::PReLU: {
		int64_t size = 1;
		for (size_t d = 0; d < input.size(); d++) {
			bool shared = std::find(layer.shared_axes.begin(), layer.shared_axes.end(), static_cast<int64_t>(d) + 1) !=
			              layer.shared_axes.end();
			if (shared) {
				continue;
			}
			if (input[d] < 0) {
				fail(layer.location, label(layer) +
				                         " needs known dimensions (or shared_axes over the unknown ones), "
				                         "but its input is (" +
				                         format_dims(input) + ")");
			}
			size = counter.mul(size, input[d]);
		}
		out.trainable_params = size;
		break;
	}
	case LayerKind::Conv1D:
	case LayerKind::Conv2D:
	case LayerKind::Conv3D:
	case LayerKind::Conv2DTranspose:
	case LayerKind::SeparableConv1D:
	case LayerKind::SeparableConv2D:
	case LayerKind::DepthwiseConv2D:
		convolution(layer, input, out, shape);
		break;
	case LayerKind::MaxPooling1D:
	case LayerKind::MaxPooling2D:
	case LayerKind::MaxPooling3D:
	case LayerKind::AveragePooling1D:
	case LayerKind::AveragePooling2D:
	case LayerKind::AveragePooling3D: {
		size_t rank = layer.pool_size.size();
		need_rank(layer, input, rank + 1, spatial_meaning(rank));
		for (size_t i = 0; i < rank; i++) {
			shape[i] = window_output(layer, input[i], layer.pool_size[i], layer.strides[i], 1, "pool size");
		}
		break;
	}
	case LayerKind::GlobalAveragePooling1D:
	case LayerKind::GlobalMaxPooling1D:
		need_rank(layer, input, 2, "(steps, features)");
		shape = {input.back()};
		break;
	case LayerKind::GlobalAveragePooling2D:
	case LayerKind::GlobalMaxPooling2D:
		need_rank(layer, input, 3, "(height, width, channels)");
		shape = {input.back()};
		break;
	case LayerKind::GlobalAveragePooling3D:
	case LayerKind::GlobalMaxPooling3D:
		need_rank(layer, input, 4, "(depth, height, width, channels)");
		shape = {input.back()};
		break;
	case LayerKind::LSTM:
	case LayerKind::GRU:
	case LayerKind::SimpleRNN:
		recurrent(layer, input, out, shape);
		for (size_t i = 1; i < inputs.size(); i++) { // initial_state
			if (inputs[i].size() != 1 || (inputs[i][0] >= 0 && inputs[i][0] != layer.units)) {
				fail(layer.location, label(layer) + "'s initial state " + std::to_string(i) + " must have shape (" +
				                         std::to_string(layer.units) + ",), its units, not (" + format_dims(inputs[i]) +
				                         ")");
			}
		}
		if (layer.return_state) {
			out.state_shapes.assign(recurrent_state_count(layer), Shape{layer.units});
		}
		break;
	case LayerKind::Bidirectional: {
		LayerSummary inner = infer_layer(layer.wrapped.at(0), {input});
		out.trainable_params = counter.mul(2, inner.trainable_params);
		out.non_trainable_params = counter.mul(2, inner.non_trainable_params);
		shape = inner.output_shape;
		if (layer.merge_mode == "concat") {
			shape.back() = counter.mul(2, shape.back());
		}
		break;
	}
	case LayerKind::TimeDistributed: {
		if (input.size() < 2) {
			rank_error(layer, input, 2, "(timesteps, ...)");
		}
		LayerSummary inner = infer_layer(layer.wrapped.at(0), {Shape(input.begin() + 1, input.end())});
		out.trainable_params = inner.trainable_params;
		out.non_trainable_params = inner.non_trainable_params;
		shape = {input[0]};
		shape.insert(shape.end(), inner.output_shape.begin(), inner.output_shape.end());
		break;
	}
	case LayerKind::Embedding:
		shape.push_back(layer.output_dim);
		out.trainable_params = counter.mul(layer.input_dim, layer.output_dim);
		break;
	case LayerKind::UpSampling1D:
	case LayerKind::UpSampling2D: {
		size_t rank = layer.size.size();
		need_rank(layer, input, rank + 1, spatial_meaning(rank));
		for (size_t i = 0; i < rank; i++) {
			shape[i] = input[i] < 0 ? -1 : counter.mul(input[i], layer.size[i]);
		}
		break;
	}
	case LayerKind::ZeroPadding1D:
	case LayerKind::ZeroPadding2D:
		pad_or_crop(layer, input, shape, true);
		break;
	case LayerKind::Cropping1D:
	case LayerKind::Cropping2D:
		pad_or_crop(layer, input, shape, false);
		break;
	case LayerKind::RepeatVector:
		need_rank(layer, input, 1, "(features)");
		shape = {layer.repeat, input[0]};
		break;
	case LayerKind::Permute: {
		if (layer.dims.size() != input.size()) {
			fail(layer.location, label(layer) + ": dims has " + std::to_string(layer.dims.size()) +
			                         " entries for an input of " + std::to_string(input.size()) + " dimensions");
		}
		for (size_t i = 0; i < layer.dims.size(); i++) {
			shape[i] = input[static_cast<size_t>(layer.dims[i] - 1)];
		}
		break;
	}
	case LayerKind::MultiHeadAttention:
		attention(layer, inputs, out, shape);
		break;
	case LayerKind::RandomFlip:
	case LayerKind::RandomRotation:
	case LayerKind::RandomZoom:
	case LayerKind::RandomTranslation:
	case LayerKind::RandomContrast:
		need_rank(layer, input, 3, "(height, width, channels)");
		break;
	case LayerKind::RandomCrop:
	case LayerKind::CenterCrop:
	case LayerKind::Resizing:
		need_rank(layer, input, 3, "(height, width, channels)");
		shape = {layer.height, layer.width, input[2]};
		break;
	case LayerKind::Add:
	case LayerKind::Subtract:
	case LayerKind::Multiply:
	case LayerKind::Average:
	case LayerKind::Maximum:
	case LayerKind::Minimum:
		shape = same_shapes(layer, inputs);
		break;
	case LayerKind::Concatenate:
		shape = concatenate(layer, inputs);
		break;
	case LayerKind::Dot:
		shape = dot(layer, inputs);
		break;
	}
	for (int64_t dim : shape) {
		if (dim == 0) {
			fail(layer.location, label(layer) + " would output an empty shape (" + format_dims(shape) + ")");
		}
	}
	(void)counter.product(shape); // only to reject sizes that overflow
	if (!layer.trainable) {
		out.non_trainable_params = counter.add(out.non_trainable_params, out.trainable_params);
		out.trainable_params = 0;
	}
	out.output_shape = std::move(shape);
	return out;
}

} // namespace kafkaml::ml::spec
