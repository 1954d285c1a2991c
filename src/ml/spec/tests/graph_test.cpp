// The ModelSpec graph (inputs, nodes, outputs, unique layers), the fields
// added with it (per-output compile, metric/loss/optimizer arguments, the
// new layers' arguments with Keras' defaults), the graph summary table, and
// Keras' functional JSON read into the same graph.

#include "ml/spec/parse.h"
#include "ml/spec/summary.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace kafkaml::ml {
namespace {

using ::testing::HasSubstr;

const char *kResidual = R"(
from tensorflow import keras
from tensorflow.keras import layers
inputs = keras.Input(shape=(16,), name="x")
h = layers.Dense(16, activation="relu")(inputs)
shared = layers.Dense(16, name="shared")
a = shared(h)
b = shared(a)
s = layers.add([h, b])
out = layers.Dense(1, name="y")(s)
model = keras.Model(inputs, out, name="res")
)";

TEST(Graph, NodesInputsAndOutputsDescribeAResidualWithASharedLayer) {
	ModelSpec spec = parse_model_definition(kResidual);
	EXPECT_EQ(spec.class_name, "Functional");
	EXPECT_FALSE(spec.is_chain());
	ASSERT_EQ(spec.inputs.size(), 1u);
	EXPECT_EQ(spec.inputs[0].name, "x");
	EXPECT_EQ(spec.inputs[0].shape, Shape{16});
	EXPECT_EQ(spec.inputs[0].dtype, "float32");
	std::vector<std::string> names;
	for (const auto &layer : spec.layers) {
		names.push_back(layer.name);
	}
	EXPECT_EQ(names, (std::vector<std::string>{"dense", "shared", "add", "y"}));
	ASSERT_EQ(spec.nodes.size(), 5u);
	EXPECT_EQ(spec.nodes[0].layer, 0u);
	EXPECT_EQ(spec.nodes[0].inputs, (std::vector<TensorRef>{{-1, 0}}));
	EXPECT_EQ(spec.nodes[1].layer, 1u);
	EXPECT_EQ(spec.nodes[2].layer, 1u); // the shared layer, applied again
	EXPECT_EQ(spec.nodes[2].inputs, (std::vector<TensorRef>{{1, 0}}));
	EXPECT_EQ(spec.nodes[3].inputs, (std::vector<TensorRef>{{0, 0}, {2, 0}}));
	ASSERT_EQ(spec.outputs.size(), 1u);
	EXPECT_EQ(spec.outputs[0].name, "y");
	EXPECT_EQ(spec.outputs[0].tensor, (TensorRef{4, 0}));
	ModelSummary summary = summarize(spec);
	EXPECT_EQ(summary.total_params, 272 + 272 + 17); // the shared layer counts once
	std::string table = format_summary(summary);
	EXPECT_THAT(table, HasSubstr("Connected to"));
	EXPECT_THAT(table, HasSubstr(" x (InputLayer)                 [(None, 16)]         0           []\n"));
	EXPECT_THAT(table, HasSubstr(" shared (Dense)                 multiple             272         ['dense[0][0]', "
	                             "'shared[0][0]']\n"));
	EXPECT_THAT(table, HasSubstr(" add (Add)                      (None, 16)           0           ['dense[0][0]', "
	                             "'shared[1][0]']\n"));
}

TEST(Graph, AChainKeepsTheEngineForm) {
	ModelSpec spec = parse_model_definition(R"(
import tensorflow as tf
inputs = tf.keras.Input(shape=(4,))
x = tf.keras.layers.Dense(3)(inputs)
model = tf.keras.Model(inputs, tf.keras.layers.Dense(2)(x))
)");
	EXPECT_TRUE(spec.is_chain());
	EXPECT_EQ(spec.layers[0].input_shape, Shape{4});
	EXPECT_FALSE(spec.layers[1].input_shape.has_value());
	EXPECT_EQ(format_summary(summarize(spec)).find("Connected to"), std::string::npos);
}

