// Metrics against values worked out by hand from Keras' definitions, on
// fixed predictions: thresholds, top_k, class_id, the AUC curves and
// summations, the *_at_* constraints, IoU, F-scores and R^2.

#include "ml/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

using namespace kafkaml::ml;

namespace {

MetricSpec metric(std::string name, std::string display = "") {
	MetricSpec m;
	m.display_name = display.empty() ? name : display;
	m.name = std::move(name);
	return m;
}

LossSpec loss_named(std::string name) {
	LossSpec l;
	l.name = std::move(name);
	return l;
}

//! One epoch of one batch: `out` rows of `width`, labels as the loss reads them.
MetricValues measure(const std::vector<MetricSpec> &metrics, const std::string &loss, int64_t width,
                     const std::vector<float> &out, const std::vector<float> &labels) {
	MetricSet set(metrics, resolve_loss(loss_named(loss)), width);
	set.update(out.data(), labels.data(), static_cast<int64_t>(out.size()) / width, 0.0);
	return set.results();
}

double value(const MetricValues &values, const std::string &name) {
	for (const auto &[key, v] : values) {
		if (key == name) {
			return v;
		}
	}
	ADD_FAILURE() << "no metric " << name;
	return NAN;
}

double one(const MetricSpec &m, const std::string &loss, int64_t width, const std::vector<float> &out,
           const std::vector<float> &labels) {
	return value(measure({m}, loss, width, out, labels), m.display_name);
}

// Three rows of three classes: argmax [1, 0, 2], labels [1, 2, 2].
const std::vector<float> k_scores = {0.1f, 0.6f, 0.3f, 0.5f, 0.2f, 0.3f, 0.2f, 0.3f, 0.5f};
const std::vector<float> k_one_hot = {0, 1, 0, 0, 0, 1, 0, 0, 1};
const std::vector<float> k_classes = {1, 2, 2};

// One output: scores of two negatives (0.1, 0.4) and two positives (0.35, 0.8).
const std::vector<float> k_curve_out = {0.1f, 0.4f, 0.35f, 0.8f};
const std::vector<float> k_curve_labels = {0, 0, 1, 1};

double curve(MetricSpec m) {
	return one(m, "binary_crossentropy", 1, k_curve_out, k_curve_labels);
}

} // namespace

TEST(Metrics, Accuracies) {
	const std::vector<float> out = {0.9f, 0.6f, 0.8f, 0.2f}, labels = {1, 1, 0, 0};
	EXPECT_DOUBLE_EQ(one(metric("binary_accuracy"), "binary_crossentropy", 1, out, labels), 0.75);
	auto strict = metric("binary_accuracy", "acc_at_70");
	strict.threshold = 0.7;
	EXPECT_DOUBLE_EQ(one(strict, "binary_crossentropy", 1, out, labels), 0.5);
	// "accuracy" as Keras resolves it: binary for one unit, sparse for class
	// indices, categorical else.
	EXPECT_DOUBLE_EQ(one(metric("accuracy"), "binary_crossentropy", 1, out, labels), 0.75);
	EXPECT_DOUBLE_EQ(one(metric("accuracy"), "categorical_crossentropy", 3, k_scores, k_one_hot), 2.0 / 3);
	EXPECT_DOUBLE_EQ(one(metric("accuracy"), "sparse_categorical_crossentropy", 3, k_scores, k_classes), 2.0 / 3);
	EXPECT_DOUBLE_EQ(one(metric("categorical_accuracy"), "categorical_crossentropy", 3, k_scores, k_one_hot), 2.0 / 3);
	EXPECT_DOUBLE_EQ(
	    one(metric("sparse_categorical_accuracy"), "sparse_categorical_crossentropy", 3, k_scores, k_classes), 2.0 / 3);
	auto top = metric("top_k_categorical_accuracy");
	top.k = 2;
	EXPECT_DOUBLE_EQ(one(top, "categorical_crossentropy", 3, k_scores, k_one_hot), 1.0);
	top.k = 1;
	EXPECT_DOUBLE_EQ(one(top, "categorical_crossentropy", 3, k_scores, k_one_hot), 2.0 / 3);
	// Ties at the k-th place are in the top k (TensorFlow's in_top_k).
	top.k = 2;
	EXPECT_DOUBLE_EQ(one(top, "categorical_crossentropy", 3, {0.4f, 0.3f, 0.3f}, {0, 0, 1}), 1.0);
	top.k = 1;
	EXPECT_DOUBLE_EQ(one(top, "categorical_crossentropy", 3, {0.4f, 0.3f, 0.3f}, {0, 0, 1}), 0.0);
	auto sparse_top = metric("sparse_top_k_categorical_accuracy");
	sparse_top.k = 2;
	EXPECT_DOUBLE_EQ(one(sparse_top, "sparse_categorical_crossentropy", 3, k_scores, {0, 1, 1}), 1.0 / 3);
}

