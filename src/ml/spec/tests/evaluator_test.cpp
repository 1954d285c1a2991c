// The evaluator of model code: Python's semantics where a definition can
// observe them, the modelled names, what is refused and why, and the
// bounds that keep any input from exhausting time, memory or the stack.

#include "ml/spec/eval_bounds.h"
#include "ml/spec/parse.h"
#include "ml/spec/summary.h"
#include "ml/spec/tests/spec_test_support.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace kafkaml::ml {
namespace {

using ::testing::HasSubstr;

ModelDefinitionError error_of(std::string_view text) {
	return definition_error(text);
}

//! The units of every Dense layer, in order.
std::vector<int64_t> dense_units(const ModelSpec &spec) {
	std::vector<int64_t> units;
	for (const auto &layer : spec.layers) {
		if (layer.kind == LayerKind::Dense) {
			units.push_back(layer.units);
		}
	}
	return units;
}

TEST(Evaluator, LambdaOfACommonFormIsTheBuiltInLayerItComputes) {
	auto spec = parse_model_definition("import tensorflow as tf\n"
	                                   "from tensorflow.keras import layers\n"
	                                   "inputs = tf.keras.Input(shape=(8, 8, 3))\n"
	                                   "x = layers.Lambda(lambda t: 1 - t / 127.5, name='flip')(inputs)\n"
	                                   "x = layers.Lambda(lambda t: -t + 2)(x)\n"
	                                   "x = layers.Lambda(lambda t: tf.math.reduce_max(t, [1, 2]))(x)\n"
	                                   "model = tf.keras.Model(inputs, x)\n");
	ASSERT_EQ(spec.layers.size(), 3u);
	EXPECT_EQ(spec.layers[0].kind, LayerKind::Rescaling);
	EXPECT_EQ(spec.layers[0].name, "flip");
	EXPECT_DOUBLE_EQ(spec.layers[0].rescale, -1.0 / 127.5);
	EXPECT_DOUBLE_EQ(spec.layers[0].offset, 1.0);
	EXPECT_DOUBLE_EQ(spec.layers[1].rescale, -1.0);
	EXPECT_DOUBLE_EQ(spec.layers[1].offset, 2.0);
	EXPECT_EQ(spec.layers[2].kind, LayerKind::GlobalMaxPooling2D);

	auto refused = [](const std::string &lambda) {
		return error_of("import tensorflow as tf\nf = tf.keras.layers.Lambda(" + lambda + ")").reason;
	};
	EXPECT_THAT(refused("lambda x: x[:, -1, :]"), HasSubstr("give the recurrent layer before return_sequences=False"));
	EXPECT_THAT(refused("lambda x: tf.expand_dims(x, -1)"), HasSubstr("write layers.Reshape with the new shape"));
	EXPECT_THAT(refused("lambda x: tf.reduce_mean(x, axis=-1)"), HasSubstr("reduces over axis=1 (sequences)"));
	EXPECT_THAT(refused("lambda x: tf.reduce_mean(x, axis=1, keepdims=True)"), HasSubstr("without keepdims"));
	EXPECT_THAT(refused("lambda x: x / 0"), HasSubstr("this Lambda is not supported"));
	EXPECT_THAT(refused("lambda x, y: x"), HasSubstr("takes one tensor"));
	EXPECT_THAT(refused("tf.nn.relu"), HasSubstr("needs a lambda as its first argument"));
	EXPECT_THAT(refused("lambda x: x * x"), HasSubstr("write the built-in layer instead"));
}

TEST(Evaluator, AnUndefinedDataNameSaysWhatToWriteInstead) {
	ModelDefinitionError error = error_of("import tensorflow as tf\n"
	                                      "from tensorflow.keras import layers\n"
	                                      "\n"
	                                      "model = tf.keras.Sequential()\n"
	                                      "model.add(layers.Conv2D(32, 3, input_shape=x_train.shape[1:]))\n");
	EXPECT_STREQ(error.what(), "line 5, column 44: 'x_train' is not defined here: write the shape, e.g. "
	                           "input_shape=(32, 32, 3), or leave the input shape out and the model takes it from "
	                           "the training stream");
	EXPECT_THAT(error_of("model = Sequential([Dense(units, input_shape=(3,))])").what(),
	            HasSubstr("line 1, column 27: 'units' is not defined here; define it before this line"));
}

TEST(Evaluator, OnlyModelledNamesExist) {
	// Imports of other modules are accepted; using them is the error.
	EXPECT_THAT(error_of("import pandas as pd\ndata = pd.read_csv('x.csv')").what(),
	            HasSubstr("line 2, column 11: 'pandas.read_csv' is not available in a model definition"));
	EXPECT_THAT(error_of("from sklearn.preprocessing import StandardScaler\nscaler = StandardScaler()").reason,
	            HasSubstr("'sklearn.preprocessing.StandardScaler' is not available"));
	EXPECT_THAT(error_of("import tensorflow as tf\nx = tf.keras.layers.Dense2(3)").what(),
	            HasSubstr("line 2, column 21: unknown layer 'Dense2'; expected one of Dense, Dropout"));
	EXPECT_THAT(error_of("from tensorflow.keras.layers import Attention").what(),
	            HasSubstr("line 1, column 37: unknown layer 'Attention'"));
	EXPECT_THAT(error_of("import tensorflow as tf\nf = tf.keras.layers.Lambda(lambda x: x ** 2)").reason,
	            HasSubstr("a model definition runs no user code"));
	EXPECT_THAT(error_of("import tensorflow as tf\nm = tf.keras.models.load_model('m.h5')").reason,
	            HasSubstr("'keras.models.load_model' is not available in a model definition: a definition builds its "
	                      "model"));
	// Importing what a notebook uses for its data is fine; using it is not.
	EXPECT_THAT(error_of("from tensorflow.keras.preprocessing.image import ImageDataGenerator\n"
	                     "from keras.utils import np_utils\ngen = ImageDataGenerator(rescale=1/255)")
	                .what(),
	            HasSubstr("line 3, column 7: 'tensorflow.keras.preprocessing.image.ImageDataGenerator' is not "
	                      "available in a model definition: it works on data"));
	EXPECT_THAT(error_of("x = open('weights.bin')").reason, HasSubstr("'open' is not defined here"));
	EXPECT_THAT(error_of("import os\nos.system('rm -rf /')").reason, HasSubstr("'os.system' is not available"));
}

TEST(Evaluator, PretrainedWeightsComeFromTheUploadedFile) {
	ModelSpec spec = parse_model_definition(
	    "import tensorflow as tf\nbase = tf.keras.applications.VGG16(weights='imagenet', include_top=False, "
	    "input_shape=(64, 64, 3))\nx = tf.keras.layers.Flatten()(base.output)\n"
	    "model = tf.keras.Model(base.input, tf.keras.layers.Dense(2)(x))");
	ASSERT_TRUE(spec.pretrained);
	EXPECT_EQ(spec.pretrained->application, "VGG16");
	EXPECT_EQ(spec.pretrained->weights, "imagenet");
	EXPECT_EQ(spec.pretrained->keras_file, "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5");
	EXPECT_EQ(spec.pretrained->layers.front(), "block1_conv1");
	EXPECT_EQ(spec.pretrained->layers.back(), "block5_pool");
	// Where there is no file, the refusal says why and what to upload.
	std::string missing = missing_weights_error(spec).what();
	EXPECT_THAT(missing, HasSubstr("line 2, column 36: VGG16: weights='imagenet' needs its weights file uploaded "
	                               "with the model, since nothing can be downloaded here"));
	EXPECT_THAT(missing, HasSubstr("vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"));
	EXPECT_THAT(missing, HasSubstr("kafkaml models weights ID FILE"));
	EXPECT_THAT(missing, HasSubstr("PUT /api/v1/models/{id}/weights"));
	EXPECT_THAT(missing, HasSubstr("weights=None"));

	ModelSpec named = parse_model_definition(
	    "from tensorflow.keras.applications import ResNet50\nmodel = ResNet50(include_top=False, "
	    "input_shape=(64, 64, 3))");
	ASSERT_TRUE(named.pretrained);
	EXPECT_THAT(missing_weights_error(named).reason, HasSubstr("Keras' default weights='imagenet'"));
	ModelSpec file = parse_model_definition("import keras\nmodel = keras.applications.MobileNetV2(alpha=0.5, "
	                                        "weights='mine/mobilenet.h5')");
	ASSERT_TRUE(file.pretrained);
	EXPECT_THAT(missing_weights_error(file).reason, HasSubstr("upload 'mine/mobilenet.h5'"));
	EXPECT_FALSE(parse_model_definition("import keras\nmodel = keras.applications.VGG19(weights=None)").pretrained);

	EXPECT_THAT(error_of("import keras\nmodel = keras.applications.VGG19(weights='https://x/w.bin')").reason,
	            HasSubstr("weights must be None (untrained), 'imagenet' or the name of a Keras .h5 weights file"));
	EXPECT_THAT(error_of("import keras\nmodel = keras.applications.VGG19(classes=10)").reason,
	            HasSubstr("with weights='imagenet' and include_top=True, classes must be 1000"));
	ModelDefinitionError two =
	    error_of("import keras\na = keras.applications.VGG16(include_top=False, input_shape=(32, 32, 3))\n"
	             "b = keras.applications.ResNet50(include_top=False, input_shape=(32, 32, 3))\n"
	             "x = keras.layers.concatenate([keras.layers.Flatten()(a.output), keras.layers.Flatten()(b.output)])\n"
	             "model = keras.Model([a.input, b.input], x)");
	EXPECT_EQ(two.location.line, 3);
	EXPECT_THAT(two.reason, HasSubstr("ResNet50: the model already takes VGG16's weights from its weights file"));
	EXPECT_THAT(error_of("from tensorflow import keras\nm = keras.applications.MobileNetV2(weights=None, "
	                     "input_shape=(16, 16, 3), include_top=False)")
	                .reason,
	            HasSubstr("at least 32x32"));
}

TEST(Evaluator, TrainingCallsAreNotPartOfADefinition) {
	EXPECT_THAT(
	    error_of("model = Sequential([Dense(1, input_shape=(2,))])\nmodel.fit(x_train, y_train, epochs=3)").what(),
	    HasSubstr("line 2, column 1: fit(...) is not part of a model definition"));
}

TEST(Evaluator, PythonValuesFollowPython) {
	ModelSpec spec = parse_model_definition(R"(
import tensorflow as tf

widths = [2 ** k for k in range(3, 6)]           # [8, 16, 32]
widths.append(int(256 / 2 ** 2) + len("ab") * 3 - 10 % 4)  # 64 + 6 - 2 = 68
a, *rest = sorted(widths, reverse=True)          # a = 68
total = 0
for i, w in enumerate(widths):
    if i == 1:
        continue
    total += w
else:
    total -= 1                                   # 8 + 32 + 68 - 1 = 107
n = 0
while True:
    n += 3
    if n > 10:
        break                                    # 12
floor = -7 // 2                                  # -4
mod = -7 % 3                                     # 2
name = f"d{floor}_{mod}_{0.1}_{1e-05}_{2.0}"     # d-4_2_0.1_1e-05_2.0
chosen = (0 or None or 5) if 1 < 2 <= 2 else 9   # 5
lookup = {k: v for k, v in zip(["x", "y"], (4, 5))}
counter = [0]
def bump(step=1):
    counter[0] += step
    return counter[0]
bump(); bump(step=2)                             # 3
def make_adder(base):
    def adder(x):
        return base + x
    return adder
add7 = make_adder(7)
text = "-".join(["a", "b"]).upper() + "{}x{}".format(2, 3)  # A-B2x3
model = tf.keras.Sequential(name=text)
model.add(tf.keras.Input(shape=(min(widths[1:]),)))      # 16
for units in (a, total, n, chosen, lookup["y"], counter[0], add7(1), widths[-1], max(3, 2)):
    model.add(tf.keras.layers.Dense(units))
model.add(tf.keras.layers.Dense(1, name=name))
)");
	EXPECT_EQ(spec.name, "A-B2x3");
	EXPECT_EQ(spec.layers.front().input_shape, Shape{16});
	EXPECT_EQ(dense_units(spec), (std::vector<int64_t>{68, 107, 12, 5, 5, 3, 8, 68, 3, 1}));
	EXPECT_EQ(spec.layers.back().name, "d-4_2_0.1_1e-05_2.0");
}

TEST(Evaluator, ExpressionsPrintAsPythonPrintsThem) {
	// Expected values printed by CPython 3 for the same expressions.
	const std::pair<const char *, const char *> cases[] = {
	    {R"(7 // -2)", R"(-4)"},
	    {R"(-7 % 3)", R"(2)"},
	    {R"(7 % -3)", R"(-2)"},
	    {R"(2 ** -1)", R"(0.5)"},
	    {R"(2 ** 10)", R"(1024)"},
	    {R"(10 / 4)", R"(2.5)"},
	    {R"(-0.0)", R"(-0.0)"},
	    {R"(1e16)", R"(1e+16)"},
	    {R"(1.5e-7)", R"(1.5e-07)"},
	    {R"(0.1 + 0.2)", R"(0.30000000000000004)"},
	    {R"([1, 2, 3][::-1])", R"([3, 2, 1])"},
	    {R"([1, 2, 3, 4, 5][-2:])", R"([4, 5])"},
	    {R"([1, 2, 3, 4, 5][1:4:2])", R"([2, 4])"},
	    {R"([1, 2, 3, 4, 5][10:])", R"([])"},
	    {R"("abcdef"[::2])", R"(ace)"},
	    {R"("abc"[-1])", R"(c)"},
	    {R"((1,))", R"((1,))"},
	    {R"(())", R"(())"},
	    {R"({"a": 1, "b": [2, 3]})", R"({'a': 1, 'b': [2, 3]})"},
	    {R"(3 > 2 > 1)", R"(True)"},
	    {R"(1 < 2 > 3)", R"(False)"},
	    {R"(not [])", R"(True)"},
	    {R"(0 or "x")", R"(x)"},
	    {R"("" and 5)", R"()"},
	    {R"([] or [0])", R"([0])"},
	    {R"(round(2.5))", R"(2)"},
	    {R"(round(3.5))", R"(4)"},
	    {R"(round(2.675, 2))", R"(2.67)"},
	    {R"(int(-2.7))", R"(-2)"},
	    {R"(int("42"))", R"(42)"},
	    {R"(float("1e3"))", R"(1000.0)"},
	    {R"(str(3.0))", R"(3.0)"},
	    {R"(max([3, 1, 2]))", R"(3)"},
	    {R"(min(4, 2, 8))", R"(2)"},
	    {R"(sum([1, 2, 3], 10))", R"(16)"},
	    {R"(sorted([3, 1, 2], reverse=True))", R"([3, 2, 1])"},
	    {R"(list(range(10, 0, -3)))", R"([10, 7, 4, 1])"},
	    {R"(list(zip([1, 2, 3], "ab")))", R"([(1, 'a'), (2, 'b')])"},
	    {R"(list(enumerate("xy", 1)))", R"([(1, 'x'), (2, 'y')])"},
	    {R"(len({"a": 1, "b": 2}))", R"(2)"},
	    {R"(abs(-3))", R"(3)"},
	    {R"(17 - 17 // 5 * 5)", R"(2)"},
	    {R"([x * x for x in range(5) if x % 2 == 0])", R"([0, 4, 16])"},
	    {R"({k: v for k, v in [("a", 1), ("b", 2)]})", R"({'a': 1, 'b': 2})"},
	    {R"("{}-{:.3f}-{:>4}".format(1, 3.14159, "ab"))", R"(1-3.142-  ab)"},
	    {R"(f"{12:05d}|{0.5:.1%}|{'x':^5}|{1234567:,}")", R"(00012|50.0%|  x  |1,234,567)"},
	    {R"("a,b,,c".split(","))", R"(['a', 'b', '', 'c'])"},
	    {R"(" x ".strip())", R"(x)"},
	    {R"("-".join(["a", "b"]))", R"(a-b)"},
	    {R"(True + True)", R"(2)"},
	    {R"(3 * "ab")", R"(ababab)"},
	    {R"([0] * 3)", R"([0, 0, 0])"},
	    {R"((1, 2) + (3,))", R"((1, 2, 3))"},
	    {R"(1 in [1, 2])", R"(True)"},
	    {R"("b" not in "abc")", R"(False)"},
	    {R"(isinstance(3, int))", R"(True)"},
	    {R"(isinstance(3.0, (int, float)))", R"(True)"},
	    {R"(-(-3))", R"(3)"},
	    {R"(~5)", R"(-6)"},
	    {R"(6 & 3 | 8 ^ 1)", R"(11)"},
	    {R"(1 << 4)", R"(16)"},
	    {R"(round(1e300, 2))", R"(1e+300)"},
	};
	std::string text;
	for (size_t i = 0; i < std::size(cases); i++) {
		text += "v" + std::to_string(i) + " = str(" + cases[i].first + ")\n";
	}
	text += "model = Sequential([Dense(1, input_shape=(1,), name=f'0:{v0}')] + [Dense(1, name=f'{i}:' + v) for i, v in "
	        "enumerate([";
	for (size_t i = 1; i < std::size(cases); i++) {
		text += (i > 1 ? ", v" : "v") + std::to_string(i);
	}
	text += "], 1)])\n";
	ModelSpec spec = parse_model_definition(text);
	ASSERT_EQ(spec.layers.size(), std::size(cases));
	for (size_t i = 0; i < std::size(cases); i++) {
		const std::string &name = spec.layers[i].name;
		EXPECT_EQ(name.substr(name.find(':') + 1), cases[i].second) << cases[i].first;
	}
}

TEST(Evaluator, StatementsWithoutEffectAreListedAsIgnored) {
	ModelSpec spec = parse_model_definition(R"(import os
os.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'
import numpy as np
import tensorflow as tf
np.random.seed(7)
tf.random.set_seed(7)
tf.keras.utils.set_random_seed(1)
tf.keras.backend.clear_session()
model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(3,))])
print("built")
model.summary()
tf.keras.utils.plot_model(model, to_file='model.png')
)");
	std::vector<std::string> texts;
	for (const auto &ignored : spec.ignored) {
		texts.push_back(std::to_string(ignored.location.line) + ": " + ignored.text);
	}
	EXPECT_EQ(texts, (std::vector<std::string>{"2: os.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'", "5: np.random.seed(7)",
	                                           "6: tf.random.set_seed(7)", "7: tf.keras.utils.set_random_seed(1)",
	                                           "8: tf.keras.backend.clear_session()", "10: print(\"built\")",
	                                           "11: model.summary()",
	                                           "12: tf.keras.utils.plot_model(model, to_file='model.png')"}));
}

