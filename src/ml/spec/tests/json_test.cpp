// Keras' to_json() (written by hand as Keras 2.x produces it) and our plain
// JSON spec.

#include "ml/spec/parse.h"
#include "ml/spec/summary.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace kafkaml::ml {
namespace {

using ::testing::HasSubstr;

// The paper's HCOPD model (the README's example) as tf.keras 2.11's model.to_json() writes it.
const char *kKerasJson = R"({"class_name": "Sequential", "config": {"name": "sequential", "layers": [
 {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 3], "dtype": "float32", "sparse": false,
  "ragged": false, "name": "dropout_input"}},
 {"class_name": "Dropout", "config": {"name": "dropout", "trainable": true, "dtype": "float32",
  "batch_input_shape": [null, 3], "rate": 0.2, "noise_shape": null, "seed": null}},
 {"class_name": "Dense", "config": {"name": "dense", "trainable": true, "dtype": "float32", "units": 4,
  "activation": "sigmoid", "use_bias": true,
  "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": null}},
  "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": null, "bias_regularizer": null,
  "activity_regularizer": null, "kernel_constraint": null, "bias_constraint": null}},
 {"class_name": "Dense", "config": {"name": "dense_1", "trainable": true, "dtype": "float32", "units": 2,
  "activation": "softmax", "use_bias": true,
  "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": null}},
  "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": null, "bias_regularizer": null,
  "activity_regularizer": null, "kernel_constraint": null, "bias_constraint": null}}
]}, "keras_version": "2.11.0", "backend": "tensorflow"})";

TEST(KerasJson, SequentialOfKeras2) {
	ModelSpec model = parse_model_definition(kKerasJson);
	ASSERT_EQ(model.layers.size(), 3u);
	EXPECT_EQ(model.name, "sequential");
	EXPECT_EQ(model.layers[0].kind, LayerKind::Dropout);
	EXPECT_EQ(model.layers[0].input_shape, Shape{3});
	EXPECT_EQ(model.layers[1].name, "dense");
	EXPECT_EQ(model.layers[1].activation, "sigmoid");
	EXPECT_EQ(model.layers[2].name, "dense_1");
	EXPECT_EQ(model.layers[2].kernel_initializer, "glorot_uniform");
	EXPECT_FALSE(model.compile.present);
	EXPECT_EQ(summarize(model).total_params, 26);
}

TEST(KerasJson, ConvLstmAndBatchNormConfigs) {
	ModelSpec model = parse_model_definition(R"({"class_name": "Sequential", "config": {"name": "cnn", "layers": [
 {"class_name": "Conv1D", "config": {"name": "conv1d", "trainable": true, "batch_input_shape": [null, 20, 3],
  "dtype": "float32", "filters": 8, "kernel_size": [3], "strides": [1], "padding": "valid",
  "data_format": "channels_last", "dilation_rate": [1], "groups": 1, "activation": "relu", "use_bias": true,
  "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": null}},
  "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": null,
  "bias_regularizer": null, "activity_regularizer": null, "kernel_constraint": null, "bias_constraint": null}},
 {"class_name": "BatchNormalization", "config": {"name": "batch_normalization", "trainable": true,
  "dtype": "float32", "axis": [2], "momentum": 0.99, "epsilon": 0.001, "center": true, "scale": true,
  "beta_initializer": {"class_name": "Zeros", "config": {}}, "gamma_initializer": {"class_name": "Ones", "config": {}},
  "moving_mean_initializer": {"class_name": "Zeros", "config": {}},
  "moving_variance_initializer": {"class_name": "Ones", "config": {}}, "beta_regularizer": null,
  "gamma_regularizer": null, "beta_constraint": null, "gamma_constraint": null}},
 {"class_name": "LSTM", "config": {"name": "lstm", "trainable": true, "dtype": "float32",
  "return_sequences": false, "return_state": false, "go_backwards": false, "stateful": false, "unroll": false,
  "time_major": false, "units": 16, "activation": "tanh", "recurrent_activation": "sigmoid", "use_bias": true,
  "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": null}},
  "recurrent_initializer": {"class_name": "Orthogonal", "config": {"gain": 1.0, "seed": null}},
  "bias_initializer": {"class_name": "Zeros", "config": {}}, "unit_forget_bias": true,
  "kernel_regularizer": null, "recurrent_regularizer": null, "bias_regularizer": null,
  "activity_regularizer": null, "kernel_constraint": null, "recurrent_constraint": null,
  "bias_constraint": null, "dropout": 0.0, "recurrent_dropout": 0.0, "implementation": 2}}
]}, "keras_version": "2.11.0", "backend": "tensorflow"})");
	EXPECT_EQ(model.name, "cnn");
	ASSERT_EQ(model.layers.size(), 3u);
	EXPECT_EQ(model.layers[0].kernel_size, std::vector<int64_t>{3});
	EXPECT_EQ(model.layers[1].axis, -1);
	EXPECT_EQ(model.layers[2].recurrent_initializer, "orthogonal");
	ModelSummary summary = summarize(model);
	// Conv1D 3*3*8+8 = 80 on (18, 8); BN 4*8 = 32 (16 non-trainable); LSTM 4*(16*(8+16)+16) = 1600
	EXPECT_EQ(summary.total_params, 80 + 32 + 1600);
	EXPECT_EQ(summary.non_trainable_params, 16);
}

