// Early exits: a graph with several outputs run as a chain of stages
// (Model::run_stage) gives predict()'s outputs, with the carries the
// documented split says.

#include "ml/model.h"
#include "ml/rng.h"
#include "ml/spec/parse.h"
#include "ml/submodels.h"

#include <gtest/gtest.h>

#include <functional>
#include <optional>

using namespace kafkaml::ml;

namespace {

//! An image classifier with an exit after its first convolution block.
constexpr const char *kTwoExitCnn = R"(from tensorflow import keras
from tensorflow.keras import layers
image = keras.Input(shape=(8, 8, 1), name="image")
x = layers.Conv2D(4, 3, activation="relu", padding="same", name="conv1")(image)
x = layers.MaxPooling2D(name="pool1")(x)
early = layers.Dense(3, activation="softmax", name="early")(layers.Flatten(name="flat1")(x))
x = layers.Conv2D(6, 3, activation="relu", name="conv2")(x)
x = layers.BatchNormalization(name="norm")(x)
final = layers.Dense(3, activation="softmax", name="final")(layers.GlobalAveragePooling2D(name="gap")(x))
model = keras.Model(inputs=image, outputs=[early, final])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", loss_weights=[0.3, 1.0],
              metrics=["accuracy"])
)";

constexpr const char *kThreeExitMlp = R"(from tensorflow import keras
from tensorflow.keras import layers
inputs = keras.Input(shape=(5,))
h1 = layers.Dense(8, activation="relu", name="h1")(inputs)
e1 = layers.Dense(2, activation="softmax", name="e1")(h1)
h2 = layers.Dense(8, activation="relu", name="h2")(h1)
e2 = layers.Dense(2, activation="softmax", name="e2")(h2)
h3 = layers.Dense(8, activation="relu", name="h3")(h2)
e3 = layers.Dense(2, activation="softmax", name="e3")(h3)
model = keras.Model(inputs, [e1, e2, e3])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
)";

//! The last exit reads the model input and both hidden tensors.
constexpr const char *kSkipMlp = R"(from tensorflow import keras
from tensorflow.keras import layers
x = keras.Input(shape=(5,))
h1 = layers.Dense(6, activation="tanh", name="h1")(x)
e1 = layers.Dense(2, activation="softmax", name="e1")(h1)
h2 = layers.Dense(6, activation="tanh", name="h2")(h1)
e2 = layers.Dense(2, activation="softmax", name="e2")(h2)
joined = layers.Concatenate(name="joined")([h1, h2, x])
e3 = layers.Dense(2, activation="softmax", name="e3")(joined)
model = keras.Model(x, [e1, e2, e3])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
)";

//! Two inputs; one Dense layer applied in both stages (shared weights).
constexpr const char *kSharedTwoInputs = R"(from tensorflow import keras
from tensorflow.keras import layers
a = keras.Input(shape=(4,), name="a")
b = keras.Input(shape=(4,), name="b")
shared = layers.Dense(4, activation="tanh", name="shared")
sa = shared(a)
first = layers.Dense(3, activation="softmax", name="first")(sa)
sb = shared(b)
second = layers.Dense(3, activation="softmax", name="second")(layers.Add(name="sum")([sa, sb]))
model = keras.Model([a, b], [first, second])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
)";

Array uniform(int64_t rows, Shape sample, uint64_t seed) {
	Rng rng(seed);
	Array x;
	x.shape = {rows};
	x.shape.insert(x.shape.end(), sample.begin(), sample.end());
	x.data.resize(static_cast<size_t>(x.rows() * x.row_size()));
	for (auto &v : x.data) {
		v = rng.uniform(-1, 1);
	}
	return x;
}

//! Labels for every exit of `exits`: `label(row)` for each.
Array same_labels(int64_t rows, int64_t exits, const std::function<float(int64_t)> &label) {
	Array y{{rows, exits}, {}};
	for (int64_t r = 0; r < rows; r++) {
		y.data.insert(y.data.end(), static_cast<size_t>(exits), label(r));
	}
	return y;
}

FitOptions quiet(int64_t epochs, int64_t batch) {
	FitOptions options;
	options.epochs = epochs;
	options.batch_size = batch;
	options.verbose = 0;
	return options;
}

