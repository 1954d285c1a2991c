// The Python-subset parser: the paper's HCOPD model verbatim, the accepted
// variations, and errors that name line and column.

#include "ml/spec/parse.h"
#include "ml/spec/summary.h"
#include "ml/spec/tests/spec_test_support.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace kafkaml::ml {
namespace {

using ::testing::HasSubstr;

const char *kHcopd = R"(model = tf.keras.Sequential([
    tf.keras.layers.Dropout(0.2, input_shape=(3,)),
    tf.keras.layers.Dense(4, activation='sigmoid'),
    tf.keras.layers.Dense(2, activation='softmax')
])
model.compile(keras.optimizers.Adam(lr=.0001), loss='sparse_categorical_crossentropy', metrics=['accuracy'])
)";

//! Runs the parser expecting an error; returns it.
ModelDefinitionError parse_error(std::string_view text) {
	return definition_error(text);
}

TEST(ParsePython, HcopdModelOfTheDesignVerbatim) {
	ModelSpec model = parse_model_definition(kHcopd);
	ASSERT_EQ(model.layers.size(), 3u);
	EXPECT_EQ(model.layers[0].kind, LayerKind::Dropout);
	EXPECT_DOUBLE_EQ(model.layers[0].rate, 0.2);
	EXPECT_EQ(model.layers[0].input_shape, Shape{3});
	EXPECT_EQ(model.layers[0].name, "dropout");
	EXPECT_EQ(model.layers[1].kind, LayerKind::Dense);
	EXPECT_EQ(model.layers[1].units, 4);
	EXPECT_EQ(model.layers[1].activation, "sigmoid");
	EXPECT_EQ(model.layers[1].name, "dense");
	EXPECT_FALSE(model.layers[1].input_shape.has_value());
	EXPECT_EQ(model.layers[2].units, 2);
	EXPECT_EQ(model.layers[2].activation, "softmax");
	EXPECT_EQ(model.layers[2].name, "dense_1");
	EXPECT_EQ(model.layers[2].kernel_initializer, "glorot_uniform");
	EXPECT_EQ(model.layers[2].bias_initializer, "zeros");
	ASSERT_TRUE(model.compile.present);
	EXPECT_EQ(model.compile.optimizer.name, "adam");
	EXPECT_DOUBLE_EQ(model.compile.optimizer.learning_rate, 0.0001);
	EXPECT_DOUBLE_EQ(model.compile.optimizer.beta_1, 0.9);
	EXPECT_DOUBLE_EQ(model.compile.optimizer.beta_2, 0.999);
	EXPECT_DOUBLE_EQ(model.compile.optimizer.epsilon, 1e-7);
	EXPECT_EQ(model.compile.loss.name, "sparse_categorical_crossentropy");
	EXPECT_FALSE(model.compile.loss.from_logits);
	EXPECT_EQ(model.compile.metrics, std::vector<std::string>{"accuracy"});

	ModelSummary summary = summarize(model);
	// Dropout 0; Dense(4) on (3,) = 3*4+4 = 16; Dense(2) on (4,) = 4*2+2 = 10.
	EXPECT_EQ(summary.total_params, 26);
	EXPECT_EQ(summary.output_shape, Shape{2});
}

TEST(ParsePython, ImportsCommentsContinuationsAndPrefixes) {
	ModelSpec model = parse_model_definition(R"(
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers  # the usual imports
"""A docstring."""

model = keras.Sequential(name="regressor")
model.add(tf.keras.Input(shape=(8,)))
model.add(layers.Dense(16, activation=tf.nn.relu,
                       kernel_initializer='he_normal'))   # continued line
model.add(tf.keras.layers.Dense(8, \
    activation="tanh"))
model.add(keras.layers.Dense(1))
model.compile(optimizer='adam', loss='mse'); model.summary()
)");
	EXPECT_EQ(model.name, "regressor");
	ASSERT_EQ(model.layers.size(), 3u);
	EXPECT_EQ(model.layers[0].input_shape, Shape{8});
	EXPECT_EQ(model.layers[1].activation, "tanh");
	EXPECT_EQ(model.layers[2].name, "dense_2");
	EXPECT_EQ(model.compile.loss.name, "mse");
	EXPECT_EQ(summarize(model).total_params, (8 * 16 + 16) + (16 * 8 + 8) + (8 + 1));
}

