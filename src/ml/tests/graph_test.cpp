// Graph models on the engine: plans agree with the spec's summary (Keras'
// parameter counts; the corpus' graphs are engine_corpus_test's), several
// inputs and outputs in the data, per-output losses and metrics,
// `training=` on calls, and the model file.

#include "graph_models.h"
#include "ml/engine_support.h"
#include "ml/model.h"
#include "ml/plan.h"
#include "ml/spec/parse.h"
#include "ml/spec/summary.h"
#include "spec_builders.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>

using namespace kafkaml::ml;
using namespace kafkaml::ml::testing;

namespace {

//! The plan's counts, per layer and in total, against the summary's
//! (Keras' counts, checked against Keras by the spec's corpus test).
void expect_keras_counts(const ModelSpec &spec, const std::string &what) {
	auto plan = plan_model(spec);
	auto summary = summarize(spec);
	EXPECT_EQ(plan.trainable_count, summary.trainable_params) << what;
	EXPECT_EQ(plan.state_count, summary.non_trainable_params) << what;
	ASSERT_EQ(plan.layers.size(), summary.layers.size()) << what;
	for (const auto &row : summary.layers) {
		auto layer = std::find_if(plan.layers.begin(), plan.layers.end(),
		                          [&](const LayerPlan &l) { return l.spec.name == row.name; });
		ASSERT_NE(layer, plan.layers.end()) << what << ": " << row.name;
		EXPECT_EQ(layer->param_count, row.params()) << what << ": " << row.name;
		EXPECT_EQ(layer->output_shape, row.output_shape) << what << ": " << row.name;
	}
}

//! `rows` samples of `width` features, uniform in [-1, 1).
Array features(int64_t rows, int64_t width, uint64_t seed) {
	Rng rng(seed);
	Array x{{rows, width}, {}};
	for (int64_t i = 0; i < rows * width; i++) {
		x.data.push_back(rng.uniform(-1, 1));
	}
	return x;
}

FitOptions quiet(int64_t epochs, int64_t batch = 16) {
	FitOptions o;
	o.epochs = epochs;
	o.batch_size = batch;
	o.verbose = 0;
	return o;
}

std::vector<std::string> names(const MetricValues &values) {
	std::vector<std::string> out;
	for (const auto &[name, value] : values) {
		out.push_back(name);
	}
	return out;
}

//! The non-trainable values (moving statistics) at the end of a model file.
std::vector<float> states_of(const Model &model) {
	auto blob = model.save();
	auto count = static_cast<size_t>(model.param_count()) - model.parameters().size();
	std::vector<float> states(count);
	std::memcpy(states.data(), blob.data() + blob.size() - count * sizeof(float), count * sizeof(float));
	return states;
}

} // namespace

TEST(Graph, PlansHaveKerasParameterCounts) {
	const std::pair<const char *, int64_t> models[] = {
	    {kTwoInputsModel, (3 * 4 + 4) + (2 * 4 + 4) + (8 + 1)},
	    {kResidualModel, 2 * (6 * 6 + 6) + (6 * 2 + 2)},
	    {kTwoOutputsModel, (5 * 8 + 8) + (8 + 1) + (8 * 3 + 3)},
	    {kSharedModel, (4 * 3 + 3) + (18 + 1)}, // the encoder once
	    {kDotModel, (15 * 4 + 4) + (20 * 4 + 4) + (5 + 1)},
	    // cross: query 6x2x3 + 2x3, key 2x2x3 + 2x3, value 3x2x4 + 2x4, output 2x4x5 + 5;
	    // self: 3 x (6x3x2 + 3x2), output 3x2x6 + 6; out: 4 x 11 + 1.
	    {kAttentionModel, (42 + 18 + 32 + 45) + (3 * 42 + 42) + (44 + 1)},
	    // LSTM 4 (u (in + u) + u) twice, GRU 3 (u (in + u) + 2 u), SimpleRNN u (in + u) + u, Dense.
	    {kRecurrentStatesModel, 4 * (4 * 7 + 4) + 4 * (4 * 6 + 4) + 3 * (3 * 7 + 6) + (3 * 7 + 3) + (6 * 6 + 6)},
	};
	for (const auto &[code, total] : models) {
		auto spec = parse_model_definition(code);
		EXPECT_FALSE(spec.is_chain());
		EXPECT_TRUE(engine_gaps(spec).empty()) << describe_gaps(engine_gaps(spec));
		expect_keras_counts(spec, code);
		EXPECT_EQ(Model::build(spec).param_count(), total) << code;
	}
}