TEST(Graph, SeveralOutputsCompilePerOutput) {
	ModelSpec spec = parse_model_definition(R"(
from tensorflow import keras
from tensorflow.keras import layers
x = keras.Input(shape=(6,))
h = layers.Dense(8)(x)
a = layers.Dense(1, name="a")(h)
b = layers.Dense(3, activation="softmax", name="b")(h)
model = keras.Model(x, [a, b])
model.compile(optimizer="adam", loss={"b": "sparse_categorical_crossentropy", "a": keras.losses.Huber(0.5)},
              loss_weights={"a": 2.0}, metrics={"b": ["accuracy", keras.metrics.SparseTopKCategoricalAccuracy(k=2)]})
)");
	const CompileSpec &compile = spec.compile;
	ASSERT_EQ(compile.losses.size(), 2u);
	EXPECT_EQ(compile.losses[0].name, "huber");
	EXPECT_DOUBLE_EQ(compile.losses[0].delta, 0.5);
	EXPECT_EQ(compile.losses[1].name, "sparse_categorical_crossentropy");
	EXPECT_EQ(compile.loss.name, "huber");
	EXPECT_EQ(compile.loss_weights, (std::vector<double>{2.0, 1.0}));
	ASSERT_EQ(compile.output_metrics.size(), 2u);
	EXPECT_TRUE(compile.output_metrics[0].empty());
	ASSERT_EQ(compile.output_metrics[1].size(), 2u);
	EXPECT_EQ(compile.output_metrics[1][1].name, "sparse_top_k_categorical_accuracy");
	EXPECT_EQ(compile.output_metrics[1][1].k, 2);
	ModelSpec list = parse_model_definition(R"(
from tensorflow import keras
x = keras.Input(shape=(6,))
model = keras.Model(x, [keras.layers.Dense(1)(x), keras.layers.Dense(2)(x)])
model.compile("sgd", ["mse", "mae"], metrics=["mae"], loss_weights=[0.3, 0.7])
)");
	EXPECT_EQ(list.compile.losses[1].name, "mae");
	EXPECT_EQ(list.compile.loss_weights, (std::vector<double>{0.3, 0.7}));
	EXPECT_EQ(list.compile.output_metrics[0].size(), 1u);
	EXPECT_EQ(list.compile.output_metrics[1].size(), 1u);
	EXPECT_EQ(list.compile.metrics, std::vector<std::string>{"mae"});
	try {
		parse_model_definition("from tensorflow import keras\nx = keras.Input(shape=(2,))\n"
		                       "model = keras.Model(x, [keras.layers.Dense(1)(x), keras.layers.Dense(1)(x)])\n"
		                       "model.compile('adam', {'nope': 'mse'})");
		FAIL() << "no error";
	} catch (const ModelDefinitionError &error) {
		EXPECT_THAT(error.reason, HasSubstr("'nope' is not an output of the model; its outputs are dense, dense_1"));
	}
}

