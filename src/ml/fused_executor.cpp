#include "ml/executor.h"
#include "ml/numerics.h"

#include <algorithm>
#include <vector>

// The fast path for dense stacks. A step of the paper's HCOPD model is a few
// thousand flops; libtorch spends ~100 us a step on per-operator dispatch,
// autograd graph building and allocation. Here a layer is a plain loop over
// row-major [batch, width] buffers that are sized once (grown only when a
// larger batch arrives), and the backward pass is written out by hand:
//   Dense:     z = x W + b, y = f(z);  dz = f'(z) * dy (softmax: J^T dy),
//              dW = x^T dz, db = sum_rows dz, dx = dz W^T
//   Dropout:   y = x * mask,           dx = dy * mask
// Activation formulas come from numerics.cpp, the same code the losses use.

namespace kafkaml::ml {

namespace {

struct FusedLayer {
	enum class Op { Dense, Dropout, Activation, Identity } op = Op::Identity;
	int64_t in = 0, out = 0;
	const float *kernel = nullptr; // [in, out], into the parameter buffer
	const float *bias = nullptr;   // [out] or null
	int64_t kernel_offset = 0, bias_offset = -1;
	ActivationFn activation;
	float rate = 0.0f;
	std::vector<float> z, y, mask; // pre-activation, output, dropout mask
};

class FusedExecutor final : public Executor {
public:
	FusedExecutor(const ModelPlan &plan, float *params) : input_width_(plan.input_size()) {
		int64_t width = input_width_;
		for (const auto &lp : plan.layers) {
			FusedLayer layer;
			layer.in = width;
			layer.out = width;
			const auto &s = lp.spec;
			switch (s.kind) {
			case LayerKind::Dense:
				layer.op = FusedLayer::Op::Dense;
				layer.out = s.units;
				layer.kernel_offset = plan.params[static_cast<size_t>(lp.params[0])].offset;
				layer.kernel = params + layer.kernel_offset;
				if (lp.params.size() > 1) {
					layer.bias_offset = plan.params[static_cast<size_t>(lp.params[1])].offset;
					layer.bias = params + layer.bias_offset;
				}
				layer.activation = resolve_activation(s.activation, s.alpha);
				break;
			case LayerKind::Dropout:
				layer.op = FusedLayer::Op::Dropout;
				layer.rate = static_cast<float>(s.rate);
				break;
			case LayerKind::Activation:
				layer.op = FusedLayer::Op::Activation;
				layer.activation = resolve_activation(s.activation, s.alpha);
				break;
			default:
				break;
			}
			width = layer.out;
			layers_.push_back(std::move(layer));
		}
	}

	void forward_train(const float *x, int64_t batch, Rng &rng, float *out) override { run(x, batch, &rng, out); }

	void predict(const float *x, int64_t batch, float *out) override { run(x, batch, nullptr, out); }

