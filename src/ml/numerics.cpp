#include "ml/numerics.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace kafkaml::ml {

namespace {

constexpr float k_selu_alpha = 1.6732632423543772f;
constexpr float k_selu_scale = 1.0507009873554805f;

float sigmoid(float x) {
	return 1.0f / (1.0f + std::exp(-x));
}

float softplus(float x) {
	// log(1 + e^x) without overflow for large x.
	return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

float scalar_forward(ActivationFn f, float x) {
	switch (f.kind) {
	case ActivationKind::Linear:
	case ActivationKind::Softmax:
		return x;
	case ActivationKind::Relu:
		return x > 0 ? x : 0.0f;
	case ActivationKind::Sigmoid:
		return sigmoid(x);
	case ActivationKind::Tanh:
		return std::tanh(x);
	case ActivationKind::Elu:
		return x > 0 ? x : std::expm1(x);
	case ActivationKind::Selu:
		return k_selu_scale * (x > 0 ? x : k_selu_alpha * std::expm1(x));
	case ActivationKind::Softplus:
		return softplus(x);
	case ActivationKind::LeakyRelu:
		return x > 0 ? x : f.alpha * x;
	case ActivationKind::Swish:
		return x * sigmoid(x);
	}
	return x;
}

//! f'(x), given x and y = f(x).
float scalar_derivative(ActivationFn f, float x, float y) {
	switch (f.kind) {
	case ActivationKind::Linear:
	case ActivationKind::Softmax:
		return 1.0f;
	case ActivationKind::Relu:
		return x > 0 ? 1.0f : 0.0f;
	case ActivationKind::Sigmoid:
		return y * (1.0f - y);
	case ActivationKind::Tanh:
		return 1.0f - y * y;
	case ActivationKind::Elu:
		return x > 0 ? 1.0f : y + 1.0f;
	case ActivationKind::Selu:
		return x > 0 ? k_selu_scale : y + k_selu_scale * k_selu_alpha;
	case ActivationKind::Softplus:
		return sigmoid(x);
	case ActivationKind::LeakyRelu:
		return x > 0 ? 1.0f : f.alpha;
	case ActivationKind::Swish: {
		float s = sigmoid(x);
		return s + x * s * (1.0f - s);
	}
	}
	return 1.0f;
}

float clip_probability(float p) {
	return std::clamp(p, k_loss_epsilon, 1.0f - k_loss_epsilon);
}

bool within_clip(float p) {
	return p >= k_loss_epsilon && p <= 1.0f - k_loss_epsilon;
}

//! Categorical cross-entropy of one row; `target(i)` gives the label weight
//! of class i. Writes dL/dout for the row (unscaled by the batch) into d.
template <class Target>
double categorical_row(bool from_logits, const float *out, int64_t width, Target target, float *d) {
	if (from_logits) {
		float top = *std::max_element(out, out + width);
		double sum = 0.0;
		for (int64_t i = 0; i < width; i++) {
			sum += std::exp(static_cast<double>(out[i] - top));
		}
		double log_sum = std::log(sum) + top;
		double loss = 0.0, target_sum = 0.0;
		for (int64_t i = 0; i < width; i++) {
			loss -= target(i) * (out[i] - log_sum);
			target_sum += target(i);
		}
		if (d) {
			for (int64_t i = 0; i < width; i++) {
				d[i] = static_cast<float>(std::exp(out[i] - log_sum) * target_sum - target(i));
			}
		}
		return loss;
	}
	double sum = 0.0;
	for (int64_t i = 0; i < width; i++) {
		sum += out[i];
	}
	double loss = 0.0, weighted = 0.0;
	for (int64_t i = 0; i < width; i++) {
		float q = static_cast<float>(out[i] / sum);
		loss -= target(i) * std::log(clip_probability(q));
		if (target(i) != 0.0f && within_clip(q)) {
			weighted -= target(i); // sum_i g_i q_i with g_i = -t_i / q_i
		}
	}
	if (d) {
		for (int64_t i = 0; i < width; i++) {
			float q = static_cast<float>(out[i] / sum);
			double g = (target(i) != 0.0f && within_clip(q)) ? -target(i) / q : 0.0;
			d[i] = static_cast<float>((g - weighted) / sum);
		}
	}
	return loss;
}

} // namespace

ActivationFn resolve_activation(const std::string &name, double alpha) {
	ActivationFn f;
	f.alpha = static_cast<float>(alpha);
	if (name == "linear" || name.empty() || name == "None") {
		f.kind = ActivationKind::Linear;
	} else if (name == "relu") {
		f.kind = ActivationKind::Relu;
	} else if (name == "sigmoid") {
		f.kind = ActivationKind::Sigmoid;
	} else if (name == "softmax") {
		f.kind = ActivationKind::Softmax;
	} else if (name == "tanh") {
		f.kind = ActivationKind::Tanh;
	} else if (name == "elu") {
		f.kind = ActivationKind::Elu;
	} else if (name == "selu") {
		f.kind = ActivationKind::Selu;
	} else if (name == "softplus") {
		f.kind = ActivationKind::Softplus;
	} else if (name == "leaky_relu") {
		f.kind = ActivationKind::LeakyRelu;
	} else if (name == "swish" || name == "silu") {
		f.kind = ActivationKind::Swish;
	} else {
		throw std::invalid_argument("unsupported activation '" + name +
		                            "'; use one of linear, relu, sigmoid, softmax, tanh, elu, selu, softplus, "
		                            "leaky_relu, swish");
	}
	return f;
}

void activation_forward(ActivationFn f, const float *x, float *y, int64_t rows, int64_t width) {
	if (f.kind != ActivationKind::Softmax) {
		for (int64_t i = 0; i < rows * width; i++) {
			y[i] = scalar_forward(f, x[i]);
		}
		return;
	}
	for (int64_t r = 0; r < rows; r++) {
		const float *xr = x + r * width;
		float *yr = y + r * width;
		float top = *std::max_element(xr, xr + width);
		float sum = 0.0f;
		for (int64_t i = 0; i < width; i++) {
			yr[i] = std::exp(xr[i] - top);
			sum += yr[i];
		}
		for (int64_t i = 0; i < width; i++) {
			yr[i] /= sum;
		}
	}
}

void activation_backward(ActivationFn f, const float *x, const float *y, const float *dy, float *dx, int64_t rows,
                         int64_t width) {
	if (f.kind != ActivationKind::Softmax) {
		for (int64_t i = 0; i < rows * width; i++) {
			dx[i] = dy[i] * scalar_derivative(f, x[i], y[i]);
		}
		return;
	}
	for (int64_t r = 0; r < rows; r++) {
		const float *yr = y + r * width;
		const float *dyr = dy + r * width;
		float dot = 0.0f;
		for (int64_t i = 0; i < width; i++) {
			dot += dyr[i] * yr[i];
		}
		for (int64_t i = 0; i < width; i++) {
			dx[r * width + i] = yr[i] * (dyr[i] - dot);
		}
	}
}

Loss resolve_loss(const LossSpec &spec) {
	Loss loss;
	loss.from_logits = spec.from_logits;
	loss.delta = static_cast<float>(spec.delta);
	const std::string &n = spec.name;
	if (n == "mse" || n == "mean_squared_error") {
		loss.kind = LossKind::Mse;
	} else if (n == "mae" || n == "mean_absolute_error") {
		loss.kind = LossKind::Mae;
	} else if (n == "huber" || n == "huber_loss") {
		loss.kind = LossKind::Huber;
	} else if (n == "binary_crossentropy") {
		loss.kind = LossKind::BinaryCrossentropy;
	} else if (n == "categorical_crossentropy") {
		loss.kind = LossKind::CategoricalCrossentropy;
	} else if (n == "sparse_categorical_crossentropy") {
		loss.kind = LossKind::SparseCategoricalCrossentropy;
	} else {
		throw std::invalid_argument("unsupported loss '" + n +
		                            "'; use one of mse, mae, huber, binary_crossentropy, "
		                            "categorical_crossentropy, sparse_categorical_crossentropy");
	}
	return loss;
}

double loss_forward_backward(const Loss &loss, const float *out, const float *labels, int64_t rows, int64_t width,
                             float *dout) {
	double total = 0.0;
	const float inv_width = 1.0f / static_cast<float>(width);
	for (int64_t r = 0; r < rows; r++) {
		const float *o = out + r * width;
		float *d = dout ? dout + r * width : nullptr;
		if (loss.kind == LossKind::SparseCategoricalCrossentropy) {
			auto cls = static_cast<int64_t>(labels[r]);
			if (cls < 0 || cls >= width) {
				throw std::invalid_argument("label " + std::to_string(labels[r]) + " is not a class index in [0, " +
				                            std::to_string(width) + ") of the model's output");
			}
			total += categorical_row(
			    loss.from_logits, o, width, [cls](int64_t i) { return i == cls ? 1.0f : 0.0f; }, d);
			continue;
		}
		const float *t = labels + r * width;
		if (loss.kind == LossKind::CategoricalCrossentropy) {
			total += categorical_row(
			    loss.from_logits, o, width, [t](int64_t i) { return t[i]; }, d);
			continue;
		}
		double row = 0.0;
		for (int64_t i = 0; i < width; i++) {
			float e = o[i] - t[i];
			float g = 0.0f;
			switch (loss.kind) {
			case LossKind::Mse:
				row += static_cast<double>(e) * e;
				g = 2.0f * e;
				break;
			case LossKind::Mae:
				row += std::fabs(e);
				g = static_cast<float>((e > 0) - (e < 0));
				break;
			case LossKind::Huber: {
				float a = std::fabs(e);
				if (a <= loss.delta) {
					row += 0.5 * e * e;
					g = e;
				} else {
					row += loss.delta * a - 0.5 * loss.delta * loss.delta;
					g = loss.delta * static_cast<float>((e > 0) - (e < 0));
				}
				break;
			}
			case LossKind::BinaryCrossentropy:
				if (loss.from_logits) {
					float z = o[i];
					row += std::max(z, 0.0f) - z * t[i] + std::log1p(std::exp(-std::fabs(z)));
					g = sigmoid(z) - t[i];
				} else {
					float p = clip_probability(o[i]);
					row -= t[i] * std::log(p + k_loss_epsilon) + (1.0f - t[i]) * std::log(1.0f - p + k_loss_epsilon);
					g = within_clip(o[i]) ? -(t[i] / (p + k_loss_epsilon) - (1.0f - t[i]) / (1.0f - p + k_loss_epsilon))
					                      : 0.0f;
				}
				break;
			default:
				break;
			}
			if (d) {
				d[i] = g * inv_width;
			}
		}
		total += row / width;
	}
	if (dout) {
		const float inv_rows = 1.0f / static_cast<float>(rows);
		for (int64_t i = 0; i < rows * width; i++) {
			dout[i] *= inv_rows;
		}
	}
	return total / static_cast<double>(rows);
}

void fill_dropout_mask(Rng &rng, float *mask, int64_t n, float rate) {
	const float keep = 1.0f / (1.0f - rate);
	for (int64_t i = 0; i < n; i++) {
		mask[i] = rng.uniform() >= rate ? keep : 0.0f;
	}
}

} // namespace kafkaml::ml
