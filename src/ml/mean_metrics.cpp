// Metrics that are a mean over the epoch's rows: the accuracies and every
// loss function used as a metric (Keras' MeanMetricWrapper).

#include "ml/metric.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace kafkaml::ml {

namespace {

int64_t argmax(const float *v, int64_t n) {
	return std::max_element(v, v + n) - v;
}

//! TensorFlow's in_top_k: the target is within the k largest when fewer
//! than k outputs are strictly larger (ties at the boundary are in); a
//! target outside the classes or a non-finite score is not.
bool in_top_k(const float *o, int64_t width, int64_t target, int64_t k) {
	if (target < 0 || target >= width || !std::isfinite(o[target])) {
		return false;
	}
	int64_t larger = 0;
	for (int64_t i = 0; i < width; i++) {
		larger += o[i] > o[target];
	}
	return larger < k;
}

enum class AccuracyKind { Binary, Categorical, Sparse, TopK, SparseTopK };

class Accuracy final : public Metric {
public:
	Accuracy(AccuracyKind kind, float threshold, int64_t k) : kind_(kind), threshold_(threshold), k_(k) {}

	void reset() override { correct_ = count_ = 0.0; }

	void update(const MetricBatch &b) override {
		for (int64_t r = 0; r < b.rows; r++) {
			const float *o = b.row(r);
			if (kind_ == AccuracyKind::Binary) {
				// Per element, as Keras 3's binary_accuracy.
				for (int64_t i = 0; i < b.width; i++) {
					correct_ += (o[i] > threshold_ ? 1.0f : 0.0f) == b.target(r, i);
				}
				count_ += static_cast<double>(b.width);
				continue;
			}
			count_ += 1.0;
			if (kind_ == AccuracyKind::Sparse) {
				// The label compared as a number, so 1.5 never matches.
				correct_ += static_cast<float>(argmax(o, b.width)) == b.labels[r];
				continue;
			}
			// The class: the label's index (sparse top-k truncates it to an
			// integer as Keras' int32 cast), else the argmax of the targets.
			int64_t cls = b.sparse ? static_cast<int64_t>(b.labels[r]) : argmax(b.labels + r * b.width, b.width);
			if (kind_ == AccuracyKind::Categorical) {
				correct_ += argmax(o, b.width) == cls;
			} else {
				correct_ += in_top_k(o, b.width, cls, k_);
			}
		}
	}

	void results(const std::string &name, MetricValues &into) const override {
		into.emplace_back(name, count_ > 0 ? correct_ / count_ : 0.0);
	}

private:
	AccuracyKind kind_;
	float threshold_;
	int64_t k_;
	double correct_ = 0.0, count_ = 0.0;
};

//! A loss function averaged over the rows seen (rmse: the root of the mean
//! squared error; cosine_similarity: the similarity, the loss negated).
class LossMean final : public Metric {
public:
	LossMean(Loss loss, bool root, bool negate) : loss_(loss), root_(root), negate_(negate) { loss_.sum = true; }

	void reset() override { sum_ = count_ = 0.0; }

	void update(const MetricBatch &b) override {
		const float *labels = b.labels;
		if (b.sparse && !loss_.sparse()) {
			dense_.resize(static_cast<size_t>(b.rows * b.width));
			for (int64_t r = 0; r < b.rows; r++) {
				for (int64_t i = 0; i < b.width; i++) {
					dense_[static_cast<size_t>(r * b.width + i)] = b.target(r, i);
				}
			}
			labels = dense_.data();
		}
		sum_ += loss_forward_backward(loss_, b.out, labels, b.rows, b.width, nullptr);
		count_ += static_cast<double>(b.rows);
	}

	void results(const std::string &name, MetricValues &into) const override {
		double mean = count_ > 0 ? sum_ / count_ : 0.0;
		into.emplace_back(name, root_ ? std::sqrt(mean) : negate_ ? -mean : mean);
	}

private:
	Loss loss_;
	bool root_, negate_;
	std::vector<float> dense_; //!< one-hot labels when the model's are class indices
	double sum_ = 0.0, count_ = 0.0;
};

} // namespace

std::unique_ptr<Metric> make_accuracy_metric(const MetricSpec &spec, const MetricContext &context) {
	const bool sparse = context.loss.sparse();
	AccuracyKind kind = AccuracyKind::Binary;
	if (spec.name == "accuracy") {
		// Keras' compile(): binary for one output unit, sparse for class-index labels.
		kind = context.width == 1 ? AccuracyKind::Binary : sparse ? AccuracyKind::Sparse : AccuracyKind::Categorical;
	} else if (spec.name == "categorical_accuracy") {
		kind = AccuracyKind::Categorical;
	} else if (spec.name == "sparse_categorical_accuracy") {
		kind = AccuracyKind::Sparse;
	} else if (spec.name == "top_k_categorical_accuracy") {
		kind = AccuracyKind::TopK;
	} else if (spec.name == "sparse_top_k_categorical_accuracy") {
		kind = AccuracyKind::SparseTopK;
	}
	if ((kind == AccuracyKind::Sparse || kind == AccuracyKind::SparseTopK) && !sparse) {
		throw std::invalid_argument("metric '" + spec.display_name +
		                            "' needs class-index labels (a sparse_categorical_crossentropy loss)");
	}
	float threshold = spec.name == "binary_accuracy" ? static_cast<float>(spec.threshold) : 0.5f;
	return std::make_unique<Accuracy>(kind, threshold, spec.k);
}

std::unique_ptr<Metric> make_loss_mean_metric(const MetricSpec &spec, const MetricContext &context) {
	LossSpec loss;
	loss.name = spec.name == "rmse" ? "mse" : spec.name;
	if (spec.name.ends_with("crossentropy")) {
		loss.from_logits = spec.from_logits;
		loss.label_smoothing = spec.label_smoothing;
	}
	if (spec.name == "cosine_similarity" || spec.name.ends_with("crossentropy")) {
		loss.axis = spec.axis;
	}
	Loss resolved = resolve_loss(loss);
	if (resolved.sparse() && !context.loss.sparse()) {
		throw std::invalid_argument("metric '" + spec.display_name +
		                            "' needs class-index labels (a sparse_categorical_crossentropy loss)");
	}
	return std::make_unique<LossMean>(resolved, spec.name == "rmse", spec.name == "cosine_similarity");
}

} // namespace kafkaml::ml
