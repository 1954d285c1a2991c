#include "ml/metrics.h"

#include <algorithm>
#include <stdexcept>

namespace kafkaml::ml {

namespace {

enum class Family { Accuracy, LossMean, Confusion, Curve, Score };

struct Known {
	const char *name;
	Family family;
};

constexpr Known k_metrics[] = {
    {"accuracy", Family::Accuracy},
    {"binary_accuracy", Family::Accuracy},
    {"categorical_accuracy", Family::Accuracy},
    {"sparse_categorical_accuracy", Family::Accuracy},
    {"top_k_categorical_accuracy", Family::Accuracy},
    {"sparse_top_k_categorical_accuracy", Family::Accuracy},
    {"mae", Family::LossMean},
    {"mse", Family::LossMean},
    {"rmse", Family::LossMean},
    {"mape", Family::LossMean},
    {"msle", Family::LossMean},
    {"cosine_similarity", Family::LossMean},
    {"logcosh", Family::LossMean},
    {"kld", Family::LossMean},
    {"poisson", Family::LossMean},
    {"hinge", Family::LossMean},
    {"squared_hinge", Family::LossMean},
    {"categorical_hinge", Family::LossMean},
    {"binary_crossentropy", Family::LossMean},
    {"categorical_crossentropy", Family::LossMean},
    {"sparse_categorical_crossentropy", Family::LossMean},
    {"precision", Family::Confusion},
    {"recall", Family::Confusion},
    {"true_positives", Family::Confusion},
    {"true_negatives", Family::Confusion},
    {"false_positives", Family::Confusion},
    {"false_negatives", Family::Confusion},
    {"auc", Family::Curve},
    {"precision_at_recall", Family::Curve},
    {"recall_at_precision", Family::Curve},
    {"sensitivity_at_specificity", Family::Curve},
    {"specificity_at_sensitivity", Family::Curve},
    {"mean_iou", Family::Score},
    {"f1_score", Family::Score},
    {"fbeta_score", Family::Score},
    {"r2_score", Family::Score},
};

//! Keras' other spellings of the metrics above, for specs that carry names only.
constexpr std::pair<const char *, const char *> k_aliases[] = {
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

std::unique_ptr<Metric> make_metric(const MetricSpec &spec, const MetricContext &context) {
	const auto *known =
	    std::find_if(std::begin(k_metrics), std::end(k_metrics), [&](const Known &k) { return spec.name == k.name; });
	if (known == std::end(k_metrics)) {
		throw std::invalid_argument("unsupported metric '" + spec.name + "'");
	}
	switch (known->family) {
	case Family::Accuracy:
		return make_accuracy_metric(spec, context);
	case Family::LossMean:
		return make_loss_mean_metric(spec, context);
	case Family::Confusion:
		return make_confusion_metric(spec, context);
	case Family::Curve:
		return make_curve_metric(spec, context);
	case Family::Score:
		return make_score_metric(spec, context);
	}
	return nullptr;
}

} // namespace

std::vector<MetricSpec> compiled_metrics(const CompileSpec &compile) {
	if (!compile.metric_specs.empty()) {
		return compile.metric_specs;
	}
	std::vector<MetricSpec> metrics;
	for (const auto &name : compile.metrics) {
		MetricSpec spec;
		spec.name = name;
		spec.display_name = name;
		for (const auto &[alias, canonical] : k_aliases) {
			if (name == alias) {
				spec.name = canonical;
			}
		}
		metrics.push_back(std::move(spec));
	}
	return metrics;
}

MetricSet::MetricSet(const std::vector<MetricSpec> &metrics, const Loss &loss, int64_t width)
    : sparse_(loss.sparse()), width_(width) {
	const MetricContext context{loss, width};
	for (const auto &spec : metrics) {
		metrics_.push_back({spec.display_name.empty() ? spec.name : spec.display_name, make_metric(spec, context)});
	}
}

void MetricSet::reset() {
	loss_sum_ = seen_ = 0;
	for (auto &entry : metrics_) {
		entry.metric->reset();
	}
}

void MetricSet::update(const float *out, const float *labels, int64_t rows, double batch_loss) {
	loss_sum_ += batch_loss * static_cast<double>(rows);
	seen_ += static_cast<double>(rows);
	const MetricBatch batch{out, labels, rows, width_, sparse_};
	for (auto &entry : metrics_) {
		entry.metric->update(batch);
	}
}

MetricValues MetricSet::results() const {
	MetricValues values;
	values.emplace_back("loss", seen_ > 0 ? loss_sum_ / seen_ : 0.0);
	for (const auto &entry : metrics_) {
		entry.metric->results(entry.name, values);
	}
	return values;
}

} // namespace kafkaml::ml
