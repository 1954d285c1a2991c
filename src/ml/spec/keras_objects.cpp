#include "ml/spec/keras_objects.h"

#include "ml/spec/call_arguments.h"
#include "ml/spec/layer_kinds.h"
#include "ml/spec/summary.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <set>

namespace kafkaml::ml::spec {

namespace {

//! Strips a Keras module path: `submodule` "layers" accepts X, layers.X,
//! keras.layers.X, tf.keras.layers.X and tensorflow.keras.layers.X; the
//! extra prefixes are accepted as well. Returns the bare name, or nullopt
//! when `dotted` is not in one of those modules.
std::optional<std::string> strip_module(std::string_view dotted, std::string_view submodule,
                                        std::initializer_list<std::string_view> extra = {}) {
	std::vector<std::string> prefixes = {"", std::string(submodule) + ".", "keras." + std::string(submodule) + ".",
	                                     "tf.keras." + std::string(submodule) + ".",
	                                     "tensorflow.keras." + std::string(submodule) + "."};
	for (auto prefix : extra) {
		prefixes.emplace_back(std::string(prefix) + ".");
	}
	for (const auto &prefix : prefixes) {
		if (dotted.size() > prefix.size() && dotted.substr(0, prefix.size()) == prefix) {
			std::string_view rest = dotted.substr(prefix.size());
			if (rest.find('.') == std::string_view::npos) {
				return std::string(rest);
			}
		}
	}
	return std::nullopt;
}

//! Where an unknown class or function name is reported: its last segment.
SourceLocation name_at(const Value &value) {
	return value.name_location.line > 0 ? value.name_location : value.location;
}

std::string join(const std::vector<std::string> &names) {
	std::string out;
	for (const auto &name : names) {
		out += (out.empty() ? "" : ", ") + name;
	}
	return out;
}

//! "GlorotUniform" -> "glorot_uniform".
std::string snake_case(std::string_view camel) {
	std::string out;
	for (size_t i = 0; i < camel.size(); i++) {
		char c = camel[i];
		if (std::isupper(static_cast<unsigned char>(c))) {
			if (i > 0 && camel[i - 1] != '_') {
				out += '_';
			}
			out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
		} else {
			out += c;
		}
	}
	return out;
}

const std::vector<std::string> kActivations = {"linear", "relu", "sigmoid",  "softmax",    "tanh",
                                               "elu",    "selu", "softplus", "leaky_relu", "swish"};

const std::vector<std::string> kInitializers = {
    "glorot_uniform", "glorot_normal", "he_uniform",    "he_normal",      "lecun_uniform",    "lecun_normal",
    "zeros",          "ones",          "random_normal", "random_uniform", "truncated_normal", "orthogonal",
    "uniform",        "normal",        "identity",      "constant",       "variance_scaling"};

//! Validates a Keras initializer (name or object) and returns its
//! normalised name. Only `seed` and arguments at Keras' default value are
//! accepted on objects: we do not model initializer parameters.
std::string initializer_from_value(const Value &value, const std::string &what) {
	std::string name;
	if (value.kind == ValueKind::String) {
		name = value.text;
	} else if (value.kind == ValueKind::Call) {
		auto bare = strip_module(value.text, "initializers");
		if (!bare) {
			fail(value.location, what + " must be an initializer such as 'glorot_uniform', not " + describe(value));
		}
		name = snake_case(*bare);
		CallArguments args(value, *bare, {});
		args.ignored("seed");
		if (name == "random_uniform" || name == "uniform") {
			args.only_number("minval", -0.05);
			args.only_number("maxval", 0.05);
		} else if (name == "random_normal" || name == "truncated_normal" || name == "normal") {
			args.only_number("mean", 0.0);
			args.only_number("stddev", 0.05);
		} else if (name == "orthogonal" || name == "identity") {
			args.only_number("gain", 1.0);
		} else if (name == "constant") {
			args.only_number("value", 0.0);
		}
		args.finish();
	} else {
		fail(value.location, what + " must be an initializer name such as 'glorot_uniform', not " + describe(value));
	}
	if (name == "zero") {
		name = "zeros";
	} else if (name == "one") {
		name = "ones";
	}
	if (std::find(kInitializers.begin(), kInitializers.end(), name) == kInitializers.end()) {
		fail(value.location,
		     "unknown initializer '" + name + "' for " + what + "; expected one of " + join(kInitializers));
	}
	return name;
}

std::string initializer(CallArguments &args, const std::string &name, const std::string &fallback) {
	const Value *value = args.get(name);
	return value ? initializer_from_value(*value, args.what(name)) : fallback;
}

void no_regularizers(CallArguments &args, std::initializer_list<std::string> prefixes) {
	for (const auto &prefix : prefixes) {
		args.only_none(prefix + "_regularizer");
		args.only_none(prefix + "_constraint");
	}
	args.only_none("activity_regularizer");
}

Activation activation(CallArguments &args, const std::string &name, const Activation &fallback, LayerSpec &layer) {
	const Value *value = args.get(name);
	if (!value) {
		return fallback;
	}
	Activation result = activation_from_value(*value, args.what(name));
	if (result == "leaky_relu") {
		layer.alpha = 0.2; // the function's default slope, as Keras' activations.get('leaky_relu')
	}
	return result;
}

struct LayerArguments {
	LayerItem item;
	std::optional<Shape> shape;
};

//! Arguments every Keras layer accepts.
void base_layer_arguments(CallArguments &args, LayerSpec &layer) {
	layer.name = args.string("name", "");
	args.only_bool("trainable", true);
	const Value *dtype = args.get("dtype");
	if (dtype && dtype->kind != ValueKind::None) {
		const std::string &type = string_value(*dtype, args.what("dtype"));
		if (type != "float32" && type != "float") {
			fail(dtype->location, args.what("dtype") + " '" + type + "' is not supported; only 'float32'");
		}
	}
	args.ignored("batch_size");
	std::optional<Shape> shape = args.shape("input_shape");
	if (auto batch = args.shape("batch_input_shape", true)) {
		shape = batch;
	}
	if (auto dim = args.optional_integer("input_dim")) {
		shape = Shape{*dim};
	}
	layer.input_shape = shape;
}

void conv_arguments(CallArguments &args, LayerSpec &layer, size_t rank) {
	if (!args.get("filters")) {
		fail(args.location(),
		     "argument 'filters' of " + args.callee() + " is required, e.g. " + args.callee() + "(32, 3)");
	}
	layer.filters = args.integer("filters", 0);
	if (!args.get("kernel_size")) {
		fail(args.location(), "argument 'kernel_size' of " + args.callee() + " is required");
	}
	layer.kernel_size = args.int_tuple("kernel_size", rank, 1);
	layer.strides = args.int_tuple("strides", rank, 1);
	layer.padding = args.string("padding", "valid");
	if (layer.padding != "valid" && layer.padding != "same") {
		fail(args.get("padding")->location,
		     args.what("padding") + " must be 'valid' or 'same', not '" + layer.padding + "'");
	}
	args.only_string("data_format", "channels_last");
	layer.dilation_rate = args.int_tuple("dilation_rate", rank, 1);
	args.only_number("groups", 1);
	layer.activation = activation(args, "activation", "linear", layer);
	layer.use_bias = args.boolean("use_bias", true);
	layer.kernel_initializer = initializer(args, "kernel_initializer", "glorot_uniform");
	layer.bias_initializer = initializer(args, "bias_initializer", "zeros");
	no_regularizers(args, {"kernel", "bias"});
	bool strided = std::any_of(layer.strides.begin(), layer.strides.end(), [](int64_t s) { return s != 1; });
	bool dilated =
	    std::any_of(layer.dilation_rate.begin(), layer.dilation_rate.end(), [](int64_t d) { return d != 1; });
	if (strided && dilated) {
		fail(args.location(),
		     args.callee() + ": strides > 1 together with dilation_rate > 1 is not supported by Keras");
	}
}

void pooling_arguments(CallArguments &args, LayerSpec &layer, size_t rank) {
	layer.pool_size = args.int_tuple("pool_size", rank, 2);
	const Value *strides = args.get("strides");
	layer.strides = strides && strides->kind != ValueKind::None ? args.int_tuple("strides", rank, 1) : layer.pool_size;
	layer.padding = args.string("padding", "valid");
	if (layer.padding != "valid" && layer.padding != "same") {
		fail(args.get("padding")->location,
		     args.what("padding") + " must be 'valid' or 'same', not '" + layer.padding + "'");
	}
	args.only_string("data_format", "channels_last");
}

void recurrent_arguments(CallArguments &args, LayerSpec &layer) {
	if (!args.get("units")) {
		fail(args.location(), "argument 'units' of " + args.callee() + " is required");
	}
	layer.units = args.integer("units", 0);
	layer.activation = activation(args, "activation", "tanh", layer);
	layer.recurrent_activation = activation(args, "recurrent_activation", "sigmoid", layer);
	layer.use_bias = args.boolean("use_bias", true);
	layer.kernel_initializer = initializer(args, "kernel_initializer", "glorot_uniform");
	layer.recurrent_initializer = initializer(args, "recurrent_initializer", "orthogonal");
	layer.bias_initializer = initializer(args, "bias_initializer", "zeros");
	no_regularizers(args, {"kernel", "recurrent", "bias"});
	args.only_number("dropout", 0.0);
	args.only_number("recurrent_dropout", 0.0);
	layer.return_sequences = args.boolean("return_sequences", false);
	args.only_bool("return_state", false);
	args.only_bool("go_backwards", false);
	args.only_bool("stateful", false);
	args.only_bool("unroll", false);
	args.only_bool("time_major", false);
	args.ignored("implementation");
	args.ignored("zero_output_for_mask");
}

} // namespace

Activation activation_from_value(const Value &value, std::string_view what_view) {
	std::string what(what_view);
	std::string name;
	if (value.kind == ValueKind::None) {
		return "linear";
	}
	if (value.kind == ValueKind::String) {
		name = value.text;
	} else if (value.kind == ValueKind::Name) {
		auto bare = strip_module(value.text, "activations", {"tf.nn", "tf.math", "tf", "tensorflow.nn", "nn"});
		if (!bare) {
			fail(value.location,
			     what + ": '" + value.text + "' is not an activation; expected a name such as 'relu' or tf.nn.relu");
		}
		name = *bare;
	} else {
		fail(value.location, what + " must be an activation such as 'relu' or tf.nn.relu, not " + describe(value));
	}
	if (name == "silu") {
		name = "swish";
	}
	if (std::find(kActivations.begin(), kActivations.end(), name) == kActivations.end()) {
		fail(value.location,
		     "unknown activation '" + name + "' for " + what + "; expected one of " + join(kActivations));
	}
	return name;
}

bool is_sequential_name(std::string_view dotted) {
	auto bare = strip_module(dotted, "models", {"keras", "tf.keras", "tensorflow.keras"});
	return bare && *bare == "Sequential";
}

LayerItem layer_from_call(const Value &call) {
	if (call.kind != ValueKind::Call) {
		fail(call.location, "expected a layer such as tf.keras.layers.Dense(4), found " + describe(call));
	}
	auto bare = strip_module(call.text, "layers", {"keras", "tf.keras", "tensorflow.keras"});
	LayerItem item;
	if (bare && (*bare == "Input" || *bare == "InputLayer")) {
		CallArguments args(call, *bare, {"shape"});
		item.is_input = true;
		std::optional<Shape> shape = args.shape("shape");
		if (auto other = args.shape("input_shape")) {
			shape = other;
		}
		if (auto batch = args.shape("batch_input_shape", true)) {
			shape = batch;
		}
		if (auto batch = args.shape("batch_shape", true)) {
			shape = batch;
		}
		if (!shape) {
			fail(call.location, *bare + " needs shape=(...), the input dimensions without the batch");
		}
		item.input_shape = *shape;
		args.ignored("batch_size");
		args.ignored("name");
		args.only_string("dtype", "float32");
		args.only_bool("sparse", false);
		args.only_bool("ragged", false);
		args.finish();
		return item;
	}
	std::optional<LayerKind> kind = bare ? layer_kind_from_class_name(*bare) : std::nullopt;
	if (!kind) {
		fail(name_at(call),
		     "unknown layer '" + (bare ? *bare : call.text) + "'; expected one of " + supported_layer_names());
	}
	LayerSpec &layer = item.layer;
	layer.kind = *kind;
	layer.location = call.location;
	std::string callee(layer_class_name(*kind));
	switch (*kind) {
	case LayerKind::Dense: {
		CallArguments args(call, callee, {"units", "activation", "use_bias", "kernel_initializer", "bias_initializer"});
		base_layer_arguments(args, layer);
		if (!args.get("units")) {
			fail(call.location, "argument 'units' of Dense is required, e.g. Dense(4)");
		}
		layer.units = args.integer("units", 0);
		layer.activation = activation(args, "activation", "linear", layer);
		layer.use_bias = args.boolean("use_bias", true);
		layer.kernel_initializer = initializer(args, "kernel_initializer", "glorot_uniform");
		layer.bias_initializer = initializer(args, "bias_initializer", "zeros");
		no_regularizers(args, {"kernel", "bias"});
		args.finish();
		break;
	}
	case LayerKind::Dropout: {
		CallArguments args(call, callee, {"rate", "noise_shape", "seed"});
		base_layer_arguments(args, layer);
		if (!args.get("rate")) {
			fail(call.location, "argument 'rate' of Dropout is required, e.g. Dropout(0.2)");
		}
		layer.rate = args.number_in("rate", 0.0, 0.0, 1.0);
		args.only_none("noise_shape");
		args.ignored("seed");
		args.finish();
		break;
	}
	case LayerKind::Flatten: {
		CallArguments args(call, callee, {"data_format"});
		base_layer_arguments(args, layer);
		args.only_string("data_format", "channels_last");
		args.finish();
		break;
	}
	case LayerKind::Reshape: {
		CallArguments args(call, callee, {"target_shape"});
		base_layer_arguments(args, layer);
		const Value *target = args.get("target_shape");
		if (!target) {
			fail(call.location, "argument 'target_shape' of Reshape is required, e.g. Reshape((28, 28, 1))");
		}
		if (!target->is_sequence() || target->items.empty()) {
			fail(target->location,
			     args.what("target_shape") + " must be a tuple of dimensions, not " + describe(*target));
		}
		int unknown = 0;
		for (const auto &dim : target->items) {
			if (dim.kind == ValueKind::Int && dim.integer == -1) {
				if (++unknown > 1) {
					fail(dim.location, "only one dimension of Reshape's target_shape can be -1");
				}
				layer.target_shape.push_back(-1);
				continue;
			}
			layer.target_shape.push_back(integer_value(dim, "each dimension of " + args.what("target_shape"), 1));
		}
		args.finish();
		break;
	}
	case LayerKind::Activation: {
		CallArguments args(call, callee, {"activation"});
		base_layer_arguments(args, layer);
		if (!args.get("activation")) {
			fail(call.location, "argument 'activation' of Activation is required, e.g. Activation('relu')");
		}
		layer.activation = activation(args, "activation", "linear", layer);
		args.finish();
		break;
	}
	case LayerKind::BatchNormalization: {
		CallArguments args(call, callee, {"axis", "momentum", "epsilon", "center", "scale"});
		base_layer_arguments(args, layer);
		if (const Value *axis = args.get("axis")) {
			const Value *single = axis;
			if (axis->is_sequence()) {
				if (axis->items.size() != 1) {
					fail(axis->location, args.what("axis") + ": normalising over several axes is not supported");
				}
				single = &axis->items[0];
			}
			layer.axis = integer_value(*single, args.what("axis"), -1);
			if (layer.axis == 0) {
				fail(single->location, args.what("axis") + " 0 is the batch axis; use -1 (the channels)");
			}
		}
		layer.momentum = args.number_in("momentum", 0.99, 0.0, 1.0, true);
		layer.epsilon = args.number("epsilon", 0.001);
		if (layer.epsilon <= 0) {
			fail(args.get("epsilon")->location, args.what("epsilon") + " must be positive");
		}
		layer.center = args.boolean("center", true);
		layer.scale = args.boolean("scale", true);
		for (const char *name : {"beta_initializer", "moving_mean_initializer"}) {
			if (const Value *value = args.get(name)) {
				if (initializer_from_value(*value, args.what(name)) != "zeros") {
					fail(value->location, args.what(name) + " other than 'zeros' is not supported");
				}
			}
		}
		for (const char *name : {"gamma_initializer", "moving_variance_initializer"}) {
			if (const Value *value = args.get(name)) {
				if (initializer_from_value(*value, args.what(name)) != "ones") {
					fail(value->location, args.what(name) + " other than 'ones' is not supported");
				}
			}
		}
		no_regularizers(args, {"beta", "gamma"});
		args.only_bool("renorm", false);
		args.only_none("renorm_clipping");
		args.ignored("renorm_momentum");
		args.ignored("fused");
		args.only_none("virtual_batch_size");
		args.only_none("adjustment");
		args.only_bool("synchronized", false);
		args.finish();
		break;
	}
	case LayerKind::Conv1D:
	case LayerKind::Conv2D: {
		CallArguments args(call, callee,
		                   {"filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "groups",
		                    "activation", "use_bias", "kernel_initializer", "bias_initializer"});
		base_layer_arguments(args, layer);
		conv_arguments(args, layer, *kind == LayerKind::Conv1D ? 1 : 2);
		args.finish();
		break;
	}
	case LayerKind::MaxPooling1D:
	case LayerKind::MaxPooling2D:
	case LayerKind::AveragePooling1D:
	case LayerKind::AveragePooling2D: {
		CallArguments args(call, callee, {"pool_size", "strides", "padding", "data_format"});
		base_layer_arguments(args, layer);
		bool one_d = *kind == LayerKind::MaxPooling1D || *kind == LayerKind::AveragePooling1D;
		pooling_arguments(args, layer, one_d ? 1 : 2);
		args.finish();
		break;
	}
	case LayerKind::GlobalAveragePooling1D:
	case LayerKind::GlobalAveragePooling2D:
	case LayerKind::GlobalMaxPooling1D:
	case LayerKind::GlobalMaxPooling2D: {
		CallArguments args(call, callee, {"data_format", "keepdims"});
		base_layer_arguments(args, layer);
		args.only_string("data_format", "channels_last");
		args.only_bool("keepdims", false);
		args.finish();
		break;
	}
	case LayerKind::LSTM: {
		CallArguments args(call, callee, {"units", "activation", "recurrent_activation", "use_bias"});
		base_layer_arguments(args, layer);
		recurrent_arguments(args, layer);
		layer.unit_forget_bias = args.boolean("unit_forget_bias", true);
		args.finish();
		break;
	}
	case LayerKind::GRU: {
		CallArguments args(call, callee, {"units", "activation", "recurrent_activation", "use_bias"});
		base_layer_arguments(args, layer);
		recurrent_arguments(args, layer);
		layer.reset_after = args.boolean("reset_after", true);
		args.finish();
		break;
	}
	case LayerKind::Embedding: {
		CallArguments args(call, callee, {"input_dim", "output_dim", "embeddings_initializer"});
		// input_dim means the vocabulary here, not the input shape: no base_layer_arguments' input_dim.
		layer.name = args.string("name", "");
		args.only_bool("trainable", true);
		args.only_string("dtype", "float32");
		args.ignored("batch_size");
		layer.input_shape = args.shape("input_shape");
		if (auto batch = args.shape("batch_input_shape", true)) {
			layer.input_shape = batch;
		}
		if (!args.get("input_dim") || !args.get("output_dim")) {
			fail(call.location,
			     "Embedding needs input_dim (the vocabulary size) and output_dim, e.g. Embedding(1000, 64)");
		}
		layer.input_dim = args.integer("input_dim", 0);
		layer.output_dim = args.integer("output_dim", 0);
		if (const Value *value = args.get("embeddings_initializer")) {
			initializer_from_value(*value, args.what("embeddings_initializer"));
		}
		args.only_none("embeddings_regularizer");
		args.only_none("embeddings_constraint");
		args.only_none("activity_regularizer");
		args.only_bool("mask_zero", false);
		args.only_bool("sparse", false);
		if (auto length = args.optional_integer("input_length")) {
			if (layer.input_shape && *layer.input_shape != Shape{*length}) {
				fail(args.get("input_length")->location, "input_length of Embedding disagrees with its input_shape");
			}
			layer.input_shape = Shape{*length};
		}
		args.finish();
		break;
	}
	}
	return item;
}

void add_layer(ModelSpec &model, std::optional<Shape> &input_shape, const Value &call) {
	LayerItem item = layer_from_call(call);
	if (!item.is_input) {
		model.layers.push_back(std::move(item.layer));
		return;
	}
	if (!model.layers.empty() || input_shape) {
		fail(call.location, "an Input can only come first in the model");
	}
	input_shape = item.input_shape;
}

OptimizerSpec optimizer_from_value(const Value &value) {
	static const std::vector<std::string> names = {"adam", "sgd", "rmsprop", "adagrad", "adamw"};
	OptimizerSpec optimizer;
	optimizer.location = value.location;
	std::string name;
	if (value.kind == ValueKind::String) {
		name = value.text;
		std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
	} else if (value.kind == ValueKind::Call) {
		auto bare = strip_module(
		    value.text, "optimizers",
		    {"tf.optimizers", "keras.optimizers.legacy", "tf.keras.optimizers.legacy", "optimizers.legacy"});
		if (!bare) {
			fail(value.location,
			     "expected an optimizer such as 'adam' or tf.keras.optimizers.Adam(learning_rate=0.001), "
			     "found " +
			         describe(value));
		}
		name = *bare;
		std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
	} else if (value.kind == ValueKind::Name) {
		fail(value.location,
		     "optimizer '" + value.text + "' must be called, e.g. " + value.text + "(learning_rate=0.001)");
	} else {
		fail(value.location, "expected an optimizer such as 'adam', found " + describe(value));
	}
	if (std::find(names.begin(), names.end(), name) == names.end()) {
		fail(name_at(value), "unknown optimizer '" + name +
		                         "'; expected one of adam, sgd, rmsprop, adagrad, adamw "
		                         "(as names or tf.keras.optimizers objects)");
	}
	optimizer.name = name;
	if (name == "sgd") {
		optimizer.learning_rate = 0.01;
	}
	if (name == "adagrad") {
		optimizer.learning_rate = 0.001;
	}
	if (value.kind != ValueKind::Call) {
		return optimizer;
	}
	std::string callee = value.text.substr(value.text.rfind('.') + 1);
	std::vector<std::string> positional = {"learning_rate"};
	if (name == "sgd") {
		positional = {"learning_rate", "momentum", "nesterov"};
	} else if (name == "rmsprop") {
		positional = {"learning_rate", "rho", "momentum", "epsilon", "centered"};
	} else if (name == "adagrad") {
		positional = {"learning_rate", "initial_accumulator_value", "epsilon"};
	} else if (name == "adam") {
		positional = {"learning_rate", "beta_1", "beta_2", "epsilon", "amsgrad"};
	} else if (name == "adamw") {
		positional = {"learning_rate", "weight_decay", "beta_1", "beta_2", "epsilon", "amsgrad"};
	}
	CallArguments args(value, callee, positional);
	const Value *lr = args.get("learning_rate");
	const Value *legacy = args.get("lr");
	if (lr && legacy) {
		fail(legacy->location, "give either 'learning_rate' or its old name 'lr' of " + callee + ", not both");
	}
	if (lr || legacy) {
		const std::string key = lr ? "learning_rate" : "lr";
		optimizer.learning_rate = args.number(key, optimizer.learning_rate);
		if (optimizer.learning_rate <= 0) {
			fail((lr ? lr : legacy)->location, args.what(key) + " must be positive");
		}
	}
	if (name == "sgd" || name == "rmsprop") {
		optimizer.momentum = args.number_in("momentum", 0.0, 0.0, 1.0, true);
	}
	if (name == "sgd") {
		optimizer.nesterov = args.boolean("nesterov", false);
	}
	if (name == "rmsprop") {
		optimizer.rho = args.number_in("rho", 0.9, 0.0, 1.0, true);
		args.only_bool("centered", false);
	}
	if (name == "adam" || name == "adamw") {
		optimizer.beta_1 = args.number_in("beta_1", 0.9, 0.0, 1.0);
		optimizer.beta_2 = args.number_in("beta_2", 0.999, 0.0, 1.0);
		args.only_bool("amsgrad", false);
	}
	if (name == "adamw") {
		optimizer.weight_decay = args.number("weight_decay", 0.004);
	}
	if (name == "adagrad") {
		optimizer.initial_accumulator_value = args.number("initial_accumulator_value", 0.1);
	}
	if (name != "sgd") {
		optimizer.epsilon = args.number("epsilon", 1e-7);
	}
	args.ignored("name");
	args.only_number("decay", 0.0);
	args.only_none("clipnorm");
	args.only_none("clipvalue");
	args.only_none("global_clipnorm");
	args.only_bool("use_ema", false);
	args.ignored("jit_compile");
	args.finish();
	return optimizer;
}

LossSpec loss_from_value(const Value &value) {
	static const std::map<std::string, std::string, std::less<>> function_names = {
	    {"mse", "mse"},
	    {"mean_squared_error", "mse"},
	    {"MSE", "mse"},
	    {"mae", "mae"},
	    {"MAE", "mae"},
	    {"mean_absolute_error", "mae"},
	    {"huber", "huber"},
	    {"huber_loss", "huber"},
	    {"binary_crossentropy", "binary_crossentropy"},
	    {"categorical_crossentropy", "categorical_crossentropy"},
	    {"sparse_categorical_crossentropy", "sparse_categorical_crossentropy"}};
	static const std::map<std::string, std::string, std::less<>> class_names = {
	    {"MeanSquaredError", "mse"},
	    {"MeanAbsoluteError", "mae"},
	    {"Huber", "huber"},
	    {"BinaryCrossentropy", "binary_crossentropy"},
	    {"CategoricalCrossentropy", "categorical_crossentropy"},
	    {"SparseCategoricalCrossentropy", "sparse_categorical_crossentropy"}};
	static const std::string expected =
	    "expected one of mse (mean_squared_error), mae (mean_absolute_error), huber, "
	    "binary_crossentropy, categorical_crossentropy, sparse_categorical_crossentropy, "
	    "or their tf.keras.losses classes";
	LossSpec loss;
	loss.location = value.location;
	if (value.kind == ValueKind::String || value.kind == ValueKind::Name) {
		std::string name = value.text;
		if (value.kind == ValueKind::Name) {
			auto bare = strip_module(value.text, "losses", {"tf.losses"});
			if (!bare) {
				fail(name_at(value), "unknown loss " + describe(value) + "; " + expected);
			}
			name = *bare;
			if (class_names.count(name)) {
				fail(value.location, "loss class " + name + " must be called, e.g. " + value.text + "()");
			}
		}
		auto found = function_names.find(name);
		if (found == function_names.end()) {
			fail(name_at(value), "unknown loss '" + name + "'; " + expected);
		}
		loss.name = found->second;
		return loss;
	}
	if (value.kind != ValueKind::Call) {
		fail(value.location, "expected a loss such as 'mse', found " + describe(value) + "; " + expected);
	}
	auto bare = strip_module(value.text, "losses", {"tf.losses"});
	auto found = bare ? class_names.find(*bare) : class_names.end();
	if (found == class_names.end()) {
		fail(name_at(value), "unknown loss " + describe(value) + "; " + expected);
	}
	loss.name = found->second;
	std::vector<std::string> positional;
	if (loss.name == "huber") {
		positional = {"delta"};
	} else if (loss.name != "mse" && loss.name != "mae") {
		positional = {"from_logits"};
	}
	CallArguments args(value, *bare, positional);
	if (loss.name == "huber") {
		loss.delta = args.number("delta", 1.0);
		if (loss.delta <= 0) {
			fail(args.get("delta")->location, args.what("delta") + " must be positive");
		}
	} else if (loss.name != "mse" && loss.name != "mae") {
		loss.from_logits = args.boolean("from_logits", false);
	}
	if (loss.name == "binary_crossentropy" || loss.name == "categorical_crossentropy") {
		args.only_number("label_smoothing", 0.0);
		args.only_number("axis", -1);
	}
	if (loss.name == "sparse_categorical_crossentropy") {
		args.only_none("ignore_class");
	}
	args.ignored("name");
	args.ignored("reduction");
	args.finish();
	return loss;
}

std::string metric_from_value(const Value &value) {
	static const std::map<std::string, std::string, std::less<>> names = {{"accuracy", "accuracy"},
	                                                                      {"acc", "accuracy"},
	                                                                      {"mae", "mae"},
	                                                                      {"mean_absolute_error", "mae"},
	                                                                      {"mse", "mse"},
	                                                                      {"mean_squared_error", "mse"},
	                                                                      {"rmse", "rmse"},
	                                                                      {"root_mean_squared_error", "rmse"},
	                                                                      {"precision", "precision"},
	                                                                      {"recall", "recall"},
	                                                                      {"auc", "auc"}};
	static const std::map<std::string, std::string, std::less<>> classes = {
	    {"MeanAbsoluteError", "mae"}, {"MeanSquaredError", "mse"}, {"RootMeanSquaredError", "rmse"},
	    {"Precision", "precision"},   {"Recall", "recall"},        {"AUC", "auc"}};
	static const std::string expected =
	    "expected one of accuracy (acc), mae, mse, rmse, precision, recall, auc, or their tf.keras.metrics classes";
	if (value.kind == ValueKind::String) {
		auto found = names.find(value.text);
		if (found == names.end()) {
			fail(value.location, "unknown metric '" + value.text + "'; " + expected);
		}
		return found->second;
	}
	if (value.kind == ValueKind::Call) {
		auto bare = strip_module(value.text, "metrics", {"tf.metrics"});
		auto found = bare ? classes.find(*bare) : classes.end();
		if (found == classes.end()) {
			fail(name_at(value), "unknown metric " + describe(value) + "; " + expected);
		}
		CallArguments args(value, *bare, {});
		args.ignored("name");
		args.only_string("dtype", "float32");
		if (found->second == "precision" || found->second == "recall") {
			args.only_none("thresholds");
			args.only_none("top_k");
			args.only_none("class_id");
		}
		if (found->second == "auc") {
			args.only_number("num_thresholds", 200);
			args.only_string("curve", "ROC");
		}
		args.finish();
		return found->second;
	}
	fail(value.location, "expected a metric such as 'accuracy', found " + describe(value) + "; " + expected);
}

CompileSpec compile_from_call(const Value &call) {
	CompileSpec compile;
	compile.present = true;
	CallArguments args(call, call.kind == ValueKind::Dict ? "compile" : "compile()", {"optimizer", "loss", "metrics"});
	if (const Value *optimizer = args.get("optimizer"); optimizer && optimizer->kind != ValueKind::None) {
		compile.optimizer = optimizer_from_value(*optimizer);
	} else {
		compile.optimizer.location = call.location;
	}
	const Value *loss = args.get("loss");
	if (!loss || loss->kind == ValueKind::None) {
		fail(call.location, "compile needs a loss, e.g. loss='sparse_categorical_crossentropy'");
	}
	compile.loss = loss_from_value(*loss);
	if (const Value *metrics = args.get("metrics"); metrics && metrics->kind != ValueKind::None) {
		if (!metrics->is_sequence()) {
			fail(metrics->location, "metrics must be a list such as ['accuracy'], not " + describe(*metrics));
		}
		for (const auto &metric : metrics->items) {
			std::string name = metric_from_value(metric);
			if (std::find(compile.metrics.begin(), compile.metrics.end(), name) != compile.metrics.end()) {
				fail(metric.location, "metric '" + name + "' is listed twice");
			}
			compile.metrics.push_back(name);
		}
	}
	args.only_none("loss_weights");
	args.only_none("weighted_metrics");
	args.only_none("sample_weight_mode");
	args.ignored("run_eagerly");
	args.ignored("steps_per_execution");
	args.ignored("jit_compile");
	args.finish();
	return compile;
}

void finish_model(ModelSpec &model, std::optional<Shape> input_shape, SourceLocation model_location) {
	if (model.layers.empty()) {
		fail(model_location, "the model has no layers; add some, e.g. tf.keras.layers.Dense(1, input_shape=(3,))");
	}
	LayerSpec &first = model.layers.front();
	if (input_shape) {
		if (first.input_shape && *first.input_shape != *input_shape) {
			fail(first.location, "input_shape of the first layer disagrees with the Input before it");
		}
		first.input_shape = input_shape;
	}
	if (!first.input_shape) {
		fail(first.location, "the first layer needs input_shape=(...), e.g. " +
		                         std::string(layer_class_name(first.kind)) +
		                         "(..., input_shape=(3,)), or put tf.keras.Input(shape=(3,)) before it");
	}
	std::set<std::string> taken;
	for (const auto &layer : model.layers) {
		if (layer.name.empty()) {
			continue;
		}
		if (!taken.insert(layer.name).second) {
			fail(layer.location, "layer name '" + layer.name + "' is used twice; layer names must be unique");
		}
	}
	std::map<std::string, int> counters;
	for (auto &layer : model.layers) {
		if (!layer.name.empty()) {
			continue;
		}
		std::string base(layer_base_name(layer.kind));
		while (true) {
			int index = counters[base]++;
			std::string name = index == 0 ? base : base + "_" + std::to_string(index);
			if (taken.insert(name).second) {
				layer.name = name;
				break;
			}
		}
	}
	ModelSummary summary = summarize(model); // throws on a shape that cannot flow
	for (size_t i = 0; i < model.layers.size(); i++) {
		LayerSpec &layer = model.layers[i];
		if (i > 0) {
			layer.input_shape.reset();
		}
		if (layer.kind == LayerKind::BatchNormalization) {
			layer.axis = -1;
		}
	}
}

} // namespace kafkaml::ml::spec
