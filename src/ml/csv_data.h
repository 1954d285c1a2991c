#pragma once

// Data files for `kafkaml model fit` and `kafkaml model predict` (training
// and prediction without Kafka, the paper's "normal" run), read by the same
// reader as `kafkaml send` (formats/table.h): CSV with a header row, or
// .npy in its own dtype; one sample per row (per first-axis slice).
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

//! A CSV file (header row) or a 2-D .npy file whose column `label_column`
//! (a name, or a number for .npy) is the label and every other column a
//! feature. Throws std::invalid_argument naming the line of a bad or
//! missing value, or the missing column.
LabeledData read_labeled_csv(const std::string &text, const std::string &label_column);

//! Features and labels in two files, as `kafkaml send --labels` takes them:
//! .npy (a first-axis slice per sample, any number of dimensions) or CSV.
//! Throws std::invalid_argument when their rows differ or a value is bad.
LabeledData read_labeled_arrays(const std::string &features_bytes, const std::string &labels_bytes);

//! The samples of a CSV or .npy file, every column a feature except
//! `skip_column` (e.g. a label column the file still has); shape [N, F]
//! or [N, row shape...] for an N-D .npy. Throws std::invalid_argument.
Array read_features(const std::string &bytes, const std::string &skip_column = {});

//! Standardises each feature column to mean 0, standard deviation 1 (over `data`).
void standardize(Array &features);

//! Shuffles the rows (features and labels together) with a seeded Rng.
void shuffle_rows(LabeledData &data, uint64_t seed);

//! Splits off the last int(rate * N) rows as validation data (the order the
//! stream split uses for its trailing share).
std::pair<LabeledData, LabeledData> split_tail(const LabeledData &data, double rate);

} // namespace kafkaml::ml
