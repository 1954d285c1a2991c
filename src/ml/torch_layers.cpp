#include "ml/torch_layers.h"

#include "ml/plan_layers.h"
#include "ml/spec/layer_kinds.h"
#include "ml/torch_lstm.h"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace kafkaml::ml {

namespace {

namespace F = torch::nn::functional;
using Dims = std::vector<int64_t>;

//! A tensor of `sizes` filled by `fill(data, count)` on the host; the
//! tensor owns its values, so autograd may keep it past this call.
template <class Fill>
torch::Tensor drawn(const Dims &sizes, Fill fill) {
	auto t = torch::empty(sizes, torch::kFloat32);
	fill(t.data_ptr<float>(), t.numel());
	return t;
}

torch::Tensor dropout_mask(Rng &rng, const Dims &sizes, double rate) {
	return drawn(sizes, [&](float *v, int64_t n) { fill_dropout_mask(rng, v, n, static_cast<float>(rate)); });
}

torch::Tensor standard_normal(Rng &rng, const Dims &sizes) {
	return drawn(sizes, [&](float *v, int64_t n) {
		for (int64_t i = 0; i < n; i++) {
			v[i] = static_cast<float>(rng.normal());
		}
	});
}

//! [B, spatial..., C] <-> [B, C, spatial...].
torch::Tensor channels_first(const torch::Tensor &x) {
	return x.movedim(-1, 1);
}
torch::Tensor channels_last(const torch::Tensor &x) {
	return x.movedim(1, -1);
}

//! Pads channels-first `x` as Keras' "same" does (the odd one at the end);
//! `input` is the channels-last shape without the batch.
torch::Tensor pad_same(const torch::Tensor &x, const Shape &input, const Dims &window, const Dims &stride,
                       const Dims &dilation, double value) {
	Dims pads; // torch's order: last dimension first
	for (size_t d = window.size(); d-- > 0;) {
		int64_t out = (input[d] + stride[d] - 1) / stride[d];
		int64_t total = std::max<int64_t>((out - 1) * stride[d] + (window[d] - 1) * dilation[d] + 1 - input[d], 0);
		pads.push_back(total / 2);
		pads.push_back(total - total / 2);
	}
	return F::pad(x, F::PadFuncOptions(pads).value(value));
}

// ---- element-wise and normalisation layers ----

//! Keras' relu(x, negative_slope, max_value, threshold).
torch::Tensor relu_layer(const LayerSpec &s, const torch::Tensor &x) {
	auto y = s.threshold != 0.0 ? x * (x > s.threshold).to(x.dtype()) : torch::relu(x);
	if (s.max_value) {
		y = torch::clamp(y, 0.0, *s.max_value);
	}
	if (s.negative_slope != 0.0) {
		y = y - s.negative_slope * torch::relu(s.threshold - x);
	}
	return y;
}

//! A per-channel constant of Normalization, shaped to broadcast along `axis`.
torch::Tensor along_axis(const std::vector<double> &values, const torch::Tensor &x, int64_t axis) {
	std::vector<float> data(values.begin(), values.end());
	auto t = torch::tensor(data, torch::kFloat32);
	if (values.size() == 1) {
		return t.reshape({});
	}
	Dims shape(static_cast<size_t>(x.dim()), 1);
	shape[static_cast<size_t>(axis)] = static_cast<int64_t>(values.size());
	return t.reshape(shape);
}

torch::Tensor normalization(const LayerPlan &l, const torch::Tensor &x) {
	const LayerSpec &s = l.spec;
	int64_t axis = data_axis(s, s.axis, l.input_shape.size()) + 1;
	auto mean = along_axis(s.mean, x, axis);
	// Keras divides by max(sqrt(variance), epsilon) with its backend epsilon 1e-7.
	auto deviation = torch::clamp_min(along_axis(s.variance, x, axis).sqrt(), 1e-7);
	return (x - mean) / deviation;
}

torch::Tensor layer_normalization(const LayerCall &c, const torch::Tensor &x) {
	const LayerSpec &s = c.layer.spec;
	Dims dims;
	Dims broadcast(static_cast<size_t>(x.dim()), 1);
	for (int64_t axis : s.axes) {
		int64_t d = data_axis(s, axis, c.layer.input_shape.size()) + 1;
		dims.push_back(d);
		broadcast[static_cast<size_t>(d)] = x.size(d);
	}
	auto mean = x.mean(dims, true);
	auto variance = (x - mean).square().mean(dims, true);
	auto y = (x - mean) * torch::rsqrt(variance + s.epsilon);
	size_t next = 0;
	// Keras reshapes gamma/beta (stored in the order of `axis`) to the broadcast shape.
	if (s.scale) {
		y = y * c.weights[next++].reshape(broadcast);
	}
	if (s.center) {
		y = y + c.weights[next].reshape(broadcast);
	}
	return y;
}

// ---- random layers: identity at inference ----

torch::Tensor noise_layer(const LayerCall &c, const torch::Tensor &x) {
	const LayerSpec &s = c.layer.spec;
	if (!c.training) {
		return x;
	}
	Rng &rng = *c.rng;
	switch (s.kind) {
	case LayerKind::GaussianNoise:
		return s.stddev == 0.0 ? x : x + s.stddev * standard_normal(rng, x.sizes().vec());
	case LayerKind::GaussianDropout:
		// Multiplicative noise of mean 1 and variance rate / (1 - rate).
		return s.rate == 0.0 ? x
		                     : x * (1.0 + std::sqrt(s.rate / (1.0 - s.rate)) * standard_normal(rng, x.sizes().vec()));
	default: {
		// SpatialDropout1D/2D: one mask value per sample and channel.
		if (s.rate == 0.0) {
			return x;
		}
		Dims sizes(static_cast<size_t>(x.dim()), 1);
		sizes.front() = x.size(0);
		sizes.back() = x.size(-1);
		return x * dropout_mask(rng, sizes, s.rate);
	}
	}
}

// ---- shape layers ----

torch::Tensor pad_or_crop(const LayerSpec &s, const torch::Tensor &x) {
	bool padding = s.kind == LayerKind::ZeroPadding1D || s.kind == LayerKind::ZeroPadding2D;
	const auto &edges = padding ? s.zero_padding : s.cropping;
	if (padding) {
		Dims pads{0, 0}; // channels
		for (size_t d = edges.size(); d-- > 0;) {
			pads.push_back(edges[d].first);
			pads.push_back(edges[d].second);
		}
		return F::pad(x, F::PadFuncOptions(pads));
	}
	auto y = x;
	for (size_t d = 0; d < edges.size(); d++) {
		int64_t dim = static_cast<int64_t>(d) + 1;
		y = y.narrow(dim, edges[d].first, y.size(dim) - edges[d].first - edges[d].second);
	}
	return y;
}

torch::Tensor upsampling(const LayerPlan &l, const torch::Tensor &x) {
	const LayerSpec &s = l.spec;
	size_t spatial = s.kind == LayerKind::UpSampling1D ? 1 : 2;
	if (s.kind == LayerKind::UpSampling2D && s.interpolation == "bilinear") {
		// Keras resizes with half-pixel centres: align_corners=False.
		auto y = F::interpolate(channels_first(x), F::InterpolateFuncOptions()
		                                               .size(Dims{l.output_shape[0], l.output_shape[1]})
		                                               .mode(torch::kBilinear)
		                                               .align_corners(false));
		return channels_last(y);
	}
	auto y = x;
	for (size_t d = 0; d < spatial; d++) {
		y = y.repeat_interleave(at_or(s.size, d, 2), static_cast<int64_t>(d) + 1);
	}
	return y;
}

torch::Tensor permute(const LayerSpec &s, const torch::Tensor &x) {
	Dims order{0};
	order.insert(order.end(), s.dims.begin(), s.dims.end());
	return x.permute(order);
}

// ---- recurrent layers ----

//! Keras' SimpleRNN, LSTM (gates i, f, c, o) and GRU (gates z, r, h) over
//! [B, T, F]; `weights` are kernel, recurrent_kernel and bias. GRU's
//! reset_after=True (Keras 2's default) scales the candidate's recurrent
//! product by r and has a bias for each side; reset_after=False (GRU v1)
//! scales h by r before that product and has the input side's bias only. Dropout follows Keras 2: masks drawn once per
//! call and kept over the time steps; with recurrent_dropout each gate has its own input mask and its own mask on h
//! (Keras' implementation 1, which Keras uses whenever recurrent_dropout is set); with dropout alone one input mask
//! serves every gate. Draw order: input masks, then recurrent masks.
//! `backwards` runs the sequence from its end (Bidirectional's backward
//! layer); its sequence output is put back in time order. `initial`, when
//! not empty, holds the states to start from (h, LSTM's c); `states`, when
//! given, gets the final ones.
torch::Tensor recurrent(const LayerPlan &l, const std::vector<torch::Tensor> &weights, const torch::Tensor &input,
                        Rng *rng, bool backwards, const std::vector<torch::Tensor> &initial = {},
                        std::vector<torch::Tensor> *states = nullptr) {
	const LayerSpec &s = l.spec;
	const int64_t batch = input.size(0), steps = input.size(1), features = input.size(2), units = s.units;
	const int64_t gates = s.kind == LayerKind::LSTM ? 4 : s.kind == LayerKind::GRU ? 3 : 1;
	const auto activation = resolve_activation(s.activation, s.alpha);
	const auto recurrent_fn = resolve_activation(s.recurrent_activation, s.alpha);
	const auto &kernel = weights.at(0);
	const auto &recurrent_kernel = weights.at(1);
	torch::Tensor bias = s.use_bias ? weights.at(2) : torch::Tensor();
	auto x = backwards ? input.flip(1) : input;

	// Keras applies a rate only inside (0, 1): 1 means none.
	const bool input_dropout = rng && s.dropout > 0.0 && s.dropout < 1.0;
	const bool state_dropout = rng && s.recurrent_dropout > 0.0 && s.recurrent_dropout < 1.0;
	std::vector<torch::Tensor> input_masks, state_masks;
	if (input_dropout) {
		for (int64_t g = 0; g < (state_dropout ? gates : 1); g++) {
			input_masks.push_back(dropout_mask(*rng, {batch, 1, features}, s.dropout));
		}
	}
	if (state_dropout) {
		for (int64_t g = 0; g < gates; g++) {
			state_masks.push_back(dropout_mask(*rng, {batch, units}, s.recurrent_dropout));
		}
	}
	if (s.kind == LayerKind::LSTM && input_masks.empty() && state_masks.empty() && initial.empty() && !states &&
	    activation.kind == ActivationKind::Tanh && recurrent_fn.kind == ActivationKind::Sigmoid) {
		// Keras' default LSTM: one autograd node for the whole sequence
		// (torch_lstm.cpp), which starts from zeros and keeps c to itself.
		auto y = lstm_sequence(x, kernel, recurrent_kernel, bias, s.return_sequences);
		return backwards && s.return_sequences ? y.flip(1) : y;
	}
	// The input projections of every step at once: [B, T, gates units].
	torch::Tensor projected;
	if (input_masks.size() > 1) {
		std::vector<torch::Tensor> parts;
		for (int64_t g = 0; g < gates; g++) {
			parts.push_back(torch::matmul(x * input_masks[static_cast<size_t>(g)], kernel.narrow(1, g * units, units)));
		}
		projected = torch::cat(parts, -1);
	} else {
		projected = torch::matmul(input_masks.empty() ? x : x * input_masks[0], kernel);
	}
	torch::Tensor input_bias = bias, state_bias;
	if (bias.defined() && s.kind == LayerKind::GRU && s.reset_after) {
		input_bias = bias[0];
		state_bias = bias[1];
	}
	if (input_bias.defined()) {
		projected = projected + input_bias;
	}
	// h times the recurrent kernel of the first `count` gates, each gate's
	// h under its own recurrent dropout mask.
	auto from_state = [&](const torch::Tensor &h, int64_t count) {
		torch::Tensor r;
		if (state_masks.empty()) {
			r = torch::matmul(h, count == gates ? recurrent_kernel : recurrent_kernel.narrow(1, 0, count * units));
		} else {
			std::vector<torch::Tensor> parts;
			for (int64_t g = 0; g < count; g++) {
				parts.push_back(torch::matmul(h * state_masks[static_cast<size_t>(g)],
				                              recurrent_kernel.narrow(1, g * units, units)));
			}
			r = torch::cat(parts, -1);
		}
		return state_bias.defined() ? r + state_bias : r;
	};
	const bool gru_v1 = s.kind == LayerKind::GRU && !s.reset_after;

	auto h = initial.empty() ? torch::zeros({batch, units}) : initial.at(0);
	auto c = initial.size() < 2 ? torch::zeros({batch, units}) : initial.at(1);
	std::vector<torch::Tensor> outputs;
	for (int64_t t = 0; t < steps; t++) {
		auto xt = projected.select(1, t);
		if (gru_v1) {
			auto xg = xt.chunk(3, 1);
			auto rg = from_state(h, 2).chunk(2, 1);
			auto z = activate(xg[0] + rg[0], recurrent_fn);
			auto r = activate(xg[1] + rg[1], recurrent_fn);
			auto h_masked = state_masks.empty() ? h : h * state_masks[2];
			auto candidate =
			    activate(xg[2] + torch::matmul(r * h_masked, recurrent_kernel.narrow(1, 2 * units, units)), activation);
			h = z * h + (1 - z) * candidate;
		} else if (s.kind == LayerKind::LSTM) {
			auto z = (xt + from_state(h, gates)).chunk(4, 1);
			auto i = activate(z[0], recurrent_fn);
			auto f = activate(z[1], recurrent_fn);
			auto g = activate(z[2], activation);
			auto o = activate(z[3], recurrent_fn);
			c = f * c + i * g;
			h = o * activate(c, activation);
		} else if (s.kind == LayerKind::GRU) {
			auto xg = xt.chunk(3, 1);
			auto rg = from_state(h, gates).chunk(3, 1);
			auto z = activate(xg[0] + rg[0], recurrent_fn);
			auto r = activate(xg[1] + rg[1], recurrent_fn);
			auto candidate = activate(xg[2] + r * rg[2], activation);
			h = z * h + (1 - z) * candidate;
		} else {
			h = activate(xt + from_state(h, gates), activation);
		}
		if (s.return_sequences) {
			outputs.push_back(h);
		}
	}
	if (states) {
		*states = s.kind == LayerKind::LSTM ? std::vector<torch::Tensor>{h, c} : std::vector<torch::Tensor>{h};
	}
	if (!s.return_sequences) {
		return h;
	}
	auto sequence = torch::stack(outputs, 1);
	return backwards ? sequence.flip(1) : sequence;
}

torch::Tensor bidirectional(const LayerCall &c, const torch::Tensor &x) {
	const LayerPlan &forward_layer = c.layer.wrapped.at(0);
	const LayerPlan &backward_layer = c.layer.wrapped.at(1);
	auto split =
	    c.weights.begin() + static_cast<std::ptrdiff_t>(forward_layer.params.size() + forward_layer.states.size());
	std::vector<torch::Tensor> forward_weights(c.weights.begin(), split), backward_weights(split, c.weights.end());
	auto y = recurrent(forward_layer, forward_weights, x, c.rng, false);
	auto y_back = recurrent(backward_layer, backward_weights, x, c.rng, true);
	if (c.penalty) {
		add_activity_penalty(*c.penalty, forward_layer.spec, y);
		add_activity_penalty(*c.penalty, backward_layer.spec, y_back);
	}
	const std::string &mode = c.layer.spec.merge_mode;
	if (mode == "sum") {
		return y + y_back;
	}
	if (mode == "mul") {
		return y * y_back;
	}
	if (mode == "ave") {
		return (y + y_back) / 2;
	}
	return torch::cat({y, y_back}, -1);
}

torch::Tensor time_distributed(const LayerCall &c, const torch::Tensor &x) {
	// Every time step is a sample of the wrapped layer: fold time into the batch.
	const LayerPlan &inner = c.layer.wrapped.at(0);
	Dims folded{x.size(0) * x.size(1)};
	folded.insert(folded.end(), inner.input_shape.begin(), inner.input_shape.end());
	auto y = (*c.run)(inner, x.reshape(folded));
	Dims unfolded{x.size(0), x.size(1)};
	unfolded.insert(unfolded.end(), inner.output_shape.begin(), inner.output_shape.end());
	return y.reshape(unfolded);
}

// ---- convolutions and pooling ----

struct Window {
	Dims size, stride, dilation;
};

Window conv_window(const LayerSpec &s) {
	Window w;
	for (size_t d = 0; d < s.kernel_size.size(); d++) {
		w.size.push_back(s.kernel_size[d]);
		w.stride.push_back(at_or(s.strides, d, 1));
		w.dilation.push_back(at_or(s.dilation_rate, d, 1));
	}
	return w;
}

//! torch's convolution of channels-first `x` by a torch-layout weight, with
//! Keras' "same" padding done by hand (torch pads symmetrically).
torch::Tensor convolve(const LayerPlan &l, const torch::Tensor &x, const torch::Tensor &weight, const Window &w,
                       int64_t groups) {
	auto input = l.spec.padding == "same" ? pad_same(x, l.input_shape, w.size, w.stride, w.dilation, 0.0) : x;
	Dims no_padding(w.size.size(), 0);
	return torch::convolution(input, weight, {}, w.stride, no_padding, w.dilation, false, no_padding, groups);
}

//! Keras' depthwise kernel [k.., in, multiplier] as torch's grouped weight
//! [in multiplier, 1, k..]: output channel c * multiplier + m, as Keras.
torch::Tensor depthwise_weight(const torch::Tensor &kernel) {
	int64_t spatial = kernel.dim() - 2;
	auto merged = kernel.flatten(spatial, spatial + 1); // [k.., in multiplier]
	return merged.movedim(-1, 0).unsqueeze(1);
}

//! Keras' [k.., in, out] kernel as torch's [out, in, k..].
torch::Tensor torch_weight(const torch::Tensor &kernel) {
	return kernel.movedim(-1, 0).movedim(-1, 1);
}

//! Conv2DTranspose as TensorFlow computes it: the full transposed
//! convolution, then Keras' output window (the "same" padding's offset, and
//! zeros past the end when output_padding asks for more).
torch::Tensor transposed(const LayerPlan &l, const torch::Tensor &x, const torch::Tensor &kernel, const Window &w) {
	// Keras [k.., out, in] -> torch's transposed layout [in, out, k..].
	auto weight = kernel.movedim(-1, 0).movedim(-1, 1);
	Dims zeros(w.size.size(), 0);
	auto full = torch::convolution(x, weight, {}, w.stride, zeros, w.dilation, true, zeros, 1);
	auto y = full;
	for (size_t d = 0; d < w.size.size(); d++) {
		int64_t dim = static_cast<int64_t>(d) + 2;
		int64_t out = l.output_shape[d];
		int64_t span = w.dilation[d] * (w.size[d] - 1) + 1;
		int64_t offset = 0;
		if (l.spec.padding == "same") {
			offset = std::max<int64_t>((l.input_shape[d] - 1) * w.stride[d] + span - out, 0) / 2;
		}
		int64_t available = std::min(out, y.size(dim) - offset);
		y = y.narrow(dim, offset, available);
		if (available < out) {
			Dims pads(2 * (w.size.size() - d - 1), 0);
			pads.push_back(0);
			pads.push_back(out - available);
			y = F::pad(y, F::PadFuncOptions(pads));
		}
	}
	return y;
}

torch::Tensor convolution(const LayerCall &c, const torch::Tensor &x) {
	const LayerPlan &l = c.layer;
	const LayerSpec &s = l.spec;
	const Window w = conv_window(s);
	auto input = channels_first(x);
	torch::Tensor y;
	size_t next = 0;
	switch (s.kind) {
	case LayerKind::Conv2DTranspose:
		y = transposed(l, input, c.weights[next++], w);
		break;
	case LayerKind::DepthwiseConv2D:
		y = convolve(l, input, depthwise_weight(c.weights[next++]), w, x.size(-1));
		break;
	case LayerKind::SeparableConv1D:
	case LayerKind::SeparableConv2D: {
		auto depth = convolve(l, input, depthwise_weight(c.weights[next++]), w, x.size(-1));
		y = torch::convolution(depth, torch_weight(c.weights[next++]), {}, Dims(w.size.size(), 1),
		                       Dims(w.size.size(), 0), Dims(w.size.size(), 1), false, Dims(w.size.size(), 0), 1);
		break;
	}
	default:
		y = convolve(l, input, torch_weight(c.weights[next++]), w, 1);
	}
	y = channels_last(y);
	if (s.use_bias) {
		y = y + c.weights[next];
	}
	return activate(y, resolve_activation(s.activation, s.alpha));
}

torch::Tensor pooling_3d(const LayerPlan &l, const torch::Tensor &x) {
	const LayerSpec &s = l.spec;
	Dims pool, stride, ones(3, 1);
	for (size_t d = 0; d < 3; d++) {
		pool.push_back(at_or(s.pool_size, d, 2));
		stride.push_back(at_or(s.strides, d, pool.back()));
	}
	auto input = channels_first(x);
	bool is_max = s.kind == LayerKind::MaxPooling3D;
	auto pool_once = [&](const torch::Tensor &t) {
		return is_max ? torch::max_pool3d(t, pool, stride) : torch::avg_pool3d(t, pool, stride);
	};
	if (s.padding != "same") {
		return channels_last(pool_once(input));
	}
	if (is_max) {
		double low = -std::numeric_limits<double>::infinity();
		return channels_last(pool_once(pad_same(input, l.input_shape, pool, stride, ones, low)));
	}
	// Keras' "same" average counts only the real values of each window.
	auto count = torch::ones_like(input.narrow(1, 0, 1));
	auto sum = pool_once(pad_same(input, l.input_shape, pool, stride, ones, 0.0));
	return channels_last(sum / pool_once(pad_same(count, l.input_shape, pool, stride, ones, 0.0)));
}

// ---- image preprocessing: [B, H, W, C] ----

//! Output index i of a nearest resize from `in` to `out` values reads
//! floor((i + 0.5) in / out), as TensorFlow's half-pixel nearest (in float).
torch::Tensor nearest_indices(int64_t in, int64_t out) {
	const float scale = static_cast<float>(in) / static_cast<float>(out);
	std::vector<int64_t> index;
	for (int64_t i = 0; i < out; i++) {
		index.push_back(std::min(in - 1, static_cast<int64_t>(std::floor((static_cast<float>(i) + 0.5f) * scale))));
	}
	return torch::tensor(index, torch::kLong);
}

//! Resizes to (height, width) as tf.image.resize (half-pixel centres, no
//! antialiasing): torch's bilinear without align_corners, or nearest.
torch::Tensor resize(const torch::Tensor &x, int64_t height, int64_t width, const std::string &interpolation) {
	if (interpolation == "nearest") {
		return x.index_select(1, nearest_indices(x.size(1), height)).index_select(2, nearest_indices(x.size(2), width));
	}
	auto options = F::InterpolateFuncOptions().size(Dims{height, width}).mode(torch::kBilinear).align_corners(false);
	return channels_last(F::interpolate(channels_first(x), options));
}

//! Keras' smart_resize: the largest centred window of the target's aspect
//! ratio, resized to (height, width).
torch::Tensor smart_resize(const torch::Tensor &x, int64_t height, int64_t width, const std::string &interpolation) {
	int64_t in_height = x.size(1), in_width = x.size(2);
	auto crop_height = std::min(in_height, static_cast<int64_t>(static_cast<float>(in_width * height) / width));
	auto crop_width = std::min(in_width, static_cast<int64_t>(static_cast<float>(in_height * width) / height));
	auto window =
	    x.narrow(1, (in_height - crop_height) / 2, crop_height).narrow(2, (in_width - crop_width) / 2, crop_width);
	return resize(window, height, width, interpolation);
}

//! Where an output coordinate reads the input along an axis of `length`
//! for Keras' fill modes (TensorFlow's ImageProjectiveTransform):
//! reflect (d c b a | a b c d | d c b a), wrap, nearest (the edge);
//! constant keeps it, the reads outside giving fill_value.
torch::Tensor map_coordinate(const torch::Tensor &c, int64_t length, const std::string &mode) {
	const double last = static_cast<double>(length - 1);
	if (mode == "constant") {
		return c;
	}
	if (length <= 1 || mode == "nearest") {
		return c.clamp(0.0, last);
	}
	const double n = static_cast<double>(length);
	torch::Tensor low, high;
	if (mode == "wrap") {
		low = c + n * (torch::trunc(-c / last) + 1);
		high = c - n * torch::trunc(c / last);
	} else { // reflect
		const double period = 2 * n;
		auto folded = c + period * torch::trunc(-c / period);
		low = torch::where(folded < -n, folded + period, -folded - 1);
		auto wrapped = c - period * torch::trunc(c / period);
		high = torch::where(wrapped >= n, period - wrapped - 1, wrapped);
	}
	auto mapped = torch::where(c < 0, low, torch::where(c > last, high, c));
	return mapped.clamp(0.0, last);
}

//! Samples every image at (rows, columns) ([B, H, W] input coordinates)
//! with Keras' interpolation; reads outside the image give `fill`.
torch::Tensor sample(const torch::Tensor &x, const torch::Tensor &rows, const torch::Tensor &columns,
                     const LayerSpec &s) {
	const int64_t batch = x.size(0), height = x.size(1), width = x.size(2), channels = x.size(3);
	auto flat = x.reshape({batch, height * width, channels});
	auto read = [&](const torch::Tensor &r, const torch::Tensor &c) {
		auto inside = (r >= 0) & (r <= height - 1) & (c >= 0) & (c <= width - 1);
		auto index = (r.clamp(0, height - 1) * width + c.clamp(0, width - 1)).to(torch::kLong).reshape({batch, -1, 1});
		auto values = flat.gather(1, index.expand({batch, index.size(1), channels}));
		values = values.reshape({batch, rows.size(1), rows.size(2), channels});
		return torch::where(inside.unsqueeze(-1), values, torch::full({}, s.fill_value, x.options()));
	};
	auto r = map_coordinate(rows, height, s.fill_mode);
	auto c = map_coordinate(columns, width, s.fill_mode);
	if (s.interpolation == "nearest") {
		// std::round: halves away from zero.
		auto away = [](const torch::Tensor &t) { return torch::sign(t) * torch::floor(t.abs() + 0.5); };
		return read(away(r), away(c));
	}
	auto r0 = r.floor(), c0 = c.floor();
	auto wr = (r - r0).unsqueeze(-1), wc = (c - c0).unsqueeze(-1);
	auto top = (1 - wc) * read(r0, c0) + wc * read(r0, c0 + 1);
	auto bottom = (1 - wc) * read(r0 + 1, c0) + wc * read(r0 + 1, c0 + 1);
	return (1 - wr) * top + wr * bottom;
}

//! Applies per-image affine maps `t` (6 values each: the input column is
//! t0 x + t1 y + t2 and the input row t3 x + t4 y + t5 for output column x
//! and row y), Keras' transform().
torch::Tensor transform(const torch::Tensor &x, const std::vector<float> &t, const LayerSpec &s) {
	const int64_t batch = x.size(0), height = x.size(1), width = x.size(2);
	auto m = torch::tensor(t).reshape({batch, 6, 1, 1});
	auto ys = torch::arange(height, torch::kFloat32).reshape({1, height, 1});
	auto xs = torch::arange(width, torch::kFloat32).reshape({1, 1, width});
	auto columns = m.select(1, 0) * xs + m.select(1, 1) * ys + m.select(1, 2);
	auto rows = m.select(1, 3) * xs + m.select(1, 4) * ys + m.select(1, 5);
	return sample(x, rows, columns, s);
}

//! Uniform draws in [range[0], range[1]] (`shift` added), one per image.
std::vector<float> draw_uniform(Rng &rng, int64_t n, const std::vector<double> &range, double shift = 0.0) {
	std::vector<float> out;
	for (int64_t i = 0; i < n; i++) {
		out.push_back(rng.uniform(static_cast<float>(range[0] + shift), static_cast<float>(range[1] + shift)));
	}
	return out;
}

//! RandomRotation, RandomZoom, RandomTranslation as Keras 2 draws and maps
//! them (rotation about the centre, zoom about the centre, shift by a
//! fraction of the size). Draw order: per image, heights before widths.
torch::Tensor random_affine(const LayerSpec &s, const torch::Tensor &x, Rng &rng) {
	const int64_t batch = x.size(0);
	const float h = static_cast<float>(x.size(1) - 1), w = static_cast<float>(x.size(2) - 1);
	std::vector<float> t;
	if (s.kind == LayerKind::RandomRotation) {
		const double turn = 2 * 3.14159265358979323846;
		for (float angle : draw_uniform(rng, batch, {s.factor[0] * turn, s.factor[1] * turn})) {
			float cos = std::cos(angle), sin = std::sin(angle);
			t.insert(t.end(), {cos, -sin, (w - (cos * w - sin * h)) / 2, sin, cos, (h - (sin * w + cos * h)) / 2});
		}
	} else if (s.kind == LayerKind::RandomZoom) {
		auto zoom_h = draw_uniform(rng, batch, s.factor, 1.0);
		auto zoom_w = s.width_factor.empty() ? zoom_h : draw_uniform(rng, batch, s.width_factor, 1.0);
		for (int64_t i = 0; i < batch; i++) {
			float zx = zoom_w[static_cast<size_t>(i)], zy = zoom_h[static_cast<size_t>(i)];
			t.insert(t.end(), {zx, 0.0f, w / 2 * (1 - zx), 0.0f, zy, h / 2 * (1 - zy)});
		}
	} else {
		auto shift_h = draw_uniform(rng, batch, s.factor);
		auto shift_w = draw_uniform(rng, batch, s.width_factor);
		for (int64_t i = 0; i < batch; i++) {
			float dx = shift_w[static_cast<size_t>(i)] * static_cast<float>(x.size(2));
			float dy = shift_h[static_cast<size_t>(i)] * static_cast<float>(x.size(1));
			t.insert(t.end(), {1.0f, 0.0f, -dx, 0.0f, 1.0f, -dy});
		}
	}
	return transform(x, t, s);
}

//! The image layers; the Random* ones are the identity at inference (and
//! RandomCrop then smart-resizes, as Keras).
torch::Tensor image_layer(const LayerCall &c, const torch::Tensor &x) {
	const LayerSpec &s = c.layer.spec;
	const int64_t batch = x.size(0), height = x.size(1), width = x.size(2);
	switch (s.kind) {
	case LayerKind::Resizing:
		return s.crop_to_aspect_ratio ? smart_resize(x, s.height, s.width, s.interpolation)
		                              : resize(x, s.height, s.width, s.interpolation);
	case LayerKind::CenterCrop:
		if (height < s.height || width < s.width) {
			return smart_resize(x, s.height, s.width, "bilinear");
		}
		return x.narrow(1, (height - s.height) / 2, s.height).narrow(2, (width - s.width) / 2, s.width);
	case LayerKind::RandomCrop:
		if (!c.training || height < s.height || width < s.width) {
			return smart_resize(x, s.height, s.width, "bilinear");
		} else {
			// One window for the batch, as Keras draws it.
			auto top = static_cast<int64_t>(c.rng->below(static_cast<uint64_t>(height - s.height + 1)));
			auto left = static_cast<int64_t>(c.rng->below(static_cast<uint64_t>(width - s.width + 1)));
			return x.narrow(1, top, s.height).narrow(2, left, s.width);
		}
	default:
		break;
	}
	if (!c.training) {
		return x;
	}
	Rng &rng = *c.rng;
	if (s.kind == LayerKind::RandomFlip) {
		// Each image flips with probability 1/2 per direction: left-right draws first.
		auto y = x;
		for (int64_t axis : {int64_t{2}, int64_t{1}}) {
			if (s.mode != "horizontal_and_vertical" && s.mode != (axis == 2 ? "horizontal" : "vertical")) {
				continue;
			}
			auto flips = drawn({batch, 1, 1, 1}, [&](float *v, int64_t n) {
				for (int64_t i = 0; i < n; i++) {
					v[i] = rng.uniform() < 0.5f ? 1.0f : 0.0f;
				}
			});
			y = torch::where(flips > 0, y.flip(axis), y);
		}
		return y;
	}
	if (s.kind == LayerKind::RandomContrast) {
		// Per image: (x - mean) factor + mean, the mean per channel, then
		// Keras' clip to its value range [0, 255].
		auto factors = torch::tensor(draw_uniform(rng, batch, {1.0 - s.factor[0], 1.0 + s.factor[1]}));
		auto mean = x.mean({1, 2}, true);
		return ((x - mean) * factors.reshape({batch, 1, 1, 1}) + mean).clamp(0.0, 255.0);
	}
	return random_affine(s, x, rng);
}

//! Keras' L1L2 on `x`; undefined when both factors are 0.
torch::Tensor penalty(const RegularizerSpec &r, const torch::Tensor &x) {
	torch::Tensor p;
	if (r.l1 != 0.0) {
		p = r.l1 * x.abs().sum();
	}
	if (r.l2 != 0.0) {
		add_penalty(p, r.l2 * x.square().sum());
	}
	return p;
}

} // namespace

