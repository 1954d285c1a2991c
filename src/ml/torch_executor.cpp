#include "ml/executor.h"
#include "ml/numerics.h"
#include "ml/torch_engine.h"
#include "ml/torch_graph.h"
#include "ml/torch_layers.h"

#include <torch/torch.h>

#include <limits>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

// The general executor: every layer on libtorch autograd. Parameters are
// tensors that alias the model's flat buffers (torch::from_blob), so the
// shared optimizer updates them in place and save/load need no conversion.
// Layouts stay Keras' (channels-last data, [.., in, out] kernels); convolution
// and pooling permute to torch's channels-first around the call. A chain
// runs its layers in order; a graph its nodes (torch_graph.h for the merge
// layers and attention), each a LayerPlan of its own with its layer's slots.

namespace kafkaml::ml {

namespace {

namespace F = torch::nn::functional;

} // namespace

torch::Tensor activate(const torch::Tensor &x, ActivationFn f) {
	switch (f.kind) {
	case ActivationKind::Linear:
		return x;
	case ActivationKind::Relu:
		return torch::relu(x);
	case ActivationKind::Sigmoid:
		return torch::sigmoid(x);
	case ActivationKind::Softmax:
		return torch::softmax(x, -1);
	case ActivationKind::Tanh:
		return torch::tanh(x);
	case ActivationKind::Elu:
		return torch::elu(x);
	case ActivationKind::Selu:
		return torch::selu(x);
	case ActivationKind::Softplus:
		return torch::softplus(x);
	case ActivationKind::LeakyRelu:
		return torch::leaky_relu(x, f.alpha);
	case ActivationKind::Swish:
		return torch::silu(x);
	}
	return x;
}

namespace {

//! Keras' "same" padding splits the total unevenly (the extra one at the end).
std::pair<int64_t, int64_t> same_padding(int64_t length, int64_t window, int64_t stride, int64_t dilation) {
	int64_t out = (length + stride - 1) / stride;
	int64_t total = std::max<int64_t>((out - 1) * stride + (window - 1) * dilation + 1 - length, 0);
	return {total / 2, total - total / 2};
}

class TorchExecutor final : public Executor {
public:
	TorchExecutor(const ModelPlan &plan, float *params, float *states) : plan_(plan) {
		auto as_shape = [](const Shape &s) { return std::vector<int64_t>(s.begin(), s.end()); };
		for (const auto &slot : plan.params) {
			params_.push_back(torch::from_blob(params + slot.offset, as_shape(slot.shape)).requires_grad_(true));
		}
		for (const auto &slot : plan.states) {
			states_.push_back(torch::from_blob(states + slot.offset, as_shape(slot.shape)));
		}
		for (const auto &layer : plan.layers) {
			add_activations(layer);
		}
		for (const auto &node : plan.nodes) {
			add_activations(node.layer);
		}
	}

	void forward_train(const float *x, int64_t batch, Rng &rng, float *out) override {
		auto input = torch::from_blob(const_cast<float *>(x), input_dims(batch));
		output_ = forward(input, &rng);
		auto flat = output_.detach().contiguous();
		std::memcpy(out, flat.data_ptr<float>(), sizeof(float) * static_cast<size_t>(flat.numel()));
	}

	void backward(const float *dout, float *grads) override {
		auto d = torch::from_blob(const_cast<float *>(dout), output_.sizes());
		for (auto &p : params_) {
			p.mutable_grad().reset();
		}
		if (penalty_.defined() && penalty_.requires_grad()) {
			torch::autograd::backward({output_, penalty_}, {d, torch::ones_like(penalty_)});
		} else {
			output_.backward(d);
		}
		output_ = torch::Tensor();
		penalty_ = torch::Tensor();
		for (size_t i = 0; i < params_.size(); i++) {
			const auto &slot = plan_.params[i];
			float *dst = grads + slot.offset;
			const auto &g = params_[i].grad();
			if (!g.defined()) {
				std::fill(dst, dst + slot.size, 0.0f);
				continue;
			}
			auto gc = g.contiguous();
			std::memcpy(dst, gc.data_ptr<float>(), sizeof(float) * static_cast<size_t>(slot.size));
		}
	}

	void predict(const float *x, int64_t batch, float *out) override {
		torch::NoGradGuard no_grad;
		auto input = torch::from_blob(const_cast<float *>(x), input_dims(batch));
		auto y = forward(input, nullptr).contiguous();
		std::memcpy(out, y.data_ptr<float>(), sizeof(float) * static_cast<size_t>(y.numel()));
	}