TEST(Graph, MetricLossAndOptimizerArgumentsHaveKerasDefaults) {
	ModelSpec spec = parse_model_definition(R"(
import tensorflow as tf
model = tf.keras.Sequential([tf.keras.layers.Dense(1, activation="sigmoid", input_shape=(3,))])
lr = tf.keras.optimizers.schedules.ExponentialDecay(0.01, decay_steps=100, decay_rate=0.5)
model.compile(
    optimizer=tf.keras.optimizers.Adam(learning_rate=lr, amsgrad=True, clipnorm=1.5),
    loss=tf.keras.losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1),
    metrics=[tf.keras.metrics.Precision(thresholds=0.7, name="p70"), tf.keras.metrics.AUC(curve="PR"),
             tf.keras.metrics.BinaryAccuracy(threshold=0.4), "acc", tf.keras.metrics.Recall(class_id=0)])
)");
	const CompileSpec &compile = spec.compile;
	EXPECT_EQ(compile.optimizer.name, "adam");
	ASSERT_TRUE(compile.optimizer.schedule.has_value());
	EXPECT_EQ(compile.optimizer.schedule->name, "exponential_decay");
	EXPECT_EQ(compile.optimizer.schedule->decay_steps, 100);
	EXPECT_DOUBLE_EQ(compile.optimizer.schedule->decay_rate, 0.5);
	EXPECT_FALSE(compile.optimizer.schedule->staircase);
	EXPECT_DOUBLE_EQ(compile.optimizer.learning_rate, 0.01);
	EXPECT_TRUE(compile.optimizer.amsgrad);
	EXPECT_EQ(compile.optimizer.clipnorm, 1.5);
	EXPECT_FALSE(compile.optimizer.clipvalue.has_value());
	EXPECT_TRUE(compile.loss.from_logits);
	EXPECT_DOUBLE_EQ(compile.loss.label_smoothing, 0.1);
	EXPECT_EQ(compile.metrics, (std::vector<std::string>{"precision", "auc", "binary_accuracy", "accuracy", "recall"}));
	ASSERT_EQ(compile.metric_specs.size(), 5u);
	EXPECT_EQ(compile.metric_specs[0].display_name, "p70");
	EXPECT_EQ(compile.metric_specs[0].thresholds, std::vector<double>{0.7});
	EXPECT_EQ(compile.metric_specs[1].curve, "PR");
	EXPECT_EQ(compile.metric_specs[1].num_thresholds, 200);
	EXPECT_DOUBLE_EQ(compile.metric_specs[2].threshold, 0.4);
	EXPECT_EQ(compile.metric_specs[3].display_name, "acc");
	EXPECT_EQ(compile.metric_specs[4].class_id, 0);
	auto optimizer_of = [](const std::string &text) {
		return parse_model_definition("model = Sequential([Dense(1, input_shape=(2,))])\nmodel.compile(" + text +
		                              ", 'mse')")
		    .compile.optimizer;
	};
	EXPECT_DOUBLE_EQ(optimizer_of("'adadelta'").rho, 0.95);
	EXPECT_DOUBLE_EQ(optimizer_of("'nadam'").learning_rate, 0.001);
	EXPECT_TRUE(optimizer_of("tf.keras.optimizers.RMSprop(centered=True)").centered);
	OptimizerSpec ftrl = optimizer_of("tf.keras.optimizers.Ftrl(l1_regularization_strength=0.1)");
	EXPECT_DOUBLE_EQ(ftrl.learning_rate_power, -0.5);
	EXPECT_DOUBLE_EQ(ftrl.l1_regularization_strength, 0.1);
	OptimizerSpec piecewise = optimizer_of(
	    "keras.optimizers.SGD(keras.optimizers.schedules.PiecewiseConstantDecay([10, 20], [0.1, 0.01, 0.001]))");
	EXPECT_EQ(piecewise.schedule->values, (std::vector<double>{0.1, 0.01, 0.001}));
	EXPECT_DOUBLE_EQ(piecewise.learning_rate, 0.1);
	EXPECT_DOUBLE_EQ(optimizer_of("keras.optimizers.legacy.SGD(decay=1e-6)").decay, 1e-6);
}

TEST(Graph, NewLayerArgumentsAreFilledIn) {
	ModelSpec spec = parse_model_definition(R"(
from tensorflow import keras
from tensorflow.keras import layers, regularizers
model = keras.Sequential([
    layers.Conv1D(4, 3, padding="Causal", dilation_rate=2, input_shape=(20, 2),
                  kernel_regularizer=regularizers.l2(0.01), activity_regularizer="l1"),
    layers.Bidirectional(layers.LSTM(5, dropout=0.1, recurrent_dropout=0.2, return_sequences=True), merge_mode="mul"),
    layers.TimeDistributed(layers.Dense(2, bias_regularizer=regularizers.L1L2(l1=0.5))),
    layers.ReLU(max_value=6),
    layers.LeakyReLU(),
    layers.ELU(),
    layers.Flatten(),
])
)");
	const auto &conv = spec.layers[0];
	EXPECT_EQ(conv.padding, "causal");
	EXPECT_EQ(conv.dilation_rate, std::vector<int64_t>{2});
	EXPECT_DOUBLE_EQ(conv.kernel_regularizer.l2, 0.01);
	EXPECT_DOUBLE_EQ(conv.activity_regularizer.l1, 0.01);
	EXPECT_FALSE(conv.bias_regularizer.present());
	const auto &bidirectional = spec.layers[1];
	EXPECT_EQ(bidirectional.merge_mode, "mul");
	ASSERT_EQ(bidirectional.wrapped.size(), 1u);
	EXPECT_EQ(bidirectional.wrapped[0].kind, LayerKind::LSTM);
	EXPECT_DOUBLE_EQ(bidirectional.wrapped[0].dropout, 0.1);
	EXPECT_DOUBLE_EQ(bidirectional.wrapped[0].recurrent_dropout, 0.2);
	EXPECT_EQ(bidirectional.wrapped[0].name, "lstm");
	EXPECT_DOUBLE_EQ(spec.layers[2].wrapped[0].bias_regularizer.l1, 0.5);
	EXPECT_DOUBLE_EQ(spec.layers[2].wrapped[0].bias_regularizer.l2, 0.0);
	EXPECT_EQ(spec.layers[3].max_value, 6.0);
	EXPECT_DOUBLE_EQ(spec.layers[4].alpha, 0.3);
	EXPECT_DOUBLE_EQ(spec.layers[5].alpha, 1.0);
	ModelSummary summary = summarize(spec);
	// conv 3*2*4+4 = 28 on (20, 2) -> (20, 4); BiLSTM 2*4*(5*(4+5)+5) = 400 -> (20, 5); TD Dense 5*2+2 = 12
	EXPECT_EQ(summary.total_params, 28 + 400 + 12);
	EXPECT_EQ(summary.output_shape, Shape{40});

	ModelSpec attention = parse_model_definition(R"(
from tensorflow import keras
q = keras.Input(shape=(4, 6))
mha = keras.layers.MultiHeadAttention(num_heads=2, key_dim=3)
model = keras.Model(q, mha(q, q))
)");
	EXPECT_EQ(attention.layers[0].value_dim, 3);
	EXPECT_TRUE(attention.layers[0].output_shape.empty());
	EXPECT_EQ(attention.nodes[0].inputs.size(), 2u);
	// q, k, v: 6*6+6 each; output 6*6+6
	EXPECT_EQ(summarize(attention).total_params, 4 * 42);
}

