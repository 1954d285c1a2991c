#include "workers/version_rule.h"

#include <cmath>
#include <string_view>

namespace kafkaml::workers {

VersionCut version_cut(const VersionRule &rule, const std::optional<VersionMark> &last, double metric,
                       int64_t records) {
	if (!last) {
		return VersionCut::first;
	}
	double gain = rule.higher_is_better ? metric - last->metric : last->metric - metric;
	// NaN compares false: a metric that is not a number improves nothing.
	if (gain > 0 && gain >= rule.improvement * std::fabs(last->metric)) {
		return VersionCut::improved;
	}
	if (rule.every_records && records - last->records >= *rule.every_records) {
		return VersionCut::cadence;
	}
	return VersionCut::none;
}

std::optional<double> monitored_value(const ml::MetricValues &scores, const std::string &name) {
	std::string_view wanted = name;
	for (std::string_view prefix : {"prequential_", "val_"}) {
		if (wanted.starts_with(prefix) && wanted.size() > prefix.size()) {
			wanted.remove_prefix(prefix.size());
			break;
		}
	}
	for (const auto &[key, value] : scores) {
		if (key == wanted) {
			return value;
		}
	}
	return std::nullopt;
}

const char *to_string(VersionCut cut) {
	switch (cut) {
	case VersionCut::first:
		return "first";
	case VersionCut::improved:
		return "improved";
	case VersionCut::cadence:
		return "cadence";
	case VersionCut::end:
		return "end";
	case VersionCut::none:
		break;
	}
	return "none";
}

} // namespace kafkaml::workers