TEST(KerasJson, ErrorsHaveLineAndColumn) {
	try {
		parse_model_definition(
		    "{\"class_name\": \"Sequential\", \"config\": {\"layers\": [\n"
		    "  {\"class_name\": \"Dense\", \"config\": {\"units\": 4, \"batch_input_shape\": [null, 3],\n"
		    "   \"activation\": \"relu\", \"kernel_constraint\": {\"class_name\": \"MaxNorm\", \"config\": {}}}}]}}");
		FAIL() << "no error";
	} catch (const ModelDefinitionError &error) {
		EXPECT_EQ(error.location.line, 3);
		EXPECT_EQ(error.location.column, 47);
		EXPECT_THAT(error.reason, HasSubstr("kernel_constraint"));
	}
	try {
		parse_model_definition("{\"class_name\": \"Functional\", \"config\": {}}");
		FAIL() << "no error";
	} catch (const ModelDefinitionError &error) {
		EXPECT_THAT(error.reason, HasSubstr("needs \"layers\""));
	}
	try {
		parse_model_definition("{\"class_name\": \"Sequential\",\n \"config\": {'layers': []}}");
		FAIL() << "no error";
	} catch (const ModelDefinitionError &error) {
		EXPECT_EQ(error.location.line, 2);
		EXPECT_EQ(error.location.column, 13);
	}
}

TEST(PlainJson, SpecWithCompile) {
	ModelSpec model = parse_model_definition(R"({
  "name": "hcopd",
  "input_shape": [3],
  "layers": [
    {"type": "Dropout", "rate": 0.2},
    {"type": "Dense", "units": 4, "activation": "sigmoid"},
    {"type": "Dense", "units": 2, "activation": "softmax"}
  ],
  "compile": {
    "optimizer": {"type": "Adam", "learning_rate": 0.0001},
    "loss": {"type": "SparseCategoricalCrossentropy", "from_logits": false},
    "metrics": ["accuracy", {"type": "AUC"}]
  }
})");
	EXPECT_EQ(model.name, "hcopd");
	ASSERT_EQ(model.layers.size(), 3u);
	EXPECT_EQ(model.layers[0].input_shape, Shape{3});
	EXPECT_TRUE(model.compile.present);
	EXPECT_EQ(model.compile.optimizer.name, "adam");
	EXPECT_DOUBLE_EQ(model.compile.optimizer.learning_rate, 0.0001);
	EXPECT_EQ(model.compile.loss.name, "sparse_categorical_crossentropy");
	EXPECT_EQ(model.compile.metrics, (std::vector<std::string>{"accuracy", "auc"}));
	EXPECT_EQ(summarize(model).total_params, 26);

	ModelSpec names = parse_model_definition(
	    R"({"layers": [{"type": "Dense", "units": 1, "input_shape": [2]}], "compile": {"optimizer": "sgd", "loss": "mse"}})");
	EXPECT_EQ(names.compile.optimizer.name, "sgd");
	EXPECT_DOUBLE_EQ(names.compile.optimizer.learning_rate, 0.01);
}