TEST(Graph, ASubclassedModelCalledOnAnInputTakesItsShape) {
	ModelSpec spec = parse_model_definition(R"(
import tensorflow as tf
class Tiny(tf.keras.Model):
    def __init__(self):
        super().__init__()
        self.d = tf.keras.layers.Dense(2)
    def call(self, x):
        return self.d(x)
model = Tiny()
model(tf.keras.Input(shape=(5,)))
)");
	EXPECT_EQ(spec.class_name, "Tiny");
	EXPECT_EQ(spec.name, "tiny");
	EXPECT_TRUE(spec.input_bound());
	EXPECT_EQ(summarize(spec).total_params, 12);
}

TEST(Graph, AugmentationLayersReadFactorsAsKeras) {
	ModelSpec spec = parse_model_definition(R"(
from tensorflow.keras import layers, Sequential
model = Sequential([
    layers.RandomFlip("vertical", input_shape=(32, 40, 3)),
    layers.RandomRotation(0.25, fill_mode="constant", fill_value=1.0),
    layers.RandomZoom((-0.3, 0.1)),
    layers.RandomContrast(0.4),
    layers.Resizing(16, 20, crop_to_aspect_ratio=True),
])
)");
	EXPECT_EQ(spec.layers[0].mode, "vertical");
	EXPECT_EQ(spec.layers[1].factor, (std::vector<double>{-0.25, 0.25}));
	EXPECT_EQ(spec.layers[1].fill_mode, "constant");
	EXPECT_DOUBLE_EQ(spec.layers[1].fill_value, 1.0);
	EXPECT_EQ(spec.layers[1].interpolation, "bilinear");
	EXPECT_EQ(spec.layers[2].factor, (std::vector<double>{-0.3, 0.1}));
	EXPECT_TRUE(spec.layers[2].width_factor.empty());
	EXPECT_EQ(spec.layers[3].factor, (std::vector<double>{0.4, 0.4}));
	EXPECT_EQ(spec.layers[4].height, 16);
	EXPECT_TRUE(spec.layers[4].crop_to_aspect_ratio);
	EXPECT_EQ(summarize(spec).output_shape, (Shape{16, 20, 3}));
}

TEST(Graph, TheCallsTrainingArgumentIsKeptPerNode) {
	ModelSpec spec = parse_model_definition(R"(
from tensorflow import keras
base = keras.Sequential([keras.layers.Dense(4, input_shape=(3,)), keras.layers.BatchNormalization()])
inputs = keras.Input(shape=(3,))
x = base(inputs, training=False)
x = keras.layers.Dropout(0.5)(x, training=True)
model = keras.Model(inputs, keras.layers.Dense(1)(x))
)");
	ASSERT_EQ(spec.nodes.size(), 4u);
	EXPECT_EQ(spec.nodes[0].training, false); // every layer the base model replays
	EXPECT_EQ(spec.nodes[1].training, false);
	EXPECT_EQ(spec.nodes[2].training, true);
	EXPECT_FALSE(spec.nodes[3].training.has_value());
	try {
		parse_model_definition("from tensorflow import keras\nx = keras.Input(shape=(3, 2))\n"
		                       "y = keras.layers.LSTM(2)(x, mask=x)");
		FAIL() << "no error";
	} catch (const ModelDefinitionError &error) {
		EXPECT_THAT(error.reason, HasSubstr("mask= is not supported"));
	}
}