	double regularization() const override { return penalty_.defined() ? penalty_.item<double>() : 0.0; }

private:
	std::vector<int64_t> input_dims(int64_t batch) const {
		std::vector<int64_t> dims{batch};
		dims.insert(dims.end(), plan_.input_shape.begin(), plan_.input_shape.end());
		return dims;
	}

	//! Resolved once for every layer, wrapped ones too.
	void add_activations(const LayerPlan &layer) {
		activations_[&layer] = resolve_activation(layer.spec.activation, layer.spec.alpha);
		for (const auto &inner : layer.wrapped) {
			add_activations(inner);
		}
	}

	//! A layer's slots as tensors: its params, then its states.
	std::vector<torch::Tensor> weights(const LayerPlan &layer) const {
		std::vector<torch::Tensor> out;
		for (int i : layer.params) {
			out.push_back(params_[static_cast<size_t>(i)]);
		}
		for (int i : layer.states) {
			out.push_back(states_[static_cast<size_t>(i)]);
		}
		return out;
	}

	//! Weight i in Keras' order; a frozen layer's are states.
	const torch::Tensor &param(const LayerPlan &layer, size_t i) const {
		if (!layer.spec.trainable) {
			return states_[static_cast<size_t>(layer.states[i])];
		}
		return params_[static_cast<size_t>(layer.params[i])];
	}

	//! Channels-last [B, spatial..., C] -> channels-first and back.
	static torch::Tensor to_channels_first(const torch::Tensor &x) {
		return x.dim() == 3 ? x.permute({0, 2, 1}) : x.permute({0, 3, 1, 2});
	}
	static torch::Tensor to_channels_last(const torch::Tensor &x) {
		return x.dim() == 3 ? x.permute({0, 2, 1}) : x.permute({0, 2, 3, 1});
	}

	//! Pads channels-first `x` for Keras' "same" (pad order: last dim first).
	static torch::Tensor pad_same(const torch::Tensor &x, const LayerPlan &l, const std::vector<int64_t> &window,
	                              const std::vector<int64_t> &stride, const std::vector<int64_t> &dilation,
	                              double value) {
		std::vector<int64_t> pads;
		size_t spatial = window.size();
		for (size_t d = spatial; d-- > 0;) {
			auto [lo, hi] = same_padding(l.input_shape[d], window[d], stride[d], dilation[d]);
			pads.push_back(lo);
			pads.push_back(hi);
		}
		return F::pad(x, F::PadFuncOptions(pads).value(value));
	}

	torch::Tensor forward(torch::Tensor x, Rng *rng) {
		penalty_ = weight_penalty(plan_.params, params_);
		add_penalty(penalty_, weight_penalty(plan_.states, states_)); // Keras 2 counts frozen weights' too
		x = plan_.graph ? forward_graph(x, rng)
		                : run_layers(x, rng, plan_.layers.data(), plan_.layers.data() + plan_.layers.size());
		return x.reshape({x.size(0), plan_.output_size()});
	}

	//! The nodes in order; model inputs are slices of the flat features `x`
	//! and the outputs are concatenated per sample, in the plan's order.
	torch::Tensor forward_graph(const torch::Tensor &x, Rng *rng) {
		const int64_t batch = x.size(0);
		auto flat = x.reshape({batch, -1});
		std::vector<torch::Tensor> inputs;
		int64_t offset = 0;
		for (const auto &shape : plan_.inputs) {
			std::vector<int64_t> dims{batch};
			dims.insert(dims.end(), shape.begin(), shape.end());
			inputs.push_back(flat.narrow(1, offset, shape_size(shape)).reshape(dims));
			offset += shape_size(shape);
		}
		// Each node's outputs: its layer's, then a recurrent layer's returned states.
		std::vector<std::vector<torch::Tensor>> values(plan_.nodes.size());
		auto value = [&](const TensorRef &ref) -> const torch::Tensor & {
			return ref.node < 0 ? inputs[static_cast<size_t>(ref.index)]
			                    : values[static_cast<size_t>(ref.node)].at(static_cast<size_t>(ref.index));
		};
		for (size_t i = 0; i < plan_.nodes.size(); i++) {
			const NodePlan &node = plan_.nodes[i];
			// training=False: inference behaviour even while fitting (a frozen
			// base); training=True: training behaviour even in predict.
			Rng *node_rng = !node.training ? rng : !*node.training ? nullptr : rng ? rng : &inference_rng_;
			const LayerPlan &l = node.layer;
			std::vector<torch::Tensor> in;
			for (const auto &ref : node.inputs) {
				in.push_back(value(ref));
			}
			if (l.spec.return_state || (in.size() > 1 && !takes_several_inputs(l.spec.kind))) {
				// A recurrent layer started from given states or returning its own.
				values[i] = forward_recurrent_node(LayerCall{l, weights(l), node_rng != nullptr, node_rng}, in[0],
				                                   std::vector<torch::Tensor>(in.begin() + 1, in.end()));
			} else if (!takes_several_inputs(l.spec.kind)) {
				values[i] = {run_layers(in[0], node_rng, &l, &l + 1)};
				continue;
			} else {
				values[i] = {l.spec.kind == LayerKind::MultiHeadAttention
				                 ? forward_attention(l, weights(l), in, node_rng, masks_[&l])
				                 : forward_merge(l, in)};
			}
			add_activity_penalty(penalty_, l.spec, values[i][0]);
		}
		std::vector<torch::Tensor> outputs;
		for (const auto &ref : plan_.output_tensors) {
			outputs.push_back(value(ref).reshape({batch, -1}));
		}
		return outputs.size() == 1 ? outputs[0] : torch::cat(outputs, 1);
	}

