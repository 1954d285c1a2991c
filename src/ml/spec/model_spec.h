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
#include <utility>
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
	// Added with graph models (README.md, "New spec fields"); the engine
	// builds only the kinds above so far.
	SimpleRNN,
	Bidirectional,
	TimeDistributed,
	Conv2DTranspose,
	SeparableConv1D,
	SeparableConv2D,
	DepthwiseConv2D,
	Conv3D,
	MaxPooling3D,
	AveragePooling3D,
	GlobalAveragePooling3D,
	GlobalMaxPooling3D,
	UpSampling1D,
	UpSampling2D,
	ZeroPadding1D,
	ZeroPadding2D,
	Cropping1D,
	Cropping2D,
	RepeatVector,
	Permute,
	LayerNormalization,
	SpatialDropout1D,
	SpatialDropout2D,
	GaussianNoise,
	GaussianDropout,
	ReLU,
	LeakyReLU,
	PReLU,
	ELU,
	Softmax,
	Rescaling,
	Normalization,
	MultiHeadAttention,
	Add,
	Subtract,
	Multiply,
	Average,
	Maximum,
	Minimum,
	Concatenate,
	Dot,
	// Image preprocessing and augmentation (identity at inference, except
	// the resizing and cropping ones)
	RandomFlip,
	RandomRotation,
	RandomZoom,
	RandomTranslation,
	RandomContrast,
	RandomCrop,
	CenterCrop,
	Resizing,
};

//! Keras' L1/L2 weight penalty: loss += l1 * sum(|w|) + l2 * sum(w^2).
//! Both 0 means none (Keras' None).
struct RegularizerSpec {
	double l1 = 0.0;
	double l2 = 0.0;
	bool present() const { return l1 != 0.0 || l2 != 0.0; }
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
	//! LSTM, GRU, SimpleRNN (functional API): a call also returns the final
	//! state, h (LSTM: h and c), as the node's outputs 1 and 2; a call may
	//! start from given states (initial_state=[h, c]: the node's inputs 1, 2).
	bool return_state = false;
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

	// ---- fields added with graph models ----
	bool trainable = true; //!< false: its weights are frozen (count as non-trainable)
	RegularizerSpec kernel_regularizer;
	RegularizerSpec bias_regularizer;
	RegularizerSpec activity_regularizer;
	RegularizerSpec recurrent_regularizer; //!< LSTM, GRU, SimpleRNN
	RegularizerSpec depthwise_regularizer; //!< SeparableConv*, DepthwiseConv2D
	RegularizerSpec pointwise_regularizer; //!< SeparableConv*

	// LSTM / GRU / SimpleRNN
	double dropout = 0.0; //!< also MultiHeadAttention's attention dropout
	double recurrent_dropout = 0.0;

	// Bidirectional, TimeDistributed: the one wrapped layer
	std::vector<LayerSpec> wrapped;
	std::string merge_mode = "concat"; //!< Bidirectional: concat, sum, mul, ave

	// SeparableConv*, DepthwiseConv2D
	int64_t depth_multiplier = 1;
	std::string depthwise_initializer = "glorot_uniform";
	std::string pointwise_initializer = "glorot_uniform";
	//! Conv2DTranspose: per spatial dimension; empty is Keras' None.
	std::vector<int64_t> output_padding;
	//! Conv1D also accepts padding "causal" (left padding, output length as "same").

	// UpSampling1D/2D: factor per spatial dimension
	std::vector<int64_t> size;
	std::string interpolation = "nearest"; //!< UpSampling2D: nearest or bilinear
	// ZeroPadding1D/2D, Cropping1D/2D: (before, after) per spatial dimension
	std::vector<std::pair<int64_t, int64_t>> zero_padding;
	std::vector<std::pair<int64_t, int64_t>> cropping;

	int64_t repeat = 0;        //!< RepeatVector's n
	std::vector<int64_t> dims; //!< Permute: 1-based, batch excluded, as Keras
	//! LayerNormalization: the normalised axes (Keras' axis, as a list);
	//! Dot: the two axes (Keras' axes, one per input). Concatenate and
	//! Softmax use `axis`.
	std::vector<int64_t> axes;
	bool normalize = false; //!< Dot: cosine proximity

	double stddev = 0.0; //!< GaussianNoise

	// ReLU layer
	std::optional<double> max_value;
	double negative_slope = 0.0;
	double threshold = 0.0;
	// PReLU (alpha above is LeakyReLU's slope, 0.3, and ELU's alpha, 1.0)
	std::string alpha_initializer = "zeros";
	std::vector<int64_t> shared_axes; //!< 1-based, batch excluded

	// Rescaling: x * rescale + offset
	double rescale = 1.0;
	double offset = 0.0;
	// Normalization with given statistics: (x - mean) / sqrt(variance),
	// one value each or one per channel of `axis`.
	std::vector<double> mean;
	std::vector<double> variance;