TEST(ParsePython, VariablesAndObjectsResolve) {
	ModelSpec model = parse_model_definition(R"(
import tensorflow as tf
model = tf.keras.models.Sequential()
model.add(tf.keras.layers.InputLayer(input_shape=(8,)))
model.add(tf.keras.layers.Dense(16, activation=tf.nn.relu, kernel_initializer='he_normal'))
model.add(Dense(8, activation=tf.keras.activations.elu, use_bias=False))
model.add(layers.Dense(1, name='out'))
opt = tf.keras.optimizers.SGD(learning_rate=1e-3, momentum=0.9, nesterov=True)
model.compile(optimizer=opt, loss=tf.keras.losses.Huber(delta=2.0), metrics=['mae', tf.keras.metrics.RootMeanSquaredError()])
)");
	ASSERT_EQ(model.layers.size(), 3u);
	EXPECT_EQ(model.layers[0].input_shape, Shape{8});
	EXPECT_EQ(model.layers[0].activation, "relu");
	EXPECT_EQ(model.layers[0].kernel_initializer, "he_normal");
	EXPECT_EQ(model.layers[1].activation, "elu");
	EXPECT_FALSE(model.layers[1].use_bias);
	EXPECT_EQ(model.layers[2].name, "out");
	EXPECT_EQ(model.compile.optimizer.name, "sgd");
	EXPECT_DOUBLE_EQ(model.compile.optimizer.learning_rate, 1e-3);
	EXPECT_DOUBLE_EQ(model.compile.optimizer.momentum, 0.9);
	EXPECT_TRUE(model.compile.optimizer.nesterov);
	EXPECT_EQ(model.compile.loss.name, "huber");
	EXPECT_DOUBLE_EQ(model.compile.loss.delta, 2.0);
	EXPECT_EQ(model.compile.metrics, (std::vector<std::string>{"mae", "rmse"}));
}

TEST(ParsePython, OptimizerAndLossDefaults) {
	auto compile_of = [](const std::string &compile) {
		return parse_model_definition("model = Sequential([Dense(1, input_shape=(2,))])\nmodel.compile(" + compile +
		                              ")")
		    .compile;
	};
	EXPECT_DOUBLE_EQ(compile_of("'sgd', 'mse'").optimizer.learning_rate, 0.01);
	EXPECT_EQ(compile_of("'sgd', 'mean_squared_error'").loss.name, "mse");
	EXPECT_EQ(compile_of("loss='mse'").optimizer.name, "rmsprop");
	EXPECT_DOUBLE_EQ(compile_of("loss='mse'").optimizer.rho, 0.9);
	EXPECT_EQ(compile_of("'Adam', 'mae'").optimizer.name, "adam");
	EXPECT_DOUBLE_EQ(compile_of("tf.keras.optimizers.AdamW(learning_rate=0.01), 'mse'").optimizer.weight_decay, 0.004);
	EXPECT_DOUBLE_EQ(compile_of("keras.optimizers.Adagrad(0.05), 'mse'").optimizer.learning_rate, 0.05);
	EXPECT_DOUBLE_EQ(compile_of("keras.optimizers.Adagrad(0.05), 'mse'").optimizer.initial_accumulator_value, 0.1);
	LossSpec loss = compile_of("'adam', tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)").loss;
	EXPECT_EQ(loss.name, "sparse_categorical_crossentropy");
	EXPECT_TRUE(loss.from_logits);
	EXPECT_EQ(compile_of("'adam', keras.losses.BinaryCrossentropy()").loss.name, "binary_crossentropy");
	EXPECT_EQ(compile_of("'adam', 'categorical_crossentropy', metrics=['acc', 'precision', 'recall', 'auc']").metrics,
	          (std::vector<std::string>{"accuracy", "precision", "recall", "auc"}));
	EXPECT_EQ(compile_of("loss=tf.keras.losses.mean_absolute_error").loss.name, "mae");
}

TEST(ParsePython, NumbersAndLiterals) {
	ModelSpec model = parse_model_definition(
	    "model = Sequential([BatchNormalization(momentum=.9, epsilon=1e-5, center=False, input_shape=[4]),"
	    " Dense(2, activation=None), Activation(tf.nn.leaky_relu), Dropout(rate=0.5)])");
	EXPECT_DOUBLE_EQ(model.layers[0].momentum, 0.9);
	EXPECT_DOUBLE_EQ(model.layers[0].epsilon, 1e-5);
	EXPECT_FALSE(model.layers[0].center);
	EXPECT_EQ(model.layers[1].activation, "linear");
	EXPECT_EQ(model.layers[2].activation, "leaky_relu");
	EXPECT_DOUBLE_EQ(model.layers[2].alpha, 0.2);
	EXPECT_EQ(model.compile.present, false);
	ModelSpec reshape = parse_model_definition("model = Sequential([Reshape((-1, 2), input_shape=(8,))])");
	EXPECT_EQ(reshape.layers[0].target_shape, (Shape{-1, 2}));
	EXPECT_EQ(summarize(reshape).output_shape, (Shape{4, 2}));
}