//! Runs every stage in order; returns each exit's rows, checking widths.
std::vector<Array> run_chain(Model &model, const Array &x, std::optional<int64_t> batch) {
	std::vector<Array> exits;
	Array input = x;
	for (size_t k = 0; k < model.stage_count(); k++) {
		EXPECT_EQ(input.row_size(), model.stage_input_width(k)) << "stage " << k;
		auto out = model.run_stage(k, input, batch);
		exits.push_back(std::move(out.exit));
		if (k + 1 == model.stage_count()) {
			EXPECT_TRUE(out.carry.shape.empty() && out.carry.data.empty());
		} else {
			EXPECT_EQ(out.carry.rows(), x.rows());
		}
		input = std::move(out.carry);
	}
	return exits;
}

//! Each exit's rows against predict()'s columns of that output.
void expect_outputs(Model &model, const Array &x, const Array &predicted, const std::vector<Array> &exits,
                    float tolerance) {
	ASSERT_EQ(exits.size(), model.output_shapes().size());
	const int64_t width = predicted.row_size();
	int64_t offset = 0;
	for (size_t k = 0; k < exits.size(); k++) {
		Shape expected{x.rows()};
		const Shape output = model.output_shapes()[k];
		expected.insert(expected.end(), output.begin(), output.end());
		ASSERT_EQ(exits[k].shape, expected) << "exit " << k;
		const int64_t size = exits[k].row_size();
		for (int64_t r = 0; r < x.rows(); r++) {
			for (int64_t i = 0; i < size; i++) {
				const float chained = exits[k].data[static_cast<size_t>(r * size + i)];
				const float whole = predicted.data[static_cast<size_t>(r * width + offset + i)];
				if (tolerance == 0.0f) {
					ASSERT_EQ(chained, whole) << "exit " << k << " row " << r << " value " << i;
				} else {
					ASSERT_NEAR(chained, whole, tolerance) << "exit " << k << " row " << r << " value " << i;
				}
			}
		}
		offset += size;
	}
}

//! The chain's exits against predict()'s outputs: bit for bit in batches
//! of the same size; within float rounding in others (libtorch's kernels
//! may sum in another order for another batch size).
void expect_chain_matches(Model &model, const Array &x) {
	auto predicted = model.predict(x);
	expect_outputs(model, x, predicted, run_chain(model, x, std::nullopt), 0.0f);
	expect_outputs(model, x, predicted, run_chain(model, x, 7), 1e-5f); // batches that split the rows unevenly
}

} // namespace

TEST(Stages, TwoExitCnnMatchesPredictBeforeAndAfterTraining) {
	auto model = Model::build(parse_model_definition(kTwoExitCnn), 3);
	ASSERT_EQ(model.stage_count(), 2u);
	EXPECT_EQ(model.stage_input_width(0), 64);
	// Stage 1 reads the pooled feature map (4 x 4 x 4).
	EXPECT_EQ(model.stage_input_width(1), 64);
	auto x = uniform(20, {8, 8, 1}, 1);
	expect_chain_matches(model, x);

	// Stages run on the model's weights: a fit (moving statistics too) shows.
	auto y = same_labels(20, 2, [](int64_t r) { return static_cast<float>(r % 3); });
	auto before = model.run_stage(0, x).exit.data;
	model.fit(x, y, quiet(2, 8));
	EXPECT_NE(model.run_stage(0, x).exit.data, before);
	expect_chain_matches(model, x);
	auto loaded = Model::load(model.save());
	expect_chain_matches(loaded, x);
}

// As Keras does, one label per sample applies to every exit: training,
// evaluation and the exit table see the same as with the label repeated.
TEST(Stages, OneLabelPerSampleTrainsEveryExit) {
	auto x = uniform(24, {8, 8, 1}, 4);
	auto label = [](int64_t r) { return static_cast<float>(r % 2); };
	Array once{{24}, {}};
	for (int64_t r = 0; r < 24; r++) {
		once.data.push_back(label(r));
	}
	auto twice = same_labels(24, 2, label);
	auto a = Model::build(parse_model_definition(kTwoExitCnn), 3);
	auto b = Model::build(parse_model_definition(kTwoExitCnn), 3);
	a.fit(x, once, quiet(2, 8), &x, &once);
	b.fit(x, twice, quiet(2, 8), &x, &twice);
	EXPECT_EQ(a.parameters(), b.parameters());
	EXPECT_EQ(a.evaluate(x, once), b.evaluate(x, twice));
	auto report_a = a.exit_report(x, once, default_exit_thresholds());
	auto report_b = b.exit_report(x, twice, default_exit_thresholds());
	ASSERT_EQ(report_a.size(), 2u);
	for (size_t k = 0; k < 2; k++) {
		EXPECT_EQ(report_a[k].metrics, report_b[k].metrics);
		ASSERT_EQ(report_a[k].thresholds.size(), report_b[k].thresholds.size());
		for (size_t t = 0; t < report_a[k].thresholds.size(); t++) {
			EXPECT_EQ(report_a[k].thresholds[t].count, report_b[k].thresholds[t].count);
		}
	}
	Array wrong{{24, 3}, std::vector<float>(72, 0.0f)};
	EXPECT_THROW(a.evaluate(x, wrong), std::invalid_argument) << "3 labels fit neither one exit nor both";
}

