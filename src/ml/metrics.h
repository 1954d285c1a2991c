#pragma once

// Keras' stateful metrics over an epoch: results are totals over every
// sample seen since reset() (accuracy = correct / seen), and "loss" is the
// sample-weighted mean of the batch losses, as Keras' progress bar reports.
// Each metric is computed with its arguments (thresholds, top_k, class_id,
// AUC curves, ...) and reported under its Keras name (MetricSpec's
// display_name); one with several values (a list of thresholds, F-scores
// per class) reports `name@threshold` or `name[class]` for each.
// "accuracy" resolves like Keras' compile(): binary when the output has one
// unit, sparse categorical when labels are class indices, categorical else.
// Class-index labels read as one-hot by metrics that need targets per output.
//
// Thread-safety: none; one set per fit/evaluate call.

#include "ml/losses.h"
#include "ml/metric.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace kafkaml::ml {

class MetricSet {
public:
	//! Throws std::invalid_argument for unknown metrics and for arguments that
	//! do not fit the model (a class_id beyond its outputs, a sparse metric
	//! on one-hot labels).
	MetricSet(const std::vector<MetricSpec> &metrics, const Loss &loss, int64_t width);
	void reset();
	void update(const float *out, const float *labels, int64_t rows, double batch_loss);
	//! "loss" first, then each metric under its display name.
	MetricValues results() const;

private:
	struct Entry {
		std::string name;
		std::unique_ptr<Metric> metric;
	};
	std::vector<Entry> metrics_;
	bool sparse_;
	int64_t width_;
	double loss_sum_ = 0, seen_ = 0;
};

//! The compile()'s metrics with their arguments: CompileSpec::metric_specs,
//! or for a spec that carries names only (model files, specs built in code)
//! each name at Keras' defaults, reported under that name.
std::vector<MetricSpec> compiled_metrics(const CompileSpec &compile);

} // namespace kafkaml::ml
