// Models as users write them, with the optimizers, schedules, losses and
// metrics of the training engine: accepted by engine_gaps, trained by fit,
// reported under Keras' names; and what the engine still refuses.

#include "ml/engine_support.h"
#include "ml/model.h"
#include "ml/spec/parse.h"
#include "spec_builders.h"

#include <gtest/gtest.h>

#include <string>

using namespace kafkaml::ml;
using namespace kafkaml::ml::testing;

namespace {

ModelSpec model_with(const std::string &compile) {
	return parse_model_definition("import tensorflow as tf\n"
	                              "model = tf.keras.Sequential([\n"
	                              "    tf.keras.layers.Dense(8, activation='relu', input_shape=(3,)),\n"
	                              "    tf.keras.layers.Dense(2, activation='softmax')])\n"
	                              "model.compile(" +
	                              compile + ")\n");
}

FitOptions epochs(int64_t n) {
	FitOptions o;
	o.epochs = n;
	o.batch_size = 16;
	o.verbose = 0;
	return o;
}

std::string gaps_of(const ModelSpec &spec) {
	auto gaps = engine_gaps(spec);
	return gaps.empty() ? "" : describe_gaps(gaps);
}

} // namespace

TEST(TrainingModel, SparseLabelsWithScheduleClippingAndMetrics) {
	auto spec = model_with(
	    "optimizer=tf.keras.optimizers.Adamax(learning_rate=tf.keras.optimizers.schedules.PiecewiseConstantDecay("
	    "[100, 200], [0.05, 0.02, 0.01]), global_clipnorm=1.0),\n"
	    "    loss=tf.keras.losses.SparseCategoricalCrossentropy(ignore_class=-1),\n"
	    "    metrics=['accuracy', tf.keras.metrics.SparseTopKCategoricalAccuracy(k=1, name='top1')]");
	EXPECT_EQ(gaps_of(spec), "");
	auto train = hcopd_like(200, 1);
	train.y.data[0] = -1; // an unlabelled sample counts for nothing
	auto model = Model::build(spec, 3);
	auto result = model.fit(train.x, train.y, epochs(20));
	const auto &first = result.history.front().train, &last = result.history.back().train;
	EXPECT_LT(metric(last, "loss"), metric(first, "loss"));
	EXPECT_GT(metric(last, "accuracy"), 0.8);
	EXPECT_DOUBLE_EQ(metric(last, "top1"), metric(last, "accuracy"));
}

TEST(TrainingModel, OneHotLabelsWithCurvesAndScores) {
	auto spec = model_with("optimizer=tf.keras.optimizers.Nadam(learning_rate=tf.keras.optimizers.schedules."
	                       "ExponentialDecay(0.02, 50, 0.9), clipnorm=1.0),\n"
	                       "    loss=tf.keras.losses.CategoricalCrossentropy(label_smoothing=0.1),\n"
	                       "    metrics=[tf.keras.metrics.AUC(curve='PR', name='pr_auc'),\n"
	                       "             tf.keras.metrics.Precision(thresholds=[0.3, 0.7]),\n"
	                       "             tf.keras.metrics.F1Score(average='macro'), 'categorical_accuracy']");
	EXPECT_EQ(gaps_of(spec), "");
	auto data = hcopd_like(200, 2);
	Array one_hot;
	one_hot.shape = {200, 2};
	for (float label : data.y.data) {
		one_hot.data.insert(one_hot.data.end(), {1.0f - label, label});
	}
	auto model = Model::build(spec, 4);
	auto result = model.fit(data.x, one_hot, epochs(20), &data.x, &one_hot);
	const auto &last = result.history.back();
	std::vector<std::string> names;
	for (const auto &[name, value] : last.train) {
		names.push_back(name);
	}
	EXPECT_EQ(names, (std::vector<std::string>{"loss", "pr_auc", "precision@0.3", "precision@0.7", "f1_score",
	                                           "categorical_accuracy"}));
	EXPECT_GT(metric(last.validation, "pr_auc"), 0.85);
	EXPECT_GT(metric(last.validation, "categorical_accuracy"), 0.8);
	EXPECT_GT(metric(last.validation, "precision@0.7"), metric(last.validation, "precision@0.3"));
}

TEST(TrainingModel, TheRestIsRefusedSayingWhat) {
	EXPECT_NE(
	    gaps_of(model_with("'adam', loss=tf.keras.losses.MeanSquaredError(reduction='none')")).find("reduction 'none'"),
	    std::string::npos);
	EXPECT_NE(gaps_of(model_with("tf.keras.optimizers.SGD(clipnorm=1.0, clipvalue=0.5), 'mse'"))
	              .find("clipvalue together with clipnorm"),
	          std::string::npos);
	EXPECT_NE(gaps_of(model_with("'adam', 'categorical_crossentropy', metrics=['sparse_categorical_accuracy']"))
	              .find("sparse_categorical_accuracy metric with one-hot labels"),
	          std::string::npos);
	EXPECT_NE(gaps_of(model_with("'adam', tf.keras.losses.CategoricalCrossentropy(axis=0)")).find("loss's axis"),
	          std::string::npos);
	// Everything else of compile() is trained.
	EXPECT_EQ(gaps_of(model_with("tf.keras.optimizers.Ftrl(l1_regularization_strength=0.01), "
	                             "tf.keras.losses.BinaryFocalCrossentropy(apply_class_balancing=True), "
	                             "metrics=[tf.keras.metrics.SpecificityAtSensitivity(0.5, class_id=1), "
	                             "tf.keras.metrics.MeanIoU(num_classes=2), tf.keras.metrics.R2Score()]")),
	          "");
}
