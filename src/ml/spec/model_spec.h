#pragma once

// The model specification: what a user's model definition means, independent
// of how it was written (Keras-subset Python, Keras `to_json()`, plain JSON)
// and of how it is executed (libtorch, in src/ml/). Parsers produce it; the
// engine consumes it; the REST API stores the user's text and re-parses it.
//
// Conventions (all follow Keras so that user expectations carry over):
// - Shapes exclude the batch dimension; -1 stands for Keras' `None`.
// - Data layout is channels-last (Keras' default): Conv2D input is (H, W, C).
// - Fields hold Keras' defaults when the user did not set them; a parser
//   fills in every field, so the engine never guesses.
//
// Thread-safety: plain values; no shared state.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kafkaml::ml {

using Shape = std::vector<int64_t>;

//! Where a construct came from in the user's text; line and column are
//! 1-based, 0 when unknown (e.g. JSON specs built in code).
struct SourceLocation {
	int line = 0;
	int column = 0;
};

enum class LayerKind {
	Dense,
	Dropout,
	Flatten,
	Reshape,
	Activation,
	BatchNormalization,
	Conv1D,
	Conv2D,
	MaxPooling1D,
	MaxPooling2D,
	AveragePooling1D,
	AveragePooling2D,
	GlobalAveragePooling1D,
	GlobalAveragePooling2D,
	GlobalMaxPooling1D,
	GlobalMaxPooling2D,
	LSTM,
	GRU,
	Embedding,
};

//! Keras activation names: "linear", "relu", "sigmoid", "softmax", "tanh",
//! "elu", "selu", "softplus", "leaky_relu", "swish" (alias "silu"), ...
//! Stored normalised (lowercase, "tf.nn.relu" -> "relu", None -> "linear").
using Activation = std::string;

struct LayerSpec {
	LayerKind kind = LayerKind::Dense;
	std::string name;                 //!< Keras-style unique name: dense, dense_1, ...
	std::optional<Shape> input_shape; //!< only on the first layer (or an explicit InputLayer)
	SourceLocation location;

	// Dense, Conv*, LSTM, GRU, Activation
	int64_t units = 0; //!< Dense, LSTM, GRU
	Activation activation = "linear";
	bool use_bias = true;
	std::string kernel_initializer = "glorot_uniform";
	std::string bias_initializer = "zeros";

	// Conv*, pooling: one entry per spatial dimension
	int64_t filters = 0;
	std::vector<int64_t> kernel_size;
	std::vector<int64_t> strides; //!< pooling: defaults to pool_size
	std::vector<int64_t> pool_size;
	std::string padding = "valid"; //!< "valid" or "same"
	std::vector<int64_t> dilation_rate;

	// Dropout
	double rate = 0.0;

	// Reshape
	Shape target_shape; //!< may hold one -1

	// BatchNormalization
	//! Normalised axis: always -1 (the channels/last axis, the only one
	//! supported) once parse_model_definition() returns; a Keras JSON `[k]`
	//! equal to the last axis is accepted and normalised.
	int64_t axis = -1;
	double momentum = 0.99;
	double epsilon = 0.001;
	bool center = true;
	bool scale = true;

	// LSTM / GRU
	Activation recurrent_activation = "sigmoid";
	bool return_sequences = false;
	bool reset_after = true; //!< GRU, Keras 2 default
	std::string recurrent_initializer = "orthogonal";
	bool unit_forget_bias = true; //!< LSTM

	// Embedding
	int64_t input_dim = 0;
	int64_t output_dim = 0;

	// leaky_relu slope when `activation == "leaky_relu"` or kind is a
	// LeakyReLU-as-Activation; Keras' default 0.3 for the layer, 0.2 for the
	// function.
	double alpha = 0.3;
};

struct OptimizerSpec {
	std::string name = "rmsprop"; //!< Keras' compile() default
	double learning_rate = 0.001;
	double momentum = 0.0; //!< sgd, rmsprop
	bool nesterov = false; //!< sgd
	double beta_1 = 0.9;
	double beta_2 = 0.999;
	double epsilon = 1e-7;
	double rho = 0.9;                       //!< rmsprop
	double weight_decay = 0.004;            //!< adamw (Keras' default)
	double initial_accumulator_value = 0.1; //!< adagrad
	SourceLocation location;
};

struct LossSpec {
	std::string
	    name; //!< mse, mae, huber, binary_crossentropy, categorical_crossentropy, sparse_categorical_crossentropy
	bool from_logits = false;
	double delta = 1.0; //!< huber
	SourceLocation location;
};

struct CompileSpec {
	OptimizerSpec optimizer;
	LossSpec loss;
	//! Metric names as Keras reports them after resolution: "accuracy" is
	//! kept as written; the engine picks binary/categorical/sparse accuracy
	//! from the loss, as Keras does. Others: mae, mse, rmse, precision,
	//! recall, auc.
	std::vector<std::string> metrics;
	bool present = false; //!< false when the definition had no compile()
};

struct ModelSpec {
	std::string name = "sequential";
	std::vector<LayerSpec> layers;
	CompileSpec compile;
};

//! fit()/evaluate() keyword arguments (the original's "epochs=5,
//! steps_per_epoch=1000" strings or a JSON object).
struct FitOptions {
	int64_t epochs = 1;
	std::optional<int64_t> batch_size; //!< Keras' default 32 when absent
	std::optional<int64_t> steps_per_epoch;
	bool shuffle = true;
	int verbose = 1;
	std::optional<int64_t> validation_steps;
	std::optional<int64_t> steps; //!< evaluate()'s `steps` (kwargs_val)
	std::optional<uint64_t> seed;
};

} // namespace kafkaml::ml