TEST(Graph, RecurrentLayersReturnTheirStatesAndStartFromGivenOnes) {
	ModelSpec spec = parse_model_definition(R"(
from tensorflow import keras
encoder_inputs = keras.Input(shape=(7, 5))
encoder_outputs, state_h, state_c = keras.layers.LSTM(8, return_state=True)(encoder_inputs)
decoder_inputs = keras.Input(shape=(6, 3))
decoder_lstm = keras.layers.LSTM(8, return_sequences=True, return_state=True)
decoder_outputs, _, _ = decoder_lstm(decoder_inputs, initial_state=[state_h, state_c])
out, h = keras.layers.GRU(4, return_state=True)(decoder_outputs)
model = keras.Model([encoder_inputs, decoder_inputs], [keras.layers.Dense(2)(out), h])
)");
	ASSERT_EQ(spec.nodes.size(), 4u);
	EXPECT_TRUE(spec.layers[0].return_state);
	// The decoder starts from the encoder's outputs 1 (h) and 2 (c).
	EXPECT_EQ(spec.nodes[1].inputs, (std::vector<TensorRef>{{-1, 1}, {0, 1}, {0, 2}}));
	EXPECT_EQ(spec.outputs[1].tensor, (TensorRef{2, 1}));
	ModelSummary summary = summarize(spec);
	EXPECT_EQ(summary.output_shapes[1], Shape{4});
	// LSTM 4 (u (in + u) + u) twice, GRU 3 (u (in + u) + 2 u), Dense.
	EXPECT_EQ(summary.total_params, 4 * (8 * 13 + 8) + 4 * (8 * 11 + 8) + 3 * (4 * 12 + 8) + 10);
	EXPECT_THAT(format_summary(summary), HasSubstr("['input_2[0][0]', 'lstm[0][1]',\n"));
	EXPECT_THAT(format_summary(summary), HasSubstr("'lstm[0][2]']\n"));

	auto reason_of = [](const std::string &text) -> std::string {
		try {
			parse_model_definition("from tensorflow import keras\nx = keras.Input(shape=(5, 3))\n" + text);
		} catch (const ModelDefinitionError &error) {
			return error.what();
		}
		return "no error";
	};
	EXPECT_THAT(reason_of("model = keras.Sequential([keras.Input(shape=(5, 3)), keras.layers.GRU(4, "
	                      "return_state=True)])"),
	            HasSubstr("a Sequential model's layers return one tensor; build the model with the functional API"));
	EXPECT_THAT(reason_of("y = keras.layers.LSTM(4)(x, initial_state=[keras.Input(shape=(4,))])"),
	            HasSubstr("starts from 2 states, initial_state=[h, c], got 1"));
	EXPECT_THAT(reason_of("y = keras.layers.GRU(4)(x, initial_state=[keras.Input(shape=(3,))])"),
	            HasSubstr("initial state 1 must have shape (4,)"));
	EXPECT_THAT(reason_of("y = keras.layers.Bidirectional(keras.layers.GRU(4, return_state=True))(x)"),
	            HasSubstr("Bidirectional of a layer with return_state=True is not supported"));
	EXPECT_THAT(reason_of("y = keras.layers.Dense(4)(x, initial_state=[x])"),
	            HasSubstr("initial_state= is for recurrent layers"));
}

TEST(Graph, FrozenLayersCountAsNonTrainable) {
	ModelSpec spec = parse_model_definition(R"(
from tensorflow import keras
base = keras.Sequential([keras.layers.Dense(4, input_shape=(3,)), keras.layers.BatchNormalization()])
base.trainable = False
head = keras.layers.Dense(1)
model = keras.Sequential([base, head])
)");
	EXPECT_FALSE(spec.layers[0].trainable);
	EXPECT_TRUE(spec.layers[2].trainable);
	EXPECT_FALSE(spec.nodes[0].training.has_value());
	ModelSummary summary = summarize(spec);
	EXPECT_EQ(summary.trainable_params, 5);
	EXPECT_EQ(summary.non_trainable_params, 16 + 16);
}