TEST(Metrics, LossFunctionsAveragedOverTheEpoch) {
	const std::vector<float> out = {1, 2, 3, 5}, labels = {1.5f, 2, 2, 3};
	auto values = measure({metric("mae"), metric("mse", "mean_squared_error"), metric("rmse")}, "mse", 2, out, labels);
	EXPECT_DOUBLE_EQ(value(values, "mae"), 0.875);
	EXPECT_DOUBLE_EQ(value(values, "mean_squared_error"), 1.3125);
	EXPECT_DOUBLE_EQ(value(values, "rmse"), std::sqrt(1.3125));
	// The similarity itself, not the loss' negation.
	EXPECT_NEAR(one(metric("cosine_similarity"), "mse", 2, {1, 0, 1, 1}, {0, 1, 1, 1}), 0.5, 1e-7);
	auto smoothed = metric("binary_crossentropy");
	smoothed.label_smoothing = 0.2;
	EXPECT_NEAR(one(smoothed, "mse", 1, {0.7f}, {1}), -(0.9 * std::log(0.7) + 0.1 * std::log(0.3)), 1e-6);
	auto logits = metric("categorical_crossentropy");
	logits.from_logits = true;
	EXPECT_NEAR(one(logits, "categorical_crossentropy", 2, {0.0f, 0.0f}, {1, 0}), std::log(2.0), 1e-6);
	// Class-index labels: one-hot for a metric that reads targets per output.
	EXPECT_NEAR(one(metric("sparse_categorical_crossentropy"), "sparse_categorical_crossentropy", 2, {0.2f, 0.8f}, {1}),
	            -std::log(0.8), 1e-6);
	EXPECT_NEAR(one(metric("mse"), "sparse_categorical_crossentropy", 2, {0.2f, 0.8f}, {1}), 0.04, 1e-7);

	// Over an epoch: the mean over rows of every batch; reset() starts over.
	MetricSet set({metric("mae")}, resolve_loss(loss_named("mse")), 1);
	std::vector<float> o = {1, 1, 4}, t = {0, 0, 0};
	set.update(o.data(), t.data(), 2, 0.5);
	set.update(o.data() + 2, t.data() + 2, 1, 2.0);
	EXPECT_DOUBLE_EQ(value(set.results(), "mae"), 2.0);
	EXPECT_DOUBLE_EQ(value(set.results(), "loss"), 1.0);
	set.reset();
	set.update(o.data(), t.data(), 1, 0.0);
	EXPECT_DOUBLE_EQ(value(set.results(), "mae"), 1.0);
}