TEST(Graph, AttentionWeightsHaveKerasLayouts) {
	auto plan = plan_model(parse_model_definition(kAttentionModel));
	std::vector<std::pair<std::string, Shape>> slots;
	for (const auto &slot : plan.params) {
		slots.emplace_back(slot.name, slot.shape);
	}
	std::vector<std::pair<std::string, Shape>> cross(slots.begin(), slots.begin() + 8);
	EXPECT_EQ(cross, (std::vector<std::pair<std::string, Shape>>{{"cross/query/kernel", {6, 2, 3}},
	                                                             {"cross/query/bias", {2, 3}},
	                                                             {"cross/key/kernel", {2, 2, 3}},
	                                                             {"cross/key/bias", {2, 3}},
	                                                             {"cross/value/kernel", {3, 2, 4}},
	                                                             {"cross/value/bias", {2, 4}},
	                                                             {"cross/attention_output/kernel", {2, 4, 5}},
	                                                             {"cross/attention_output/bias", {5}}}));
	// More forms: no biases, a shaped output, a query of rank 3 (attended
	// over both axes).
	auto spec = parse_model_definition(kGridAttentionModel);
	expect_keras_counts(spec, "attention without biases");
	auto model = Model::build(spec, 1);
	EXPECT_EQ(model.param_count(), 3 * (4 * 2 * 5) + 2 * 5 * 6 + (2 * 3 * 6 + 1));
	auto y = model.predict(features(3, 24, 1));
	EXPECT_EQ(y.shape, (Shape{3, 1}));
}

// Attention dropout: masks on the probabilities while training only.
TEST(Graph, AttentionDropoutOnlyWhileTraining) {
	auto code = [](const char *rate) {
		return std::string(R"(from tensorflow import keras
from tensorflow.keras import layers
x = keras.Input(shape=(5, 4))
y = layers.MultiHeadAttention(num_heads=2, key_dim=3, dropout=)") +
		       rate + R"()(x, x)
model = keras.Model(x, layers.Dense(1)(layers.Flatten()(y)))
model.compile(optimizer="adam", loss="mse")
)";
	};
	auto x = features(8, 20, 1), y = features(8, 1, 2);
	auto with = Model::build(parse_model_definition(code("0.5")), 3);
	auto without = Model::build(parse_model_definition(code("0.0")), 3);
	ASSERT_EQ(with.parameters(), without.parameters());
	std::vector<float> g;
	EXPECT_NEAR(without.loss_and_gradients(x, y, g), metric(without.evaluate(x, y), "loss"), 1e-6);
	double first = with.loss_and_gradients(x, y, g), second = with.loss_and_gradients(x, y, g);
	EXPECT_NE(first, second); // new masks each step
	EXPECT_EQ(with.predict(x).data, without.predict(x).data);
}