	// Image preprocessing and augmentation
	std::string mode = "horizontal_and_vertical"; //!< RandomFlip: horizontal, vertical or both
	//! Keras' (lower, upper) after reading the argument: RandomRotation's
	//! fraction of a full turn and RandomZoom's/RandomTranslation's height
	//! fraction (one number f is (-f, f)); RandomContrast's factor (one
	//! number f is (f, f): contrast in [1 - lower, 1 + upper]).
	std::vector<double> factor;
	std::vector<double> width_factor; //!< RandomZoom, RandomTranslation; empty: RandomZoom keeps the aspect ratio
	std::string fill_mode = "reflect";
	double fill_value = 0.0;
	int64_t height = 0; //!< RandomCrop, CenterCrop, Resizing: the output size
	int64_t width = 0;
	bool crop_to_aspect_ratio = false; //!< Resizing
	//! RandomRotation/RandomZoom/RandomTranslation/Resizing read `interpolation`
	//! (default "bilinear" for them).

	// MultiHeadAttention; called as (query, value[, key])
	int64_t num_heads = 0;
	int64_t key_dim = 0;
	int64_t value_dim = 0;             //!< Keras' None is key_dim, filled in
	std::vector<int64_t> output_shape; //!< empty: the query's last dimension
};

//! A learning-rate schedule given as an optimizer's learning_rate
//! (keras.optimizers.schedules). Every field holds Keras' default.
struct LearningRateSchedule {
	//! exponential_decay, piecewise_constant_decay, cosine_decay, inverse_time_decay, polynomial_decay
	std::string name;
	double initial_learning_rate = 0.0;
	int64_t decay_steps = 0;
	double decay_rate = 0.0;           //!< exponential, inverse_time
	bool staircase = false;            //!< exponential, inverse_time
	std::vector<double> boundaries;    //!< piecewise_constant (steps)
	std::vector<double> values;        //!< piecewise_constant: one more than boundaries
	double alpha = 0.0;                //!< cosine: floor as a fraction of the initial rate
	double end_learning_rate = 0.0001; //!< polynomial
	double power = 1.0;                //!< polynomial
	bool cycle = false;                //!< polynomial
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
	double initial_accumulator_value = 0.1; //!< adagrad, ftrl
	SourceLocation location;

	// ---- fields added with graph models ----
	//! Names: adam, sgd, rmsprop, adagrad, adamw, and now adadelta, adamax, nadam, ftrl.
	bool amsgrad = false;  //!< adam, adamw
	bool centered = false; //!< rmsprop
	double decay = 0.0;    //!< Keras 2's per-step learning-rate decay
	std::optional<double> clipnorm;
	std::optional<double> clipvalue;
	std::optional<double> global_clipnorm;
	// ftrl
	double learning_rate_power = -0.5;
	double l1_regularization_strength = 0.0;
	double l2_regularization_strength = 0.0;
	double l2_shrinkage_regularization_strength = 0.0;
	double beta = 0.0;
	//! When set, the learning rate follows it (learning_rate holds its initial value).
	std::optional<LearningRateSchedule> schedule;
};

struct LossSpec {
	//! mse, mae, huber, binary_crossentropy, categorical_crossentropy,
	//! sparse_categorical_crossentropy; added: mape, msle, log_cosh,
	//! binary_focal_crossentropy, categorical_focal_crossentropy, hinge,
	//! squared_hinge, categorical_hinge, kl_divergence, poisson, cosine_similarity.
	std::string name;
	bool from_logits = false;
	double delta = 1.0; //!< huber
	SourceLocation location;

	// ---- fields added with graph models ----
	double label_smoothing = 0.0; //!< binary/categorical (focal) crossentropy
	int64_t axis = -1;            //!< crossentropies, cosine_similarity
	double gamma = 2.0;           //!< focal
	double alpha = 0.25;          //!< focal, when apply_class_balancing
	bool apply_class_balancing = false;
	std::optional<int64_t> ignore_class; //!< sparse_categorical_crossentropy
	std::string reduction = "auto";
};

//! A metric with its arguments, Keras' defaults filled in.
struct MetricSpec {
	//! Canonical name: accuracy, binary_accuracy, categorical_accuracy,
	//! sparse_categorical_accuracy, top_k_categorical_accuracy,
	//! sparse_top_k_categorical_accuracy, mae, mse, rmse, mape, msle,
	//! cosine_similarity, logcosh, kld, poisson, hinge, squared_hinge,
	//! categorical_hinge, binary_crossentropy, categorical_crossentropy,
	//! sparse_categorical_crossentropy, precision, recall, auc,
	//! true_positives, true_negatives, false_positives, false_negatives,
	//! precision_at_recall, recall_at_precision, sensitivity_at_specificity,
	//! specificity_at_sensitivity, mean_iou, f1_score, fbeta_score, r2_score.
	std::string name;
	std::string display_name;       //!< Keras' name= (its default when not given)
	double threshold = 0.5;         //!< binary_accuracy
	std::vector<double> thresholds; //!< precision, recall, true_*/false_* (empty: Keras' default 0.5)
	std::optional<int64_t> top_k;   //!< precision, recall
	std::optional<int64_t> class_id;
	int64_t k = 5;                //!< top_k_*
	int64_t num_thresholds = 200; //!< auc, *_at_*
	std::string curve = "ROC";    //!< auc: ROC or PR
	std::string summation_method = "interpolation";
	bool multi_label = false;
	std::optional<int64_t> num_labels;
	bool from_logits = false;
	double label_smoothing = 0.0;
	int64_t axis = -1;
	double target = 0.0;     //!< the recall/precision/specificity/sensitivity of *_at_*
	int64_t num_classes = 0; //!< mean_iou, f1/fbeta (0: Keras' None)
	double beta = 1.0;       //!< fbeta_score
	std::string average;     //!< f1/fbeta: "" (None), micro, macro, weighted
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