TEST(Metrics, EveryLossFunctionAsAMetric) {
	// One row: outputs (2, 0.5) against labels (1, 1).
	const std::vector<float> out = {2.0f, 0.5f}, ones = {1, 1};
	auto values = measure({metric("mape"), metric("msle"), metric("logcosh"), metric("poisson"), metric("hinge"),
	                       metric("squared_hinge")},
	                      "mse", 2, out, ones);
	EXPECT_NEAR(value(values, "mape"), 100 * (1.0 + 0.5) / 2, 1e-5);
	EXPECT_NEAR(value(values, "msle"), (std::pow(std::log(3.0 / 2), 2) + std::pow(std::log(1.5 / 2), 2)) / 2, 1e-7);
	EXPECT_NEAR(value(values, "logcosh"), (std::log(std::cosh(1.0)) + std::log(std::cosh(0.5))) / 2, 1e-7);
	EXPECT_NEAR(value(values, "poisson"), (2 - std::log(2.0) + 0.5 - std::log(0.5)) / 2, 1e-6);
	EXPECT_NEAR(value(values, "hinge"), (0 + 0.5) / 2, 1e-7);
	EXPECT_NEAR(value(values, "squared_hinge"), (0 + 0.25) / 2, 1e-7);
	EXPECT_NEAR(one(metric("categorical_hinge"), "mse", 2, out, {0, 1}), 2 - 0.5 + 1, 1e-7);
	EXPECT_NEAR(one(metric("kld"), "mse", 2, {0.5f, 0.5f}, {0.25f, 0.75f}), 0.25 * std::log(0.5) + 0.75 * std::log(1.5),
	            1e-6);
}

TEST(Metrics, PrecisionRecallAndCountsAtThresholds) {
	const std::vector<float> out = {0.9f, 0.6f, 0.4f, 0.2f, 0.7f}, labels = {1, 0, 1, 0, 1};
	auto precision = metric("precision"), recall = metric("recall");
	auto values = measure({precision, recall, metric("true_positives"), metric("true_negatives"),
	                       metric("false_positives"), metric("false_negatives")},
	                      "binary_crossentropy", 1, out, labels);
	EXPECT_DOUBLE_EQ(value(values, "precision"), 2.0 / 3);
	EXPECT_DOUBLE_EQ(value(values, "recall"), 2.0 / 3);
	EXPECT_EQ(value(values, "true_positives"), 2);
	EXPECT_EQ(value(values, "true_negatives"), 1);
	EXPECT_EQ(value(values, "false_positives"), 1);
	EXPECT_EQ(value(values, "false_negatives"), 1);
	// Several thresholds: one value each, named after it.
	precision.thresholds = recall.thresholds = {0.3, 0.65};
	auto positives = metric("true_positives");
	positives.thresholds = {0.3, 0.65};
	values = measure({precision, recall, positives}, "binary_crossentropy", 1, out, labels);
	EXPECT_DOUBLE_EQ(value(values, "precision@0.3"), 0.75);
	EXPECT_DOUBLE_EQ(value(values, "precision@0.65"), 1.0);
	EXPECT_DOUBLE_EQ(value(values, "recall@0.3"), 1.0);
	EXPECT_DOUBLE_EQ(value(values, "recall@0.65"), 2.0 / 3);
	EXPECT_EQ(value(values, "true_positives@0.3"), 3);
	EXPECT_EQ(value(values, "true_positives@0.65"), 2);
	// A label counts as positive when it is not zero.
	EXPECT_EQ(one(metric("true_positives"), "mse", 1, {0.9f}, {0.2f}), 1);
}

