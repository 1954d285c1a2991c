#pragma once

// The metrics the engine computes, by MetricSpec name, with Keras' other
// spellings for specs that carry names only. Shared by MetricSet (which
// builds them) and engine_support (which refuses the others) without a
// link dependency between the two.
//
// Thread-safety: constant data.

#include <algorithm>
#include <iterator>
#include <string_view>
#include <utility>

namespace kafkaml::ml {

enum class MetricFamily { Accuracy, LossMean, Confusion, Curve, Score };

struct MetricName {
	std::string_view name;
	MetricFamily family;
};

inline constexpr MetricName k_metric_names[] = {
    {"accuracy", MetricFamily::Accuracy},
    {"binary_accuracy", MetricFamily::Accuracy},
    {"categorical_accuracy", MetricFamily::Accuracy},
    {"sparse_categorical_accuracy", MetricFamily::Accuracy},
    {"top_k_categorical_accuracy", MetricFamily::Accuracy},
    {"sparse_top_k_categorical_accuracy", MetricFamily::Accuracy},
    {"mae", MetricFamily::LossMean},
    {"mse", MetricFamily::LossMean},
    {"rmse", MetricFamily::LossMean},
    {"mape", MetricFamily::LossMean},
    {"msle", MetricFamily::LossMean},
    {"cosine_similarity", MetricFamily::LossMean},
    {"logcosh", MetricFamily::LossMean},
    {"kld", MetricFamily::LossMean},
    {"poisson", MetricFamily::LossMean},
    {"hinge", MetricFamily::LossMean},
    {"squared_hinge", MetricFamily::LossMean},
    {"categorical_hinge", MetricFamily::LossMean},
    {"binary_crossentropy", MetricFamily::LossMean},
    {"categorical_crossentropy", MetricFamily::LossMean},
    {"sparse_categorical_crossentropy", MetricFamily::LossMean},
    {"precision", MetricFamily::Confusion},
    {"recall", MetricFamily::Confusion},
    {"true_positives", MetricFamily::Confusion},
    {"true_negatives", MetricFamily::Confusion},
    {"false_positives", MetricFamily::Confusion},
    {"false_negatives", MetricFamily::Confusion},
    {"auc", MetricFamily::Curve},
    {"precision_at_recall", MetricFamily::Curve},
    {"recall_at_precision", MetricFamily::Curve},
    {"sensitivity_at_specificity", MetricFamily::Curve},
    {"specificity_at_sensitivity", MetricFamily::Curve},
    {"mean_iou", MetricFamily::Score},
    {"f1_score", MetricFamily::Score},
    {"fbeta_score", MetricFamily::Score},
    {"r2_score", MetricFamily::Score},
};

inline constexpr std::pair<std::string_view, std::string_view> k_metric_aliases[] = {
    {"acc", "accuracy"},
    {"mean_absolute_error", "mae"},
    {"mean_squared_error", "mse"},
    {"root_mean_squared_error", "rmse"},
    {"mean_absolute_percentage_error", "mape"},
    {"mean_squared_logarithmic_error", "msle"},
    {"log_cosh", "logcosh"},
    {"kl_divergence", "kld"},
    {"kullback_leibler_divergence", "kld"},
    {"cosine_proximity", "cosine_similarity"},
};

//! The entry of a metric by its name or one of its aliases; null when the
//! engine does not compute it.
inline const MetricName *find_metric(std::string_view name) {
	for (const auto &[alias, canonical] : k_metric_aliases) {
		if (name == alias) {
			name = canonical;
		}
	}
	const auto *found = std::find_if(std::begin(k_metric_names), std::end(k_metric_names),
	                                 [&](const MetricName &m) { return m.name == name; });
	return found == std::end(k_metric_names) ? nullptr : found;
}

} // namespace kafkaml::ml