TEST(Graph, TwoInputModelLearnsAndItsFileRoundTrips) {
	// Label: a0 + a1 - b0 > 0; a record's 5 values are a's 3 then b's 2.
	auto x = features(256, 5, 3);
	Array y{{256}, {}};
	for (int64_t r = 0; r < 256; r++) {
		const float *v = &x.data[static_cast<size_t>(r * 5)];
		y.data.push_back(v[0] + v[1] - v[3] > 0 ? 1.0f : 0.0f);
	}
	auto model = Model::build(parse_model_definition(kTwoInputsModel), 4);
	EXPECT_EQ(model.path(), ExecutionPath::General);
	EXPECT_EQ(model.input_shape(), (Shape{5}));
	EXPECT_EQ(model.input_shapes(), (std::vector<Shape>{{3}, {2}}));
	auto history = model.fit(x, y, quiet(40)).history;
	EXPECT_GT(metric(history.back().train, "accuracy"), 0.9);
	EXPECT_LT(metric(history.back().train, "loss"), 0.5 * metric(history.front().train, "loss"));

	auto blob = model.save();
	auto loaded = Model::load(blob);
	EXPECT_EQ(loaded.save(), blob);
	const ModelSpec &a = model.spec(), &b = loaded.spec();
	EXPECT_EQ(b.class_name, a.class_name);
	ASSERT_EQ(b.inputs.size(), 2u);
	for (size_t i = 0; i < 2; i++) {
		EXPECT_EQ(b.inputs[i].name, a.inputs[i].name);
		EXPECT_EQ(b.inputs[i].shape, a.inputs[i].shape);
	}
	ASSERT_EQ(b.nodes.size(), a.nodes.size());
	for (size_t i = 0; i < a.nodes.size(); i++) {
		EXPECT_EQ(b.nodes[i].layer, a.nodes[i].layer);
		EXPECT_EQ(b.nodes[i].inputs, a.nodes[i].inputs);
	}
	ASSERT_EQ(b.outputs.size(), 1u);
	EXPECT_EQ(b.outputs[0].tensor, a.outputs[0].tensor);
	auto p = model.predict(x), q = loaded.predict(x);
	ASSERT_EQ(p.shape, (Shape{256, 1}));
	EXPECT_EQ(0, std::memcmp(p.data.data(), q.data.data(), p.data.size() * sizeof(float)));

	try {
		model.predict(features(2, 4, 1));
		FAIL();
	} catch (const std::invalid_argument &e) {
		EXPECT_NE(std::string(e.what()).find("expects (None, 5)"), std::string::npos) << e.what();
	}
}

TEST(Graph, TwoOutputsTrainWithWeightedLossesAndKerasMetricNames) {
	// price = 2 f0 - f1, category = which third f2 falls in; labels [price, class].
	auto x = features(300, 5, 5);
	Array y{{300, 2}, {}};
	for (int64_t r = 0; r < 300; r++) {
		const float *v = &x.data[static_cast<size_t>(r * 5)];
		y.data.push_back(2 * v[0] - v[1]);
		y.data.push_back(v[2] < -1.0f / 3 ? 0.0f : v[2] < 1.0f / 3 ? 1.0f : 2.0f);
	}
	auto model = Model::build(parse_model_definition(kTwoOutputsModel), 2);
	EXPECT_EQ(model.output_shape(), (Shape{4}));
	EXPECT_EQ(model.output_shapes(), (std::vector<Shape>{{1}, {3}}));
	Array val_x = features(60, 5, 6), val_y{{60, 2}, std::vector<float>(120, 0.0f)};
	auto history = model.fit(x, y, quiet(40), &val_x, &val_y).history;
	const std::vector<std::string> expected{"loss", "price_loss", "category_loss", "price_mae", "category_accuracy"};
	EXPECT_EQ(names(history.back().train), expected);
	EXPECT_EQ(names(history.back().validation), expected);
	EXPECT_LT(metric(history.back().train, "price_loss"), 0.2 * metric(history.front().train, "price_loss"));
	EXPECT_GT(metric(history.back().train, "category_accuracy"), 0.85);

	// Keras' total: 0.5 price_loss + 1.0 category_loss.
	auto evaluated = model.evaluate(x, y);
	EXPECT_EQ(names(evaluated), expected);
	EXPECT_NEAR(metric(evaluated, "loss"), 0.5 * metric(evaluated, "price_loss") + metric(evaluated, "category_loss"),
	            1e-5);
	// The weights scale the gradients: weights (1, 2) double them.
	auto heavier = model.spec();
	heavier.compile.loss_weights = {1.0, 2.0};
	auto loaded = Model::load(model.save());
	auto twice = Model::build(heavier, 2);
	std::vector<float> g1, g2;
	Array batch_x{{8, 5}, std::vector<float>(x.data.begin(), x.data.begin() + 40)};
	Array batch_y{{8, 2}, std::vector<float>(y.data.begin(), y.data.begin() + 16)};
	auto fresh = Model::build(model.spec(), 2);
	double l1 = fresh.loss_and_gradients(batch_x, batch_y, g1);
	double l2 = twice.loss_and_gradients(batch_x, batch_y, g2);
	EXPECT_NEAR(l2, 2 * l1, 1e-6);
	for (size_t i = 0; i < g1.size(); i++) {
		EXPECT_NEAR(g2[i], 2 * g1[i], 1e-6);
	}

	// The file keeps the per-output losses, weights and metrics.
	EXPECT_EQ(names(loaded.evaluate(x, y)), expected);
	EXPECT_NEAR(metric(loaded.evaluate(x, y), "loss"), metric(evaluated, "loss"), 1e-9);
	try {
		model.evaluate(x, Array{{300}, std::vector<float>(300)});
		FAIL();
	} catch (const std::invalid_argument &e) {
		EXPECT_NE(std::string(e.what()).find("price: 1 for loss 'mse', category: 1 for loss "
		                                     "'sparse_categorical_crossentropy'"),
		          std::string::npos)
		    << e.what();
	}
}

