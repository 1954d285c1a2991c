// Scores over the epoch's totals: mean IoU (a confusion matrix of class
// ids), F-beta (per-class true/false positives) and R^2 (per-output sums).

#include "ml/metric.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace kafkaml::ml {

namespace {

constexpr double k_epsilon = 1e-7; // Keras' backend epsilon in these results

//! Keras' MeanIoU with sparse_y_true and sparse_y_pred: labels and
//! predictions are both class ids (truncated to integers), compared element
//! by element; pairs with a value outside [0, num_classes) are skipped.
class MeanIou final : public Metric {
public:
	explicit MeanIou(int64_t classes) : classes_(classes), matrix_(static_cast<size_t>(classes * classes)) {}

	void reset() override { std::fill(matrix_.begin(), matrix_.end(), 0.0); }

	void update(const MetricBatch &b) override {
		const int64_t n = b.rows * b.width;
		const auto in_range = [this](float v) { return v >= 0.0f && v < static_cast<float>(classes_); };
		for (int64_t j = 0; j < n; j++) {
			float label = b.labels[j], predicted = b.out[j];
			if (in_range(label) && in_range(predicted)) {
				matrix_[static_cast<size_t>(static_cast<int64_t>(label) * classes_ +
				                            static_cast<int64_t>(predicted))] += 1.0;
			}
		}
	}

	void results(const std::string &name, MetricValues &into) const override {
		double sum = 0.0, valid = 0.0;
		for (int64_t c = 0; c < classes_; c++) {
			double predicted = 0.0, actual = 0.0;
			for (int64_t k = 0; k < classes_; k++) {
				predicted += at(k, c);
				actual += at(c, k);
			}
			double denominator = predicted + actual - at(c, c);
			if (denominator > 1e-9) {
				sum += at(c, c) / (denominator + k_epsilon);
				valid += 1.0;
			}
		}
		into.emplace_back(name, sum / (valid + k_epsilon));
	}

private:
	double at(int64_t label, int64_t predicted) const {
		return matrix_[static_cast<size_t>(label * classes_ + predicted)];
	}

	int64_t classes_;
	std::vector<double> matrix_; //!< [label][predicted]
};

//! Keras' FBetaScore: a prediction is positive above `threshold`, or without
//! one when it is its row's maximum (and not zero); the score is per class
//! (average None) or micro, macro or weighted by the label counts.
class FBeta final : public Metric {
public:
	FBeta(int64_t width, double beta, std::optional<float> threshold, std::string average)
	    : beta_(beta), threshold_(threshold), average_(std::move(average)), tp_(static_cast<size_t>(width)),
	      fp_(tp_.size()), fn_(tp_.size()), support_(tp_.size()) {}

	void reset() override {
		for (auto *v : {&tp_, &fp_, &fn_, &support_}) {
			std::fill(v->begin(), v->end(), 0.0);
		}
	}

	void update(const MetricBatch &b) override {
		for (int64_t r = 0; r < b.rows; r++) {
			const float *o = b.row(r);
			const float top = *std::max_element(o, o + b.width);
			for (int64_t i = 0; i < b.width; i++) {
				bool positive = threshold_ ? o[i] > *threshold_ : o[i] >= top && std::fabs(o[i]) > 1e-9f;
				const double p = positive ? 1.0 : 0.0, t = b.target(r, i);
				const auto c = static_cast<size_t>(i);
				tp_[c] += p * t;
				fp_[c] += p * (1.0 - t);
				fn_[c] += (1.0 - p) * t;
				support_[c] += t;
			}
		}
	}

	void results(const std::string &name, MetricValues &into) const override {
		if (average_ == "micro") {
			into.emplace_back(name, score(sum(tp_), sum(fp_), sum(fn_)));
			return;
		}
		double mean = 0.0, weighted = 0.0;
		const double total_support = sum(support_);
		for (size_t c = 0; c < tp_.size(); c++) {
			double s = score(tp_[c], fp_[c], fn_[c]);
			if (average_.empty()) {
				into.emplace_back(fmt::format("{}[{}]", name, c), s);
			}
			mean += s / static_cast<double>(tp_.size());
			weighted += s * support_[c] / (total_support + k_epsilon);
		}
		if (average_ == "macro") {
			into.emplace_back(name, mean);
		} else if (average_ == "weighted") {
			into.emplace_back(name, weighted);
		}
	}

private:
	static double sum(const std::vector<double> &v) {
		double s = 0.0;
		for (double x : v) {
			s += x;
		}
		return s;
	}

	double score(double tp, double fp, double fn) const {
		const double precision = tp / (tp + fp + k_epsilon), recall = tp / (tp + fn + k_epsilon);
		const double b2 = beta_ * beta_;
		return precision * recall / (b2 * precision + recall + k_epsilon) * (1.0 + b2);
	}

	double beta_;
	std::optional<float> threshold_;
	std::string average_; //!< "" (None: one score per class), micro, macro, weighted
	std::vector<double> tp_, fp_, fn_, support_;
};

//! Keras' R2Score (uniform_average): 1 - SSE / SST per output, averaged;
//! an infinite score (constant labels, some error) counts as 0.
class R2 final : public Metric {
public:
	explicit R2(int64_t width) : sum_(static_cast<size_t>(width)), squares_(sum_.size()), errors_(sum_.size()) {}

	void reset() override {
		count_ = 0.0;
		for (auto *v : {&sum_, &squares_, &errors_}) {
			std::fill(v->begin(), v->end(), 0.0);
		}
	}

	void update(const MetricBatch &b) override {
		for (int64_t r = 0; r < b.rows; r++) {
			for (int64_t i = 0; i < b.width; i++) {
				const double t = b.target(r, i), e = t - b.row(r)[i];
				const auto c = static_cast<size_t>(i);
				sum_[c] += t;
				squares_[c] += t * t;
				errors_[c] += e * e;
			}
		}
		count_ += static_cast<double>(b.rows);
	}

	void results(const std::string &name, MetricValues &into) const override {
		double total = 0.0;
		for (size_t c = 0; c < sum_.size(); c++) {
			double mean = sum_[c] / count_;
			double score = 1.0 - errors_[c] / (squares_[c] - sum_[c] * mean);
			total += std::isinf(score) ? 0.0 : score;
		}
		into.emplace_back(name, total / static_cast<double>(sum_.size()));
	}

private:
	std::vector<double> sum_, squares_, errors_;
	double count_ = 0.0;
};

} // namespace

std::unique_ptr<Metric> make_score_metric(const MetricSpec &spec, const MetricContext &context) {
	if (spec.name == "mean_iou") {
		if (context.loss.sparse() && context.width != 1) {
			throw std::invalid_argument("metric '" + spec.display_name +
			                            "' compares class ids element by element, so the model needs as many labels "
			                            "as outputs (Keras' MeanIoU with sparse_y_pred=True)");
		}
		return std::make_unique<MeanIou>(spec.num_classes);
	}
	if (spec.name == "r2_score") {
		return std::make_unique<R2>(context.width);
	}
	double beta = spec.name == "fbeta_score" ? spec.beta : 1.0;
	if (!(beta > 0.0)) {
		throw std::invalid_argument("metric '" + spec.display_name + "': beta must be > 0");
	}
	// MetricSpec cannot say threshold=None (Keras' default, the argmax rule)
	// yet: it holds 0.5 then (README.md, differences from Keras).
	return std::make_unique<FBeta>(context.width, beta, static_cast<float>(spec.threshold), spec.average);
}

} // namespace kafkaml::ml