TEST(Metrics, PrecisionRecallWithTopKAndClassId) {
	// Labels: row 0 class 1, row 1 class 2, row 2 classes 0 and 2.
	const std::vector<float> labels = {0, 1, 0, 0, 0, 1, 1, 0, 1};
	auto precision = metric("precision"), recall = metric("recall");
	precision.top_k = recall.top_k = 1; // the top output of each row is the prediction
	auto values = measure({precision, recall}, "binary_crossentropy", 3, k_scores, labels);
	EXPECT_DOUBLE_EQ(value(values, "precision"), 2.0 / 3);
	EXPECT_DOUBLE_EQ(value(values, "recall"), 0.5);
	// top_k with a threshold: in the top 2 and above 0.4.
	precision.top_k = 2;
	precision.thresholds = {0.4};
	EXPECT_DOUBLE_EQ(one(precision, "binary_crossentropy", 3, k_scores, labels), 2.0 / 3);
	// class_id: that output's column only.
	auto column = metric("precision");
	column.class_id = 2;
	column.thresholds = {0.25};
	EXPECT_DOUBLE_EQ(one(column, "binary_crossentropy", 3, k_scores, labels), 2.0 / 3);
	auto column_recall = metric("recall");
	column_recall.class_id = 2;
	column_recall.thresholds = {0.4};
	EXPECT_DOUBLE_EQ(one(column_recall, "binary_crossentropy", 3, k_scores, labels), 0.5);
	// top_k first, then the column: class 2 is the top output of row 2 only.
	column.top_k = 1;
	column.thresholds.clear();
	column_recall.top_k = 1;
	values = measure({column, column_recall}, "binary_crossentropy", 3, k_scores, labels);
	EXPECT_DOUBLE_EQ(value(values, "precision"), 1.0);
	EXPECT_DOUBLE_EQ(value(values, "recall"), 0.5);
	// Ties for the top place go to the lower index.
	auto tied = metric("precision");
	tied.top_k = 1;
	EXPECT_DOUBLE_EQ(one(tied, "binary_crossentropy", 3, {0.4f, 0.4f, 0.2f}, {0, 1, 0}), 0.0);
	EXPECT_DOUBLE_EQ(one(tied, "binary_crossentropy", 3, {0.4f, 0.4f, 0.2f}, {1, 0, 0}), 1.0);
}

TEST(Metrics, AucCurvesAndSummations) {
	// ROC through (1,1), (0.5,1), (0.5,0.5), (0,0.5), (0,0): 3 of 4 pairs ordered.
	auto auc = metric("auc");
	EXPECT_DOUBLE_EQ(curve(auc), 0.75);
	auc.summation_method = "minoring";
	EXPECT_DOUBLE_EQ(curve(auc), 0.75);
	// A positive and a negative with the same score: one diagonal step.
	auto tie = metric("auc");
	EXPECT_DOUBLE_EQ(one(tie, "binary_crossentropy", 1, {0.5f, 0.5f}, {1, 0}), 0.5);
	tie.summation_method = "minoring";
	EXPECT_DOUBLE_EQ(one(tie, "binary_crossentropy", 1, {0.5f, 0.5f}, {1, 0}), 0.0);
	tie.summation_method = "majoring";
	EXPECT_DOUBLE_EQ(one(tie, "binary_crossentropy", 1, {0.5f, 0.5f}, {1, 0}), 1.0);
	// PR: (recall, precision) through (1, 1/2), (1, 2/3), (1/2, 1/2), (1/2, 1), (0, 0).
	auto pr = metric("auc");
	pr.curve = "PR";
	// Interpolated (Davis & Goadrich): (1 - log 1.5) / 2 where precision falls
	// from 2/3 to 1/2, and 1/2 for the last positive.
	EXPECT_NEAR(curve(pr), 0.5 + (1 - std::log(1.5)) / 2, 1e-12);
	pr.summation_method = "minoring";
	EXPECT_NEAR(curve(pr), 0.25, 1e-12);
	pr.summation_method = "majoring";
	EXPECT_NEAR(curve(pr), 1.0 / 3 + 0.5, 1e-12);
	// Given thresholds (with -eps and 1+eps around them).
	auto given = metric("auc");
	given.thresholds = {0.6, 0.3};
	EXPECT_DOUBLE_EQ(curve(given), 0.875);
	// Two thresholds: only the end points, the diagonal.
	auto coarse = metric("auc");
	coarse.num_thresholds = 2;
	EXPECT_DOUBLE_EQ(curve(coarse), 0.5);
	// Logits: the sigmoid first.
	auto logits = metric("auc");
	logits.from_logits = true;
	std::vector<float> z;
	for (float p : k_curve_out) {
		z.push_back(std::log(p / (1 - p)));
	}
	EXPECT_DOUBLE_EQ(one(logits, "binary_crossentropy", 1, z, k_curve_labels), 0.75);
	// multi_label: one AUC per output, averaged (the second output separates
	// perfectly); without it every output is one more sample.
	std::vector<float> out, labels;
	const std::vector<float> second = {0.2f, 0.9f, 0.3f, 0.7f}, second_labels = {0, 1, 0, 1};
	for (size_t r = 0; r < 4; r++) {
		out.insert(out.end(), {k_curve_out[r], second[r]});
		labels.insert(labels.end(), {k_curve_labels[r], second_labels[r]});
	}
	auto multi = metric("auc");
	multi.multi_label = true;
	EXPECT_DOUBLE_EQ(one(multi, "binary_crossentropy", 2, out, labels), (0.75 + 1.0) / 2);
	// Pooled: positives 0.35, 0.8, 0.9, 0.7 against 0.1, 0.4, 0.2, 0.3: 15 of 16 pairs.
	EXPECT_NEAR(one(metric("auc"), "binary_crossentropy", 2, out, labels), 15.0 / 16, 1e-12);
}

