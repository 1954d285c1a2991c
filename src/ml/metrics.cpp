#include "ml/metrics.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace kafkaml::ml {

namespace {

int64_t argmax(const float *v, int64_t n) {
	return std::max_element(v, v + n) - v;
}

} // namespace

MetricSet::MetricSet(const std::vector<std::string> &names, const Loss &loss, int64_t width)
    : sparse_(loss.sparse()), width_(width) {
	for (const auto &name : names) {
		Kind kind;
		if (name == "accuracy" || name == "acc") {
			kind = width == 1 ? Kind::BinaryAccuracy : sparse_ ? Kind::SparseAccuracy : Kind::CategoricalAccuracy;
		} else if (name == "binary_accuracy") {
			kind = Kind::BinaryAccuracy;
		} else if (name == "sparse_categorical_accuracy") {
			kind = Kind::SparseAccuracy;
		} else if (name == "categorical_accuracy") {
			kind = Kind::CategoricalAccuracy;
		} else if (name == "mae" || name == "mean_absolute_error") {
			kind = Kind::Mae;
		} else if (name == "mse" || name == "mean_squared_error") {
			kind = Kind::Mse;
		} else if (name == "rmse" || name == "root_mean_squared_error") {
			kind = Kind::Rmse;
		} else if (name == "precision") {
			kind = Kind::Precision;
		} else if (name == "recall") {
			kind = Kind::Recall;
		} else if (name == "auc") {
			kind = Kind::Auc;
		} else {
			throw std::invalid_argument("unsupported metric '" + name +
			                            "'; use accuracy, mae, mse, rmse, precision, recall or auc");
		}
		if (kind == Kind::SparseAccuracy && !sparse_) {
			throw std::invalid_argument("metric '" + name + "' needs class-index labels (sparse loss)");
		}
		metrics_.emplace_back(name, kind);
	}
}

void MetricSet::reset() {
	loss_sum_ = seen_ = correct_ = abs_err_ = sq_err_ = elements_ = tp_ = fp_ = fn_ = 0;
	positives_ = negatives_ = 0;
	auc_tp_.fill(0);
	auc_fp_.fill(0);
}

void MetricSet::update(const float *out, const float *labels, int64_t rows, double batch_loss) {
	loss_sum_ += batch_loss * static_cast<double>(rows);
	seen_ += static_cast<double>(rows);
	for (int64_t r = 0; r < rows; r++) {
		const float *o = out + r * width_;
		// Targets of this row as dense values (one-hot for class indices).
		auto target = [&](int64_t i) -> float {
			if (sparse_) {
				return static_cast<int64_t>(labels[r]) == i ? 1.0f : 0.0f;
			}
			return labels[r * width_ + i];
		};
		for (const auto &[name, kind] : metrics_) {
			if (kind == Kind::BinaryAccuracy) {
				for (int64_t i = 0; i < width_; i++) {
					correct_ += ((o[i] > 0.5f ? 1.0f : 0.0f) == target(i)) ? 1.0 / static_cast<double>(width_) : 0.0;
				}
			} else if (kind == Kind::SparseAccuracy) {
				correct_ += argmax(o, width_) == static_cast<int64_t>(labels[r]) ? 1 : 0;
			} else if (kind == Kind::CategoricalAccuracy) {
				int64_t best = 0;
				for (int64_t i = 1; i < width_; i++) {
					best = target(i) > target(best) ? i : best;
				}
				correct_ += argmax(o, width_) == best ? 1 : 0;
			}
		}
		for (int64_t i = 0; i < width_; i++) {
			float t = target(i);
			double e = o[i] - t;
			abs_err_ += std::fabs(e);
			sq_err_ += e * e;
			bool positive = t > 0.5f;
			bool predicted = o[i] > 0.5f;
			tp_ += positive && predicted;
			fp_ += !positive && predicted;
			fn_ += positive && !predicted;
			positives_ += positive;
			negatives_ += !positive;
			// Keras' thresholds: -eps, 1/(n-1), ..., (n-2)/(n-1), 1+eps.
			for (int k = 0; k < k_thresholds; k++) {
				float threshold = k == 0 ? -1e-7f
				                  : k == k_thresholds - 1
				                      ? 1.0f + 1e-7f
				                      : static_cast<float>(k) / static_cast<float>(k_thresholds - 1);
				if (o[i] <= threshold) {
					break;
				}
				(positive ? auc_tp_ : auc_fp_)[k] += 1;
			}
		}
		elements_ += static_cast<double>(width_);
	}
}

MetricValues MetricSet::results() const {
	MetricValues values;
	values.emplace_back("loss", seen_ > 0 ? loss_sum_ / seen_ : 0.0);
	for (const auto &[name, kind] : metrics_) {
		double v = 0.0;
		switch (kind) {
		case Kind::BinaryAccuracy:
		case Kind::SparseAccuracy:
		case Kind::CategoricalAccuracy:
			v = seen_ > 0 ? correct_ / seen_ : 0.0;
			break;
		case Kind::Mae:
			v = elements_ > 0 ? abs_err_ / elements_ : 0.0;
			break;
		case Kind::Mse:
			v = elements_ > 0 ? sq_err_ / elements_ : 0.0;
			break;
		case Kind::Rmse:
			v = elements_ > 0 ? std::sqrt(sq_err_ / elements_) : 0.0;
			break;
		case Kind::Precision:
			v = tp_ + fp_ > 0 ? tp_ / (tp_ + fp_) : 0.0;
			break;
		case Kind::Recall:
			v = tp_ + fn_ > 0 ? tp_ / (tp_ + fn_) : 0.0;
			break;
		case Kind::Auc: {
			// Trapezoids under the ROC curve through the threshold points.
			for (int k = 0; k + 1 < k_thresholds; k++) {
				double tpr0 = positives_ > 0 ? auc_tp_[k] / positives_ : 0.0;
				double tpr1 = positives_ > 0 ? auc_tp_[k + 1] / positives_ : 0.0;
				double fpr0 = negatives_ > 0 ? auc_fp_[k] / negatives_ : 0.0;
				double fpr1 = negatives_ > 0 ? auc_fp_[k + 1] / negatives_ : 0.0;
				v += (fpr0 - fpr1) * (tpr0 + tpr1) / 2.0;
			}
			break;
		}
		}
		values.emplace_back(name, v);
	}
	return values;
}

} // namespace kafkaml::ml