TEST(Evaluator, TheCompiledModelIsTheModel) {
	ModelSpec spec = parse_model_definition(R"(
from tensorflow import keras
inputs = keras.Input(shape=(8,))
code = keras.layers.Dense(2)(inputs)
encoder = keras.Model(inputs, code, name="encoder")
outputs = keras.layers.Dense(8)(code)
autoencoder = keras.Model(inputs, outputs, name="autoencoder")
encoder.compile(optimizer="adam", loss="mse")
)");
	EXPECT_EQ(spec.name, "encoder");
	EXPECT_EQ(spec.layers.size(), 1u);
}

TEST(Evaluator, BoundsEndEveryInputInAnError) {
	std::string parentheses = "x = " + std::string(100000, '(') + "1" + std::string(100000, ')');
	EXPECT_THAT(error_of(parentheses).reason, HasSubstr("nesting deeper than 64 levels"));
	std::string chain = "x = 1";
	for (int i = 0; i < 5000; i++) {
		chain += " + 1";
	}
	EXPECT_THAT(error_of(chain).reason, HasSubstr("nesting deeper than"));
	EXPECT_THAT(error_of("x = " + std::string(100000, '-') + "1").reason, HasSubstr("nesting deeper than"));
	std::string big(spec::kMaxTextBytes + 1, '#');
	EXPECT_THAT(error_of(big).reason, HasSubstr("larger than 1 MiB"));
	EXPECT_THAT(error_of("for i in range(10 ** 9):\n    pass").reason, HasSubstr("a range of more than 100000"));
	EXPECT_THAT(error_of("n = 0\nwhile True:\n    n += 1").reason, HasSubstr("more than 1000000 evaluation steps"));
	EXPECT_THAT(error_of("def f(n):\n    return f(n + 1)\nf(0)").reason, HasSubstr("calls nest deeper than 64"));
	EXPECT_THAT(error_of("a = [0]\nfor i in range(64):\n    a = a + a").reason, HasSubstr("a list longer than"));
	EXPECT_THAT(error_of("s = 'ab'\nfor i in range(64):\n    s = s + s").reason, HasSubstr("a string longer than"));
	EXPECT_THAT(error_of("x = [0] * 10 ** 7").reason, HasSubstr("a list longer than"));
	EXPECT_THAT(error_of("x = 2 ** 64").reason, HasSubstr("does not fit in 64 bits"));
	// A list nested by mutation, and one holding itself: printing them is
	// bounded, and tearing them down neither recurses nor leaks.
	EXPECT_THAT(error_of("root = []\ncur = root\nfor i in range(5000):\n    nxt = []\n    cur.append(nxt)\n    "
	                     "cur = nxt\nshown = str(root)")
	                .reason,
	            HasSubstr("nested deeper than"));
	EXPECT_THAT(error_of("a = []\na.append(a)\nsame = a == [a]").reason, HasSubstr("nested deeper than"));
	std::string many;
	for (int i = 0; i < 2000; i++) {
		many += "d" + std::to_string(i) + " = {}\n";
	}
	many += "model = Sequential([Dense(1, input_shape=(2,))])\n";
	EXPECT_NO_THROW(parse_model_definition(many));
}

