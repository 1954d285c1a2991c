#include "ml/torch_graph.h"

#include "ml/numerics.h"

#include <cmath>
#include <stdexcept>

namespace kafkaml::ml {

namespace {

std::vector<int64_t> batch_dims(int64_t batch, const Shape &shape) {
	std::vector<int64_t> dims{batch};
	dims.insert(dims.end(), shape.begin(), shape.end());
	return dims;
}

//! Keras' l2_normalize: x / sqrt(max(sum x^2, 1e-12)) along `axis`.
torch::Tensor l2_normalize(const torch::Tensor &x, int64_t axis) {
	return x * torch::rsqrt(torch::clamp_min(x.square().sum(axis, true), 1e-12));
}

//! Keras' batch_dot over the two `axes`: the result holds the first
//! input's other dimensions, then the second's.
torch::Tensor dot(const LayerPlan &layer, torch::Tensor a, torch::Tensor b) {
	const LayerSpec &s = layer.spec;
	const int64_t axis_a = s.axes.at(0), axis_b = s.axes.at(1);
	if (s.normalize) { // cosine proximity
		a = l2_normalize(a, axis_a);
		b = l2_normalize(b, axis_b);
	}
	const int64_t batch = a.size(0), depth = a.size(axis_a);
	auto left = a.movedim(axis_a, -1).reshape({batch, -1, depth});
	auto right = b.movedim(axis_b, 1).reshape({batch, depth, -1});
	return torch::bmm(left, right).reshape(batch_dims(batch, layer.output_shape));
}

} // namespace

torch::Tensor forward_merge(const LayerPlan &layer, const std::vector<torch::Tensor> &inputs) {
	const LayerSpec &s = layer.spec;
	torch::Tensor y = inputs.at(0);
	switch (s.kind) {
	case LayerKind::Add:
	case LayerKind::Average:
		for (size_t i = 1; i < inputs.size(); i++) {
			y = y + inputs[i];
		}
		return s.kind == LayerKind::Average ? y / static_cast<double>(inputs.size()) : y;
	case LayerKind::Subtract:
		return y - inputs.at(1);
	case LayerKind::Multiply:
		for (size_t i = 1; i < inputs.size(); i++) {
			y = y * inputs[i];
		}
		return y;
	case LayerKind::Maximum:
	case LayerKind::Minimum:
		for (size_t i = 1; i < inputs.size(); i++) {
			y = s.kind == LayerKind::Maximum ? torch::maximum(y, inputs[i]) : torch::minimum(y, inputs[i]);
		}
		return y;
	case LayerKind::Concatenate:
		return torch::cat(inputs, s.axis);
	case LayerKind::Dot:
		return dot(layer, inputs.at(0), inputs.at(1));
	default: // plan_model() sends only the merge kinds here
		throw std::invalid_argument("layer '" + s.name + "' is not a merge layer");
	}
}

torch::Tensor forward_attention(const LayerPlan &layer, const std::vector<torch::Tensor> &weights,
                                const std::vector<torch::Tensor> &inputs, Rng *rng, std::vector<float> &mask) {
	const LayerSpec &s = layer.spec;
	const torch::Tensor &query = inputs.at(0);
	const torch::Tensor &value = inputs.at(1);
	const torch::Tensor &key = inputs.size() > 2 ? inputs[2] : value;
	const int64_t batch = query.size(0), heads = s.num_heads;
	// Every axis between the batch and the features is attended over jointly
	// (Keras' default attention_axes), so they flatten into one sequence.
	size_t next = 0;
	auto project = [&](const torch::Tensor &x) { // -> [batch, heads, positions, per_head]
		const torch::Tensor &kernel = weights.at(next++);
		auto y = torch::matmul(x.reshape({batch, -1, kernel.size(0)}), kernel.reshape({kernel.size(0), -1}));
		if (s.use_bias) {
			y = y + weights.at(next++).reshape({-1});
		}
		return y.reshape({batch, y.size(1), heads, -1}).permute({0, 2, 1, 3});
	};
	auto q = project(query) * (1.0 / std::sqrt(static_cast<double>(s.key_dim)));
	auto k = project(key);
	auto v = project(value);
	auto probabilities = torch::softmax(torch::matmul(q, k.transpose(-2, -1)), -1);
	if (rng && s.dropout > 0.0) {
		mask.resize(static_cast<size_t>(probabilities.numel()));
		fill_dropout_mask(*rng, mask.data(), probabilities.numel(), static_cast<float>(s.dropout));
		probabilities = probabilities * torch::from_blob(mask.data(), probabilities.sizes());
	}
	auto context = torch::matmul(probabilities, v).permute({0, 2, 1, 3}); // [batch, positions, heads, value_dim]
	const torch::Tensor &kernel = weights.at(next++);
	auto y = torch::matmul(context.reshape({batch, context.size(1), -1}),
	                       kernel.reshape({context.size(2) * context.size(3), -1}));
	if (s.use_bias) {
		y = y + weights.at(next).reshape({-1});
	}
	return y.reshape(batch_dims(batch, layer.output_shape));
}

} // namespace kafkaml::ml