	//! Runs the layers [first, last) on `x`; a wrapped layer comes back here.
	torch::Tensor run_layers(torch::Tensor x, Rng *rng, const LayerPlan *first, const LayerPlan *last) {
		const int64_t batch = x.size(0);
		for (const LayerPlan *layer = first; layer != last; ++layer) {
			const LayerPlan &l = *layer;
			const LayerSpec &s = l.spec;
			switch (s.kind) {
			case LayerKind::Dense:
				x = torch::matmul(x, param(l, 0));
				if (s.use_bias) {
					x = x + param(l, 1);
				}
				x = activate(x, activations_.at(&l));
				break;
			case LayerKind::Dropout:
				if (rng && s.rate > 0.0) {
					auto &mask = masks_[&l];
					mask.resize(static_cast<size_t>(x.numel()));
					fill_dropout_mask(*rng, mask.data(), x.numel(), static_cast<float>(s.rate));
					x = x * torch::from_blob(mask.data(), x.sizes());
				}
				break;
			case LayerKind::Activation:
				x = activate(x, activations_.at(&l));
				break;
			case LayerKind::Flatten:
			case LayerKind::Reshape: {
				std::vector<int64_t> dims{batch};
				dims.insert(dims.end(), l.output_shape.begin(), l.output_shape.end());
				x = x.reshape(dims);
				break;
			}
			case LayerKind::BatchNormalization:
				x = batch_norm(x, l, rng != nullptr && s.trainable); // frozen: inference mode, as Keras 2
				break;
			case LayerKind::Conv1D:
			case LayerKind::Conv2D:
				x = convolution(x, l);
				break;
			case LayerKind::MaxPooling1D:
			case LayerKind::MaxPooling2D:
			case LayerKind::AveragePooling1D:
			case LayerKind::AveragePooling2D:
				x = pooling(x, l);
				break;
			case LayerKind::GlobalAveragePooling1D:
				x = x.mean({1});
				break;
			case LayerKind::GlobalMaxPooling1D:
				x = x.amax({1});
				break;
			case LayerKind::GlobalAveragePooling2D:
				x = x.mean({1, 2});
				break;
			case LayerKind::GlobalMaxPooling2D:
				x = x.amax({1, 2});
				break;
			case LayerKind::Embedding: {
				auto index = x.to(torch::kLong);
				if (index.numel() > 0 &&
				    (index.min().item<int64_t>() < 0 || index.max().item<int64_t>() >= s.input_dim)) {
					throw std::invalid_argument("layer '" + s.name + "': inputs must be integer indices in [0, " +
					                            std::to_string(s.input_dim) + ")");
				}
				x = torch::embedding(param(l, 0), index);
				break;
			}
			default: {
				LayerRunner run = [this, rng](const LayerPlan &inner, const torch::Tensor &t) {
					return run_layers(t, rng, &inner, &inner + 1);
				};
				x = forward_added_layer(LayerCall{l, weights(l), rng != nullptr, rng, &run, &penalty_}, x);
				break;
			}
			}
			add_activity_penalty(penalty_, s, x);
		}
		return x;
	}

	torch::Tensor batch_norm(const torch::Tensor &x, const LayerPlan &l, bool training) {
		const LayerSpec &s = l.spec;
		// The last two states (a frozen layer's gamma and beta come first).
		auto &moving_mean = states_[static_cast<size_t>(l.states[l.states.size() - 2])];
		auto &moving_var = states_[static_cast<size_t>(l.states.back())];
		std::vector<int64_t> axes;
		for (int64_t d = 0; d + 1 < x.dim(); d++) {
			axes.push_back(d);
		}
		torch::Tensor mean, var;
		if (training) {
			mean = x.mean(axes);
			var = (x - mean).square().mean(axes);
			torch::NoGradGuard no_grad;
			moving_mean.mul_(s.momentum).add_(mean.detach(), 1.0 - s.momentum);
			moving_var.mul_(s.momentum).add_(var.detach(), 1.0 - s.momentum);
		} else {
			mean = moving_mean;
			var = moving_var;
		}
		auto y = (x - mean) * torch::rsqrt(var + s.epsilon);
		size_t next = 0;
		if (s.scale) {
			y = y * param(l, next++);
		}
		if (s.center) {
			y = y + param(l, next);
		}
		return y;
	}