// A frozen base as users call it, base(x, training=False): Dropout stays
// off and BatchNormalization on its moving statistics while fitting.
TEST(Graph, TrainingFalseKeepsDropoutOffAndMovingStatistics) {
	auto code = [](const char *training) {
		return std::string(R"(from tensorflow import keras
from tensorflow.keras import layers
x = keras.Input(shape=(4,))
h = layers.Dense(8)(x)
h = layers.BatchNormalization()(h)") +
		       training + R"()
h = layers.Dropout(0.5)(h)" +
		       training + R"()
model = keras.Model(x, layers.Dense(1)(h))
model.compile(optimizer="sgd", loss="mse")
)";
	};
	auto x = features(64, 4, 8), y = features(64, 1, 9);
	auto frozen = Model::build(parse_model_definition(code(", training=False")), 1);
	auto plain = Model::build(parse_model_definition(code("")), 1);
	ASSERT_EQ(frozen.parameters(), plain.parameters());
	auto spec = parse_model_definition(code(", training=False"));
	EXPECT_TRUE(spec.is_chain());
	EXPECT_TRUE(plan_model(spec).graph); // only nodes carry training=
	// Inference behaviour in a training step: its loss is evaluate()'s.
	std::vector<float> g;
	EXPECT_NEAR(frozen.loss_and_gradients(x, y, g), metric(frozen.evaluate(x, y, 64), "loss"), 1e-6);
	EXPECT_GT(std::fabs(plain.loss_and_gradients(x, y, g) - metric(plain.evaluate(x, y, 64), "loss")), 1e-3);
	auto before = states_of(frozen);
	frozen.fit(x, y, quiet(2));
	plain.fit(x, y, quiet(2));
	EXPECT_EQ(states_of(frozen), before);
	EXPECT_NE(states_of(plain), before);

	// training=True keeps Dropout on in predict (Monte Carlo dropout).
	auto sampling = Model::build(parse_model_definition(code(", training=True")), 1);
	EXPECT_NE(sampling.predict(x).data, sampling.predict(x).data);
	EXPECT_EQ(plain.predict(x).data, plain.predict(x).data);
}

