#pragma once

// When a continual training cuts a model version: a pure rule over the
// monitored metric and the records learned, so it is tested without a
// model or a stream.
//
//   first     the run's first window: its model is a version
//   improved  the window's prequential monitoring_metric is better than
//             the last version's by `improvement`, relative to it, in the
//             direction of `change` (down: a loss of 0.5 must reach 0.475
//             or less at 0.05)
//   cadence   version_every_records records were learned since the last
//             version (when set), whatever the metric did
//
// And one the rule is not asked about: when a run ends (finished or
// stopped) with records learned since its last version, the model it ends
// with is one more version (`end`), so that a result's latest version is
// the model it ended with.
//
// The metric is the window's prequential score: the model's, on records it
// had not trained on yet. A cut for any reason is the new reference.
//
// Thread: any (pure).

#include "ml/model.h"

#include <cstdint>
#include <optional>
#include <string>

namespace kafkaml::workers {

struct VersionRule {
	std::string metric = "loss"; //!< monitoring_metric
	bool higher_is_better = false;
	double improvement = 0.05;
	std::optional<int64_t> every_records;
};

//! What the last version was cut at.
struct VersionMark {
	double metric = 0;
	int64_t records = 0;
};

enum class VersionCut { none, first, improved, cadence, end };

//! Whether the model after `records` records, its window scoring `metric`,
//! is a new version, given the `last` one (none yet: nullopt).
VersionCut version_cut(const VersionRule &rule, const std::optional<VersionMark> &last, double metric, int64_t records);

//! The monitored metric among a window's scores: `name` as the model
//! reports it, also when given as "prequential_<name>" or "val_<name>";
//! nullopt when the model reports no such metric.
std::optional<double> monitored_value(const ml::MetricValues &scores, const std::string &name);

//! "first", "improved", "cadence", "end" (logs and the result's detail).
const char *to_string(VersionCut cut);

} // namespace kafkaml::workers