TEST(Evaluator, UnsupportedPythonIsNamed) {
	EXPECT_THAT(error_of("with open('f') as f:\n    pass").what(),
	            HasSubstr("line 1, column 1: 'with' is not supported"));
	EXPECT_THAT(error_of("def f():\n    yield 1").what(), HasSubstr("'yield' is not supported"));
	EXPECT_THAT(error_of("x = {1, 2}").reason, HasSubstr("sets are not supported"));
	EXPECT_THAT(error_of("if True:\nx = 1").reason, HasSubstr("expected an indented block"));
	EXPECT_THAT(error_of("if True:\n        x = 1\n    y = 2").reason, HasSubstr("matches no enclosing block"));
	EXPECT_THAT(error_of("from tensorflow import keras\ninputs = keras.Input(shape=(4,))\n"
	                     "x = inputs[:, 0]")
	                .reason,
	            HasSubstr("indexing a Keras tensor is not supported"));
	EXPECT_THAT(error_of("import tensorflow as tf\ndef swish(x):\n    return x\n"
	                     "layer = tf.keras.layers.Dense(4, activation=swish)")
	                .reason,
	            HasSubstr("custom activations, losses and metrics are user code"));
}

TEST(Evaluator, AnInputShapeMayComeFromTheStream) {
	ModelSpec spec = parse_model_definition("model = Sequential([Dense(8, activation='relu'), Dense(1)])");
	EXPECT_FALSE(spec.input_bound());
	EXPECT_TRUE(spec.is_chain());
	ModelSummary summary = summarize(spec);
	EXPECT_FALSE(summary.bound);
	std::string table = format_summary(summary);
	EXPECT_THAT(table, HasSubstr("input shape: from the training stream"));
	EXPECT_THAT(table, HasSubstr(" dense (Dense)               ?                         ?\n"));
	bind_input_shape(spec, {{5}});
	EXPECT_EQ(spec.layers.front().input_shape, Shape{5});
	EXPECT_EQ(summarize(spec).total_params, (5 * 8 + 8) + (8 + 1));
	// Shapes that cannot flow are found when the stream binds them.
	ModelSpec cnn = parse_model_definition("model = Sequential([Conv2D(4, 3), Flatten(), Dense(1)])");
	try {
		bind_input_shape(cnn, {{10}});
		FAIL() << "no error";
	} catch (const ModelDefinitionError &error) {
		EXPECT_EQ(error.location.line, 1);
		EXPECT_EQ(error.location.column, 21);
		EXPECT_THAT(error.reason, HasSubstr("expects an input of 3 dimensions"));
	}
	EXPECT_THROW(bind_input_shape(cnn, {{8, 8, 1}, {3}}), ModelDefinitionError);
	ModelSpec bound = parse_model_definition("model = Sequential([Dense(1, input_shape=(3,))])");
	EXPECT_NO_THROW(bind_input_shape(bound, {{3}}));
	EXPECT_THROW(bind_input_shape(bound, {{4}}), ModelDefinitionError);
}

