#include "ml/plan_layers.h"

#include "ml/spec/layer_kinds.h"

#include <algorithm>
#include <stdexcept>

namespace kafkaml::ml {

namespace {

void need_rank(const LayerPlan &layer, size_t rank) {
	if (layer.input_shape.size() != rank) {
		fail(layer.spec, "expects an input of rank " + std::to_string(rank) + " (batch excluded), got " +
		                     shape_to_string(layer.input_shape));
	}
}

void need_rate(const LayerSpec &s) {
	if (s.rate < 0.0 || s.rate >= 1.0) {
		fail(s, "rate must be in [0, 1)");
	}
}

//! Keras' recurrent weights: kernel [in, gates units], recurrent_kernel
//! [units, gates units], bias [gates units]. LSTM and GRU are plan.cpp's.
void plan_simple_rnn(SlotAllocator &slots, LayerPlan &layer) {
	const LayerSpec &s = layer.spec;
	need_rank(layer, 2);
	if (s.units <= 0) {
		fail(s, "units must be > 0");
	}
	slots.add_param(layer, "kernel", {layer.input_shape[1], s.units}, s.kernel_initializer);
	slots.add_param(layer, "recurrent_kernel", {s.units, s.units}, s.recurrent_initializer);
	if (s.use_bias) {
		slots.add_param(layer, "bias", {s.units}, s.bias_initializer);
	}
	layer.output_shape = s.return_sequences ? Shape{layer.input_shape[0], s.units} : Shape{s.units};
}

//! Plans the wrapped layer as layer.wrapped[0] (and Bidirectional's
//! backward copy as wrapped[1]); their slots are named under the wrapper's.
LayerPlan &plan_wrapped(SlotAllocator &slots, LayerPlan &layer, const std::string &prefix, Shape input) {
	const LayerSpec &s = layer.spec;
	if (s.wrapped.size() != 1) {
		fail(s, "wraps exactly one layer");
	}
	LayerPlan inner;
	inner.spec = s.wrapped[0];
	inner.spec.name = s.name + "/" + prefix + s.wrapped[0].name;
	inner.spec.trainable = s.trainable && inner.spec.trainable;
	inner.spec.input_shape.reset();
	inner.input_shape = std::move(input);
	slots.plan(inner);
	layer.params.insert(layer.params.end(), inner.params.begin(), inner.params.end());
	layer.states.insert(layer.states.end(), inner.states.begin(), inner.states.end());
	layer.param_count += inner.param_count;
	layer.wrapped.push_back(std::move(inner));
	return layer.wrapped.back();
}

void plan_bidirectional(SlotAllocator &slots, LayerPlan &layer) {
	const LayerSpec &s = layer.spec;
	LayerKind inner = s.wrapped.empty() ? LayerKind::Dense : s.wrapped[0].kind;
	if (inner != LayerKind::LSTM && inner != LayerKind::GRU && inner != LayerKind::SimpleRNN) {
		fail(s, "Bidirectional wraps an LSTM, GRU or SimpleRNN layer");
	}
	if (s.merge_mode != "concat" && s.merge_mode != "sum" && s.merge_mode != "mul" && s.merge_mode != "ave") {
		fail(s, "merge_mode must be 'concat', 'sum', 'mul' or 'ave', got '" + s.merge_mode + "'");
	}
	Shape out = plan_wrapped(slots, layer, "forward_", layer.input_shape).output_shape;
	plan_wrapped(slots, layer, "backward_", layer.input_shape);
	if (s.merge_mode == "concat") {
		out.back() *= 2;
	}
	layer.output_shape = out;
}

void plan_time_distributed(SlotAllocator &slots, LayerPlan &layer) {
	const Shape &in = layer.input_shape;
	if (in.size() < 2) {
		fail(layer.spec, "expects an input of (timesteps, ...), got " + shape_to_string(in));
	}
	const LayerPlan &inner = plan_wrapped(slots, layer, "", Shape(in.begin() + 1, in.end()));
	layer.output_shape = {in[0]};
	layer.output_shape.insert(layer.output_shape.end(), inner.output_shape.begin(), inner.output_shape.end());
}

//! Conv3D, Conv2DTranspose, SeparableConv1D/2D, DepthwiseConv2D (Conv1D and
//! Conv2D are plan.cpp's). Keras' kernels: Conv3D [k.., in, filters];
//! Conv2DTranspose [k.., filters, in]; depthwise [k.., in, multiplier];
//! pointwise [1.., in multiplier, filters].
void plan_convolution(SlotAllocator &slots, LayerPlan &layer) {
	const LayerSpec &s = layer.spec;
	const Shape &in = layer.input_shape;
	size_t spatial = s.kernel_size.size();
	bool depthwise = s.kind == LayerKind::DepthwiseConv2D;
	bool separable = s.kind == LayerKind::SeparableConv1D || s.kind == LayerKind::SeparableConv2D;
	size_t expected = s.kind == LayerKind::Conv3D ? 3 : s.kind == LayerKind::SeparableConv1D ? 1 : 2;
	if (spatial != expected) {
		fail(s, "needs a kernel_size of " + std::to_string(expected) + " values");
	}
	need_rank(layer, spatial + 1);
	if (!depthwise && s.filters <= 0) {
		fail(s, "filters must be > 0");
	}
	if ((depthwise || separable) && s.depth_multiplier <= 0) {
		fail(s, "depth_multiplier must be > 0");
	}
	const int64_t channels = in[spatial];
	Shape out = in;
	Shape kernel;
	for (size_t d = 0; d < spatial; d++) {
		int64_t stride = at_or(s.strides, d, 1), dilation = at_or(s.dilation_rate, d, 1);
		if (s.kind == LayerKind::Conv2DTranspose) {
			// Keras' deconv_output_length.
			if (stride <= 0 || dilation <= 0 || s.kernel_size[d] <= 0) {
				fail(s, "kernel sizes, strides and dilations must be positive");
			}
			int64_t span = dilation * (s.kernel_size[d] - 1) + 1;
			if (s.output_padding.empty()) {
				out[d] = in[d] * stride + (s.padding == "valid" ? std::max<int64_t>(span - stride, 0) : 0);
			} else {
				int64_t pad = s.padding == "same" ? span / 2 : 0;
				out[d] = (in[d] - 1) * stride + span - 2 * pad + s.output_padding[d];
			}
		} else {
			out[d] = window_output(s, in[d], s.kernel_size[d], stride, dilation);
		}
		kernel.push_back(s.kernel_size[d]);
	}
	if (s.kind == LayerKind::Conv2DTranspose && s.padding != "valid" && s.padding != "same") {
		fail(s, "padding must be 'valid' or 'same', got '" + s.padding + "'");
	}
	if (s.kind == LayerKind::Conv2DTranspose && !s.output_padding.empty() && s.output_padding.size() != spatial) {
		fail(s, "output_padding needs one value per spatial dimension");
	}
	int64_t filters = depthwise ? channels * s.depth_multiplier : s.filters;
	out[spatial] = filters;
	if (depthwise || separable) {
		Shape depth = kernel;
		depth.push_back(channels);
		depth.push_back(s.depth_multiplier);
		slots.add_param(layer, "depthwise_kernel", depth, s.depthwise_initializer);
		if (separable) {
			Shape point(spatial, 1);
			point.push_back(channels * s.depth_multiplier);
			point.push_back(s.filters);
			slots.add_param(layer, "pointwise_kernel", point, s.pointwise_initializer);
		}
	} else {
		kernel.push_back(s.kind == LayerKind::Conv2DTranspose ? s.filters : channels);
		kernel.push_back(s.kind == LayerKind::Conv2DTranspose ? channels : s.filters);
		slots.add_param(layer, "kernel", kernel, s.kernel_initializer);
	}
	if (s.use_bias) {
		slots.add_param(layer, "bias", {filters}, s.bias_initializer);
	}
	layer.output_shape = out;
}

void plan_pooling_3d(LayerPlan &layer) {
	const LayerSpec &s = layer.spec;
	need_rank(layer, 4);
	layer.output_shape = layer.input_shape;
	for (size_t d = 0; d < 3; d++) {
		int64_t pool = at_or(s.pool_size, d, 2);
		layer.output_shape[d] = window_output(s, layer.input_shape[d], pool, at_or(s.strides, d, pool), 1);
	}
}

//! ZeroPadding1D/2D, Cropping1D/2D.
void plan_edges(LayerPlan &layer, bool padding) {
	const LayerSpec &s = layer.spec;
	size_t spatial = (s.kind == LayerKind::ZeroPadding1D || s.kind == LayerKind::Cropping1D) ? 1 : 2;
	const auto &edges = padding ? s.zero_padding : s.cropping;
	if (edges.size() != spatial) {
		fail(s, "needs a (before, after) pair per spatial dimension");
	}
	need_rank(layer, spatial + 1);
	layer.output_shape = layer.input_shape;
	for (size_t d = 0; d < spatial; d++) {
		if (edges[d].first < 0 || edges[d].second < 0) {
			fail(s, "padding and cropping amounts must not be negative");
		}
		int64_t change = edges[d].first + edges[d].second;
		layer.output_shape[d] += padding ? change : -change;
		if (layer.output_shape[d] <= 0) {
			fail(s, "crops all of a dimension of size " + std::to_string(layer.input_shape[d]));
		}
	}
}

void plan_upsampling(LayerPlan &layer) {
	const LayerSpec &s = layer.spec;
	size_t spatial = s.kind == LayerKind::UpSampling1D ? 1 : 2;
	need_rank(layer, spatial + 1);
	if (s.kind == LayerKind::UpSampling2D && s.interpolation != "nearest" && s.interpolation != "bilinear") {
		fail(s, "interpolation must be 'nearest' or 'bilinear'");
	}
	layer.output_shape = layer.input_shape;
	for (size_t d = 0; d < spatial; d++) {
		int64_t factor = at_or(s.size, d, 2);
		if (factor <= 0) {
			fail(s, "size must be positive");
		}
		layer.output_shape[d] *= factor;
	}
}

void plan_permute(LayerPlan &layer) {
	const LayerSpec &s = layer.spec;
	const Shape &in = layer.input_shape;
	std::vector<bool> seen(in.size(), false);
	if (s.dims.size() != in.size()) {
		fail(s, "dims must be a permutation of 1.." + std::to_string(in.size()));
	}
	layer.output_shape = in;
	for (size_t i = 0; i < s.dims.size(); i++) {
		int64_t d = s.dims[i] - 1;
		if (d < 0 || d >= static_cast<int64_t>(in.size()) || seen[static_cast<size_t>(d)]) {
			fail(s, "dims must be a permutation of 1.." + std::to_string(in.size()));
		}
		seen[static_cast<size_t>(d)] = true;
		layer.output_shape[i] = in[static_cast<size_t>(d)];
	}
}

void plan_layer_normalization(SlotAllocator &slots, LayerPlan &layer) {
	const LayerSpec &s = layer.spec;
	Shape param;
	std::vector<bool> seen(layer.input_shape.size(), false);
	for (int64_t axis : s.axes) {
		size_t d = static_cast<size_t>(data_axis(s, axis, layer.input_shape.size()));
		if (seen[d]) {
			fail(s, "axis lists a dimension twice");
		}
		seen[d] = true;
		param.push_back(layer.input_shape[d]);
	}
	if (param.empty()) {
		fail(s, "needs at least one axis");
	}
	if (s.scale) {
		slots.add_param(layer, "gamma", param, "ones");
	}
	if (s.center) {
		slots.add_param(layer, "beta", param, "zeros");
	}
}

void plan_normalization(const LayerPlan &layer) {
	const LayerSpec &s = layer.spec;
	int64_t channels = layer.input_shape[static_cast<size_t>(data_axis(s, s.axis, layer.input_shape.size()))];
	for (const auto *values : {&s.mean, &s.variance}) {
		if (values->size() != 1 && static_cast<int64_t>(values->size()) != channels) {
			fail(s, "mean and variance need 1 value or one per channel (" + std::to_string(channels) + ")");
		}
	}
}

void plan_prelu(SlotAllocator &slots, LayerPlan &layer) {
	const LayerSpec &s = layer.spec;
	Shape alpha = layer.input_shape;
	for (int64_t axis : s.shared_axes) {
		if (axis < 1 || axis > static_cast<int64_t>(alpha.size())) {
			fail(s, "shared_axes are 1-based dimensions of the input (batch excluded)");
		}
		alpha[static_cast<size_t>(axis - 1)] = 1;
	}
	slots.add_param(layer, "alpha", alpha, s.alpha_initializer);
}

//! RandomFlip ... Resizing: images (height, width, channels).
void plan_image(LayerPlan &layer) {
	const LayerSpec &s = layer.spec;
	need_rank(layer, 3);
	layer.output_shape = layer.input_shape;
	switch (s.kind) {
	case LayerKind::RandomCrop:
	case LayerKind::CenterCrop:
	case LayerKind::Resizing:
		if (s.height <= 0 || s.width <= 0) {
			fail(s, "height and width must be > 0");
		}
		layer.output_shape = {s.height, s.width, layer.input_shape[2]};
		break;
	case LayerKind::RandomRotation:
	case LayerKind::RandomZoom:
	case LayerKind::RandomTranslation:
	case LayerKind::RandomContrast:
		if (s.factor.size() != 2 || (!s.width_factor.empty() && s.width_factor.size() != 2)) {
			fail(s, "factors are (lower, upper) pairs");
		}
		break;
	default:
		break;
	}
	bool resamples = s.kind == LayerKind::RandomRotation || s.kind == LayerKind::RandomZoom ||
	                 s.kind == LayerKind::RandomTranslation || s.kind == LayerKind::Resizing;
	if (resamples && s.interpolation != "bilinear" && s.interpolation != "nearest") {
		fail(s, "interpolation '" + s.interpolation + "' is not built by the engine; use 'bilinear' or 'nearest'");
	}
}

} // namespace

int64_t data_axis(const LayerSpec &layer, int64_t axis, size_t rank) {
	// Keras counts the batch as axis 0; plan shapes leave it out.
	int64_t full = static_cast<int64_t>(rank) + 1;
	int64_t resolved = axis < 0 ? axis + full : axis;
	if (resolved <= 0 || resolved >= full) {
		fail(layer, "axis " + std::to_string(axis) + " is out of range for an input of rank " + std::to_string(rank) +
		                " (batch excluded)");
	}
	return resolved - 1;
}

RegularizerSpec weight_regularizer(const LayerSpec &layer, const std::string &slot_name) {
	std::string name = slot_name.substr(slot_name.rfind('/') + 1);
	if (name == "kernel") {
		return layer.kernel_regularizer;
	}
	if (name == "recurrent_kernel") {
		return layer.recurrent_regularizer;
	}
	if (name == "depthwise_kernel") {
		return layer.depthwise_regularizer;
	}
	if (name == "pointwise_kernel") {
		return layer.pointwise_regularizer;
	}
	if (name == "bias") {
		return layer.bias_regularizer;
	}
	return {};
}

int64_t window_output(const LayerSpec &layer, int64_t length, int64_t window, int64_t stride, int64_t dilation) {
	if (stride <= 0 || window <= 0 || dilation <= 0) {
		fail(layer, "kernel/pool sizes, strides and dilations must be positive");
	}
	if (layer.padding == "same" || layer.padding == "causal") {
		return (length + stride - 1) / stride;
	}
	if (layer.padding != "valid") {
		fail(layer, "padding must be 'valid' or 'same', got '" + layer.padding + "'");
	}
	int64_t span = dilation * (window - 1) + 1;
	if (length < span) {
		fail(layer, "input length " + std::to_string(length) + " is shorter than the window " + std::to_string(span));
	}
	return (length - span) / stride + 1;
}

void plan_added_layer(SlotAllocator &slots, LayerPlan &layer) {
	const LayerSpec &s = layer.spec;
	layer.output_shape = layer.input_shape;
	switch (s.kind) {
	case LayerKind::ReLU:
	case LayerKind::LeakyReLU:
	case LayerKind::ELU:
	case LayerKind::Rescaling:
	case LayerKind::GaussianNoise:
		return;
	case LayerKind::Softmax:
		data_axis(s, s.axis, layer.input_shape.size());
		return;
	case LayerKind::GaussianDropout:
		need_rate(s);
		return;
	case LayerKind::SpatialDropout1D:
	case LayerKind::SpatialDropout2D:
		need_rank(layer, s.kind == LayerKind::SpatialDropout1D ? 2 : 3);
		need_rate(s);
		return;
	case LayerKind::PReLU:
		plan_prelu(slots, layer);
		return;
	case LayerKind::Normalization:
		plan_normalization(layer);
		return;
	case LayerKind::LayerNormalization:
		plan_layer_normalization(slots, layer);
		return;
	case LayerKind::RepeatVector:
		need_rank(layer, 1);
		if (s.repeat <= 0) {
			fail(s, "n must be > 0");
		}
		layer.output_shape = {s.repeat, layer.input_shape[0]};
		return;
	case LayerKind::Permute:
		plan_permute(layer);
		return;
	case LayerKind::ZeroPadding1D:
	case LayerKind::ZeroPadding2D:
		plan_edges(layer, true);
		return;
	case LayerKind::Cropping1D:
	case LayerKind::Cropping2D:
		plan_edges(layer, false);
		return;
	case LayerKind::UpSampling1D:
	case LayerKind::UpSampling2D:
		plan_upsampling(layer);
		return;
	case LayerKind::SimpleRNN:
		plan_simple_rnn(slots, layer);
		return;
	case LayerKind::Bidirectional:
		plan_bidirectional(slots, layer);
		return;
	case LayerKind::TimeDistributed:
		plan_time_distributed(slots, layer);
		return;
	case LayerKind::Conv3D:
	case LayerKind::Conv2DTranspose:
	case LayerKind::SeparableConv1D:
	case LayerKind::SeparableConv2D:
	case LayerKind::DepthwiseConv2D:
		plan_convolution(slots, layer);
		return;
	case LayerKind::MaxPooling3D:
	case LayerKind::AveragePooling3D:
		plan_pooling_3d(layer);
		return;
	case LayerKind::GlobalAveragePooling3D:
	case LayerKind::GlobalMaxPooling3D:
		need_rank(layer, 4);
		layer.output_shape = {layer.input_shape[3]};
		return;
	case LayerKind::RandomFlip:
	case LayerKind::RandomRotation:
	case LayerKind::RandomZoom:
	case LayerKind::RandomTranslation:
	case LayerKind::RandomContrast:
	case LayerKind::RandomCrop:
	case LayerKind::CenterCrop:
	case LayerKind::Resizing:
		plan_image(layer);
		return;
	default: // engine_gaps() refused it before
		fail(s, std::string(layer_class_name(s.kind)) + " layers are not built by the engine yet");
	}
}

} // namespace kafkaml::ml
