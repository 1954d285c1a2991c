#include "ml/compile_fields_json.h"

#include "ml/json_fields.h"

#include <concepts>
#include <type_traits>

namespace kafkaml::ml {

namespace {

using json_fields::read;
using json_fields::write;

template <class T, class Spec>
concept SpecOf = std::same_as<std::remove_const_t<T>, Spec>;

//! Visits every field as (key, member) so writing and reading list them once.
template <SpecOf<LossSpec> Loss, class Visit>
void visit_fields(Loss &l, Visit &&visit) {
	visit("name", l.name);
	visit("from_logits", l.from_logits);
	visit("delta", l.delta);
	visit("label_smoothing", l.label_smoothing);
	visit("axis", l.axis);
	visit("gamma", l.gamma);
	visit("alpha", l.alpha);
	visit("apply_class_balancing", l.apply_class_balancing);
	visit("ignore_class", l.ignore_class);
	visit("reduction", l.reduction);
}

template <SpecOf<MetricSpec> Metric, class Visit>
void visit_fields(Metric &m, Visit &&visit) {
	visit("name", m.name);
	visit("display_name", m.display_name);
	visit("threshold", m.threshold);
	visit("thresholds", m.thresholds);
	visit("top_k", m.top_k);
	visit("class_id", m.class_id);
	visit("k", m.k);
	visit("num_thresholds", m.num_thresholds);
	visit("curve", m.curve);
	visit("summation_method", m.summation_method);
	visit("multi_label", m.multi_label);
	visit("num_labels", m.num_labels);
	visit("from_logits", m.from_logits);
	visit("label_smoothing", m.label_smoothing);
	visit("axis", m.axis);
	visit("target", m.target);
	visit("num_classes", m.num_classes);
	visit("beta", m.beta);
	visit("average", m.average);
}

template <class Spec>
nlohmann::json fields_to_json(const Spec &spec) {
	nlohmann::json j = nlohmann::json::object();
	visit_fields(spec, [&](const char *key, const auto &value) { write(j, key, value); });
	return j;
}

//! `name` is the one field every version wrote.
template <class Spec>
Spec fields_from_json(const nlohmann::json &j) {
	Spec spec;
	j.at("name").get_to(spec.name);
	visit_fields(spec, [&](const char *key, auto &value) { read(j, key, value); });
	return spec;
}

} // namespace

nlohmann::json loss_to_json(const LossSpec &loss) {
	return fields_to_json(loss);
}

LossSpec loss_from_json(const nlohmann::json &j) {
	return fields_from_json<LossSpec>(j);
}

nlohmann::json metric_to_json(const MetricSpec &metric) {
	return fields_to_json(metric);
}

MetricSpec metric_from_json(const nlohmann::json &j) {
	return fields_from_json<MetricSpec>(j);
}

} // namespace kafkaml::ml
