#pragma once

// One Keras metric's state over an epoch, behind MetricSet (metrics.h).
// Each family lives in its own file: accuracies and loss means
// (mean_metrics.cpp), confusion counts and curves (confusion_metrics.cpp),
// IoU, F-scores and R^2 (score_metrics.cpp). Values follow Keras 3's
// update_state/result formulas (README.md).
//
// Thread-safety: none; a metric belongs to one MetricSet.

#include "ml/losses.h"
#include "ml/spec/model_spec.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace kafkaml::ml {

using MetricValues = std::vector<std::pair<std::string, double>>;

//! A batch as the metrics read it: `rows` rows of `width` predictions and
//! their labels, one class index per row when `sparse` (the loss' labels),
//! else `width` targets per row.
struct MetricBatch {
	const float *out = nullptr;
	const float *labels = nullptr;
	int64_t rows = 0;
	int64_t width = 0;
	bool sparse = false;

	const float *row(int64_t r) const { return out + r * width; }
	//! The dense target of output (r, i): one-hot for class-index labels.
	float target(int64_t r, int64_t i) const {
		return sparse ? (static_cast<int64_t>(labels[r]) == i ? 1.0f : 0.0f) : labels[r * width + i];
	}
};

class Metric {
public:
	virtual ~Metric() = default;
	virtual void reset() = 0;
	virtual void update(const MetricBatch &batch) = 0;
	//! Appends the result under `name`; metrics with several values (one per
	//! threshold, per class) append `name@threshold` or `name[class]`.
	virtual void results(const std::string &name, MetricValues &into) const = 0;
};

//! What a metric needs to know of the model it measures.
struct MetricContext {
	Loss loss;         //!< the compiled loss (sparse labels, accuracy resolution)
	int64_t width = 0; //!< outputs per row
};

// Factories of the metric families; each throws std::invalid_argument for
// arguments it cannot honour with these labels (e.g. a sparse metric on
// one-hot labels).
std::unique_ptr<Metric> make_accuracy_metric(const MetricSpec &spec, const MetricContext &context);
std::unique_ptr<Metric> make_loss_mean_metric(const MetricSpec &spec, const MetricContext &context);
std::unique_ptr<Metric> make_confusion_metric(const MetricSpec &spec, const MetricContext &context);
std::unique_ptr<Metric> make_curve_metric(const MetricSpec &spec, const MetricContext &context);
std::unique_ptr<Metric> make_score_metric(const MetricSpec &spec, const MetricContext &context);

} // namespace kafkaml::ml