	torch::Tensor convolution(const torch::Tensor &x, const LayerPlan &l) {
		const LayerSpec &s = l.spec;
		size_t spatial = s.kind == LayerKind::Conv1D ? 1 : 2;
		std::vector<int64_t> stride, dilation;
		for (size_t d = 0; d < spatial; d++) {
			stride.push_back(at_or(s.strides, d, 1));
			dilation.push_back(at_or(s.dilation_rate, d, 1));
		}
		auto input = to_channels_first(x);
		if (s.padding == "same") {
			input = pad_same(input, l, s.kernel_size, stride, dilation, 0.0);
		} else if (s.padding == "causal") { // Conv1D: the past only, on the left
			input = F::pad(input, F::PadFuncOptions({dilation[0] * (s.kernel_size[0] - 1), 0}));
		}
		// Keras kernel [k..., in, out] -> torch [out, in, k...].
		auto weight = spatial == 1 ? param(l, 0).permute({2, 1, 0}) : param(l, 0).permute({3, 2, 0, 1});
		torch::Tensor bias = s.use_bias ? param(l, 1) : torch::Tensor();
		std::vector<int64_t> no_padding(spatial, 0);
		auto y = spatial == 1 ? torch::conv1d(input, weight, bias, stride, no_padding, dilation)
		                      : torch::conv2d(input, weight, bias, stride, no_padding, dilation);
		return activate(to_channels_last(y), activations_.at(&l));
	}

	torch::Tensor pooling(const torch::Tensor &x, const LayerPlan &l) {
		const LayerSpec &s = l.spec;
		bool is_max = s.kind == LayerKind::MaxPooling1D || s.kind == LayerKind::MaxPooling2D;
		size_t spatial = (s.kind == LayerKind::MaxPooling1D || s.kind == LayerKind::AveragePooling1D) ? 1 : 2;
		std::vector<int64_t> pool, stride, ones(spatial, 1);
		for (size_t d = 0; d < spatial; d++) {
			pool.push_back(at_or(s.pool_size, d, 2));
			stride.push_back(at_or(s.strides, d, pool.back()));
		}
		auto input = to_channels_first(x);
		bool same = s.padding == "same";
		auto pool_once = [&](const torch::Tensor &t) {
			if (is_max) {
				return spatial == 1 ? torch::max_pool1d(t, pool, stride) : torch::max_pool2d(t, pool, stride);
			}
			return spatial == 1 ? torch::avg_pool1d(t, pool, stride) : torch::avg_pool2d(t, pool, stride);
		};
		torch::Tensor y;
		if (!same) {
			y = pool_once(input);
		} else if (is_max) {
			y = pool_once(pad_same(input, l, pool, stride, ones, -std::numeric_limits<double>::infinity()));
		} else {
			// Keras' "same" average ignores the padding: divide by the share of real values.
			auto padded = pad_same(input, l, pool, stride, ones, 0.0);
			auto count = pad_same(torch::ones_like(input.select(1, 0).unsqueeze(1)), l, pool, stride, ones, 0.0);
			y = pool_once(padded) / pool_once(count);
		}
		return to_channels_last(y);
	}

	const ModelPlan &plan_;
	std::vector<torch::Tensor> params_, states_;
	std::unordered_map<const LayerPlan *, ActivationFn> activations_;
	std::unordered_map<const LayerPlan *, std::vector<float>> masks_;
	torch::Tensor output_;
	torch::Tensor penalty_; //!< the regularizers' of the last forward; undefined without any
	//! Draws of a call with training=True at inference (Monte Carlo dropout).
	Rng inference_rng_{0};
};

} // namespace

namespace {
// Jobs run side by side on few cores: one intra-op thread unless configured.
std::once_flag g_default_threads;
} // namespace

std::unique_ptr<Executor> torch_engine::make_executor(const ModelPlan &plan, float *params, float *states) {
	std::call_once(g_default_threads, [] { at::set_num_threads(1); });
	return std::make_unique<TorchExecutor>(plan, params, states);
}

void torch_engine::set_threads(int threads) {
	std::call_once(g_default_threads, [] {});
	at::set_num_threads(std::max(1, threads));
}

} // namespace kafkaml::ml