	// ---- fields added with graph models ----
	//! The metrics above with their arguments, in the same order.
	std::vector<MetricSpec> metric_specs;
	//! One loss per model output (in ModelSpec::outputs order); a single
	//! loss is repeated for every output, and `loss` is losses[0].
	std::vector<LossSpec> losses;
	//! Per output; 1.0 each unless compile(loss_weights=...) says otherwise.
	std::vector<double> loss_weights;
	//! Per output: the metrics computed on it (a plain list applies to every
	//! output, as Keras; a dict or list of lists picks per output).
	std::vector<std::vector<MetricSpec>> output_metrics;
};

//! A tensor of the model graph: model input `index` when `node` is -1,
//! else output `index` of node `node`: 0, the layer's output, for every
//! node; 1 and 2 the states a recurrent layer with return_state returns.
struct TensorRef {
	int64_t node = -1;
	int64_t index = 0;
	bool operator==(const TensorRef &) const = default;
};

//! One application of a layer to tensors (Keras' inbound node).
struct NodeSpec {
	size_t layer = 0;              //!< index into ModelSpec::layers
	std::vector<TensorRef> inputs; //!< in call order (merge layers: the list; attention: query, value[, key])
	SourceLocation location;
	//! The call's `training=` when given: False keeps Dropout off and
	//! BatchNormalization on its moving statistics even while training (a
	//! frozen base model), True keeps them on at inference.
	std::optional<bool> training;
};

struct InputSpec {
	std::string name;           //!< Keras' name: input_1, ... unless given
	std::optional<Shape> shape; //!< batch excluded, -1 for None; absent: from the training stream
	std::string dtype = "float32";
};

struct OutputSpec {
	std::string name; //!< the producing layer's name, or the key of a dict of outputs
	TensorRef tensor;
};

//! A statement evaluated but without effect on the model (print, seeds,
//! model.summary(), ...), listed by `kafkaml model check`.
struct IgnoredStatement {
	SourceLocation location;
	std::string text; //!< its first line, trimmed
};

//! A keras.applications base built with weights='imagenet' or
//! weights='<file>.h5': its weights are the Keras HDF5 file uploaded with
//! the model (nothing is downloaded here). The engine loads them after
//! building the model (Model::load_pretrained_weights).
struct PretrainedSpec {
	std::string application;   //!< VGG16, VGG19, ResNet50, MobileNetV2
	std::string weights;       //!< as written: imagenet or a file name
	bool weights_given = true; //!< false: Keras' default weights='imagenet'
	bool include_top = true;
	//! The file Keras would download for this call (for messages).
	std::string keras_file;
	//! The application's layers (names in ModelSpec::layers), in Keras'
	//! model.layers order: the layers the file's weights go to.
	std::vector<std::string> layers;
	SourceLocation location;
};

struct ModelSpec {
	std::string name = "sequential";
	//! Unique layers in Keras' `model.layers` order (a shared layer once).
	//! For a chain model (is_chain()): in order of application, the first
	//! carrying the input shape when it is known, exactly as before graphs.
	std::vector<LayerSpec> layers;
	CompileSpec compile;

	// ---- fields added with graph models ----
	std::string class_name = "Sequential"; //!< Sequential, Functional, or a subclass' name
	std::vector<InputSpec> inputs;
	std::vector<NodeSpec> nodes; //!< topological order: a node's inputs come before it
	std::vector<OutputSpec> outputs;
	std::vector<IgnoredStatement> ignored;
	//! Set when part of the model takes its weights from an uploaded file.
	std::optional<PretrainedSpec> pretrained;

	//! The engine's current form: one input, one output, and node i applies
	//! layer i to node i-1's output (node 0 to the input), each layer once.
	bool is_chain() const {
		if (inputs.size() != 1 || outputs.size() != 1 || nodes.size() != layers.size() || nodes.empty()) {
			return false;
		}
		for (size_t i = 0; i < nodes.size(); i++) {
			TensorRef expected = i == 0 ? TensorRef{-1, 0} : TensorRef{static_cast<int64_t>(i) - 1, 0};
			if (nodes[i].layer != i || nodes[i].inputs.size() != 1 || nodes[i].inputs[0] != expected) {
				return false;
			}
		}
		return outputs[0].tensor == TensorRef{static_cast<int64_t>(nodes.size()) - 1, 0};
	}

	//! False while an input's shape is to come from the training stream
	//! (bind_input_shape() in parse.h completes it).
	bool input_bound() const {
		for (const auto &input : inputs) {
			if (!input.shape) {
				return false;
			}
		}
		return !inputs.empty();
	}
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