TEST(PlainJson, Errors) {
	auto error_of = [](const char *text) -> ModelDefinitionError {
		try {
			parse_model_definition(text);
		} catch (const ModelDefinitionError &error) {
			return error;
		}
		return ModelDefinitionError({}, "no error");
	};
	EXPECT_THAT(error_of(R"({"layers": [{"units": 1}]})").reason, HasSubstr("needs a \"type\""));
	EXPECT_THAT(error_of(R"({"layers": [{"type": "Dense", "units": 1, "input_shape": [2]}], "colour": 1})").reason,
	            HasSubstr("unknown argument 'colour'"));
	EXPECT_THAT(error_of(R"({"layers": [{"type": "Dense", "units": 1, "input_shape": [2]},]})").reason,
	            HasSubstr("trailing ','"));
	EXPECT_THAT(error_of(R"({"layers": []} x)").reason, HasSubstr("after the end of the JSON document"));
	ModelDefinitionError error =
	    error_of("{\"layers\": [\n {\"type\": \"Dense\", \"units\": -1, \"input_shape\": [2]}]}");
	EXPECT_EQ(error.location.line, 2);
	EXPECT_EQ(error.location.column, 29);
	EXPECT_THAT(error.reason, HasSubstr("must be at least 1"));
}

} // namespace
} // namespace kafkaml::ml

namespace kafkaml::ml {
namespace {

TEST(KerasJson, OldListConfigAndPooling) {
	// Keras before 2.2.3 wrote a Sequential's config as the bare list of layers.
	ModelSpec model = parse_model_definition(R"({"class_name": "Sequential", "config": [
 {"class_name": "MaxPooling2D", "config": {"name": "pool", "trainable": true, "batch_input_shape": [null, 8, 8, 3],
  "dtype": "float32", "pool_size": [2, 2], "padding": "valid", "strides": [2, 2], "data_format": "channels_last"}},
 {"class_name": "GlobalAveragePooling2D", "config": {"name": "gap", "trainable": true, "dtype": "float32",
  "data_format": "channels_last", "keepdims": false}},
 {"class_name": "Dense", "config": {"name": "out", "units": 2}}
], "keras_version": "2.2.2", "backend": "tensorflow"})");
	ASSERT_EQ(model.layers.size(), 3u);
	EXPECT_EQ(model.layers[0].input_shape, (Shape{8, 8, 3}));
	ModelSummary summary = summarize(model);
	EXPECT_EQ(summary.layers[0].output_shape, (Shape{4, 4, 3}));
	EXPECT_EQ(summary.layers[1].output_shape, (Shape{3}));
	EXPECT_EQ(summary.total_params, 3 * 2 + 2);
	try {
		parse_model_definition(R"({"class_name": "Sequential", "config": [
 {"class_name": "Dense", "config": {"units": 2, "batch_input_shape": [null, 3], "data_format": "channels_first"}}]})");
		FAIL() << "no error";
	} catch (const ModelDefinitionError &error) {
		EXPECT_EQ(error.location.line, 2);
		EXPECT_THAT(error.reason, HasSubstr("unknown argument 'data_format' for Dense"));
	}
}

} // namespace
} // namespace kafkaml::ml
