// Models as users write them, with the optimizers, schedules, losses and
// metrics of the training engine: accepted by engine_gaps, trained by fit,
// reported under Keras' names; and what the engine still refuses.

#include "ml/engine_support.h"
#include "ml/model.h"
#include "ml/spec/parse.h"
#include "spec_builders.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <string>

using namespace kafkaml::ml;
using namespace kafkaml::ml::testing;

namespace {

ModelSpec model_with(const std::string &compile, int64_t classes = 2) {
	return parse_model_definition("import tensorflow as tf\n"
	                              "model = tf.keras.Sequential([\n"
	                              "    tf.keras.layers.Dense(8, activation='relu', input_shape=(3,)),\n"
	                              "    tf.keras.layers.Dense(" +
	                              std::to_string(classes) +
	                              ", activation='softmax')])\n"
	                              "model.compile(" +
	                              compile + ")\n");
}

//! The model file as written before it kept the losses' and metrics'
//! arguments: a loss's name, from_logits and delta, a metric's name and
//! display_name, and no metric_specs.
std::string in_the_form_before_arguments(const std::string &blob) {
	const size_t head = 12;
	uint32_t size = 0;
	for (int i = 0; i < 4; i++) {
		size |= static_cast<uint32_t>(static_cast<unsigned char>(blob[8 + i])) << (8 * i);
	}
	auto header = nlohmann::json::parse(blob.substr(head, size));
	auto &compile = header["spec"]["compile"];
	auto keep = [](nlohmann::json &j, std::initializer_list<const char *> keys) {
		nlohmann::json kept;
		for (const char *key : keys) {
			kept[key] = j.at(key);
		}
		j = kept;
	};
	compile.erase("metric_specs");
	keep(compile["loss"], {"name", "from_logits", "delta"});
	for (auto &loss : compile["losses"]) {
		keep(loss, {"name", "from_logits", "delta"});
	}
	for (auto &list : compile["output_metrics"]) {
		for (auto &metric : list) {
			keep(metric, {"name", "display_name"});
		}
	}
	std::string text = header.dump(), out = blob.substr(0, 8);
	for (int i = 0; i < 4; i++) {
		out.push_back(static_cast<char>((text.size() >> (8 * i)) & 0xff));
	}
	return out + text + blob.substr(head + size);
}

std::vector<std::string> names_of(const MetricValues &values) {
	std::vector<std::string> names;
	for (const auto &[name, value] : values) {
		names.push_back(name);
	}
	return names;
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

TEST(TrainingModel, ALoadedModelEvaluatesAsCompiled) {
	auto data = hcopd_like(100, 5);
	Array one_hot;
	one_hot.shape = {100, 2};
	for (float label : data.y.data) {
		one_hot.data.insert(one_hot.data.end(), {1.0f - label, label});
	}
	auto smoothed = Model::build(
	    model_with(
	        "'adam', loss=tf.keras.losses.CategoricalCrossentropy(label_smoothing=0.1),\n"
	        "    metrics=[tf.keras.metrics.BinaryAccuracy(threshold=0.7), tf.keras.metrics.Precision(thresholds=[0.3, "
	        "0.6]),\n"
	        "             tf.keras.metrics.AUC(curve='PR', num_thresholds=50, name='pr')]"),
	    3);
	auto compiled = smoothed.evaluate(data.x, one_hot);
	EXPECT_EQ(names_of(compiled),
	          (std::vector<std::string>{"loss", "binary_accuracy", "precision@0.3", "precision@0.6", "pr"}));
	auto blob = smoothed.save();
	EXPECT_EQ(Model::load(blob).evaluate(data.x, one_hot), compiled);

	// Five classes: the default k=5 would count every prediction.
	auto top3 = Model::build(model_with("'adam', loss='sparse_categorical_crossentropy', "
	                                    "metrics=[tf.keras.metrics.SparseTopKCategoricalAccuracy(k=3, name='top3')]",
	                                    5),
	                         4);
	Array classes = data.y;
	for (size_t i = 0; i < classes.data.size(); i++) {
		classes.data[i] = static_cast<float>(i % 5);
	}
	auto top3_compiled = top3.evaluate(data.x, classes);
	EXPECT_EQ(names_of(top3_compiled), (std::vector<std::string>{"loss", "top3"}));
	EXPECT_LT(metric(top3_compiled, "top3"), 1.0);
	EXPECT_EQ(Model::load(top3.save()).evaluate(data.x, classes), top3_compiled);

	// A file written before the arguments were kept still loads, and
	// evaluates at the defaults of its losses and metrics.
	auto old = Model::load(in_the_form_before_arguments(blob)).evaluate(data.x, one_hot);
	EXPECT_EQ(names_of(old), (std::vector<std::string>{"loss", "binary_accuracy", "precision", "auc"}));
	EXPECT_NE(metric(old, "loss"), metric(compiled, "loss"));
	auto old_top3 = Model::load(in_the_form_before_arguments(top3.save())).evaluate(data.x, classes);
	EXPECT_EQ(names_of(old_top3), (std::vector<std::string>{"loss", "sparse_top_k_categorical_accuracy"}));
	EXPECT_DOUBLE_EQ(metric(old_top3, "sparse_top_k_categorical_accuracy"), 1.0);
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

TEST(TrainingModel, SequenceOutputsAreLossRowsOfTheLastAxis) {
	// An output (4, 3): four softmax rows per sample; sparse labels are one
	// class per row, and the loss is the mean over every row (Keras' axis=-1).
	auto spec =
	    parse_model_definition("import tensorflow as tf\n"
	                           "model = tf.keras.Sequential([\n"
	                           "    tf.keras.layers.Dense(3, activation='softmax', input_shape=(4, 2))])\n"
	                           "model.compile('sgd', 'sparse_categorical_crossentropy', metrics=['accuracy'])\n");
	Rng rng(5);
	Array x, y, one_hot;
	x.shape = {6, 4, 2};
	y.shape = {6, 4};
	one_hot.shape = {6, 4, 3};
	for (int i = 0; i < 48; i++) {
		x.data.push_back(rng.uniform(-1.0f, 1.0f));
	}
	for (int i = 0; i < 24; i++) {
		auto cls = static_cast<float>(rng.below(3));
		y.data.push_back(cls);
		one_hot.data.insert(one_hot.data.end(),
		                    {cls == 0 ? 1.0f : 0.0f, cls == 1 ? 1.0f : 0.0f, cls == 2 ? 1.0f : 0.0f});
	}
	auto model = Model::build(spec, 1);
	auto p = model.predict(x);
	double loss = 0.0, correct = 0.0;
	for (size_t row = 0; row < 24; row++) {
		const float *q = p.data.data() + row * 3;
		loss -= std::log(q[static_cast<size_t>(y.data[row])]);
		correct += (std::max_element(q, q + 3) - q) == static_cast<int64_t>(y.data[row]);
	}
	auto values = model.evaluate(x, y);
	EXPECT_NEAR(metric(values, "loss"), loss / 24, 1e-6);
	EXPECT_DOUBLE_EQ(metric(values, "accuracy"), correct / 24);
	// The same with one-hot labels and categorical crossentropy.
	spec.compile.loss.name = "categorical_crossentropy";
	spec.compile.losses = {spec.compile.loss};
	auto categorical = Model::build(spec, 1);
	EXPECT_NEAR(metric(categorical.evaluate(x, one_hot), "loss"), loss / 24, 1e-6);
	EXPECT_GT(model.fit(x, y, epochs(2)).steps, 0);
}

namespace {

//! Two outputs with their own loss options, weights and metric objects; the
//! second a sequence of two class rows.
constexpr const char *kTwoHeads = R"(import tensorflow as tf
features = tf.keras.Input(shape=(4,), name="features")
trunk = tf.keras.layers.Dense(8, activation="tanh", name="trunk")(features)
flag = tf.keras.layers.Dense(1, activation="sigmoid", name="flag")(trunk)
steps = tf.keras.layers.Reshape((2, 3))(tf.keras.layers.Dense(6, name="steps")(trunk))
tags = tf.keras.layers.Softmax(name="tags")(steps)
model = tf.keras.Model(inputs=features, outputs=[flag, tags])
model.compile(
    optimizer=tf.keras.optimizers.Nadam(learning_rate=0.02, clipnorm=1.0),
    loss={"flag": tf.keras.losses.BinaryCrossentropy(label_smoothing=0.2),
          "tags": tf.keras.losses.SparseCategoricalCrossentropy(ignore_class=-1)},
    loss_weights={"flag": 2.0, "tags": 1.0},
    metrics={"flag": [tf.keras.metrics.BinaryAccuracy(threshold=0.3), tf.keras.metrics.TruePositives()],
             "tags": [tf.keras.metrics.SparseTopKCategoricalAccuracy(k=2, name="top2"), "accuracy"]},
)
)";

} // namespace

TEST(TrainingModel, EachOutputHasItsLossOptionsAndMetricObjects) {
	EXPECT_EQ(gaps_of(parse_model_definition(kTwoHeads)), "");
	// A sparse metric is refused on the output whose loss takes one-hot
	// labels only.
	std::string one_hot_flag = kTwoHeads;
	one_hot_flag.replace(one_hot_flag.find("tf.keras.metrics.TruePositives()"), 32, "'sparse_categorical_accuracy'");
	EXPECT_NE(
	    gaps_of(parse_model_definition(one_hot_flag)).find("sparse_categorical_accuracy metric with one-hot labels"),
	    std::string::npos);

	// Labels per sample: the flag, then a class for each of the two rows.
	const int64_t n = 64;
	Rng rng(7);
	Array x{{n, 4}, {}}, y{{n, 3}, {}};
	for (int64_t r = 0; r < n; r++) {
		float v[4];
		for (float &f : v) {
			f = rng.uniform(-1.0f, 1.0f);
		}
		x.data.insert(x.data.end(), v, v + 4);
		y.data.insert(y.data.end(), {v[0] > 0 ? 1.0f : 0.0f,
		                             v[1] < -0.3f  ? 0.0f
		                             : v[1] < 0.3f ? 1.0f
		                                           : 2.0f,
		                             v[2] > 0 ? 2.0f : 0.0f});
	}
	y.data[2] = -1; // the first sample's second row counts for nothing in the loss
	auto model = Model::build(parse_model_definition(kTwoHeads), 3);
	ASSERT_EQ(model.output_shapes(), (std::vector<Shape>{{1}, {2, 3}}));

	auto p = model.predict(x);
	double flag_loss = 0.0, tags_loss = 0.0, above = 0.0, true_positives = 0.0, top2 = 0.0, correct = 0.0;
	int64_t labelled = 0;
	for (int64_t r = 0; r < n; r++) {
		const float *o = p.data.data() + r * 7, *t = y.data.data() + r * 3;
		double smoothed = t[0] * 0.8 + 0.1;
		flag_loss -= smoothed * std::log(o[0]) + (1 - smoothed) * std::log(1 - o[0]);
		above += (o[0] > 0.3f ? 1.0f : 0.0f) == t[0];
		true_positives += o[0] > 0.5f && t[0] == 1.0f;
		for (int64_t row = 0; row < 2; row++) {
			const float *q = o + 1 + row * 3;
			const auto cls = static_cast<int64_t>(t[1 + row]);
			const int64_t best = std::max_element(q, q + 3) - q;
			correct += best == cls;
			if (cls < 0) {
				continue;
			}
			tags_loss -= std::log(q[cls]);
			labelled++;
			top2 += *std::min_element(q, q + 3) != q[cls];
		}
	}
	flag_loss /= n;
	tags_loss /= static_cast<double>(labelled);
	auto values = model.evaluate(x, y, n); // one batch: the ignored row leaves one mean over 127 rows
	std::vector<std::string> names;
	for (const auto &[name, value] : values) {
		names.push_back(name);
	}
	EXPECT_EQ(names, (std::vector<std::string>{"loss", "flag_loss", "tags_loss", "flag_binary_accuracy",
	                                           "flag_true_positives", "tags_top2", "tags_accuracy"}));
	EXPECT_NEAR(metric(values, "flag_loss"), flag_loss, 1e-5);
	EXPECT_NEAR(metric(values, "tags_loss"), tags_loss, 1e-5);
	EXPECT_NEAR(metric(values, "loss"), 2 * flag_loss + tags_loss, 1e-5);
	EXPECT_DOUBLE_EQ(metric(values, "flag_binary_accuracy"), above / n);
	EXPECT_DOUBLE_EQ(metric(values, "flag_true_positives"), true_positives);
	EXPECT_DOUBLE_EQ(metric(values, "tags_top2"), top2 / (2 * n));
	EXPECT_DOUBLE_EQ(metric(values, "tags_accuracy"), correct / (2 * n));
	// Each output's loss options and metric arguments survive the model file.
	EXPECT_EQ(Model::load(model.save()).evaluate(x, y, n), values);
	// A file of the form before loses ignore_class and label_smoothing.
	auto before = Model::load(in_the_form_before_arguments(model.save()));
	EXPECT_THROW(before.evaluate(x, y, n), std::invalid_argument);
	Array all_labelled = y;
	all_labelled.data[2] = 0;
	auto old = before.evaluate(x, all_labelled, n);
	EXPECT_EQ(names_of(old), names);
	EXPECT_NE(metric(old, "flag_loss"), metric(values, "flag_loss"));
	try {
		model.evaluate(x, Array{{n, 2}, std::vector<float>(static_cast<size_t>(2 * n))});
		FAIL();
	} catch (const std::invalid_argument &e) {
		EXPECT_NE(std::string(e.what()).find("flag: 1 for loss 'binary_crossentropy', tags: 2 for loss "
		                                     "'sparse_categorical_crossentropy'"),
		          std::string::npos)
		    << e.what();
	}

	auto history = model.fit(x, y, epochs(30)).history;
	EXPECT_LT(metric(history.back().train, "loss"), 0.8 * metric(history.front().train, "loss"));
	EXPECT_GT(metric(history.back().train, "tags_accuracy"), 0.7);
}
