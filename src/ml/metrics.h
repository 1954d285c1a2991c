#pragma once

// Keras' stateful metrics over an epoch: results are totals over every
// sample seen since reset() (accuracy = correct / seen), and "loss" is the
// sample-weighted mean of the batch losses, as Keras' progress bar reports.
// "accuracy" resolves like Keras' compile(): binary when the output has one
// unit, sparse categorical when labels are class indices, categorical else.
//
// Thread-safety: none; one set per fit/evaluate call.

#include "ml/numerics.h"

#include <array>
#include <string>
#include <utility>
#include <vector>

namespace kafkaml::ml {

using MetricValues = std::vector<std::pair<std::string, double>>;

class MetricSet {
public:
	//! Throws std::invalid_argument for unknown metric names.
	MetricSet(const std::vector<std::string> &names, const Loss &loss, int64_t width);
	void reset();
	void update(const float *out, const float *labels, int64_t rows, double batch_loss);
	//! "loss" first, then each metric under the name the user gave.
	MetricValues results() const;

private:
	enum class Kind { BinaryAccuracy, SparseAccuracy, CategoricalAccuracy, Mae, Mse, Rmse, Precision, Recall, Auc };
	static constexpr int k_thresholds = 200;
	std::vector<std::pair<std::string, Kind>> metrics_;
	bool sparse_;
	int64_t width_;
	double loss_sum_ = 0, seen_ = 0, correct_ = 0, abs_err_ = 0, sq_err_ = 0, elements_ = 0;
	double tp_ = 0, fp_ = 0, fn_ = 0;
	std::array<double, k_thresholds> auc_tp_{}, auc_fp_{};
	double positives_ = 0, negatives_ = 0;
};

} // namespace kafkaml::ml