TEST(ParsePython, ActivationsAllSupported) {
	for (std::string name :
	     {"relu", "sigmoid", "softmax", "tanh", "elu", "selu", "softplus", "linear", "leaky_relu", "swish"}) {
		ModelSpec model =
		    parse_model_definition("model = Sequential([Dense(2, activation='" + name + "', input_shape=(2,))])");
		EXPECT_EQ(model.layers[0].activation, name);
	}
	EXPECT_EQ(parse_model_definition("model = Sequential([Dense(2, activation=tf.nn.silu, input_shape=(2,))])")
	              .layers[0]
	              .activation,
	          "swish");
}

struct ErrorCase {
	const char *text;
	int line;
	int column;
	const char *message;
};

//! Each case must fail at its line and column with a reason containing its message.
template <size_t N>
void expect_errors(const ErrorCase (&cases)[N]) {
	for (const auto &test : cases) {
		ModelDefinitionError error = parse_error(test.text);
		EXPECT_EQ(error.location.line, test.line) << test.text << "\n" << error.what();
		EXPECT_EQ(error.location.column, test.column) << test.text << "\n" << error.what();
		EXPECT_THAT(error.reason, HasSubstr(test.message)) << test.text;
		EXPECT_THAT(std::string(error.what()),
		            HasSubstr("line " + std::to_string(test.line) + ", column " + std::to_string(test.column) + ": "));
	}
}

TEST(ParsePython, ErrorsNameLineColumnAndWhatWasExpected) {
	const ErrorCase cases[] = {
	    {"model = tf.keras.Sequential([\n    tf.keras.layers.Dense2(4, input_shape=(3,)),\n])", 2, 21,
	     "unknown layer 'Dense2'; expected one of Dense, Dropout"},
	    {"model = Sequential([Dense(4, input_shape=(3,), activation='relu', colour=3)])", 1, 67,
	     "unknown argument 'colour' for Dense; expected one of"},
	    {"try:\n    pass\nexcept ValueError:\n    pass", 1, 1, "'try' is not supported"},
	    {"for i in range(3):\n    model.add(Dense(1))", 2, 5, "'model' is not defined here"},
	    {"model = Sequential([Dense('four', input_shape=(3,))])", 1, 27,
	     "argument 'units' of Dense must be an integer, not the string 'four'"},
	    {"model = Sequential([Dense(4)])\nx = model.output.shape", 2, 18, "not known yet"},
	    {"model = Sequential([Dense(4, input_shape=(3,)), Conv2D(8, 3)])", 1, 49,
	     "expects an input of 3 dimensions (height, width, channels)"},
	    {"model = Sequential([Conv2D(8, (5, 5), input_shape=(4, 4, 1))])", 1, 21,
	     "kernel size 5 is larger than its input"},
	    {"model = Sequential([Dense(4, input_shape=(3,), activation='relu7')])", 1, 59, "unknown activation 'relu7'"},
	    {"model = Sequential([Dense(4, input_shape=(3,))])\nmodel.compile('adam', loss='hingee')", 2, 28,
	     "unknown loss 'hingee'"},
	    {"model = Sequential([Dense(4, input_shape=(3,))])\nmodel.compile('nadamw', 'mse')", 2, 15,
	     "unknown optimizer 'nadamw'"},
	    {"model = Sequential([Dense(4, input_shape=(3,))])\nmodel.fit(x, y)", 2, 1, "not part of a model definition"},
	    {"model = Sequential([Dense(4, input_shape=(3,)))", 1, 47, "does not match '['"},
	    {"model = Sequential([Dense(4, input_shape=(3,))]", 1, 19, "'(' is never closed"},
	    {"model = Sequential([Dense(4, input_shape=3)])", 1, 42, "write (3,) for one dimension"},
	    {"x = 1 + 'a'", 1, 7, "unsupported operand types for +: int and str"},
	    {"x = 1 $ 2", 1, 7, "unexpected character '$'"},
	    {"model = Sequential([Dense(4, input_shape=(3,))])\n  model.add(Dense(1))", 2, 3, "unexpected indentation"},
	    {"", 1, 1, "empty"},
	    {"import tensorflow as tf\n", 1, 1, "no model is defined"},
	    {"model = Sequential([Dense(4, name='a', input_shape=(3,)), Dense(4, name='a')])", 1, 59, "used twice"},
	    {"model = Sequential([Dropout(1.5, input_shape=(3,))])", 1, 29, "must be in [0, 1)"},
	    {"model = Sequential([Dense(4, input_shape=(3,), units=5)])", 1, 48, "given both by position and by keyword"},
	    {"model = Sequential([Dense(4, input_shape=(3,)), LSTM(8)])", 1, 49, "expects an input of 2 dimensions"},
	    {"model = Sequential([Dense(4, kernel_regularizer='l3', input_shape=(3,))])", 1, 49,
	     "unknown regularizer 'l3'"},
	    {"model = Sequential([Dense(4, input_shape=(3,))])\nmodel.compile('adam', 'mse', metrics=['f1'])", 2, 39,
	     "unknown metric 'f1'"},
	    {"model = keras.Model(inputs, outputs)", 1, 21, "'inputs' is not defined here"},
	    {"model = Sequential([Dense(4, input_shape=(3,))])\nmodel.compile(loss='mse'\n", 2, 14, "never closed"},
	    {"model = Sequential([Dense(4, input_shape=(3,), activation='sig\nmoid')])", 1, 59, "never closed"},
	};
	expect_errors(cases);
}

