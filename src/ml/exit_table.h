#pragma once

// Early exits on validation data: for a range of confidence thresholds,
// which inputs each exit of a chain of stages would answer and how well.
// An input leaves at the first exit whose confidence reaches the
// threshold, measured by the rule the chain's stages use (top-class
// probability, margin or entropy: ml/spec/exit_confidence.h), so exit k's
// share at threshold t counts the inputs whose confidence at exit k
// reaches t and at no earlier exit did. Torch-free; Model::exit_report
// (model.h) feeds it a model's validation predictions.
//
// Thread-safety: plain functions.

#include "ml/spec/exit_confidence.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace kafkaml::ml {

//! 0.5, 0.6, ..., 0.9, 0.95, 0.99.
const std::vector<double> &default_exit_thresholds();

//! One exit's verdict on each validation input: its confidence by one rule
//! and whether its top class is the label. Empty when the exit is no
//! classifier (its rows are not class probabilities the labels name).
struct ExitDecisions {
	std::vector<float> confidence;
	std::vector<bool> correct;
};

//! From `rows` rows of `classes` probabilities (a softmax's; with one
//! class a sigmoid's p, whose classes are 1 when p >= 0.5) and each row's
//! true class, each row's confidence measured by `rule`. A tie picks the
//! lowest class.
ExitDecisions exit_decisions(const float *probabilities, int64_t rows, int64_t classes,
                             const std::vector<int64_t> &labels, ConfidenceRule rule = ConfidenceRule::TopProbability);

struct ExitThreshold {
	double threshold = 0.0;
	int64_t count = 0;              //!< inputs this exit answers at this threshold
	double share = 0.0;             //!< count / all inputs
	std::optional<double> accuracy; //!< of the answered; none when count is 0
};

//! For each exit in chain order, one row per threshold. Every exit with
//! decisions must have as many rows as the first; an exit without any
//! answers nothing.
std::vector<std::vector<ExitThreshold>> exit_thresholds(const std::vector<ExitDecisions> &exits,
                                                        const std::vector<double> &thresholds);

} // namespace kafkaml::ml
