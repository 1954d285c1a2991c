// Metrics from confusion counts: at given thresholds (precision, recall,
// true/false positives/negatives, with top_k and class_id) and along a curve
// of thresholds (AUC and the *_at_* metrics). A label is positive when it is
// not zero and a prediction when it is strictly above the threshold, as in
// Keras' update_confusion_matrix_variables.

#include "ml/metric.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace kafkaml::ml {

namespace {

//! What Keras writes over the outputs that are not in the top k.
constexpr float k_neg_inf = -1e10f;
constexpr float k_epsilon = 1e-7f;

double ratio(double num, double den) {
	return den > 0 ? num / den : 0.0; // Keras' divide_no_nan
}

void check_class_id(const std::optional<int64_t> &class_id, const MetricSpec &spec, int64_t width) {
	if (class_id && (*class_id < 0 || *class_id >= width)) {
		throw std::invalid_argument(fmt::format("metric '{}': class_id {} is not one of the model's {} outputs",
		                                        spec.display_name, *class_id, width));
	}
}

//! The columns a metric reads: `class_id` alone, or all.
struct Columns {
	int64_t first = 0, end = 0;
	Columns(const std::optional<int64_t> &class_id, int64_t width)
	    : first(class_id.value_or(0)), end(class_id ? *class_id + 1 : width) {}
};

enum class CountKind { Precision, Recall, TruePositives, TrueNegatives, FalsePositives, FalseNegatives };

class ThresholdCounts final : public Metric {
public:
	ThresholdCounts(CountKind kind, std::vector<double> thresholds, std::optional<int64_t> top_k,
	                std::optional<int64_t> class_id)
	    : kind_(kind), thresholds_(std::move(thresholds)), top_k_(top_k), class_id_(class_id), tp_(thresholds_.size()),
	      fp_(thresholds_.size()), tn_(thresholds_.size()), fn_(thresholds_.size()) {}

	void reset() override {
		for (auto *counts : {&tp_, &fp_, &tn_, &fn_}) {
			std::fill(counts->begin(), counts->end(), 0.0);
		}
	}

	void update(const MetricBatch &b) override {
		const Columns columns(class_id_, b.width);
		for (int64_t r = 0; r < b.rows; r++) {
			const float *o = top_k_ ? keep_top_k(b.row(r), b.width) : b.row(r);
			for (int64_t i = columns.first; i < columns.end; i++) {
				const bool positive = b.target(r, i) != 0.0f;
				for (size_t k = 0; k < thresholds_.size(); k++) {
					const bool predicted = o[i] > static_cast<float>(thresholds_[k]);
					(positive ? (predicted ? tp_ : fn_) : (predicted ? fp_ : tn_))[k] += 1.0;
				}
			}
		}
	}

	void results(const std::string &name, MetricValues &into) const override {
		for (size_t k = 0; k < thresholds_.size(); k++) {
			double v = 0.0;
			switch (kind_) {
			case CountKind::Precision:
				v = ratio(tp_[k], tp_[k] + fp_[k]);
				break;
			case CountKind::Recall:
				v = ratio(tp_[k], tp_[k] + fn_[k]);
				break;
			case CountKind::TruePositives:
				v = tp_[k];
				break;
			case CountKind::TrueNegatives:
				v = tn_[k];
				break;
			case CountKind::FalsePositives:
				v = fp_[k];
				break;
			case CountKind::FalseNegatives:
				v = fn_[k];
				break;
			}
			into.emplace_back(thresholds_.size() == 1 ? name : fmt::format("{}@{}", name, thresholds_[k]), v);
		}
	}

private:
	//! The row with the outputs outside the top k (ties: the lower index
	//! first, as top_k) replaced by a value below every threshold.
	const float *keep_top_k(const float *o, int64_t width) {
		order_.resize(static_cast<size_t>(width));
		std::iota(order_.begin(), order_.end(), int64_t{0});
		const auto k = static_cast<size_t>(std::min(*top_k_, width));
		std::partial_sort(order_.begin(), order_.begin() + static_cast<std::ptrdiff_t>(k), order_.end(),
		                  [o](int64_t a, int64_t c) { return o[a] > o[c] || (o[a] == o[c] && a < c); });
		filtered_.assign(static_cast<size_t>(width), k_neg_inf);
		for (size_t j = 0; j < k; j++) {
			filtered_[static_cast<size_t>(order_[j])] = o[order_[j]];
		}
		return filtered_.data();
	}

