// Output shapes and parameter counts against Keras' documented formulas;
// the expected numbers are written out, not computed by the code under test.

#include "ml/spec/parse.h"
#include "ml/spec/summary.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace kafkaml::ml {
namespace {

//! The summary of the last layer of `layers` (Python list elements).
LayerSummary last_layer(const std::string &layers) {
	ModelSummary summary = summarize(parse_model_definition("model = Sequential([" + layers + "])"));
	return summary.layers.back();
}

struct ShapeCase {
	const char *layers;
	Shape output;
	int64_t trainable;
	int64_t non_trainable;
};

TEST(Shapes, EachLayerMatchesKeras) {
	const ShapeCase cases[] = {
	    // Dense: in*units + units
	    {"Dense(4, input_shape=(3,))", {4}, 3 * 4 + 4, 0},
	    {"Dense(4, use_bias=False, input_shape=(3,))", {4}, 12, 0},
	    {"Dense(5, input_shape=(7, 3))", {7, 5}, 3 * 5 + 5, 0},
	    {"Dropout(0.5, input_shape=(3, 2))", {3, 2}, 0, 0},
	    {"Flatten(input_shape=(28, 28, 1))", {784}, 0, 0},
	    {"Reshape((28, 28, 1), input_shape=(784,))", {28, 28, 1}, 0, 0},
	    {"Activation('relu', input_shape=(5,))", {5}, 0, 0},
	    // BatchNormalization: gamma, beta trainable; moving mean/variance not
	    {"BatchNormalization(input_shape=(16,))", {16}, 32, 32},
	    {"BatchNormalization(scale=False, input_shape=(16,))", {16}, 16, 32},
	    // Conv2D: (k_h*k_w*c_in)*filters + filters; valid: (28-3)/1+1 = 26
	    {"Conv2D(32, (3, 3), input_shape=(28, 28, 1))", {26, 26, 32}, 320, 0},
	    {"Conv2D(8, 3, strides=2, padding='same', input_shape=(28, 28, 3))", {14, 14, 8}, 3 * 3 * 3 * 8 + 8, 0},
	    {"Conv2D(4, (3, 5), strides=(2, 1), input_shape=(11, 11, 2))", {5, 7, 4}, 3 * 5 * 2 * 4 + 4, 0},
	    {"Conv2D(4, 3, dilation_rate=2, input_shape=(10, 10, 1))", {6, 6, 4}, 9 * 4 + 4, 0},
	    // Conv1D: k*c_in*filters + filters
	    {"Conv1D(16, 5, input_shape=(100, 8))", {96, 16}, 5 * 8 * 16 + 16, 0},
	    {"Conv1D(16, 5, padding='same', strides=3, input_shape=(100, 8))", {34, 16}, 5 * 8 * 16 + 16, 0},
	    {"Conv1D(16, 3, input_shape=(None, 8))", {-1, 16}, 3 * 8 * 16 + 16, 0},
	    // pooling: valid floor((L-p)/s)+1, same ceil(L/s)
	    {"MaxPooling2D(input_shape=(26, 26, 32))", {13, 13, 32}, 0, 0},
	    {"MaxPool2D(pool_size=(3, 3), strides=(2, 2), input_shape=(7, 7, 1))", {3, 3, 1}, 0, 0},
	    {"MaxPooling2D((2, 2), padding='same', input_shape=(7, 7, 3))", {4, 4, 3}, 0, 0},
	    {"MaxPooling1D(input_shape=(9, 4))", {4, 4}, 0, 0},
	    {"AveragePooling1D(3, strides=1, input_shape=(9, 4))", {7, 4}, 0, 0},
	    {"AveragePooling2D(input_shape=(8, 6, 2))", {4, 3, 2}, 0, 0},
	    {"GlobalAveragePooling1D(input_shape=(9, 4))", {4}, 0, 0},
	    {"GlobalAveragePooling2D(input_shape=(9, 9, 4))", {4}, 0, 0},
	    {"GlobalMaxPooling1D(input_shape=(9, 4))", {4}, 0, 0},
	    {"GlobalMaxPooling2D(input_shape=(9, 9, 4))", {4}, 0, 0},
	    // LSTM: 4 * (units*(features+units) + units)
	    {"LSTM(64, input_shape=(10, 8))", {64}, 18688, 0},
	    {"LSTM(64, return_sequences=True, input_shape=(10, 8))", {10, 64}, 18688, 0},
	    // GRU reset_after: 3 * (units*(features+units) + 2*units); without: + units
	    {"GRU(64, input_shape=(10, 8))", {64}, 14208, 0},
	    {"GRU(64, reset_after=False, input_shape=(10, 8))", {64}, 3 * (64 * 72 + 64), 0},
	    // Embedding: input_dim * output_dim
	    {"Embedding(1000, 64, input_length=10)", {10, 64}, 64000, 0},
	    {"Embedding(1000, 64, input_shape=(10,))", {10, 64}, 64000, 0},
	};
	for (const auto &test : cases) {
		SCOPED_TRACE(test.layers);
		LayerSummary layer = last_layer(test.layers);
		EXPECT_EQ(layer.output_shape, test.output);
		EXPECT_EQ(layer.trainable_params, test.trainable);
		EXPECT_EQ(layer.non_trainable_params, test.non_trainable);
	}
}

TEST(Shapes, CnnTotalsAndSummaryTable) {
	ModelSpec model = parse_model_definition(R"(model = tf.keras.Sequential([
    tf.keras.layers.Conv2D(32, (3, 3), activation='relu', input_shape=(28, 28, 1)),
    tf.keras.layers.MaxPooling2D((2, 2)),
    tf.keras.layers.BatchNormalization(),
    tf.keras.layers.Flatten(),
    tf.keras.layers.Dense(10, activation='softmax'),
]))");
	ModelSummary summary = summarize(model);
	// 320 + 0 + 4*32 + 0 + (13*13*32*10 + 10)
	EXPECT_EQ(summary.total_params, 320 + 128 + 54090);
	EXPECT_EQ(summary.non_trainable_params, 64);
	EXPECT_EQ(summary.trainable_params, 320 + 64 + 54090);
	std::string table = format_summary(summary);
	EXPECT_THAT(table, ::testing::HasSubstr("Model: \"sequential\""));
	EXPECT_THAT(table, ::testing::HasSubstr(" conv2d (Conv2D)             (None, 26, 26, 32)        320\n"));
	EXPECT_THAT(table, ::testing::HasSubstr(" max_pooling2d               (None, 13, 13, 32)        0\n"
	                                        " (MaxPooling2D)\n"));
	EXPECT_THAT(table, ::testing::HasSubstr("Total params: 54,538\n"));
	EXPECT_THAT(table, ::testing::HasSubstr("Non-trainable params: 64\n"));
}

