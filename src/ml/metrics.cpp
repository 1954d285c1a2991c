#include "ml/metrics.h"

#include "ml/metric_names.h"

#include <stdexcept>

namespace kafkaml::ml {

namespace {

std::unique_ptr<Metric> make_metric(const MetricSpec &spec, const MetricContext &context) {
	const MetricName *known = find_metric(spec.name);
	if (!known || known->name != spec.name) {
		throw std::invalid_argument("unsupported metric '" + spec.name + "'");
	}
	switch (known->family) {
	case MetricFamily::Accuracy:
		return make_accuracy_metric(spec, context);
	case MetricFamily::LossMean:
		return make_loss_mean_metric(spec, context);
	case MetricFamily::Confusion:
		return make_confusion_metric(spec, context);
	case MetricFamily::Curve:
		return make_curve_metric(spec, context);
	case MetricFamily::Score:
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
		const MetricName *known = find_metric(name);
		spec.name = known ? std::string(known->name) : name; // unknown: MetricSet names it
		spec.display_name = name;
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