	CountKind kind_;
	std::vector<double> thresholds_;
	std::optional<int64_t> top_k_, class_id_;
	std::vector<double> tp_, fp_, tn_, fn_;
	std::vector<int64_t> order_; //!< scratch for top_k
	std::vector<float> filtered_;
};

enum class CurveKind { Auc, PrecisionAtRecall, RecallAtPrecision, SensitivityAtSpecificity, SpecificityAtSensitivity };

//! Confusion counts along thresholds, kept as a histogram: a prediction
//! above thresholds 0..b lands in bucket b, and the counts at threshold k
//! are the sums of buckets k and above.
class Curve final : public Metric {
public:
	struct Options {
		CurveKind kind = CurveKind::Auc;
		std::vector<float> thresholds; //!< ascending
		bool evenly = false;           //!< Keras' bucket formula applies
		bool with_epsilon = false;     //!< AUC's -eps and 1+eps end points
		bool multi_label = false;
		bool from_logits = false;
		std::optional<int64_t> class_id;
		std::string curve = "ROC";
		std::string summation = "interpolation";
		double target = 0.0; //!< the constraint of the *_at_* metrics
	};

	Curve(Options options, int64_t width)
	    : o_(std::move(options)), labels_(o_.multi_label ? width : 1),
	      tp_(static_cast<size_t>(labels_) * o_.thresholds.size()), fp_(tp_.size()),
	      positives_(static_cast<size_t>(labels_)), negatives_(positives_.size()) {}

	void reset() override {
		for (auto *counts : {&tp_, &fp_, &positives_, &negatives_}) {
			std::fill(counts->begin(), counts->end(), 0.0);
		}
	}

	void update(const MetricBatch &b) override {
		const Columns columns(o_.class_id, b.width);
		const size_t n = o_.thresholds.size();
		for (int64_t r = 0; r < b.rows; r++) {
			for (int64_t i = columns.first; i < columns.end; i++) {
				float p = b.row(r)[i];
				if (o_.from_logits) {
					p = 1.0f / (1.0f + std::exp(-p));
				}
				const size_t label = o_.multi_label ? static_cast<size_t>(i) : 0;
				const bool positive = b.target(r, i) != 0.0f;
				(positive ? positives_ : negatives_)[label] += 1.0;
				int64_t bucket = bucket_of(p);
				if (bucket >= 0) {
					(positive ? tp_ : fp_)[label * n + static_cast<size_t>(bucket)] += 1.0;
				}
			}
		}
	}

	void results(const std::string &name, MetricValues &into) const override {
		double total = 0.0;
		for (int64_t label = 0; label < labels_; label++) {
			total += label_result(static_cast<size_t>(label));
		}
		into.emplace_back(name, total / static_cast<double>(labels_));
	}

private:
	//! The last threshold `p` is above, -1 for none.
	int64_t bucket_of(float p) const {
		const auto n = static_cast<int64_t>(o_.thresholds.size());
		if (o_.evenly) {
			// Keras' formula on the clipped prediction, in float like Keras.
			float clipped = std::clamp(p, 0.0f, 1.0f);
			auto bucket = static_cast<int64_t>(std::ceil(clipped * static_cast<float>(n - 1)) - 1.0f);
			return o_.with_epsilon ? std::max<int64_t>(bucket, 0) : bucket;
		}
		auto above = std::lower_bound(o_.thresholds.begin(), o_.thresholds.end(), p) - o_.thresholds.begin();
		return static_cast<int64_t>(above) - 1;
	}