TEST(Shapes, ShapesThatCannotFlowAreErrors) {
	auto error_of = [](const std::string &layers) -> std::string {
		try {
			summarize(parse_model_definition("model = Sequential([" + layers + "])"));
		} catch (const ModelDefinitionError &error) {
			return error.reason;
		}
		return "no error";
	};
	EXPECT_THAT(error_of("Reshape((5, 5), input_shape=(24,))"), ::testing::HasSubstr("cannot reshape"));
	EXPECT_THAT(error_of("Flatten(input_shape=(None, 3)), Dense(2)"), ::testing::HasSubstr("known last dimension"));
	EXPECT_THAT(error_of("MaxPooling1D(5, input_shape=(3, 2))"), ::testing::HasSubstr("pool size 5 is larger"));
	EXPECT_THAT(error_of("GlobalAveragePooling2D(input_shape=(3, 2))"),
	            ::testing::HasSubstr("expects an input of 3 dimensions"));
	EXPECT_THAT(error_of("Dense(4, input_shape=(3,)), Dense(2, input_shape=(5,))"),
	            ::testing::HasSubstr("disagrees with the output"));
	EXPECT_THAT(error_of("Dense(4611686018427387904, input_shape=(4611686018427387904,))"),
	            ::testing::HasSubstr("overflows"));
}

} // namespace
} // namespace kafkaml::ml