TEST(ParsePython, DeepNestingIsAnErrorNotACrash) {
	std::string deep = "x = " + std::string(10000, '[') + std::string(10000, ']');
	EXPECT_THAT(parse_error(deep).reason, HasSubstr("nesting deeper than"));
	// Lists shared by reference stay cheap (as in Python) until something
	// walks them: a layer argument does, and the step bound stops it.
	std::string wide = "a = [1, 1]\n";
	for (int i = 0; i < 40; i++) {
		wide += "v" + std::to_string(i + 1) + " = [" + (i ? "v" + std::to_string(i) : std::string("a")) + ", " +
		        (i ? "v" + std::to_string(i) : std::string("a")) + "]\n";
	}
	wide += "model = Sequential([Dense(4, input_shape=v40)])\n";
	EXPECT_THAT(parse_error(wide).reason, HasSubstr("evaluation steps"));
	EXPECT_THAT(parse_error("a = [0]\nfor i in range(40):\n    a = a + a\n").reason, HasSubstr("a list longer than"));
}

} // namespace
} // namespace kafkaml::ml

namespace kafkaml::ml {
namespace {

TEST(ParsePython, SequentialForms) {
	for (std::string callee : {"tf.keras.Sequential", "keras.Sequential", "Sequential", "keras.models.Sequential",
	                           "tf.keras.models.Sequential"}) {
		ModelSpec model =
		    parse_model_definition("model = " + callee + "(layers=[Dense(1, input_shape=(2,))], name='m')");
		EXPECT_EQ(model.name, "m") << callee;
		EXPECT_EQ(model.layers.size(), 1u) << callee;
	}
	for (std::string prefix : {"", "layers.", "keras.layers.", "tf.keras.layers.", "tf.keras.", "keras."}) {
		ModelSpec model = parse_model_definition("net = Sequential([" + prefix + "Dense(1, input_shape=(2,))])");
		EXPECT_EQ(model.layers[0].kind, LayerKind::Dense) << prefix;
	}
	// Positional arguments follow Keras' signatures.
	ModelSpec model = parse_model_definition(
	    "model = Sequential([LSTM(8, 'relu', 'tanh', False, return_sequences=True, input_shape=(5, 3)), "
	    "Conv1D(4, 2, 1, 'same'), MaxPooling1D(2, 1, 'same'), Embedding(10, 3)])");
	EXPECT_EQ(model.layers[0].activation, "relu");
	EXPECT_EQ(model.layers[0].recurrent_activation, "tanh");
	EXPECT_FALSE(model.layers[0].use_bias);
	EXPECT_EQ(model.layers[1].padding, "same");
	EXPECT_EQ(model.layers[2].strides, std::vector<int64_t>{1});
	EXPECT_EQ(model.layers[3].input_dim, 10);
}

TEST(ParsePython, MoreErrors) {
	const ErrorCase cases[] = {
	    {"model = Sequential([Dense(1, input_shape=(2,))])\nmodel.compile('adam', 'mse')\nmodel.add(Dense(1))", 3, 1,
	     "layers must be added before model.compile"},
	    {"model = Sequential([Dense(1, input_shape=(2,))])\nmodel = Sequential()", 2, 9, "the model has no layers"},
	    {"model = Sequential([Dense(1, input_shape=(2,))])\nmodel.save('x.h5')", 2, 1,
	     "save(...) is not part of a model definition"},
	    {"model = Sequential([Dense(1, input_shape=(2,)), Input(shape=(2,))])", 1, 49, "Input can only come first"},
	    {"model.add(Dense(1))", 1, 1, "'model' is not defined"},
	    {"model = Sequential([Dense(1, input_shape=(2,))])\nmodel.compile('adam')", 2, 1, "compile needs a loss"},
	    {"model = Sequential([Conv1D(4, 3, padding='full', input_shape=(9, 2))])", 1, 42,
	     "must be one of 'valid', 'same', 'causal'"},
	    {"model = Sequential([LSTM(4, dropout=1.5, input_shape=(9, 2))])", 1, 37, "must be in [0, 1)"},
	    {"model = Sequential([Dense(1, input_shape=(2,))], 'm', 3)", 1, 55, "at most 2 positional"},
	    {"model = Sequential([Dense(1, 'relu', True, 'zeros', 'zeros', None, input_shape=(2,))])", 1, 62,
	     "takes at most 5 positional arguments"},
	    {"model = Sequential([Dense(1, input_shape=(2,), kernel_initializer='magic')])", 1, 67,
	     "unknown initializer 'magic'"},
	    {"model = Sequential([Dense(1, input_shape=(2,))])\nmodel.compile(tf.keras.optimizers.Adam, 'mse')", 2, 15,
	     "must be called"},
	    {"model = Sequential([Dense(1, input_shape=(2,))])\nmodel.compile('adam', 'mse', metrics='mae')", 2, 38,
	     "metrics must be a list"},
	    {"model = Sequential([Dense(1, input_shape=(2,), trainable='no')])", 1, 58, "must be True or False"},
	    {"print(model.summary())", 1, 7, "'model' is not defined here"},
	    {"model = Sequential([Dense(1, input_shape=(2,))])\nmodel.compile(loss='mse', optimizer=keras.optimizers."
	     "Adam(lr=0.1, learning_rate=0.1))",
	     2, 62, "either 'learning_rate' or its old name 'lr'"},
	};
	expect_errors(cases);
}

} // namespace
} // namespace kafkaml::ml