	double label_result(size_t label) const {
		const size_t n = o_.thresholds.size();
		std::vector<double> tp(n), fp(n), tn(n), fn(n);
		double tp_run = 0.0, fp_run = 0.0;
		for (size_t k = n; k-- > 0;) {
			tp_run += tp_[label * n + k];
			fp_run += fp_[label * n + k];
			tp[k] = tp_run;
			fp[k] = fp_run;
			fn[k] = positives_[label] - tp_run;
			tn[k] = negatives_[label] - fp_run;
		}
		switch (o_.kind) {
		case CurveKind::Auc:
			return area(tp, fp, tn, fn);
		case CurveKind::PrecisionAtRecall:
			return best(tp, fn, tp, fp); // precision where recall >= target
		case CurveKind::RecallAtPrecision:
			return best(tp, fp, tp, fn);
		case CurveKind::SensitivityAtSpecificity:
			return best(tn, fp, tp, fn);
		case CurveKind::SpecificityAtSensitivity:
			return best(tp, fn, tn, fp);
		}
		return 0.0;
	}

	//! The largest a/(a+b) over the thresholds where c/(c+d) >= target, 0
	//! when none qualifies (Keras' _find_max_under_constraint).
	double best(const std::vector<double> &c, const std::vector<double> &d, const std::vector<double> &a,
	            const std::vector<double> &b) const {
		double found = 0.0;
		for (size_t k = 0; k < a.size(); k++) {
			if (ratio(c[k], c[k] + d[k]) >= o_.target) {
				found = std::max(found, ratio(a[k], a[k] + b[k]));
			}
		}
		return found;
	}

	double area(const std::vector<double> &tp, const std::vector<double> &fp, const std::vector<double> &tn,
	            const std::vector<double> &fn) const {
		const size_t n = tp.size();
		if (o_.curve == "PR" && o_.summation == "interpolation") {
			return interpolated_pr_area(tp, fp, fn);
		}
		double sum = 0.0;
		for (size_t k = 0; k + 1 < n; k++) {
			double recall0 = ratio(tp[k], tp[k] + fn[k]), recall1 = ratio(tp[k + 1], tp[k + 1] + fn[k + 1]);
			double x0 = 0.0, x1 = 0.0, y0 = 0.0, y1 = 0.0;
			if (o_.curve == "ROC") {
				x0 = ratio(fp[k], fp[k] + tn[k]);
				x1 = ratio(fp[k + 1], fp[k + 1] + tn[k + 1]);
				y0 = recall0;
				y1 = recall1;
			} else {
				x0 = recall0;
				x1 = recall1;
				y0 = ratio(tp[k], tp[k] + fp[k]);
				y1 = ratio(tp[k + 1], tp[k + 1] + fp[k + 1]);
			}
			double height = o_.summation == "minoring"   ? std::min(y0, y1)
			                : o_.summation == "majoring" ? std::max(y0, y1)
			                                             : (y0 + y1) / 2.0;
			sum += (x0 - x1) * height;
		}
		return sum;
	}

	//! Precision interpolated between thresholds as in Davis & Goadrich:
	//! with P = TP + FP linear in each interval, precision is
	//! (intercept + slope P) / P, whose integral over recall has a log term.
	static double interpolated_pr_area(const std::vector<double> &tp, const std::vector<double> &fp,
	                                   const std::vector<double> &fn) {
		double sum = 0.0;
		for (size_t k = 0; k + 1 < tp.size(); k++) {
			double dtp = tp[k] - tp[k + 1];
			double p0 = tp[k] + fp[k], p1 = tp[k + 1] + fp[k + 1];
			double slope = ratio(dtp, std::max(p0 - p1, 0.0));
			double intercept = tp[k + 1] - slope * p1;
			double p_ratio = p0 > 0 && p1 > 0 ? ratio(p0, std::max(p1, 0.0)) : 1.0;
			sum += ratio(slope * (dtp + intercept * std::log(p_ratio)), std::max(tp[k + 1] + fn[k + 1], 0.0));
		}
		return sum;
	}

