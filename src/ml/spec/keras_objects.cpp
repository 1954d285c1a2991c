#include "ml/spec/keras_objects.h"

#include "ml/spec/call_arguments.h"
#include "ml/spec/functional_graph.h"
#include "ml/spec/keras_names.h"
#include "ml/spec/layer_kinds.h"
#include "ml/spec/summary.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <set>

namespace kafkaml::ml::spec {

namespace {

const std::vector<std::string> kActivations = {"linear", "relu", "sigmoid",      "softmax",    "tanh",
                                               "elu",    "selu", "softplus",     "leaky_relu", "swish",
                                               "relu6",  "gelu", "hard_sigmoid", "softsign",   "exponential"};

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

RegularizerSpec &regularizer_field(LayerSpec &layer, const std::string &prefix) {
	if (prefix == "bias") {
		return layer.bias_regularizer;
	}
	if (prefix == "recurrent") {
		return layer.recurrent_regularizer;
	}
	if (prefix == "depthwise") {
		return layer.depthwise_regularizer;
	}
	if (prefix == "pointwise") {
		return layer.pointwise_regularizer;
	}
	return layer.kernel_regularizer;
}

//! `<prefix>_regularizer` for each prefix and activity_regularizer; the
//! matching constraints are accepted only as None (not modelled).
void regularizers(CallArguments &args, LayerSpec &layer, std::initializer_list<std::string> prefixes) {
	for (const auto &prefix : prefixes) {
		if (const Value *value = args.get(prefix + "_regularizer")) {
			regularizer_field(layer, prefix) = regularizer_from_value(*value, args.what(prefix + "_regularizer"));
		}
		args.only_none(prefix + "_constraint");
	}
	if (const Value *value = args.get("activity_regularizer")) {
		layer.activity_regularizer = regularizer_from_value(*value, args.what("activity_regularizer"));
	}
}

//! Keras reads padding names in any case ('Same').
std::string padding(CallArguments &args, std::initializer_list<std::string_view> allowed) {
	const Value *value = args.get("padding");
	if (!value) {
		return "valid";
	}
	std::string name = lowercase(string_value(*value, args.what("padding")));
	for (auto option : allowed) {
		if (name == option) {
			return name;
		}
	}
	std::string names;
	for (auto option : allowed) {
		names += (names.empty() ? "'" : ", '") + std::string(option) + "'";
	}
	fail(value->location, args.what("padding") + " must be one of " + names + ", not '" + value->text + "'");
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
	layer.trainable = args.boolean("trainable", true);
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
	if (layer.kind == LayerKind::Conv1D) {
		layer.padding = padding(args, {"valid", "same", "causal"});
	} else if (layer.kind == LayerKind::Conv2DTranspose) {
		layer.padding = padding(args, {"valid", "same"});
		if (const Value *output_padding = args.get("output_padding");
		    output_padding && output_padding->kind != ValueKind::None) {
			layer.output_padding = args.int_tuple("output_padding", rank, 0);
			for (size_t i = 0; i < rank; i++) {
				if (layer.output_padding[i] >= layer.strides[i]) {
					fail(output_padding->location, args.what("output_padding") + " must be smaller than the stride");
				}
			}
		}
	} else {
		layer.padding = padding(args, {"valid", "same"});
	}
	args.only_string("data_format", "channels_last");
	layer.dilation_rate = args.int_tuple("dilation_rate", rank, 1);
	if (layer.kind == LayerKind::SeparableConv1D || layer.kind == LayerKind::SeparableConv2D) {
		layer.depth_multiplier = args.integer("depth_multiplier", 1);
	} else if (layer.kind != LayerKind::Conv2DTranspose) {
		args.only_number("groups", 1);
	}
	layer.activation = activation(args, "activation", "linear", layer);
	layer.use_bias = args.boolean("use_bias", true);
	if (layer.kind == LayerKind::SeparableConv1D || layer.kind == LayerKind::SeparableConv2D) {
		layer.depthwise_initializer = initializer(args, "depthwise_initializer", "glorot_uniform");
		layer.pointwise_initializer = initializer(args, "pointwise_initializer", "glorot_uniform");
		regularizers(args, layer, {"depthwise", "pointwise", "bias"});
	} else {
		layer.kernel_initializer = initializer(args, "kernel_initializer", "glorot_uniform");
		regularizers(args, layer, {"kernel", "bias"});
	}
	layer.bias_initializer = initializer(args, "bias_initializer", "zeros");
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
	layer.padding = padding(args, {"valid", "same"});
	args.only_string("data_format", "channels_last");
}

void recurrent_arguments(CallArguments &args, LayerSpec &layer) {
	if (!args.get("units")) {
		fail(args.location(), "argument 'units' of " + args.callee() + " is required");
	}
	layer.units = args.integer("units", 0);
	layer.activation = activation(args, "activation", "tanh", layer);
	if (layer.kind != LayerKind::SimpleRNN) {
		layer.recurrent_activation = activation(args, "recurrent_activation", "sigmoid", layer);
	}
	layer.use_bias = args.boolean("use_bias", true);
	layer.kernel_initializer = initializer(args, "kernel_initializer", "glorot_uniform");
	layer.recurrent_initializer = initializer(args, "recurrent_initializer", "orthogonal");
	layer.bias_initializer = initializer(args, "bias_initializer", "zeros");
	regularizers(args, layer, {"kernel", "recurrent", "bias"});
	layer.dropout = args.number_in("dropout", 0.0, 0.0, 1.0);
	layer.recurrent_dropout = args.number_in("recurrent_dropout", 0.0, 0.0, 1.0);
	layer.return_sequences = args.boolean("return_sequences", false);
	layer.return_state = args.boolean("return_state", false);
	args.only_bool("go_backwards", false);
	args.only_bool("stateful", false);
	args.only_bool("unroll", false);
	args.only_bool("time_major", false);
	args.ignored("implementation");
	args.ignored("zero_output_for_mask");
}

//! A (before, after) pair per spatial dimension from Keras' padding or
//! cropping argument: an int, a tuple of `rank` ints (symmetric), or a
//! tuple of `rank` pairs (a single pair for rank 1).
std::vector<std::pair<int64_t, int64_t>> edges(CallArguments &args, const std::string &name, size_t rank,
                                               int64_t fallback) {
	const Value *value = args.get(name);
	std::vector<std::pair<int64_t, int64_t>> out(rank, {fallback, fallback});
	if (!value) {
		return out;
	}
	std::string what = args.what(name);
	if (value->kind == ValueKind::Int) {
		int64_t amount = integer_value(*value, what, 0);
		return std::vector<std::pair<int64_t, int64_t>>(rank, {amount, amount});
	}
	if (!value->is_sequence()) {
		fail(value->location, what + " must be an integer or a tuple, not " + describe(*value));
	}
	if (rank == 1) {
		if (value->items.size() != 2) {
			fail(value->location, what + " must be an integer or a pair (before, after)");
		}
		return {{integer_value(value->items[0], what, 0), integer_value(value->items[1], what, 0)}};
	}
	if (value->items.size() != rank) {
		fail(value->location, what + " needs " + std::to_string(rank) + " entries, one per spatial dimension");
	}
	for (size_t i = 0; i < rank; i++) {
		const Value &item = value->items[i];
		if (item.kind == ValueKind::Int) {
			int64_t amount = integer_value(item, what, 0);
			out[i] = {amount, amount};
		} else if (item.is_sequence() && item.items.size() == 2) {
			out[i] = {integer_value(item.items[0], what, 0), integer_value(item.items[1], what, 0)};
		} else {
			fail(item.location, what + ": each entry is an integer or a pair (before, after)");
		}
	}
	return out;
}

std::vector<double> numbers(const Value &value, const std::string &what) {
	if (value.is_number()) {
		return {number_value(value, what)};
	}
	if (!value.is_sequence() || value.items.empty()) {
		fail(value.location, what + " must be a number or a list of numbers, not " + describe(value));
	}
	std::vector<double> out;
	for (const auto &item : value.items) {
		out.push_back(number_value(item, what));
	}
	return out;
}

//! The one layer Bidirectional and TimeDistributed wrap.
LayerSpec wrapped_layer(CallArguments &args) {
	const Value *inner = args.get("layer");
	if (!inner) {
		fail(args.location(), args.callee() + " needs the layer it wraps, e.g. " + args.callee() + "(LSTM(32))");
	}
	LayerItem item = layer_from_call(*inner);
	if (item.is_input) {
		fail(inner->location, args.callee() + " cannot wrap an Input");
	}
	if (item.layer.return_state) {
		fail(inner->location, args.callee() + " of a layer with return_state=True is not supported; "
		                                      "remove return_state or use the recurrent layer alone");
	}
	return item.layer;
}

//! Keras' reading of an augmentation factor: a number f is (-f, f)
//! (`symmetric`) or (f, f); a pair is (lower, upper) as given.
std::vector<double> factor_pair(CallArguments &args, const std::string &name, bool symmetric) {
	const Value *value = args.get(name);
	if (!value || value->kind == ValueKind::None) {
		return {};
	}
	if (value->is_number()) {
		double f = number_value(*value, args.what(name));
		return symmetric ? std::vector<double>{-f, f} : std::vector<double>{f, f};
	}
	if (!value->is_sequence() || value->items.size() != 2) {
		fail(value->location, args.what(name) + " must be a number or a pair (lower, upper)");
	}
	return {number_value(value->items[0], args.what(name)), number_value(value->items[1], args.what(name))};
}

//! RandomFlip, RandomRotation, RandomZoom, RandomTranslation,
//! RandomContrast, RandomCrop, CenterCrop, Resizing.
void image_layer_arguments(const Value &call, const std::string &callee, LayerSpec &layer) {
	LayerKind kind = layer.kind;
	bool sized = kind == LayerKind::RandomCrop || kind == LayerKind::CenterCrop || kind == LayerKind::Resizing;
	bool geometric =
	    kind == LayerKind::RandomRotation || kind == LayerKind::RandomZoom || kind == LayerKind::RandomTranslation;
	std::vector<std::string> positional =
	    kind == LayerKind::RandomFlip       ? std::vector<std::string>{"mode", "seed"}
	    : kind == LayerKind::RandomContrast ? std::vector<std::string>{"factor", "seed"}
	    : kind == LayerKind::RandomRotation
	        ? std::vector<std::string>{"factor", "fill_mode", "interpolation", "seed", "fill_value"}
	    : geometric ? std::vector<std::string>{"height_factor", "width_factor", "fill_mode",
	                                           "interpolation", "seed",         "fill_value"}
	    : kind == LayerKind::Resizing
	        ? std::vector<std::string>{"height", "width", "interpolation", "crop_to_aspect_ratio"}
	        : std::vector<std::string>{"height", "width", "seed"};
	CallArguments args(call, callee, positional);
	base_layer_arguments(args, layer);
	args.ignored("seed");
	if (sized) {
		if (!args.get("height") || !args.get("width")) {
			fail(args.location(), callee + " needs height and width, e.g. " + callee + "(224, 224)");
		}
		layer.height = args.integer("height", 1);
		layer.width = args.integer("width", 1);
	}
	if (kind == LayerKind::Resizing) {
		layer.interpolation = args.string("interpolation", "bilinear");
		layer.crop_to_aspect_ratio = args.boolean("crop_to_aspect_ratio", false);
	}
	if (kind == LayerKind::RandomFlip) {
		layer.mode = args.string("mode", "horizontal_and_vertical");
		if (layer.mode != "horizontal" && layer.mode != "vertical" && layer.mode != "horizontal_and_vertical") {
			fail(args.get("mode")->location,
			     args.what("mode") + " must be 'horizontal', 'vertical' or 'horizontal_and_vertical'");
		}
	}
	std::string factor_name =
	    kind == LayerKind::RandomRotation || kind == LayerKind::RandomContrast ? "factor" : "height_factor";
	if (kind == LayerKind::RandomContrast || geometric) {
		if (!args.get(factor_name)) {
			fail(args.location(),
			     "argument '" + factor_name + "' of " + callee + " is required, e.g. " + callee + "(0.1)");
		}
		layer.factor = factor_pair(args, factor_name, kind != LayerKind::RandomContrast);
	}
	if (kind == LayerKind::RandomZoom || kind == LayerKind::RandomTranslation) {
		if (kind == LayerKind::RandomTranslation && !args.get("width_factor")) {
			fail(args.location(), "argument 'width_factor' of RandomTranslation is required");
		}
		layer.width_factor = factor_pair(args, "width_factor", true);
	}
	if (geometric) {
		layer.fill_mode = args.string("fill_mode", "reflect");
		if (layer.fill_mode != "reflect" && layer.fill_mode != "wrap" && layer.fill_mode != "constant" &&
		    layer.fill_mode != "nearest") {
			fail(args.get("fill_mode")->location,
			     args.what("fill_mode") + " must be 'reflect', 'wrap', 'constant' or 'nearest'");
		}
		layer.interpolation = args.string("interpolation", "bilinear");
		layer.fill_value = args.number("fill_value", 0.0);
	}
	if (!layer.interpolation.empty() && layer.interpolation != "nearest" && layer.interpolation != "bilinear" &&
	    layer.interpolation != "bicubic" && layer.interpolation != "area" && layer.interpolation != "lanczos3" &&
	    layer.interpolation != "lanczos5" && layer.interpolation != "gaussian" &&
	    layer.interpolation != "mitchellcubic") {
		fail(args.get("interpolation")->location, args.what("interpolation") + " is not an interpolation Keras knows");
	}
	args.finish();
}

//! The layers added with graph models, one signature each (Keras 2.x
//! positional order and defaults).
void new_layer_arguments(const Value &call, const std::string &callee, LayerSpec &layer) {
	LayerKind kind = layer.kind;
	switch (kind) {
	case LayerKind::SimpleRNN: {
		CallArguments args(call, callee, {"units", "activation", "use_bias"});
		base_layer_arguments(args, layer);
		recurrent_arguments(args, layer);
		args.finish();
		return;
	}
	case LayerKind::Bidirectional: {
		CallArguments args(call, callee, {"layer", "merge_mode", "weights", "backward_layer"});
		base_layer_arguments(args, layer);
		LayerSpec inner = wrapped_layer(args);
		if (inner.kind != LayerKind::LSTM && inner.kind != LayerKind::GRU && inner.kind != LayerKind::SimpleRNN) {
			fail(args.get("layer")->location, "Bidirectional wraps a recurrent layer (LSTM, GRU, SimpleRNN), not " +
			                                      std::string(layer_class_name(inner.kind)));
		}
		layer.input_shape = inner.input_shape ? inner.input_shape : layer.input_shape;
		inner.input_shape.reset();
		layer.wrapped = {std::move(inner)};
		const Value *mode = args.get("merge_mode");
		if (mode && mode->kind == ValueKind::None) {
			fail(mode->location, "merge_mode=None gives two outputs, which is not supported; use 'concat', 'sum', "
			                     "'mul' or 'ave'");
		}
		layer.merge_mode = args.string("merge_mode", "concat");
		if (layer.merge_mode != "concat" && layer.merge_mode != "sum" && layer.merge_mode != "mul" &&
		    layer.merge_mode != "ave") {
			fail(mode->location, args.what("merge_mode") + " must be 'concat', 'sum', 'mul' or 'ave'");
		}
		args.only_none("weights");
		args.only_none("backward_layer");
		args.finish();
		return;
	}
	case LayerKind::TimeDistributed: {
		CallArguments args(call, callee, {"layer"});
		base_layer_arguments(args, layer);
		LayerSpec inner = wrapped_layer(args);
		inner.input_shape.reset();
		layer.wrapped = {std::move(inner)};
		args.finish();
		return;
	}
	case LayerKind::Conv2DTranspose: {
		CallArguments args(call, callee,
		                   {"filters", "kernel_size", "strides", "padding", "output_padding", "data_format",
		                    "dilation_rate", "activation", "use_bias", "kernel_initializer", "bias_initializer"});
		base_layer_arguments(args, layer);
		conv_arguments(args, layer, 2);
		args.finish();
		return;
	}
	case LayerKind::Conv3D: {
		CallArguments args(call, callee,
		                   {"filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "groups",
		                    "activation", "use_bias", "kernel_initializer", "bias_initializer"});
		base_layer_arguments(args, layer);
		conv_arguments(args, layer, 3);
		args.finish();
		return;
	}
	case LayerKind::SeparableConv1D:
	case LayerKind::SeparableConv2D: {
		CallArguments args(call, callee,
		                   {"filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
		                    "depth_multiplier", "activation", "use_bias", "depthwise_initializer",
		                    "pointwise_initializer", "bias_initializer"});
		base_layer_arguments(args, layer);
		conv_arguments(args, layer, kind == LayerKind::SeparableConv1D ? 1 : 2);
		args.finish();
		return;
	}
	case LayerKind::DepthwiseConv2D: {
		CallArguments args(call, callee,
		                   {"kernel_size", "strides", "padding", "depth_multiplier", "data_format", "dilation_rate",
		                    "activation", "use_bias", "depthwise_initializer", "bias_initializer"});
		base_layer_arguments(args, layer);
		if (!args.get("kernel_size")) {
			fail(args.location(), "argument 'kernel_size' of DepthwiseConv2D is required");
		}
		layer.kernel_size = args.int_tuple("kernel_size", 2, 1);
		layer.strides = args.int_tuple("strides", 2, 1);
		layer.padding = padding(args, {"valid", "same"});
		layer.depth_multiplier = args.integer("depth_multiplier", 1);
		args.only_string("data_format", "channels_last");
		layer.dilation_rate = args.int_tuple("dilation_rate", 2, 1);
		layer.activation = activation(args, "activation", "linear", layer);
		layer.use_bias = args.boolean("use_bias", true);
		layer.depthwise_initializer = initializer(args, "depthwise_initializer", "glorot_uniform");
		layer.bias_initializer = initializer(args, "bias_initializer", "zeros");
		regularizers(args, layer, {"depthwise", "bias"});
		args.finish();
		return;
	}
	case LayerKind::MaxPooling3D:
	case LayerKind::AveragePooling3D: {
		CallArguments args(call, callee, {"pool_size", "strides", "padding", "data_format"});
		base_layer_arguments(args, layer);
		pooling_arguments(args, layer, 3);
		args.finish();
		return;
	}
	case LayerKind::GlobalAveragePooling3D:
	case LayerKind::GlobalMaxPooling3D: {
		CallArguments args(call, callee, {"data_format", "keepdims"});
		base_layer_arguments(args, layer);
		args.only_string("data_format", "channels_last");
		args.only_bool("keepdims", false);
		args.finish();
		return;
	}
	case LayerKind::UpSampling1D:
	case LayerKind::UpSampling2D: {
		bool one_d = kind == LayerKind::UpSampling1D;
		CallArguments args(call, callee,
		                   one_d ? std::vector<std::string>{"size"}
		                         : std::vector<std::string>{"size", "data_format", "interpolation"});
		base_layer_arguments(args, layer);
		layer.size = args.int_tuple("size", one_d ? 1 : 2, 2);
		if (!one_d) {
			args.only_string("data_format", "channels_last");
			layer.interpolation = args.string("interpolation", "nearest");
			if (layer.interpolation != "nearest" && layer.interpolation != "bilinear") {
				fail(args.get("interpolation")->location,
				     args.what("interpolation") + " must be 'nearest' or 'bilinear'");
			}
		}
		args.finish();
		return;
	}
	case LayerKind::ZeroPadding1D:
	case LayerKind::ZeroPadding2D:
	case LayerKind::Cropping1D:
	case LayerKind::Cropping2D: {
		bool pad = kind == LayerKind::ZeroPadding1D || kind == LayerKind::ZeroPadding2D;
		bool one_d = kind == LayerKind::ZeroPadding1D || kind == LayerKind::Cropping1D;
		std::string name = pad ? "padding" : "cropping";
		CallArguments args(call, callee,
		                   one_d ? std::vector<std::string>{name} : std::vector<std::string>{name, "data_format"});
		base_layer_arguments(args, layer);
		auto amounts = edges(args, name, one_d ? 1 : 2, pad ? 1 : 0);
		(pad ? layer.zero_padding : layer.cropping) = amounts;
		if (!one_d) {
			args.only_string("data_format", "channels_last");
		}
		args.finish();
		return;
	}
	case LayerKind::RepeatVector: {
		CallArguments args(call, callee, {"n"});
		base_layer_arguments(args, layer);
		if (!args.get("n")) {
			fail(args.location(), "argument 'n' of RepeatVector is required, e.g. RepeatVector(10)");
		}
		layer.repeat = args.integer("n", 1);
		args.finish();
		return;
	}
	case LayerKind::Permute: {
		CallArguments args(call, callee, {"dims"});
		base_layer_arguments(args, layer);
		const Value *dims = args.get("dims");
		if (!dims || !dims->is_sequence() || dims->items.empty()) {
			fail(dims ? dims->location : args.location(), "Permute needs dims, a tuple such as (2, 1)");
		}
		std::vector<bool> seen(dims->items.size() + 1, false);
		for (const auto &dim : dims->items) {
			int64_t value = integer_value(dim, args.what("dims"), 1);
			if (value > static_cast<int64_t>(dims->items.size()) || seen[static_cast<size_t>(value)]) {
				fail(dim.location, args.what("dims") + " must be a permutation of 1.." +
				                       std::to_string(dims->items.size()) + " (the batch is not counted)");
			}
			seen[static_cast<size_t>(value)] = true;
			layer.dims.push_back(value);
		}
		args.finish();
		return;
	}
	case LayerKind::LayerNormalization: {
		CallArguments args(call, callee,
		                   {"axis", "epsilon", "center", "scale", "beta_initializer", "gamma_initializer"});
		base_layer_arguments(args, layer);
		layer.axes = {-1};
		if (const Value *axis = args.get("axis")) {
			layer.axes.clear();
			if (axis->is_sequence()) {
				for (const auto &item : axis->items) {
					layer.axes.push_back(integer_value(item, args.what("axis"), INT64_MIN + 1));
				}
			} else {
				layer.axes.push_back(integer_value(*axis, args.what("axis"), INT64_MIN + 1));
			}
		}
		layer.epsilon = args.number("epsilon", 0.001);
		layer.center = args.boolean("center", true);
		layer.scale = args.boolean("scale", true);
		if (const Value *value = args.get("beta_initializer");
		    value && initializer_from_value(*value, args.what("beta_initializer")) != "zeros") {
			fail(value->location, args.what("beta_initializer") + " other than 'zeros' is not supported");
		}
		if (const Value *value = args.get("gamma_initializer");
		    value && initializer_from_value(*value, args.what("gamma_initializer")) != "ones") {
			fail(value->location, args.what("gamma_initializer") + " other than 'ones' is not supported");
		}
		for (const char *prefix : {"beta", "gamma"}) {
			args.only_none(std::string(prefix) + "_regularizer");
			args.only_none(std::string(prefix) + "_constraint");
		}
		args.finish();
		return;
	}
	case LayerKind::SpatialDropout1D:
	case LayerKind::SpatialDropout2D:
	case LayerKind::GaussianDropout: {
		CallArguments args(call, callee, {"rate", "seed"});
		base_layer_arguments(args, layer);
		if (!args.get("rate")) {
			fail(args.location(), "argument 'rate' of " + callee + " is required, e.g. " + callee + "(0.2)");
		}
		layer.rate = args.number_in("rate", 0.0, 0.0, 1.0);
		args.ignored("seed");
		args.only_string("data_format", "channels_last");
		args.finish();
		return;
	}
	case LayerKind::GaussianNoise: {
		CallArguments args(call, callee, {"stddev", "seed"});
		base_layer_arguments(args, layer);
		if (!args.get("stddev")) {
			fail(args.location(), "argument 'stddev' of GaussianNoise is required, e.g. GaussianNoise(0.1)");
		}
		layer.stddev = args.number("stddev", 0.0);
		if (layer.stddev < 0) {
			fail(args.get("stddev")->location, args.what("stddev") + " must not be negative");
		}
		args.ignored("seed");
		args.finish();
		return;
	}
	case LayerKind::ReLU: {
		CallArguments args(call, callee, {"max_value", "negative_slope", "threshold"});
		base_layer_arguments(args, layer);
		layer.activation = "relu";
		if (const Value *max = args.get("max_value"); max && max->kind != ValueKind::None) {
			layer.max_value = number_value(*max, args.what("max_value"));
			if (*layer.max_value < 0) {
				fail(max->location, args.what("max_value") + " must not be negative");
			}
		}
		layer.negative_slope = args.number("negative_slope", 0.0);
		layer.threshold = args.number("threshold", 0.0);
		args.finish();
		return;
	}
	case LayerKind::LeakyReLU:
	case LayerKind::ELU: {
		bool leaky = kind == LayerKind::LeakyReLU;
		CallArguments args(call, callee, {"alpha"});
		base_layer_arguments(args, layer);
		layer.activation = leaky ? "leaky_relu" : "elu";
		layer.alpha = args.number("alpha", leaky ? 0.3 : 1.0);
		if (leaky) {
			layer.alpha = args.number("negative_slope", layer.alpha); // Keras 3's name
		}
		args.finish();
		return;
	}
	case LayerKind::PReLU: {
		CallArguments args(call, callee, {"alpha_initializer", "alpha_regularizer", "alpha_constraint", "shared_axes"});
		base_layer_arguments(args, layer);
		layer.alpha_initializer = initializer(args, "alpha_initializer", "zeros");
		args.only_none("alpha_regularizer");
		args.only_none("alpha_constraint");
		if (const Value *axes = args.get("shared_axes"); axes && axes->kind != ValueKind::None) {
			if (axes->kind == ValueKind::Int) {
				layer.shared_axes = {integer_value(*axes, args.what("shared_axes"), 1)};
			} else if (axes->is_sequence()) {
				for (const auto &axis : axes->items) {
					layer.shared_axes.push_back(integer_value(axis, args.what("shared_axes"), 1));
				}
			} else {
				fail(axes->location, args.what("shared_axes") + " must be an axis or a list of axes (1-based)");
			}
		}
		args.finish();
		return;
	}
	case LayerKind::Softmax: {
		CallArguments args(call, callee, {"axis"});
		base_layer_arguments(args, layer);
		layer.activation = "softmax";
		layer.axis = args.integer("axis", -1, INT64_MIN + 1);
		args.finish();
		return;
	}
	case LayerKind::Rescaling: {
		CallArguments args(call, callee, {"scale", "offset"});
		base_layer_arguments(args, layer);
		if (!args.get("scale")) {
			fail(args.location(), "argument 'scale' of Rescaling is required, e.g. Rescaling(1.0 / 255)");
		}
		layer.rescale = args.number("scale", 1.0);
		layer.offset = args.number("offset", 0.0);
		args.finish();
		return;
	}
	case LayerKind::Normalization: {
		CallArguments args(call, callee, {"axis", "mean", "variance", "invert"});
		base_layer_arguments(args, layer);
		layer.axis = args.integer("axis", -1, INT64_MIN + 1);
		const Value *mean = args.get("mean");
		const Value *variance = args.get("variance");
		if (!mean || !variance || mean->kind == ValueKind::None || variance->kind == ValueKind::None) {
			fail(args.location(), "Normalization needs mean= and variance=: adapt() would need the data, which comes "
			                      "from the stream later; or drop the layer and standardise the stream");
		}
		layer.mean = numbers(*mean, args.what("mean"));
		layer.variance = numbers(*variance, args.what("variance"));
		for (double v : layer.variance) {
			if (v < 0) {
				fail(variance->location, args.what("variance") + " must not be negative");
			}
		}
		args.only_bool("invert", false);
		args.finish();
		return;
	}
	case LayerKind::MultiHeadAttention: {
		CallArguments args(call, callee,
		                   {"num_heads", "key_dim", "value_dim", "dropout", "use_bias", "output_shape",
		                    "attention_axes", "kernel_initializer", "bias_initializer"});
		base_layer_arguments(args, layer);
		if (!args.get("num_heads") || !args.get("key_dim")) {
			fail(args.location(), "MultiHeadAttention needs num_heads and key_dim, e.g. MultiHeadAttention(4, 32)");
		}
		layer.num_heads = args.integer("num_heads", 1);
		layer.key_dim = args.integer("key_dim", 1);
		layer.value_dim = args.optional_integer("value_dim").value_or(layer.key_dim);
		layer.dropout = args.number_in("dropout", 0.0, 0.0, 1.0);
		layer.use_bias = args.boolean("use_bias", true);
		if (const Value *shape = args.get("output_shape"); shape && shape->kind != ValueKind::None) {
			if (shape->kind == ValueKind::Int) {
				layer.output_shape = {integer_value(*shape, args.what("output_shape"), 1)};
			} else {
				layer.output_shape = *args.shape("output_shape");
			}
		}
		args.only_none("attention_axes");
		layer.kernel_initializer = initializer(args, "kernel_initializer", "glorot_uniform");
		layer.bias_initializer = initializer(args, "bias_initializer", "zeros");
		regularizers(args, layer, {"kernel", "bias"});
		args.finish();
		return;
	}
	case LayerKind::Concatenate: {
		CallArguments args(call, callee, {"axis"});
		base_layer_arguments(args, layer);
		layer.axis = args.integer("axis", -1, INT64_MIN + 1);
		args.finish();
		return;
	}
	case LayerKind::Dot: {
		CallArguments args(call, callee, {"axes", "normalize"});
		base_layer_arguments(args, layer);
		const Value *axes = args.get("axes");
		if (!axes) {
			fail(args.location(), "argument 'axes' of Dot is required, e.g. Dot(axes=1)");
		}
		if (axes->kind == ValueKind::Int) {
			int64_t axis = integer_value(*axes, args.what("axes"), INT64_MIN + 1);
			layer.axes = {axis, axis};
		} else if (axes->is_sequence() && axes->items.size() == 2) {
			layer.axes = {integer_value(axes->items[0], args.what("axes"), INT64_MIN + 1),
			              integer_value(axes->items[1], args.what("axes"), INT64_MIN + 1)};
		} else {
			fail(axes->location, args.what("axes") + " must be an integer or a pair of integers");
		}
		layer.normalize = args.boolean("normalize", false);
		args.finish();
		return;
	}
	case LayerKind::Add:
	case LayerKind::Subtract:
	case LayerKind::Multiply:
	case LayerKind::Average:
	case LayerKind::Maximum:
	case LayerKind::Minimum: {
		CallArguments args(call, callee, {});
		base_layer_arguments(args, layer);
		args.finish();
		return;
	}
	case LayerKind::RandomFlip:
	case LayerKind::RandomRotation:
	case LayerKind::RandomZoom:
	case LayerKind::RandomTranslation:
	case LayerKind::RandomContrast:
	case LayerKind::RandomCrop:
	case LayerKind::CenterCrop:
	case LayerKind::Resizing:
		image_layer_arguments(call, callee, layer);
		return;
	default:
		fail(call.location, "layer " + callee + " is not modelled");
	}
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

RegularizerSpec regularizer_from_value(const Value &value, const std::string &what) {
	RegularizerSpec spec;
	if (value.kind == ValueKind::None) {
		return spec;
	}
	std::string name;
	if (value.kind == ValueKind::String) {
		name = lowercase(value.text);
	} else if (value.kind == ValueKind::Call) {
		auto bare = strip_module(value.text, "regularizers");
		if (!bare) {
			fail(value.location,
			     what + " must be a regularizer such as 'l2' or regularizers.l2(0.01), not " + describe(value));
		}
		name = *bare;
	} else {
		fail(value.location,
		     what + " must be a regularizer such as 'l2' or regularizers.l2(0.01), not " + describe(value));
	}
	// Keras' defaults: the functions l1/l2/l1_l2 and classes L1/L2 use 0.01;
	// the class L1L2 uses 0 for both.
	if (name == "l1" || name == "L1") {
		spec.l1 = 0.01;
	} else if (name == "l2" || name == "L2") {
		spec.l2 = 0.01;
	} else if (name == "l1_l2") {
		spec.l1 = spec.l2 = 0.01;
	} else if (name != "L1L2") {
		fail(name_at(value),
		     "unknown regularizer '" + name + "' for " + what + "; expected l1, l2, l1_l2 (or L1, L2, L1L2)");
	}
	if (value.kind != ValueKind::Call) {
		return spec;
	}
	bool l1 = name == "l1" || name == "L1";
	bool l2 = name == "l2" || name == "L2";
	CallArguments args(value, name,
	                   l1   ? std::vector<std::string>{"l1"}
	                   : l2 ? std::vector<std::string>{"l2"}
	                        : std::vector<std::string>{"l1", "l2"});
	if (!l2) {
		spec.l1 = args.number("l1", spec.l1);
	}
	if (!l1) {
		spec.l2 = args.number("l2", spec.l2);
	}
	if (spec.l1 < 0 || spec.l2 < 0) {
		fail(value.location, what + ": regularization factors must not be negative");
	}
	args.finish();
	return spec;
}

void validate_keras_object(const Value &call) {
	const std::string &path = call.text;
	if (path.starts_with("keras.optimizers.schedules.")) {
		(void)schedule_from_value(call);
	} else if (path.starts_with("keras.optimizers.")) {
		(void)optimizer_from_value(call);
	} else if (path.starts_with("keras.losses.")) {
		(void)loss_from_value(call);
	} else if (path.starts_with("keras.metrics.")) {
		(void)metric_from_value(call);
	} else if (path.starts_with("keras.regularizers.")) {
		(void)regularizer_from_value(call, "the regularizer");
	} else if (path.starts_with("keras.initializers.")) {
		(void)initializer_from_value(call, "the initializer");
	}
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
		regularizers(args, layer, {"kernel", "bias"});
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
		for (const char *prefix : {"beta", "gamma"}) {
			args.only_none(std::string(prefix) + "_regularizer");
			args.only_none(std::string(prefix) + "_constraint");
		}
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
		layer.trainable = args.boolean("trainable", true);
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
	default:
		new_layer_arguments(call, callee, layer);
		break;
	}
	return item;
}

void need_one_output(const LayerSpec &layer, SourceLocation location) {
	if (layer.return_state) {
		fail(location, "layer '" + layer.name +
		                   "' has return_state=True: it returns its output and its states, and a Sequential "
		                   "model's layers return one tensor; build the model with the functional API, e.g. "
		                   "out, h = layers.GRU(32, return_state=True)(x)");
	}
}

void add_layer(ModelSpec &model, std::optional<Shape> &input_shape, const Value &call) {
	LayerItem item = layer_from_call(call);
	if (!item.is_input) {
		need_one_output(item.layer, call.location);
		model.layers.push_back(std::move(item.layer));
		return;
	}
	if (!model.layers.empty() || input_shape) {
		fail(call.location, "an Input can only come first in the model");
	}
	input_shape = item.input_shape;
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
	fill_chain(model);
	normalize_model(model); // checks the shapes when known
	for (size_t i = 1; i < model.layers.size(); i++) {
		model.layers[i].input_shape.reset();
	}
}

void normalize_model(ModelSpec &model) {
	if (!model.input_bound()) {
		return;
	}
	(void)summarize(model); // throws on a shape that cannot flow
	for (auto &layer : model.layers) {
		if (layer.kind == LayerKind::BatchNormalization) {
			layer.axis = -1;
		}
	}
}

} // namespace kafkaml::ml::spec