TEST(Stages, ThreeExitMlpCarriesTheHiddenLayer) {
	auto model = Model::build(parse_model_definition(kThreeExitMlp), 5);
	ASSERT_EQ(model.stage_count(), 3u);
	EXPECT_EQ(model.stage_input_width(0), 5);
	EXPECT_EQ(model.stage_input_width(1), 8); // h1
	EXPECT_EQ(model.stage_input_width(2), 8); // h2
	expect_chain_matches(model, uniform(33, {5}, 2));
}

TEST(Stages, LaterExitReadsSeveralEarlierTensors) {
	auto model = Model::build(parse_model_definition(kSkipMlp), 6);
	ASSERT_EQ(model.stage_count(), 3u);
	// Carry order: model inputs, then node outputs in node order.
	EXPECT_EQ(model.stage_input_width(1), 5 + 6);     // x, h1
	EXPECT_EQ(model.stage_input_width(2), 5 + 6 + 6); // x, h1, h2
	auto x = uniform(9, {5}, 3);
	expect_chain_matches(model, x);
	auto carry = model.run_stage(0, x).carry;
	for (int64_t r = 0; r < x.rows(); r++) {
		for (int64_t i = 0; i < 5; i++) {
			EXPECT_EQ(carry.data[static_cast<size_t>(r * 11 + i)], x.data[static_cast<size_t>(r * 5 + i)]);
		}
	}
}

TEST(Stages, SharedLayerAndTwoInputs) {
	auto model = Model::build(parse_model_definition(kSharedTwoInputs), 7);
	ASSERT_EQ(model.stage_count(), 2u);
	EXPECT_EQ(model.stage_input_width(0), 8);
	EXPECT_EQ(model.stage_input_width(1), 4 + 4); // input b, shared(a)
	expect_chain_matches(model, uniform(12, {8}, 4));
}