	Options o_;
	int64_t labels_;
	std::vector<double> tp_, fp_; //!< histograms, label-major
	std::vector<double> positives_, negatives_;
};

//! Keras' evenly spaced thresholds: num - 2 inside (0, 1) and the two ends.
std::vector<float> even_thresholds(int64_t num, float low, float high) {
	std::vector<float> thresholds{low};
	for (int64_t i = 0; i < num - 2; i++) {
		thresholds.push_back(static_cast<float>(static_cast<double>(i + 1) / static_cast<double>(num - 1)));
	}
	thresholds.push_back(high);
	return thresholds;
}

} // namespace

std::unique_ptr<Metric> make_confusion_metric(const MetricSpec &spec, const MetricContext &context) {
	const std::string &name = spec.name;
	CountKind kind = name == "precision"         ? CountKind::Precision
	                 : name == "recall"          ? CountKind::Recall
	                 : name == "true_positives"  ? CountKind::TruePositives
	                 : name == "true_negatives"  ? CountKind::TrueNegatives
	                 : name == "false_positives" ? CountKind::FalsePositives
	                                             : CountKind::FalseNegatives;
	const bool ranked = kind == CountKind::Precision || kind == CountKind::Recall;
	std::optional<int64_t> top_k = ranked ? spec.top_k : std::nullopt;
	std::optional<int64_t> class_id = ranked ? spec.class_id : std::nullopt;
	check_class_id(class_id, spec, context.width);
	if (top_k && *top_k <= 0) {
		throw std::invalid_argument("metric '" + spec.display_name + "': top_k must be > 0");
	}
	std::vector<double> thresholds = spec.thresholds;
	if (thresholds.empty()) {
		// Keras: 0.5, or with top_k every output that made the top k.
		thresholds.push_back(top_k ? static_cast<double>(k_neg_inf) : 0.5);
	}
	return std::make_unique<ThresholdCounts>(kind, std::move(thresholds), top_k, class_id);
}

std::unique_ptr<Metric> make_curve_metric(const MetricSpec &spec, const MetricContext &context) {
	Curve::Options o;
	const std::string &name = spec.name;
	if (name == "auc") {
		o.kind = CurveKind::Auc;
		o.with_epsilon = true;
		o.multi_label = spec.multi_label;
		o.from_logits = spec.from_logits;
		o.curve = spec.curve;
		o.summation = spec.summation_method;
		if (spec.thresholds.empty()) {
			o.thresholds = even_thresholds(spec.num_thresholds, -k_epsilon, 1.0f + k_epsilon);
			o.evenly = true;
		} else {
			o.thresholds = {-k_epsilon};
			for (double t : spec.thresholds) {
				o.thresholds.push_back(static_cast<float>(t));
			}
			std::sort(o.thresholds.begin() + 1, o.thresholds.end());
			o.thresholds.push_back(1.0f + k_epsilon);
		}
	} else {
		o.kind = name == "precision_at_recall"          ? CurveKind::PrecisionAtRecall
		         : name == "recall_at_precision"        ? CurveKind::RecallAtPrecision
		         : name == "sensitivity_at_specificity" ? CurveKind::SensitivityAtSpecificity
		                                                : CurveKind::SpecificityAtSensitivity;
		o.class_id = spec.class_id;
		check_class_id(o.class_id, spec, context.width);
		o.target = spec.target;
		o.evenly = spec.num_thresholds > 1;
		o.thresholds = o.evenly ? even_thresholds(spec.num_thresholds, 0.0f, 1.0f) : std::vector<float>{0.5f};
	}
	if (o.thresholds.size() < 2 && name == "auc") {
		throw std::invalid_argument("metric '" + spec.display_name + "' needs num_thresholds > 1");
	}
	return std::make_unique<Curve>(std::move(o), context.width);
}

} // namespace kafkaml::ml
