#include "ml/losses.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

namespace kafkaml::ml {

namespace {

float logistic(float x) {
	return 1.0f / (1.0f + std::exp(-x));
}

float sign(float x) {
	return static_cast<float>((x > 0) - (x < 0));
}

float clip_probability(float p) {
	return std::clamp(p, k_loss_epsilon, 1.0f - k_loss_epsilon);
}

//! Where the clip passes the gradient (TensorFlow's clip_by_value: bounds
//! included).
bool within_clip(float p) {
	return p >= k_loss_epsilon && p <= 1.0f - k_loss_epsilon;
}

//! A loss term and its derivative with respect to the output.
struct Term {
	double value = 0.0;
	float grad = 0.0f;
};

//! Binary crossentropy of probability p (clipped) against target t.
Term binary_crossentropy(float p, float t) {
	float c = clip_probability(p);
	double value = -(t * std::log(static_cast<double>(c)) + (1.0f - t) * std::log(1.0 - c));
	float grad = within_clip(p) ? -(t / c - (1.0f - t) / (1.0f - c)) : 0.0f;
	return {value, grad};
}

//! Focal binary crossentropy: (1 - p_t)^gamma * bce, p_t = t p + (1-t)(1-p)
//! on the unclipped probability, optionally weighted alpha / 1 - alpha.
Term binary_focal(const Loss &loss, float p, float t) {
	Term bce = binary_crossentropy(p, t);
	float p_t = t * p + (1.0f - t) * (1.0f - p);
	double focal = std::pow(1.0 - p_t, static_cast<double>(loss.gamma));
	// d(1 - p_t)/dp = 1 - 2t
	double focal_grad =
	    loss.gamma == 0.0f ? 0.0 : loss.gamma * std::pow(1.0 - p_t, loss.gamma - 1.0) * (1.0f - 2.0f * t);
	double weight = loss.class_balancing ? t * loss.alpha + (1.0f - t) * (1.0f - loss.alpha) : 1.0;
	return {weight * focal * bce.value, static_cast<float>(weight * (focal * bce.grad + focal_grad * bce.value))};
}

//! The elementwise losses; `t` is already smoothed (crossentropies) or
//! mapped to -1/1 (hinge) by the caller.
Term element_term(const Loss &loss, float o, float t) {
	switch (loss.kind) {
	case LossKind::Mse: {
		float e = o - t;
		return {static_cast<double>(e) * e, 2.0f * e};
	}
	case LossKind::Mae:
		return {std::fabs(o - t), sign(o - t)};
	case LossKind::Mape: {
		float scale = 100.0f / std::max(std::fabs(t), k_loss_epsilon);
		return {std::fabs(t - o) * static_cast<double>(scale), sign(o - t) * scale};
	}
	case LossKind::Msle: {
		float lifted = std::max(o, k_loss_epsilon) + 1.0f;
		double e = std::log(static_cast<double>(lifted)) - std::log(std::max(t, k_loss_epsilon) + 1.0);
		return {e * e, o >= k_loss_epsilon ? static_cast<float>(2.0 * e / lifted) : 0.0f};
	}
	case LossKind::Huber: {
		float e = o - t, a = std::fabs(e);
		if (a <= loss.delta) {
			return {0.5 * e * e, e};
		}
		return {loss.delta * a - 0.5 * loss.delta * loss.delta, loss.delta * sign(e)};
	}
	case LossKind::LogCosh: {
		// log(cosh(x)) = x + softplus(-2x) - log 2, stable for large |x|.
		double x = static_cast<double>(o) - t;
		double softplus = -2.0 * x > 0 ? -2.0 * x + std::log1p(std::exp(2.0 * x)) : std::log1p(std::exp(-2.0 * x));
		return {x + softplus - std::numbers::ln2, static_cast<float>(std::tanh(x))};
	}
	case LossKind::BinaryCrossentropy:
		if (loss.from_logits) {
			double value = std::max(o, 0.0f) - o * t + std::log1p(std::exp(-std::fabs(static_cast<double>(o))));
			return {value, logistic(o) - t};
		}
		return binary_crossentropy(o, t);
	case LossKind::BinaryFocalCrossentropy: {
		if (!loss.from_logits) {
			return binary_focal(loss, o, t);
		}
		float p = logistic(o);
		Term term = binary_focal(loss, p, t);
		return {term.value, term.grad * p * (1.0f - p)};
	}
	case LossKind::Hinge: {
		float margin = 1.0f - t * o;
		// TensorFlow's maximum passes the gradient on ties.
		return {std::max(margin, 0.0f), margin >= 0.0f ? -t : 0.0f};
	}
	case LossKind::SquaredHinge: {
		float margin = std::max(1.0f - t * o, 0.0f);
		return {static_cast<double>(margin) * margin, -2.0f * t * margin};
	}
	case LossKind::Poisson: {
		float shifted = o + k_loss_epsilon;
		return {o - t * std::log(static_cast<double>(shifted)), 1.0f - t / shifted};
	}
	case LossKind::KlDivergence: {
		float tc = std::clamp(t, k_loss_epsilon, 1.0f), pc = std::clamp(o, k_loss_epsilon, 1.0f);
		bool passes = o >= k_loss_epsilon && o <= 1.0f;
		return {tc * std::log(static_cast<double>(tc) / pc), passes ? -tc / pc : 0.0f};
	}
	default:
		return {};
	}
}

//! Focal crossentropy term of one class: alpha (1 - c)^gamma (-t log c) for
//! the clipped probability c, and its derivative with respect to c.
Term focal_class_term(double alpha, double gamma, double c, double t) {
	if (t == 0.0) {
		return {}; // every part is a multiple of t: skip the logs (sparse labels)
	}
	if (gamma == 0.0) {
		return {-alpha * t * std::log(c), static_cast<float>(-alpha * t / c)}; // plain crossentropy
	}
	double modulating = std::pow(1.0 - c, gamma), log_c = std::log(c);
	double grad = alpha * (gamma * std::pow(1.0 - c, gamma - 1.0) * t * log_c - modulating * t / c);
	return {-alpha * modulating * t * log_c, static_cast<float>(grad)};
}

//! Categorical (focal) crossentropy of one row; `target(i)` is the label
//! weight of class i (smoothed). Writes dL/dout of the row into d when not
//! null. Probabilities follow Keras: renormalised, clipped, then
//! sum_i alpha (1 - q_i)^gamma (-t_i log q_i); plain crossentropy is gamma 0,
//! alpha 1. Logits without focus use the exact log-softmax instead.
template <class Target>
double categorical_row(const Loss &loss, bool focal, const float *out, int64_t width, Target target, float *d) {
	double top = 0.0, exp_sum = 0.0;
	if (loss.from_logits) {
		top = *std::max_element(out, out + width);
		for (int64_t i = 0; i < width; i++) {
			exp_sum += std::exp(out[i] - top);
		}
	}
	if (loss.from_logits && !focal) {
		double log_sum = std::log(exp_sum) + top;
		double value = 0.0, target_sum = 0.0;
		for (int64_t i = 0; i < width; i++) {
			value -= target(i) * (out[i] - log_sum);
			target_sum += target(i);
		}
		for (int64_t i = 0; d && i < width; i++) {
			d[i] = static_cast<float>(std::exp(out[i] - log_sum) * target_sum - target(i));
		}
		return value;
	}
	const double gamma = focal ? loss.gamma : 0.0, alpha = focal ? loss.alpha : 1.0;
	// y: the probabilities (softmax of the logits, or the outputs), q = y / sum(y).
	auto probability = [&](int64_t i) -> double {
		return loss.from_logits ? static_cast<float>(std::exp(out[i] - top) / exp_sum) : out[i];
	};
	double total = 0.0;
	for (int64_t i = 0; i < width; i++) {
		total += probability(i);
	}
	// The term of class i, its gradient zero where the clip stops it.
	auto term = [&](int64_t i) {
		auto q = static_cast<float>(probability(i) / total);
		Term t = focal_class_term(alpha, gamma, clip_probability(q), target(i));
		t.grad = within_clip(q) ? t.grad : 0.0f;
		return std::pair{t, q};
	};
	double value = 0.0, dot = 0.0; // dot = sum_i dL/dq_i q_i
	for (int64_t i = 0; i < width; i++) {
		auto [t, q] = term(i);
		value += t.value;
		dot += static_cast<double>(t.grad) * q;
	}
	for (int64_t i = 0; d && i < width; i++) {
		double dy = (term(i).first.grad - dot) / total; // through q = y / sum(y)
		// Through the softmax, dz = y (dy - sum_k y_k dy_k), and that sum is
		// zero because dy sums to zero against y.
		d[i] = static_cast<float>(loss.from_logits ? probability(i) * dy : dy);
	}
	return value;
}

double categorical_hinge_row(const float *out, const float *t, int64_t width, float *d) {
	double pos = 0.0;
	float neg = -INFINITY;
	for (int64_t i = 0; i < width; i++) {
		pos += static_cast<double>(t[i]) * out[i];
		neg = std::max(neg, (1.0f - t[i]) * out[i]);
	}
	double margin = neg - pos + 1.0;
	if (d) {
		// The max's gradient is shared by the classes that reach it, as
		// TensorFlow's reduce_max does.
		int64_t ties = 0;
		for (int64_t i = 0; i < width; i++) {
			ties += (1.0f - t[i]) * out[i] == neg;
		}
		for (int64_t i = 0; i < width; i++) {
			bool at_max = (1.0f - t[i]) * out[i] == neg;
			d[i] = margin >= 0.0 ? -t[i] + (at_max ? (1.0f - t[i]) / static_cast<float>(ties) : 0.0f) : 0.0f;
		}
	}
	return std::max(margin, 0.0);
}

//! -cos(t, o) with Keras' l2 normalisation x / max(|x|, epsilon).
double cosine_row(const float *out, const float *t, int64_t width, float *d) {
	double out_sq = 0.0, t_sq = 0.0, dot = 0.0;
	for (int64_t i = 0; i < width; i++) {
		out_sq += static_cast<double>(out[i]) * out[i];
		t_sq += static_cast<double>(t[i]) * t[i];
		dot += static_cast<double>(out[i]) * t[i];
	}
	const double out_norm = std::max(std::sqrt(out_sq), static_cast<double>(k_loss_epsilon));
	const double t_norm = std::max(std::sqrt(t_sq), static_cast<double>(k_loss_epsilon));
	const double cosine = dot / (out_norm * t_norm);
	// Below epsilon the norm is a constant, so only the numerator moves.
	const bool normalised = std::sqrt(out_sq) >= k_loss_epsilon;
	for (int64_t i = 0; d && i < width; i++) {
		double along = normalised ? cosine * out[i] / out_norm : 0.0;
		d[i] = static_cast<float>(-(t[i] / t_norm - along) / out_norm);
	}
	return -cosine;
}

//! Keras turns hinge labels that are all 0 or 1 in the batch into -1/1.
bool binary_labels(const float *labels, int64_t n) {
	return std::all_of(labels, labels + n, [](float t) { return t == 0.0f || t == 1.0f; });
}

//! The loss of one row with dense targets; d (if not null) gets its gradient.
double dense_row(const Loss &loss, const float *o, const float *t, int64_t width, bool hinge_binary, float *d) {
	const float smoothing = loss.label_smoothing;
	switch (loss.kind) {
	case LossKind::CategoricalCrossentropy:
	case LossKind::CategoricalFocalCrossentropy: {
		const float uniform = smoothing / static_cast<float>(width);
		return categorical_row(
		    loss, loss.kind == LossKind::CategoricalFocalCrossentropy, o, width,
		    [&](int64_t i) { return t[i] * (1.0f - smoothing) + uniform; }, d);
	}
	case LossKind::CategoricalHinge:
		return categorical_hinge_row(o, t, width, d);
	case LossKind::CosineSimilarity:
		return cosine_row(o, t, width, d);
	default:
		break;
	}
	// Elementwise: the mean over the row, except kl_divergence's sum.
	const bool summed = loss.kind == LossKind::KlDivergence;
	const float scale = summed ? 1.0f : 1.0f / static_cast<float>(width);
	const bool binary_ce = loss.kind == LossKind::BinaryCrossentropy || loss.kind == LossKind::BinaryFocalCrossentropy;
	double row = 0.0;
	for (int64_t i = 0; i < width; i++) {
		float target = t[i];
		if (binary_ce) {
			target = target * (1.0f - smoothing) + 0.5f * smoothing;
		} else if (hinge_binary) {
			target = 2.0f * target - 1.0f;
		}
		Term term = element_term(loss, o[i], target);
		row += term.value;
		if (d) {
			d[i] = term.grad * scale;
		}
	}
	return summed ? row : row / static_cast<double>(width);
}

} // namespace

OutputRows output_rows(const Shape &shape) {
	OutputRows layout;
	if (shape.empty()) {
		return layout;
	}
	layout.width = shape.back();
	for (size_t i = 0; i + 1 < shape.size(); i++) {
		layout.rows *= shape[i];
	}
	return layout;
}

Loss resolve_loss(const LossSpec &spec) {
	static const std::pair<const char *, LossKind> k_names[] = {
	    {"mse", LossKind::Mse},
	    {"mean_squared_error", LossKind::Mse},
	    {"mae", LossKind::Mae},
	    {"mean_absolute_error", LossKind::Mae},
	    {"mape", LossKind::Mape},
	    {"mean_absolute_percentage_error", LossKind::Mape},
	    {"msle", LossKind::Msle},
	    {"mean_squared_logarithmic_error", LossKind::Msle},
	    {"huber", LossKind::Huber},
	    {"huber_loss", LossKind::Huber},
	    {"log_cosh", LossKind::LogCosh},
	    {"logcosh", LossKind::LogCosh},
	    {"binary_crossentropy", LossKind::BinaryCrossentropy},
	    {"binary_focal_crossentropy", LossKind::BinaryFocalCrossentropy},
	    {"categorical_crossentropy", LossKind::CategoricalCrossentropy},
	    {"categorical_focal_crossentropy", LossKind::CategoricalFocalCrossentropy},
	    {"sparse_categorical_crossentropy", LossKind::SparseCategoricalCrossentropy},
	    {"hinge", LossKind::Hinge},
	    {"squared_hinge", LossKind::SquaredHinge},
	    {"categorical_hinge", LossKind::CategoricalHinge},
	    {"kl_divergence", LossKind::KlDivergence},
	    {"kld", LossKind::KlDivergence},
	    {"poisson", LossKind::Poisson},
	    {"cosine_similarity", LossKind::CosineSimilarity},
	};
	const auto *found = std::find_if(std::begin(k_names), std::end(k_names),
	                                 [&](const auto &entry) { return spec.name == entry.first; });
	if (found == std::end(k_names)) {
		throw std::invalid_argument("unsupported loss '" + spec.name +
		                            "'; use one of mse, mae, mape, msle, huber, log_cosh, binary_crossentropy, "
		                            "binary_focal_crossentropy, categorical_crossentropy, "
		                            "categorical_focal_crossentropy, sparse_categorical_crossentropy, hinge, "
		                            "squared_hinge, categorical_hinge, kl_divergence, poisson, cosine_similarity");
	}
	if (spec.reduction != "auto" && spec.reduction != "sum_over_batch_size" && spec.reduction != "sum") {
		throw std::invalid_argument("the loss reduction '" + spec.reduction + "' is not computed here");
	}
	if (spec.axis != -1) {
		throw std::invalid_argument("losses are computed over the last axis only (axis=-1)");
	}
	Loss loss;
	loss.kind = found->second;
	loss.from_logits = spec.from_logits;
	loss.delta = static_cast<float>(spec.delta);
	loss.label_smoothing = static_cast<float>(spec.label_smoothing);
	loss.gamma = static_cast<float>(spec.gamma);
	loss.alpha = static_cast<float>(spec.alpha);
	loss.class_balancing = spec.apply_class_balancing;
	loss.ignore_class = spec.ignore_class;
	loss.sum = spec.reduction == "sum";
	return loss;
}

double loss_forward_backward(const Loss &loss, const float *out, const float *labels, int64_t rows, int64_t width,
                             float *dout) {
	const bool hinge_binary =
	    (loss.kind == LossKind::Hinge || loss.kind == LossKind::SquaredHinge) && binary_labels(labels, rows * width);
	double total = 0.0;
	int64_t counted = 0; // rows that count: all but the ignored class
	for (int64_t r = 0; r < rows; r++) {
		const float *o = out + r * width;
		float *d = dout ? dout + r * width : nullptr;
		if (!loss.sparse()) {
			total += dense_row(loss, o, labels + r * width, width, hinge_binary, d);
			counted++;
			continue;
		}
		if (loss.ignore_class && labels[r] == static_cast<float>(*loss.ignore_class)) {
			if (d) {
				std::fill(d, d + width, 0.0f);
			}
			continue;
		}
		auto cls = static_cast<int64_t>(labels[r]);
		if (cls < 0 || cls >= width) {
			throw std::invalid_argument("label " + std::to_string(labels[r]) + " is not a class index in [0, " +
			                            std::to_string(width) + ") of the model's output");
		}
		total += categorical_row(
		    loss, false, o, width, [cls](int64_t i) { return i == cls ? 1.0f : 0.0f; }, d);
		counted++;
	}
	// Keras divides by the rows that count (all unless a class is ignored),
	// and a batch with none has loss 0.
	const double divisor = loss.sum ? 1.0 : static_cast<double>(counted);
	if (divisor == 0.0) {
		return 0.0;
	}
	if (dout && divisor != 1.0) {
		const auto inv = static_cast<float>(1.0 / divisor);
		for (int64_t i = 0; i < rows * width; i++) {
			dout[i] *= inv;
		}
	}
	return total / divisor;
}

} // namespace kafkaml::ml