TEST(Metrics, ConstrainedCurvePoints) {
	auto at = [](const char *name, double target) {
		auto m = metric(name);
		m.target = target;
		return curve(m);
	};
	EXPECT_DOUBLE_EQ(at("precision_at_recall", 0.5), 1.0);
	EXPECT_DOUBLE_EQ(at("precision_at_recall", 1.0), 2.0 / 3);
	EXPECT_DOUBLE_EQ(at("recall_at_precision", 0.6), 1.0);
	EXPECT_DOUBLE_EQ(at("recall_at_precision", 0.9), 0.5);
	EXPECT_DOUBLE_EQ(at("sensitivity_at_specificity", 0.5), 1.0);
	EXPECT_DOUBLE_EQ(at("sensitivity_at_specificity", 0.9), 0.5);
	EXPECT_DOUBLE_EQ(at("specificity_at_sensitivity", 1.0), 0.5);
	EXPECT_DOUBLE_EQ(at("specificity_at_sensitivity", 0.5), 1.0);
	// class_id: the second output, where the positive outranks the negative.
	auto column = metric("recall_at_precision");
	column.target = 1.0;
	column.class_id = 1;
	EXPECT_DOUBLE_EQ(one(column, "binary_crossentropy", 2, {0.9f, 0.2f, 0.1f, 0.8f}, {0, 0, 1, 1}), 1.0);
	column.class_id = 0;
	EXPECT_DOUBLE_EQ(one(column, "binary_crossentropy", 2, {0.9f, 0.2f, 0.1f, 0.8f}, {0, 0, 1, 1}), 0.0);
}

TEST(Metrics, MeanIou) {
	// Class ids truncated to integers; pairs outside [0, 3) skipped. Pairs
	// (0,0) (1,2) (2,2) (1,1): IoU 1, 1/2, 1/2.
	auto iou = metric("mean_iou", "mean_io_u");
	iou.num_classes = 3;
	EXPECT_NEAR(one(iou, "mse", 1, {0.2f, 2.0f, 2.9f, 1.7f, 3.2f, -0.5f}, {0, 1, 2, 1, 1, 0}), 2.0 / 3, 1e-6);
	// A class neither predicted nor labelled does not count.
	iou.num_classes = 4;
	EXPECT_NEAR(one(iou, "mse", 1, {0.2f, 2.0f, 2.9f, 1.7f}, {0, 1, 2, 1}), 2.0 / 3, 1e-6);
}