TEST(Graph, KerasFunctionalJsonReadsIntoTheSameGraph) {
	ModelSpec python = parse_model_definition(kResidual);
	ModelSpec json = parse_model_definition(R"({"class_name": "Functional", "config": {"name": "res", "layers": [
 {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 16], "dtype": "float32", "name": "x"},
  "name": "x", "inbound_nodes": []},
 {"class_name": "Dense", "config": {"name": "dense", "units": 16, "activation": "relu"}, "name": "dense",
  "inbound_nodes": [[["x", 0, 0, {}]]]},
 {"class_name": "Dense", "config": {"name": "shared", "units": 16}, "name": "shared",
  "inbound_nodes": [[["dense", 0, 0, {}]], [["shared", 0, 0, {}]]]},
 {"class_name": "Add", "config": {"name": "add"}, "name": "add",
  "inbound_nodes": [[["dense", 0, 0, {}], ["shared", 1, 0, {}]]]},
 {"class_name": "Dense", "config": {"name": "y", "units": 1}, "name": "y", "inbound_nodes": [[["add", 0, 0, {}]]]}
], "input_layers": [["x", 0, 0]], "output_layers": [["y", 0, 0]]}, "keras_version": "2.11.0"})");
	EXPECT_EQ(json.name, "res");
	ASSERT_EQ(json.nodes.size(), python.nodes.size());
	for (size_t i = 0; i < json.nodes.size(); i++) {
		EXPECT_EQ(json.nodes[i].layer, python.nodes[i].layer) << i;
		EXPECT_EQ(json.nodes[i].inputs, python.nodes[i].inputs) << i;
	}
	EXPECT_EQ(json.outputs[0].tensor, python.outputs[0].tensor);
	EXPECT_EQ(summarize(json).total_params, summarize(python).total_params);
	// Keras 3 writes inbound nodes as call arguments
	ModelSpec keras3 = parse_model_definition(R"({"class_name": "Functional", "config": {"name": "k3", "layers": [
 {"class_name": "InputLayer", "config": {"batch_shape": [null, 5], "dtype": "float32", "name": "input_layer"},
  "name": "input_layer", "inbound_nodes": []},
 {"class_name": "Dense", "config": {"name": "dense", "units": 2}, "name": "dense", "inbound_nodes": [{"args": [
  {"class_name": "__keras_tensor__", "config": {"shape": [null, 5], "dtype": "float32",
   "keras_history": ["input_layer", 0, 0]}}], "kwargs": {}}]}
], "input_layers": [["input_layer", 0, 0]], "output_layers": [["dense", 0, 0]]}})");
	EXPECT_TRUE(keras3.is_chain());
	EXPECT_EQ(summarize(keras3).total_params, 12);
}

TEST(Graph, DisconnectedGraphsAndBadMergesAreErrors) {
	auto reason_of = [](const std::string &text) -> std::string {
		try {
			parse_model_definition(text);
		} catch (const ModelDefinitionError &error) {
			return error.what();
		}
		return "no error";
	};
	EXPECT_THAT(reason_of("from tensorflow import keras\na = keras.Input(shape=(2,))\nb = keras.Input(shape=(2,))\n"
	                      "model = keras.Model(a, keras.layers.add([a, b]))"),
	            HasSubstr("line 4, column 9: the model's outputs depend on the input 'input_2', which is not among "
	                      "its inputs (graph disconnected)"));
	EXPECT_THAT(reason_of("from tensorflow import keras\na = keras.Input(shape=(2,))\nb = keras.Input(shape=(3,))\n"
	                      "s = keras.layers.Add()([a, b])"),
	            HasSubstr("needs inputs of the same shape, got (2) and (3)"));
	EXPECT_THAT(reason_of("from tensorflow import keras\na = keras.Input(shape=(2,))\n"
	                      "s = keras.layers.Concatenate()([a])"),
	            HasSubstr("merges a list of at least 2 tensors"));
	EXPECT_THAT(reason_of("from tensorflow import keras\na = keras.Input(shape=(2,))\nb = keras.Input(shape=(3,))\n"
	                      "d = keras.layers.Dense(4)\nx = d(a)\ny = d(b)\nmodel = keras.Model([a, b], [x, y])"),
	            HasSubstr("applied again to an input of another size"));
}

} // namespace
} // namespace kafkaml::ml
