#pragma once

// Numeric CSV files as training data for `kafkaml model fit` (training
// without Kafka, the paper's "normal" run): a header row, then one sample per
// row; the label column is taken out, every other column is a feature.
//
// Thread-safety: pure functions.

#include "ml/model.h"

#include <string>

namespace kafkaml::ml {

struct LabeledData {
	Array features; //!< [N, F]
	Array labels;   //!< [N]
	std::vector<std::string> feature_names;
};

//! Throws std::invalid_argument naming the line of a bad value or a missing column.
LabeledData read_labeled_csv(const std::string &text, const std::string &label_column);

//! Standardises each feature column to mean 0, standard deviation 1 (over `data`).
void standardize(Array &features);

//! Shuffles the rows (features and labels together) with a seeded Rng.
void shuffle_rows(LabeledData &data, uint64_t seed);

//! Splits off the last int(rate * N) rows as validation data (the order the
//! stream split uses for its trailing share).
std::pair<LabeledData, LabeledData> split_tail(const LabeledData &data, double rate);

} // namespace kafkaml::ml