TEST(Stages, SingleOutputModelsAreOneStage) {
	auto chain = Model::build(parse_model_definition(R"(import tensorflow as tf
model = tf.keras.Sequential([tf.keras.layers.Dense(4, activation="relu", input_shape=(3,)),
                             tf.keras.layers.Dense(2, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
)"),
	                          1);
	ASSERT_EQ(chain.stage_count(), 1u);
	EXPECT_EQ(chain.stage_input_width(0), 3);
	auto x = uniform(5, {3}, 5);
	auto out = chain.run_stage(0, x);
	EXPECT_EQ(out.exit.data, chain.predict(x).data);
	EXPECT_TRUE(out.carry.data.empty());
	EXPECT_THROW(chain.run_stage(1, x), std::invalid_argument);
	EXPECT_THROW(chain.stage_input_width(1), std::invalid_argument);
	EXPECT_THROW(chain.run_stage(0, uniform(5, {4}, 5)), std::invalid_argument);
}

TEST(Stages, SubModelsChainedThroughTheirUpperModel) {
	// The original Kafka-ML's distributed form written as one definition:
	// each sub-model returns [what its upper model takes, its exit]; the
	// last only its exit. Called as layers they make one model whose
	// outputs are the exits, bottom first.
	auto model = Model::build(parse_model_definition(R"(from tensorflow import keras
from tensorflow.keras import layers
sensor = keras.Input(shape=(12,), name="sensor")
x = layers.Dense(10, activation="relu", name="edge_hidden")(sensor)
edge_exit = layers.Dense(4, activation="softmax", name="edge_exit")(x)
edge = keras.Model(sensor, [x, edge_exit], name="edge")

fog_in = keras.Input(shape=(10,), name="fog_in")
y = layers.Dense(7, activation="relu", name="fog_hidden")(fog_in)
fog_exit = layers.Dense(4, activation="softmax", name="fog_exit")(y)
fog = keras.Model(fog_in, [y, fog_exit], name="fog")

cloud_in = keras.Input(shape=(7,), name="cloud_in")
z = layers.Dense(16, activation="relu", name="cloud_hidden")(cloud_in)
cloud_exit = layers.Dense(4, activation="softmax", name="cloud_exit")(z)
cloud = keras.Model(cloud_in, cloud_exit, name="cloud")

to_fog, first = edge(sensor)
to_cloud, second = fog(to_fog)
model = keras.Model(sensor, [first, second, cloud(to_cloud)])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
)"),
	                          8);
	ASSERT_EQ(model.stage_count(), 3u);
	EXPECT_EQ(model.stage_input_width(1), 10);
	EXPECT_EQ(model.stage_input_width(2), 7);
	expect_chain_matches(model, uniform(10, {12}, 6));
}

TEST(Stages, SubModelsDefinedApartAreChained) {
	// The original's form: three definitions, no compile (the deployment's
	// defaults then), the edge and fog ones returning [to upper, exit].
	auto edge = parse_model_definition(R"(import tensorflow as tf
from tensorflow import keras
frame = keras.Input(shape=(6, 6, 1), name="frame")
x = tf.keras.layers.Conv2D(3, kernel_size=(3, 3), name="conv")(frame)
x = tf.keras.layers.Flatten(name="flatten")(x)
up = tf.keras.layers.Dense(9, activation=tf.nn.relu, name="dense")(x)
exit_edge = tf.keras.layers.Dense(5, activation=tf.nn.softmax, name="exit_edge")(up)
edge_model = keras.Model(inputs=[frame], outputs=[up, exit_edge], name="edge_model")
)");
	auto fog = parse_model_definition(R"(import tensorflow as tf
from tensorflow import keras
fog_input = keras.Input(shape=9, name="fog_input")
up = tf.keras.layers.Dense(6, activation=tf.nn.relu, name="dense")(fog_input)
exit_fog = tf.keras.layers.Dense(5, activation=tf.nn.softmax, name="exit_fog")(up)
fog_model = keras.Model(inputs=[fog_input], outputs=[up, exit_fog], name="fog_model")
)");
	auto cloud = parse_model_definition(R"(import tensorflow as tf
from tensorflow import keras
cloud_input = keras.Input(shape=6, name="cloud_input")
x = tf.keras.layers.Dense(8, activation=tf.nn.relu, name="dense")(cloud_input)
x = tf.keras.layers.Dropout(0.2)(x)
exit_cloud = tf.keras.layers.Dense(5, activation=tf.nn.softmax, name="exit_cloud")(x)
cloud_model = keras.Model(inputs=cloud_input, outputs=[exit_cloud], name="cloud_model")
)");
	auto spec = chain_submodels({edge, fog, cloud});
	ASSERT_EQ(spec.outputs.size(), 3u);
	EXPECT_EQ(spec.outputs[0].name, "exit_edge");
	EXPECT_EQ(spec.outputs[2].name, "exit_cloud");
	// Each sub-model named its layer "dense": the later ones are renamed.
	EXPECT_EQ(spec.layers[2].name, "dense");
	EXPECT_EQ(spec.layers[4].name, "dense_1");
	EXPECT_EQ(spec.compile.loss.name, "sparse_categorical_crossentropy");
	auto model = Model::build(spec, 9);
	ASSERT_EQ(model.stage_count(), 3u);
	EXPECT_EQ(model.stage_input_width(1), 9);
	EXPECT_EQ(model.stage_input_width(2), 6);
	auto x = uniform(40, {6, 6, 1}, 7);
	expect_chain_matches(model, x);
	// Trained together: the labels are one class per exit.
	auto y = same_labels(40, 3, [&](int64_t r) { return x.data[static_cast<size_t>(r * 36)] > 0 ? 1.0f : 3.0f; });
	auto history = model.fit(x, y, quiet(3, 8)).history;
	EXPECT_EQ(history.back().train.size(), 7u); // loss, 3 losses, 3 accuracies
	expect_chain_matches(model, x);

	// The fog model's input must be what the edge model gives.
	auto narrow = fog;
	narrow.inputs[0].shape = Shape{8};
	EXPECT_THROW(chain_submodels({edge, narrow, cloud}), std::invalid_argument);
	EXPECT_THROW(chain_submodels({cloud, fog}), std::invalid_argument); // one output below the top
	EXPECT_THROW(chain_submodels({edge}), std::invalid_argument);       // two outputs at the top
}
