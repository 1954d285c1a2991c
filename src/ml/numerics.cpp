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

void fill_dropout_mask(Rng &rng, float *mask, int64_t n, float rate) {
	const float keep = 1.0f / (1.0f - rate);
	for (int64_t i = 0; i < n; i++) {
		mask[i] = rng.uniform() >= rate ? keep : 0.0f;
	}
}

} // namespace kafkaml::ml