TEST(Metrics, FScores) {
	const std::vector<float> out = {0.9f, 0.6f, 0.1f, 0.2f, 0.7f, 0.4f, 0.6f, 0.1f, 0.8f, 0.3f, 0.2f, 0.1f};
	const std::vector<float> labels = {1, 0, 0, 0, 1, 1, 1, 0, 1, 0, 0, 1};
	// Per class: tp/fp/fn 2/0/0, 1/1/0, 1/0/2: F1 1, 2/3, 1/2.
	auto per_class = metric("f1_score");
	auto macro = metric("f1_score", "f1_macro"), micro = metric("f1_score", "f1_micro");
	auto weighted = metric("f1_score", "f1_weighted");
	macro.average = "macro";
	micro.average = "micro";
	weighted.average = "weighted";
	auto f2 = metric("fbeta_score");
	f2.beta = 2.0;
	f2.average = "macro";
	auto values = measure({per_class, macro, micro, weighted, f2}, "binary_crossentropy", 3, out, labels);
	EXPECT_NEAR(value(values, "f1_score[0]"), 1.0, 1e-6);
	EXPECT_NEAR(value(values, "f1_score[1]"), 2.0 / 3, 1e-6);
	EXPECT_NEAR(value(values, "f1_score[2]"), 0.5, 1e-6);
	EXPECT_NEAR(value(values, "f1_macro"), (1.0 + 2.0 / 3 + 0.5) / 3, 1e-6);
	EXPECT_NEAR(value(values, "f1_micro"), 2 * 0.8 * (4.0 / 6) / (0.8 + 4.0 / 6), 1e-6); // tp 4, fp 1, fn 2
	EXPECT_NEAR(value(values, "f1_weighted"), (2 * 1.0 + 1 * 2.0 / 3 + 3 * 0.5) / 6, 1e-6);
	EXPECT_NEAR(value(values, "fbeta_score"), (1.0 + 5 * 0.5 / 3 + 5.0 / 13) / 3, 1e-6);
}

TEST(Metrics, R2Score) {
	// SSE 0.15, SST 5: 0.97; a constant label with errors scores 0 (Keras
	// replaces the infinite ratio).
	auto r2 = metric("r2_score");
	EXPECT_NEAR(one(r2, "mse", 1, {1.1f, 1.9f, 3.2f, 3.7f}, {1, 2, 3, 4}), 0.97, 1e-6);
	EXPECT_NEAR(one(r2, "mse", 2, {1.1f, 5, 1.9f, 5.1f, 3.2f, 4.9f, 3.7f, 5}, {1, 5, 2, 5, 3, 5, 4, 5}), 0.97 / 2,
	            1e-6);
}

TEST(Metrics, NamesAndRefusals) {
	// Specs with names only (model files): Keras' spellings, reported as written.
	CompileSpec compile;
	compile.metrics = {"acc", "mean_absolute_error", "kullback_leibler_divergence"};
	auto values = measure(compiled_metrics(compile), "binary_crossentropy", 1, {0.6f}, {1});
	ASSERT_EQ(values.size(), 4u);
	EXPECT_EQ(values[1].first, "acc");
	EXPECT_EQ(values[2].first, "mean_absolute_error");
	EXPECT_NEAR(values[2].second, 0.4, 1e-7);
	EXPECT_EQ(values[3].first, "kullback_leibler_divergence");
	auto loss = resolve_loss(loss_named("categorical_crossentropy"));
	EXPECT_THROW(MetricSet({metric("sparse_categorical_accuracy")}, loss, 3), std::invalid_argument);
	EXPECT_THROW(MetricSet({metric("sparse_categorical_crossentropy")}, loss, 3), std::invalid_argument);
	auto beyond = metric("precision");
	beyond.class_id = 3;
	EXPECT_THROW(MetricSet({beyond}, loss, 3), std::invalid_argument);
	auto iou = metric("mean_iou");
	iou.num_classes = 3;
	EXPECT_THROW(MetricSet({iou}, resolve_loss(loss_named("sparse_categorical_crossentropy")), 3),
	             std::invalid_argument);
	EXPECT_THROW(MetricSet({metric("f2_score")}, loss, 3), std::invalid_argument);
}
