// What `kafkaml model check` prints (the CLI prints format_model_check()):
// the table, inputs and outputs of graphs, compile() per output, the input
// shape left to the stream, and the ignored statements.

#include "ml/spec/model_report.h"
#include "ml/spec/parse.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace kafkaml::ml {
namespace {

using ::testing::HasSubstr;

TEST(ModelReport, ChainKeepsTheSequentialTableAndCompileLine) {
	std::string report = format_model_check(parse_model_definition(R"(model = tf.keras.Sequential([
    tf.keras.layers.Dropout(0.2, input_shape=(3,)),
    tf.keras.layers.Dense(4, activation='sigmoid'),
    tf.keras.layers.Dense(2, activation='softmax')
])
model.compile(keras.optimizers.Adam(lr=.0001), loss='sparse_categorical_crossentropy', metrics=['accuracy'])
)"));
	EXPECT_THAT(report, HasSubstr(" dense (Dense)               (None, 4)                 16\n"));
	EXPECT_THAT(report, HasSubstr("Total params: 26\n"));
	EXPECT_THAT(report,
	            HasSubstr("Compile: optimizer adam (learning_rate 0.0001), loss sparse_categorical_crossentropy, "
	                      "metrics accuracy\n"));
	EXPECT_EQ(report.find("Connected to"), std::string::npos);
	EXPECT_EQ(report.find("Ignored"), std::string::npos);
}

TEST(ModelReport, GraphWithTwoOutputsAndIgnoredStatements) {
	std::string report = format_model_check(parse_model_definition(R"(import numpy as np
from tensorflow import keras
np.random.seed(3)
x = keras.Input(shape=(6,), name="x")
h = keras.layers.Dense(8, name="h")(x)
a = keras.layers.Dense(1, name="a")(h)
b = keras.layers.Dense(3, name="b")(h)
model = keras.Model(x, [a, b])
model.compile(optimizer=keras.optimizers.SGD(keras.optimizers.schedules.CosineDecay(0.1, 100)),
              loss=["mse", "categorical_crossentropy"], loss_weights=[0.5, 1.0],
              metrics=[["mae"], [keras.metrics.CategoricalAccuracy(name="acc")]])
model.summary()
)"));
	EXPECT_THAT(report, HasSubstr(" h (Dense)                      (None, 8)            56          ['x[0][0]']\n"));
	EXPECT_THAT(report, HasSubstr("Input x: (None, 6) float32\nOutput a: (None, 1)\nOutput b: (None, 3)\n"));
	EXPECT_THAT(report, HasSubstr("Compile: optimizer sgd (learning_rate 0.1, schedule cosine_decay)\n"
	                              "  output a: loss mse (weight 0.5), metrics mae\n"
	                              "  output b: loss categorical_crossentropy, metrics categorical_accuracy as acc\n"));
	EXPECT_THAT(report, HasSubstr("Ignored (no effect on the model):\n  line 3: np.random.seed(3)\n"
	                              "  line 12: model.summary()\n"));
}

TEST(ModelReport, UnboundInputComesFromTheStream) {
	std::string report = format_model_check(parse_model_definition(
	    "from tensorflow import keras\nmodel = keras.Sequential([keras.layers.Dense(3), keras.layers.Dense(1)])\n"
	    "model.compile('adam', 'mse')"));
	EXPECT_THAT(report, HasSubstr("Total params: unknown until the input shape is bound\n"
	                              "input shape: from the training stream\n"));
	EXPECT_THAT(report, HasSubstr("Compile: optimizer adam (learning_rate 0.001), loss mse\n"));
	EXPECT_THAT(format_model_check(parse_model_definition("model = Sequential([Dense(1, input_shape=(2,))])")),
	            HasSubstr("Compile: none in the definition\n"));
	EXPECT_THAT(format_model_check(parse_model_definition("model = Sequential([LSTM(3, input_shape=(None, 2))])")),
	            HasSubstr("Input input_1 (None, None, 2): its None dimensions come from the training stream's "
	                      "records (their data_reshape, or their width for one None)\n"));
}

} // namespace
} // namespace kafkaml::ml