TEST(Evaluator, ANoneDimensionIsTakenFromTheStream) {
	const std::string text = "from tensorflow import keras\nmodel = keras.Sequential([keras.Input(shape=(None, 8)), "
	                         "keras.layers.LSTM(4), keras.layers.Dense(1)])";
	ModelSpec spec = parse_model_definition(text);
	EXPECT_TRUE(spec.input_bound()); // its counts are known: the summary has them
	EXPECT_FALSE(input_shape_complete(spec));
	EXPECT_EQ(summarize(spec).total_params, 4 * (4 * 12 + 4) + 5);
	bind_input_shape(spec, {{50, 8}}); // the stream's data_reshape
	EXPECT_TRUE(input_shape_complete(spec));
	EXPECT_EQ(spec.inputs[0].shape, (Shape{50, 8}));
	EXPECT_EQ(spec.layers.front().input_shape, (Shape{50, 8}));
	ModelSpec flat = parse_model_definition(text);
	bind_input_shape(flat, {{400}}); // only the record width: one None is 400 / 8
	EXPECT_EQ(flat.inputs[0].shape, (Shape{50, 8}));
	auto reason_of = [&](const std::string &definition, const Shape &stream) -> std::string {
		ModelSpec s = parse_model_definition(definition);
		try {
			bind_input_shape(s, {stream});
		} catch (const ModelDefinitionError &error) {
			return error.reason;
		}
		return "no error";
	};
	EXPECT_EQ(reason_of(text, {401}),
	          "input 'input_1' has the shape (None, 8) in the definition, but the stream gives (401); the stream's "
	          "records must give its None dimension: set the stream's data_reshape to the records' full shape, e.g. "
	          "'50 8', or write it in the definition, e.g. keras.Input(shape=(50, 8))");
	EXPECT_EQ(reason_of(text, {50, 7}).substr(0, 78),
	          "input 'input_1' has the shape (None, 8) in the definition, but the stream give");
	EXPECT_THAT(reason_of("from tensorflow import keras\nx = keras.Input(shape=(None, None, 3))\n"
	                      "model = keras.Model(x, keras.layers.GlobalAveragePooling2D()(x))",
	                      {300}),
	            HasSubstr("must give its None dimensions: set the stream's data_reshape to the records' full shape, "
	                      "e.g. '50 50 3'"));
	EXPECT_EQ(reason_of("from tensorflow import keras\nx = keras.Input(shape=(None, None, 3))\n"
	                    "model = keras.Model(x, keras.layers.GlobalAveragePooling2D()(x))",
	                    {10, 10, 3}),
	          "no error");
}

} // namespace
} // namespace kafkaml::ml