// Transfer learning as Keras' guide writes it: a frozen base called with
// training=False under a new head. Only the head learns; the base's
// weights and moving statistics stay as they were.
TEST(Graph, AFrozenBaseCalledWithTrainingFalseStaysAsItIs) {
	auto spec = parse_model_definition(R"(from tensorflow import keras
from tensorflow.keras import layers
base = keras.Sequential([layers.Dense(8, input_shape=(4,)), layers.BatchNormalization(), layers.Dropout(0.5)])
base.trainable = False
inputs = keras.Input(shape=(4,))
x = base(inputs, training=False)
model = keras.Model(inputs, layers.Dense(1, name="head")(x))
model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
)");
	expect_keras_counts(spec, "frozen base");
	auto model = Model::build(spec, 1);
	EXPECT_EQ(model.parameters().size(), 9u); // the head's
	EXPECT_EQ(model.param_count(), 9 + (4 * 8 + 8) + 4 * 8);
	auto x = features(64, 4, 8), y = features(64, 1, 9);
	std::vector<float> g;
	EXPECT_NEAR(model.loss_and_gradients(x, y, g), metric(model.evaluate(x, y, 64), "loss"), 1e-6);
	auto base = states_of(model);
	auto head = model.parameters();
	auto history = model.fit(x, y, quiet(5)).history;
	EXPECT_EQ(states_of(model), base);
	EXPECT_NE(model.parameters(), head);
	EXPECT_LT(metric(history.back().train, "loss"), metric(history.front().train, "loss"));
}

// A wrapper applied twice: the second call takes the same slots in the same
// roles (the forward direction's as forward, the backward's as backward).
TEST(Graph, ASharedBidirectionalLayerKeepsItsDirections) {
	auto spec = parse_model_definition(R"(from tensorflow import keras
from tensorflow.keras import layers
a = keras.Input(shape=(3, 2))
b = keras.Input(shape=(3, 2))
both = layers.Bidirectional(layers.LSTM(4))
model = keras.Model([a, b], layers.concatenate([both(a), both(b)]))
)");
	expect_keras_counts(spec, "shared Bidirectional");
	auto plan = plan_model(spec);
	ASSERT_EQ(plan.nodes[1].layer.wrapped.size(), 2u);
	for (size_t i = 0; i < 2; i++) {
		EXPECT_EQ(plan.nodes[1].layer.wrapped[i].params, plan.nodes[0].layer.wrapped[i].params);
	}
	EXPECT_NE(plan.nodes[1].layer.wrapped[0].params, plan.nodes[1].layer.wrapped[1].params);
	// The same sequence on both inputs: both halves of the output agree.
	auto model = Model::build(spec, 2);
	auto half = features(2, 6, 4);
	Array x{{2, 12}, {}};
	for (int64_t r = 0; r < 2; r++) {
		for (int copy = 0; copy < 2; copy++) {
			x.data.insert(x.data.end(), half.data.begin() + r * 6, half.data.begin() + r * 6 + 6);
		}
	}
	auto y = model.predict(x);
	ASSERT_EQ(y.shape, (Shape{2, 16}));
	for (int64_t r = 0; r < 2; r++) {
		for (int64_t i = 0; i < 8; i++) {
			EXPECT_FLOAT_EQ(y.data[static_cast<size_t>(r * 16 + i)], y.data[static_cast<size_t>(r * 16 + 8 + i)]);
		}
	}
}

TEST(Graph, ASharedLayerHasOneSetOfWeights) {
	auto plan = plan_model(parse_model_definition(kSharedModel));
	ASSERT_EQ(plan.nodes.size(), 10u); // the encoder twice, six merges, concatenate, the head
	EXPECT_EQ(plan.nodes[0].layer.params, plan.nodes[1].layer.params);
	EXPECT_EQ(plan.params.front().name, "encoder/kernel");
	EXPECT_EQ(std::count_if(plan.params.begin(), plan.params.end(),
	                        [](const ParamSlot &slot) { return slot.name.starts_with("encoder/"); }),
	          2);
}