void add_penalty(torch::Tensor &total, const torch::Tensor &term) {
	if (term.defined()) {
		total = total.defined() ? total + term : term;
	}
}

torch::Tensor weight_penalty(const std::vector<ParamSlot> &slots, const std::vector<torch::Tensor> &weights) {
	torch::Tensor total;
	for (size_t i = 0; i < slots.size(); i++) {
		add_penalty(total, penalty(slots[i].regularizer, weights[i]));
	}
	return total;
}

void add_activity_penalty(torch::Tensor &total, const LayerSpec &layer, const torch::Tensor &y) {
	if (auto p = penalty(layer.activity_regularizer, y); p.defined()) {
		add_penalty(total, p / y.size(0));
	}
}

std::vector<torch::Tensor> forward_recurrent_node(const LayerCall &call, const torch::Tensor &input,
                                                  const std::vector<torch::Tensor> &initial) {
	std::vector<torch::Tensor> states;
	auto y = recurrent(call.layer, call.weights, input, call.rng, false, initial,
	                   call.layer.spec.return_state ? &states : nullptr);
	std::vector<torch::Tensor> outputs{y};
	outputs.insert(outputs.end(), states.begin(), states.end());
	return outputs;
}

torch::Tensor forward_added_layer(const LayerCall &c, const torch::Tensor &x) {
	const LayerPlan &l = c.layer;
	const LayerSpec &s = l.spec;
	switch (s.kind) {
	case LayerKind::ReLU:
		return relu_layer(s, x);
	case LayerKind::LeakyReLU:
		return torch::leaky_relu(x, s.alpha);
	case LayerKind::ELU:
		return torch::elu(x, s.alpha);
	case LayerKind::PReLU:
		return torch::relu(x) - c.weights.at(0) * torch::relu(-x);
	case LayerKind::Softmax:
		return torch::softmax(x, data_axis(s, s.axis, l.input_shape.size()) + 1);
	case LayerKind::Rescaling:
		return x * s.rescale + s.offset;
	case LayerKind::Normalization:
		return normalization(l, x);
	case LayerKind::LayerNormalization:
		return layer_normalization(c, x);
	case LayerKind::GaussianNoise:
	case LayerKind::GaussianDropout:
	case LayerKind::SpatialDropout1D:
	case LayerKind::SpatialDropout2D:
		return noise_layer(c, x);
	case LayerKind::RepeatVector:
		return x.unsqueeze(1).expand({x.size(0), s.repeat, x.size(1)});
	case LayerKind::Permute:
		return permute(s, x);
	case LayerKind::ZeroPadding1D:
	case LayerKind::ZeroPadding2D:
	case LayerKind::Cropping1D:
	case LayerKind::Cropping2D:
		return pad_or_crop(s, x);
	case LayerKind::UpSampling1D:
	case LayerKind::UpSampling2D:
		return upsampling(l, x);
	case LayerKind::SimpleRNN:
	case LayerKind::LSTM:
	case LayerKind::GRU:
		return recurrent(l, c.weights, x, c.rng, false);
	case LayerKind::Bidirectional:
		return bidirectional(c, x);
	case LayerKind::TimeDistributed:
		return time_distributed(c, x);
	case LayerKind::Conv3D:
	case LayerKind::Conv2DTranspose:
	case LayerKind::SeparableConv1D:
	case LayerKind::SeparableConv2D:
	case LayerKind::DepthwiseConv2D:
		return convolution(c, x);
	case LayerKind::MaxPooling3D:
	case LayerKind::AveragePooling3D:
		return pooling_3d(l, x);
	case LayerKind::GlobalAveragePooling3D:
		return x.mean({1, 2, 3});
	case LayerKind::GlobalMaxPooling3D:
		return x.amax({1, 2, 3});
	case LayerKind::RandomFlip:
	case LayerKind::RandomRotation:
	case LayerKind::RandomZoom:
	case LayerKind::RandomTranslation:
	case LayerKind::RandomContrast:
	case LayerKind::RandomCrop:
	case LayerKind::CenterCrop:
	case LayerKind::Resizing:
		return image_layer(c, x);
	default:
		fail(s, std::string(layer_class_name(s.kind)) + " layers are not built by the engine yet");
	}
}

} // namespace kafkaml::ml