	void backward(const float *dout, float *grads) override {
		const int64_t b = batch_;
		const float *dy = dout;
		for (size_t li = layers_.size(); li-- > 0;) {
			FusedLayer &l = layers_[li];
			const float *x = li == 0 ? input_ : layers_[li - 1].y.data();
			bool need_dx = li > 0;
			std::vector<float> &dx = li % 2 ? grad_a_ : grad_b_;
			if (dx.size() < static_cast<size_t>(b * l.in)) {
				dx.resize(static_cast<size_t>(b * l.in));
			}
			switch (l.op) {
			case FusedLayer::Op::Identity:
				std::copy(dy, dy + b * l.in, dx.data());
				break;
			case FusedLayer::Op::Dropout:
				for (int64_t i = 0; i < b * l.in; i++) {
					dx[static_cast<size_t>(i)] = dy[i] * l.mask[static_cast<size_t>(i)];
				}
				break;
			case FusedLayer::Op::Activation:
				activation_backward(l.activation, x, l.y.data(), dy, dx.data(), b, l.in);
				break;
			case FusedLayer::Op::Dense: {
				if (dz_.size() < static_cast<size_t>(b * l.out)) {
					dz_.resize(static_cast<size_t>(b * l.out));
				}
				float *dz = dz_.data();
				activation_backward(l.activation, l.z.data(), l.y.data(), dy, dz, b, l.out);
				float *dw = grads + l.kernel_offset;
				std::fill(dw, dw + l.in * l.out, 0.0f);
				for (int64_t r = 0; r < b; r++) {
					const float *xr = x + r * l.in;
					const float *dzr = dz + r * l.out;
					for (int64_t i = 0; i < l.in; i++) {
						float xi = xr[i];
						float *dwi = dw + i * l.out;
						for (int64_t o = 0; o < l.out; o++) {
							dwi[o] += xi * dzr[o];
						}
					}
				}
				if (l.bias) {
					float *db = grads + l.bias_offset;
					std::fill(db, db + l.out, 0.0f);
					for (int64_t r = 0; r < b; r++) {
						for (int64_t o = 0; o < l.out; o++) {
							db[o] += dz[r * l.out + o];
						}
					}
				}
				if (need_dx) {
					for (int64_t r = 0; r < b; r++) {
						const float *dzr = dz + r * l.out;
						float *dxr = dx.data() + r * l.in;
						for (int64_t i = 0; i < l.in; i++) {
							const float *wi = l.kernel + i * l.out;
							float sum = 0.0f;
							for (int64_t o = 0; o < l.out; o++) {
								sum += dzr[o] * wi[o];
							}
							dxr[i] = sum;
						}
					}
				}
				break;
			}
			}
			dy = dx.data();
		}
	}

private:
	void run(const float *x, int64_t batch, Rng *rng, float *out) {
		input_ = x;
		batch_ = batch;
		const float *a = x;
		for (auto &l : layers_) {
			size_t n_out = static_cast<size_t>(batch * l.out);
			if (l.y.size() < n_out) {
				l.y.resize(n_out);
				l.z.resize(l.op == FusedLayer::Op::Dense ? n_out : 0);
				l.mask.resize(l.op == FusedLayer::Op::Dropout ? n_out : 0);
			}
			switch (l.op) {
			case FusedLayer::Op::Identity:
				std::copy(a, a + batch * l.in, l.y.data());
				break;
			case FusedLayer::Op::Dropout:
				if (!rng) {
					std::copy(a, a + batch * l.in, l.y.data());
					break;
				}
				fill_dropout_mask(*rng, l.mask.data(), batch * l.in, l.rate);
				for (size_t i = 0; i < n_out; i++) {
					l.y[i] = a[i] * l.mask[i];
				}
				break;
			case FusedLayer::Op::Activation:
				activation_forward(l.activation, a, l.y.data(), batch, l.in);
				break;
			case FusedLayer::Op::Dense:
				for (int64_t r = 0; r < batch; r++) {
					float *zr = l.z.data() + r * l.out;
					if (l.bias) {
						std::copy(l.bias, l.bias + l.out, zr);
					} else {
						std::fill(zr, zr + l.out, 0.0f);
					}
					const float *ar = a + r * l.in;
					for (int64_t i = 0; i < l.in; i++) {
						float ai = ar[i];
						const float *wi = l.kernel + i * l.out;
						for (int64_t o = 0; o < l.out; o++) {
							zr[o] += ai * wi[o];
						}
					}
				}
				activation_forward(l.activation, l.z.data(), l.y.data(), batch, l.out);
				break;
			}
			a = l.y.data();
		}
		const auto &last = layers_.back();
		std::copy(a, a + batch * last.out, out);
	}

	int64_t input_width_;
	std::vector<FusedLayer> layers_;
	const float *input_ = nullptr;
	int64_t batch_ = 0;
	std::vector<float> grad_a_, grad_b_, dz_;
};

} // namespace

bool fused_supported(const ModelPlan &plan) {
	for (const auto &slot : plan.params) {
		if (slot.regularizer.present()) {
			return false;
		}
	}
	for (const auto &l : plan.layers) {
		if (!l.spec.trainable || l.spec.activity_regularizer.present()) {
			return false; // frozen weights and penalties: the general executor's
		}
		switch (l.spec.kind) {
		case LayerKind::Dense:
			if (l.input_shape.size() != 1) {
				return false;
			}
			break;
		case LayerKind::Activation:
			if (l.spec.activation == "softmax" && l.input_shape.size() != 1) {
				return false; // softmax runs over the last axis only
			}
			break;
		case LayerKind::Dropout:
		case LayerKind::Flatten:
			break;
		case LayerKind::Reshape:
			if (l.output_shape.size() != 1) {
				return false;
			}
			break;
		default:
			return false;
		}
	}
	return !plan.graph; // several inputs or outputs, shared layers: the general executor
}

std::unique_ptr<Executor> make_fused_executor(const ModelPlan &plan, float *params) {
	return std::make_unique<FusedExecutor>(plan, params);
}

} // namespace kafkaml::ml