namespace kafkaml::ml {
namespace {

// Dense(10**12) was accepted at creation and failed later, in whatever
// tried to allocate it.
TEST(Parse, AModelOfAbsurdSizeIsRefusedAtOnce) {
	auto definition = [](int64_t units) {
		return "model = tf.keras.Sequential([tf.keras.layers.Dense(" + std::to_string(units) +
		       ", input_shape=(3,))])\nmodel.compile(loss='mse')";
	};
	EXPECT_NO_THROW(parse_model_definition(definition(1000)));
	try {
		parse_model_definition(definition(1'000'000'000'000));
		FAIL() << "a model of 4e12 parameters was accepted";
	} catch (const ModelDefinitionError &e) {
		EXPECT_NE(std::string(e.what()).find("4000000000000 parameters, more than the 1000000000"), std::string::npos)
		    << e.what();
	}
}

} // namespace
} // namespace kafkaml::ml

namespace kafkaml::ml {
namespace {

TEST(Parse, CompileArgumentsAloneAsForATorchScriptUpload) {
	auto compile = parse_compile_arguments(
	    "optimizer=keras.optimizers.Adam(learning_rate=0.01), loss='sparse_categorical_crossentropy', "
	    "metrics=['accuracy']");
	EXPECT_TRUE(compile.present);
	EXPECT_EQ(compile.optimizer.name, "adam");
	EXPECT_DOUBLE_EQ(compile.optimizer.learning_rate, 0.01);
	EXPECT_EQ(compile.loss.name, "sparse_categorical_crossentropy");
	EXPECT_EQ(compile.metrics, (std::vector<std::string>{"accuracy"}));
	EXPECT_EQ(parse_compile_arguments("  model.compile(loss='mse')\n").loss.name, "mse");
	EXPECT_THROW(parse_compile_arguments(""), ModelDefinitionError);
	EXPECT_THROW(parse_compile_arguments("optimizer='adam'"), ModelDefinitionError);
	try {
		parse_compile_arguments("loss='mse', optimizer='adamm'");
		FAIL();
	} catch (const ModelDefinitionError &e) {
		EXPECT_EQ(e.location.line, 1);
		EXPECT_EQ(e.location.column, 23) << e.what();
	}
}

} // namespace
} // namespace kafkaml::ml
