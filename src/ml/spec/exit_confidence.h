#pragma once

// How sure an early exit is of its answer, by the rule the inference's
// stage was given. Every rule maps an output row to [0, 1], so one
// threshold scale serves them all:
//
//   top_probability  the largest class probability (the default)
//   margin           the largest minus the second largest: how clearly the
//                    winner wins, low when two classes are close
//   entropy          1 - H(p) / ln(classes): 1 when all probability is on
//                    one class, 0 when it is spread evenly
//
// A row of one unit is a sigmoid's p, read as the two classes {1-p, p}.
// A row holding NaN counts as not sure at all (0).
//
// Thread-safety: plain functions.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace kafkaml::ml {

enum class ConfidenceRule { TopProbability, Margin, Entropy };

//! "top_probability", "margin" or "entropy"; none for anything else.
std::optional<ConfidenceRule> parse_confidence_rule(std::string_view name);
const char *to_string(ConfidenceRule rule);
//! The names parse_confidence_rule takes, for messages: "top_probability, margin, entropy".
const char *confidence_rule_names();

//! The confidence of one exit's output row of `width` values (width >= 1).
float exit_confidence(const float *row, size_t width, ConfidenceRule rule = ConfidenceRule::TopProbability);

} // namespace kafkaml::ml
