// The modelled names of tensorflow/keras/numpy/os (keras_namespace.h):
// module paths, what calling them builds, and the attributes and methods
// of symbolic layers, tensors and models.

#include "ml/spec/keras_namespace.h"

#include "ml/spec/eval_bounds.h"
#include "ml/spec/keras_applications.h"
#include "ml/spec/keras_models.h"
#include "ml/spec/keras_objects.h"
#include "ml/spec/layer_kinds.h"
#include "ml/spec/layer_shapes.h"
#include "ml/spec/summary.h"

#include <algorithm>
#include <map>
#include <set>

namespace kafkaml::ml::spec {

namespace {

const std::set<std::string, std::less<>> kModules = {
    "tf",
    "keras",
    "keras.layers",
    "keras.models",
    "keras.optimizers",
    "keras.optimizers.schedules",
    "keras.losses",
    "keras.metrics",
    "keras.regularizers",
    "keras.initializers",
    "keras.activations",
    "keras.applications",
    "keras.utils",
    "keras.backend",
    "keras.callbacks",
    "tf.nn",
    "tf.random",
    "tf.config",
    "tf.config.experimental",
    "tf.math",
    "tf.compat",
    "tf.compat.v1",
    "tf.compat.v1.logging",
    "tf.autograph",
    "tf.debugging",
    "np",
    "np.random",
    "os",
    "random",
};

//! Calls that change nothing in the model: accepted, listed as ignored.
const std::set<std::string, std::less<>> kNoOps = {
    "tf.random.set_seed",
    "np.random.seed",
    "random.seed",
    "keras.utils.set_random_seed",
    "keras.utils.plot_model",
    "keras.utils.model_to_dot",
    "keras.backend.clear_session",
    "tf.config.experimental.set_memory_growth",
    "tf.config.set_visible_devices",
    "tf.config.run_functions_eagerly",
    "tf.config.set_soft_device_placement",
    "tf.autograph.set_verbosity",
    "tf.debugging.set_log_device_placement",
    "tf.compat.v1.logging.set_verbosity",
    "tf.compat.v1.disable_eager_execution",
    "tf.compat.v1.enable_eager_execution",
};

const std::set<std::string, std::less<>> kDtypes = {"float16", "float32", "float64", "bfloat16", "int8",  "int16",
                                                    "int32",   "int64",   "uint8",   "bool",     "string"};

const std::set<std::string, std::less<>> kMergeFunctions = {"add",     "subtract", "multiply",    "average",
                                                            "maximum", "minimum",  "concatenate", "dot"};

bool is_layer_class(const std::string &name) {
	return layer_kind_from_class_name(name).has_value() || name == "InputLayer";
}

//! tf.keras.X and tensorflow.keras.X are keras.X; a few modules have
//! another path in TF (tf.optimizers) or an older one (legacy,
//! experimental.preprocessing); models and applications submodules name
//! the same callables.
std::string canonical(std::string path) {
	auto replace_prefix = [&](std::string_view from, std::string_view to) {
		if (path == from || path.starts_with(std::string(from) + ".")) {
			path = std::string(to) + path.substr(from.size());
		}
	};
	replace_prefix("tensorflow", "tf");
	replace_prefix("tf.keras", "keras");
	replace_prefix("numpy", "np");
	replace_prefix("tf.optimizers", "keras.optimizers");
	replace_prefix("tf.losses", "keras.losses");
	replace_prefix("tf.metrics", "keras.metrics");
	replace_prefix("tf.initializers", "keras.initializers");
	replace_prefix("keras.optimizers.legacy", "keras.optimizers");
	replace_prefix("keras.optimizers.experimental", "keras.optimizers");
	replace_prefix("keras.layers.experimental.preprocessing", "keras.layers");
	replace_prefix("keras.layers.experimental", "keras.layers");
	// Keras 2.0's submodules, still in older tutorials
	for (std::string_view old : {"core", "convolutional", "recurrent", "normalization", "embeddings", "pooling",
	                             "merge", "advanced_activations", "wrappers", "noise", "local"}) {
		replace_prefix("keras.layers." + std::string(old), "keras.layers");
	}
	replace_prefix("keras.models.Sequential", "keras.Sequential");
	replace_prefix("keras.models.Model", "keras.Model");
	replace_prefix("keras.engine.training.Model", "keras.Model");
	replace_prefix("keras.layers.Input", "keras.Input");
	replace_prefix("keras.activations.relu6", "tf.nn.relu6");
	if (path.starts_with("keras.") && path.find('.', 6) == std::string::npos && is_layer_class(path.substr(6))) {
		path = "keras.layers." + path.substr(6); // keras.Dense, as tf.keras exports the layers too
	}
	for (std::string_view sub : {"vgg16", "vgg19", "resnet50", "resnet", "mobilenet_v2"}) {
		std::string prefix = "keras.applications." + std::string(sub);
		if (path.starts_with(prefix + ".")) {
			path = "keras.applications." + path.substr(prefix.size() + 1);
		} else if (path == prefix) {
			path = "keras.applications";
		}
	}
	return path;
}

std::string parent_of(const std::string &path) {
	size_t dot = path.rfind('.');
	return dot == std::string::npos ? "" : path.substr(0, dot);
}

std::string leaf_of(const std::string &path) {
	size_t dot = path.rfind('.');
	return dot == std::string::npos ? path : path.substr(dot + 1);
}

//! Whether `path` (canonical) names a callable or constant we model. An
//! unknown name in a module whose every class is modelled (keras.layers,
//! keras.applications) is an error at once: it is a typo or a layer we do
//! not have. Other unknown names are not modelled: importing them is fine,
//! using them is the error (unavailable_reason()).
bool is_modelled(const std::string &path, SourceLocation location) {
	std::string parent = parent_of(path);
	std::string leaf = leaf_of(path);
	if (parent == "keras.layers") {
		if (is_layer_class(leaf) || kMergeFunctions.count(leaf) || leaf == "Layer") {
			return true;
		}
		if (leaf == "Lambda") {
			fail(location, "layers.Lambda runs user code, which a model definition cannot; use the built-in layers");
		}
		fail(location, "unknown layer '" + leaf + "'; expected one of " + supported_layer_names());
	}
	if (parent == "keras") {
		return leaf == "Sequential" || leaf == "Model" || leaf == "Input";
	}
	if (parent == "keras.applications") {
		if (is_application(leaf) || leaf == "preprocess_input" || leaf == "decode_predictions") {
			return true;
		}
		fail(location, "keras.applications." + leaf + " is not modelled; expected " + application_names());
	}
	if ((parent == "tf" || parent == "np") && kDtypes.count(leaf)) {
		return true;
	}
	static const std::set<std::string, std::less<>> kFreeModules = {
	    "keras.optimizers",   "keras.optimizers.schedules", "keras.losses", "keras.metrics",   "keras.regularizers",
	    "keras.initializers", "keras.activations",          "tf.nn",        "keras.callbacks", "tf.math"};
	static const std::set<std::string, std::less<>> kOthers = {
	    "tf.config.list_physical_devices", "keras.utils.to_categorical", "keras.backend.floatx",
	    "keras.backend.image_data_format", "keras.backend.set_floatx",   "keras.backend.set_image_data_format"};
	// Optimizers, losses, ...: validated where used (keras_objects.h), with the list of accepted names
	return kFreeModules.count(parent) || kNoOps.count(path) || kOthers.count(path);
}

//! The literal form of an evaluated value (Evaluator::to_literal).
Value literal(Evaluator &evaluator, const Object &object, SourceLocation fallback, int depth) {
	if (depth > kMaxValueDepth) {
		fail(fallback, "an argument nests values deeper than " + std::to_string(kMaxValueDepth) + " levels");
	}
	// A value keeps the place it was written, so errors point at it.
	SourceLocation location = object.location.line > 0 ? object.location : fallback;
	Value value;
	value.location = location;
	switch (object.kind) {
	case ObjectKind::None:
		return value;
	case ObjectKind::Bool:
		value.kind = ValueKind::Bool;
		value.boolean = object.boolean;
		return value;
	case ObjectKind::Int:
		value.kind = ValueKind::Int;
		value.integer = object.integer;
		return value;
	case ObjectKind::Float:
		value.kind = ValueKind::Float;
		value.number = object.number;
		return value;
	case ObjectKind::Str:
		value.kind = ValueKind::String;
		value.text = object.text;
		return value;
	case ObjectKind::List:
	case ObjectKind::Tuple:
	case ObjectKind::Range: {
		value.kind = object.kind == ObjectKind::List ? ValueKind::List : ValueKind::Tuple;
		for (const auto &item : evaluator.iterate(object, location)) {
			value.items.push_back(literal(evaluator, item, location, depth + 1));
		}
		return value;
	}
	case ObjectKind::Dict:
		value.kind = ValueKind::Dict;
		for (const auto &[key, item] : object.dict->entries) {
			if (key.kind != ObjectKind::Str) {
				fail(location, "a dict argument needs string keys, not " + type_name(key));
			}
			value.keywords.push_back(Argument{key.text, location, literal(evaluator, item, location, depth + 1)});
		}
		return value;
	case ObjectKind::Keras:
		return *object.call;
	case ObjectKind::Layer: {
		// A wrapped layer (Bidirectional(LSTM(...))) keeps the name it was given when made
		const GraphLayer &layer = evaluator.graph().layer(object.id);
		Value call = layer.call;
		if (!call.find("name")) {
			Value name;
			name.kind = ValueKind::String;
			name.location = location;
			name.text = layer.spec.name;
			call.keywords.push_back(Argument{"name", location, std::move(name)});
		}
		return call;
	}
	case ObjectKind::Builtin: {
		std::string leaf = leaf_of(object.text);
		std::string parent = parent_of(object.text);
		if ((parent == "tf" || parent == "np") && kDtypes.count(leaf)) {
			value.kind = ValueKind::String;
			value.text = leaf;
			return value;
		}
		value.kind = ValueKind::Name;
		value.text = parent == "implicit" ? leaf : object.text;
		value.name_location = location;
		return value;
	}
	case ObjectKind::Tensor:
		fail(location, "a Keras tensor cannot be an argument of a layer's constructor; call the layer on it instead, "
		               "e.g. layers.Dense(64)(x)");
	case ObjectKind::Function:
		fail(location, "function '" + object.function->name +
		                   "' cannot be passed to Keras here: custom activations, losses and metrics are user code; "
		                   "use Keras' built-in ones");
	default:
		fail(location, type_name(object) + " cannot be an argument here");
	}
}

//! The call `path(args)` as literal values, for keras_objects.h.
Value call_literal(Evaluator &evaluator, const std::string &path, const CallArgs &args) {
	Value call;
	call.kind = ValueKind::Call;
	call.location = args.location;
	call.name_location = args.callee_at.line > 0 ? args.callee_at : args.location;
	call.text = path;
	for (size_t i = 0; i < args.positional.size(); i++) {
		call.items.push_back(literal(evaluator, args.positional[i], args.positional_at[i], 0));
	}
	for (size_t i = 0; i < args.keywords.size(); i++) {
		SourceLocation value_at = i < args.keyword_value_at.size() ? args.keyword_value_at[i] : args.keyword_at[i];
		call.keywords.push_back(Argument{args.keywords[i].first, args.keyword_at[i],
		                                 literal(evaluator, args.keywords[i].second, value_at, 0)});
	}
	return call;
}

Object keras_object(Value call, SourceLocation location) {
	Object object;
	object.kind = ObjectKind::Keras;
	object.call = std::make_shared<const Value>(std::move(call));
	object.location = location;
	return object;
}

//! keras.Input(shape=..., batch_size=None, name=None, dtype=None, ...).
Object make_input(Evaluator &evaluator, CallArgs &args) {
	static const std::vector<std::string> kNames = {"shape",  "batch_size", "name",        "dtype",    "sparse",
	                                                "tensor", "ragged",     "batch_shape", "type_spec"};
	for (size_t i = 0; i < args.keywords.size(); i++) {
		if (std::find(kNames.begin(), kNames.end(), args.keywords[i].first) == kNames.end()) {
			fail(args.keyword_at[i], "unknown argument '" + args.keywords[i].first +
			                             "' for keras.Input; expected shape, batch_size, name, dtype");
		}
	}
	if (args.positional.size() > 4) {
		fail(args.positional_at[4],
		     "keras.Input takes at most 4 positional arguments (shape, batch_size, name, dtype)");
	}
	const Object *shape = args.argument(0, "shape");
	bool with_batch = false;
	if (!shape || shape->kind == ObjectKind::None) {
		shape = args.keyword("batch_shape");
		with_batch = true;
	}
	if (!shape || shape->kind == ObjectKind::None) {
		fail(args.location, "keras.Input needs shape=(...), the dimensions of one sample without the batch");
	}
	SourceLocation shape_at = args.argument_location(0, with_batch ? "batch_shape" : "shape");
	Shape dims;
	if (shape->kind == ObjectKind::Int) {
		dims.push_back(shape->integer);
	} else if (shape->is_sequence()) {
		for (size_t i = with_batch ? 1 : 0; i < shape->items->size(); i++) {
			const Object &dim = (*shape->items)[i];
			if (dim.kind == ObjectKind::None) {
				dims.push_back(-1);
			} else if (dim.kind == ObjectKind::Int && dim.integer >= 1) {
				dims.push_back(dim.integer);
			} else {
				fail(shape_at,
				     "each dimension of keras.Input's shape must be a positive integer or None, not " + repr(dim));
			}
		}
	} else {
		fail(shape_at,
		     "keras.Input's shape must be a tuple such as (28, 28, 1) or an integer, not " + type_name(*shape));
	}
	if (dims.empty() || dims.size() > 8) {
		fail(shape_at, "keras.Input's shape needs 1 to 8 dimensions");
	}
	for (int64_t dim : dims) {
		if (dim == 0) {
			fail(shape_at, "keras.Input's shape has a zero dimension");
		}
	}
	std::string dtype = "float32";
	if (const Object *type = args.argument(3, "dtype"); type && type->kind != ObjectKind::None) {
		Value literal_type = literal(evaluator, *type, args.argument_location(3, "dtype"), 0);
		if (literal_type.kind != ValueKind::String || !kDtypes.count(literal_type.text)) {
			fail(args.argument_location(3, "dtype"), "keras.Input's dtype must be a type such as 'float32' or 'int32'");
		}
		dtype = literal_type.text;
	}
	std::string name;
	if (const Object *given = args.argument(2, "name"); given && given->kind != ObjectKind::None) {
		if (given->kind != ObjectKind::Str) {
			fail(args.argument_location(2, "name"), "keras.Input's name must be a string");
		}
		name = given->text;
	}
	for (const char *flag : {"sparse", "ragged"}) {
		if (const Object *value = args.keyword(flag); value && truthy(*value)) {
			fail(args.keyword_location(flag), std::string("keras.Input(") + flag + "=True) is not supported");
		}
	}
	if (const Object *tensor = args.keyword("tensor"); tensor && tensor->kind != ObjectKind::None) {
		fail(args.keyword_location("tensor"), "keras.Input(tensor=...) is not supported");
	}
	return make_tensor(evaluator.graph().add_input(dims, dtype, name, args.location), args.location);
}

//! A layer object from `keras.layers.<Class>(...)`.
Object new_layer(Evaluator &evaluator, const std::string &path, CallArgs &args) {
	Value call = call_literal(evaluator, path, args);
	LayerItem item = layer_from_call(call);
	if (item.is_input) {
		return keras_object(std::move(call), args.location); // an InputLayer: only Sequential reads it
	}
	int64_t id = evaluator.graph().add_layer(std::move(item.layer), std::move(call));
	return make_layer(id, args.location);
}

//! A call's `training=`: absent or None, True or False. `mask=` and
//! attention masks change what a layer computes and are not modelled, so
//! only their "none" values are accepted.
std::optional<bool> call_flags(const CallArgs &args) {
	for (const char *mask : {"mask", "attention_mask"}) {
		if (const Object *value = args.keyword(mask); value && value->kind != ObjectKind::None) {
			fail(args.keyword_location(mask), std::string(mask) + "= is not supported when calling a layer; remove it");
		}
	}
	if (const Object *causal = args.keyword("use_causal_mask"); causal && truthy(*causal)) {
		fail(args.keyword_location("use_causal_mask"), "use_causal_mask=True is not supported yet");
	}
	const Object *training = args.keyword("training");
	if (!training || training->kind == ObjectKind::None) {
		return std::nullopt;
	}
	if (training->kind != ObjectKind::Bool) {
		fail(args.keyword_location("training"), "training= must be True, False or None, not " + type_name(*training));
	}
	return training->boolean;
}

//! The tensors a layer is called on, and the extra call keywords it accepts.
std::vector<int64_t> layer_call_inputs(const LayerSpec &layer, CallArgs &args) {
	std::vector<int64_t> inputs;
	if (layer.kind == LayerKind::MultiHeadAttention) {
		static const char *const kParts[] = {"query", "value", "key"};
		for (size_t i = 0; i < 3; i++) {
			if (const Object *part = args.argument(i, kParts[i]); part && part->kind != ObjectKind::None) {
				inputs.push_back(tensors_of(*part, args.argument_location(i, kParts[i]), kParts[i]).at(0));
			}
		}
	} else {
		if (args.positional.empty() && !args.keyword("inputs")) {
			fail(args.location, "layer '" + layer.name + "' must be called on a tensor, e.g. layer(x)");
		}
		const Object &value = args.positional.empty() ? *args.keyword("inputs") : args.positional[0];
		inputs = tensors_of(value, args.positional.empty() ? args.keyword_location("inputs") : args.positional_at[0],
		                    "the input of layer '" + layer.name + "'");
		if (args.positional.size() > 1) {
			fail(args.positional_at[1],
			     "layer '" + layer.name + "' takes its inputs as one argument (a list to merge)");
		}
		if (const Object *states = args.keyword("initial_state"); states && states->kind != ObjectKind::None) {
			size_t count = recurrent_state_count(layer);
			if (count == 0) {
				fail(args.keyword_location("initial_state"),
				     "initial_state= is for recurrent layers (LSTM, GRU, SimpleRNN), not layer '" + layer.name + "'");
			}
			auto given = tensors_of(*states, args.keyword_location("initial_state"), "initial_state");
			if (given.size() != count) {
				fail(args.keyword_location("initial_state"),
				     "layer '" + layer.name + "' starts from " +
				         (count == 2 ? "2 states, initial_state=[h, c]" : "1 state, initial_state=[h]") + ", got " +
				         std::to_string(given.size()));
			}
			inputs.insert(inputs.end(), given.begin(), given.end());
		}
	}
	for (size_t i = 0; i < args.keywords.size(); i++) {
		const std::string &name = args.keywords[i].first;
		bool attention_part =
		    layer.kind == LayerKind::MultiHeadAttention && (name == "query" || name == "value" || name == "key");
		if (name == "inputs" || name == "training" || name == "mask" || attention_part || name == "attention_mask" ||
		    name == "use_causal_mask" || name == "initial_state") {
			continue;
		}
		fail(args.keyword_at[i], "unknown argument '" + name + "' when calling layer '" + layer.name +
		                             "'; expected the input tensor(s) and optionally training= or mask=");
	}
	return inputs;
}

Object merge_function(Evaluator &evaluator, const std::string &leaf, CallArgs &args) {
	static const std::map<std::string, std::string, std::less<>> kClasses = {
	    {"add", "Add"},         {"subtract", "Subtract"}, {"multiply", "Multiply"},       {"average", "Average"},
	    {"maximum", "Maximum"}, {"minimum", "Minimum"},   {"concatenate", "Concatenate"}, {"dot", "Dot"}};
	if (args.positional.empty() && !args.keyword("inputs")) {
		fail(args.location, "layers." + leaf + "() needs a list of tensors, e.g. layers." + leaf + "([a, b])");
	}
	Object inputs = args.positional.empty() ? *args.keyword("inputs") : args.positional[0];
	SourceLocation inputs_at = args.positional.empty() ? args.keyword_location("inputs") : args.positional_at[0];
	CallArgs constructor;
	constructor.location = args.location;
	constructor.callee_at = args.callee_at;
	for (size_t i = 1; i < args.positional.size(); i++) { // concatenate(inputs, axis), dot(inputs, axes)
		constructor.positional.push_back(args.positional[i]);
		constructor.positional_at.push_back(args.positional_at[i]);
	}
	for (size_t i = 0; i < args.keywords.size(); i++) {
		if (args.keywords[i].first == "inputs") {
			continue;
		}
		constructor.keywords.push_back(args.keywords[i]);
		constructor.keyword_at.push_back(args.keyword_at[i]);
		constructor.keyword_value_at.push_back(args.keyword_value_at[i]);
	}
	Object layer = new_layer(evaluator, "keras.layers." + kClasses.at(leaf), constructor);
	std::vector<int64_t> tensors = tensors_of(inputs, inputs_at, "layers." + leaf + "()'s inputs");
	return make_tensor(evaluator.graph().apply(layer.id, tensors, args.location), args.location);
}

Object shape_tuple(Evaluator &evaluator, const std::optional<Shape> &shape, bool batch, SourceLocation location) {
	if (!shape) {
		fail(location, "this tensor's shape is not known yet: the model's input shape comes from the training "
		               "stream; write the input shape to use it here");
	}
	std::vector<Object> dims;
	if (batch) {
		dims.push_back(make_none());
	}
	for (int64_t dim : *shape) {
		dims.push_back(dim < 0 ? make_none() : make_int(dim));
	}
	return evaluator.new_tuple(std::move(dims), location);
}

void no_arguments(const CallArgs &args, const std::string &what) {
	if (args.count() > 0) {
		fail(args.location, what + "() takes no arguments here");
	}
}

} // namespace

bool is_keras_base_class(const std::string &path) {
	return path == "keras.Model" || path == "keras.layers.Layer";
}

Object import_object(const std::string &dotted, SourceLocation location) {
	std::string path = canonical(dotted);
	if (path == "os.environ") {
		Object environ;
		environ.kind = ObjectKind::Environ;
		return environ;
	}
	if (kModules.count(path)) {
		Object module;
		module.kind = ObjectKind::Module;
		module.text = path;
		return module;
	}
	if (is_modelled(path, location)) {
		return make_builtin(path);
	}
	Object unavailable;
	unavailable.kind = ObjectKind::Unavailable;
	unavailable.text = dotted;
	return unavailable;
}

std::string unavailable_reason(const std::string &dotted) {
	std::string path = canonical(dotted);
	std::string start = "'" + dotted + "' is not available in a model definition: ";
	if (path.starts_with("keras.models.")) {
		return start + "a definition builds its model (Sequential or Model), it loads none";
	}
	if (path.starts_with("keras.datasets") || path.starts_with("keras.preprocessing") ||
	    path.starts_with("keras.utils") || path.starts_with("tf.data") || path.starts_with("tf.image")) {
		return start + "it works on data, and the data comes from the training stream";
	}
	if (path.starts_with("keras.constraints")) {
		return start + "weight constraints are not modelled; remove the constraint";
	}
	return start + "nothing is imported, only the Keras-building names of tensorflow, keras, numpy and os.environ "
	               "are modelled";
}

std::optional<Object> implicit_object(const std::string &name) {
	static const std::map<std::string, std::string, std::less<>> kModuleNames = {{"tf", "tf"},
	                                                                             {"tensorflow", "tf"},
	                                                                             {"keras", "keras"},
	                                                                             {"layers", "keras.layers"},
	                                                                             {"models", "keras.models"},
	                                                                             {"optimizers", "keras.optimizers"},
	                                                                             {"losses", "keras.losses"},
	                                                                             {"metrics", "keras.metrics"},
	                                                                             {"regularizers", "keras.regularizers"},
	                                                                             {"initializers", "keras.initializers"},
	                                                                             {"activations", "keras.activations"},
	                                                                             {"applications", "keras.applications"},
	                                                                             {"callbacks", "keras.callbacks"},
	                                                                             {"np", "np"},
	                                                                             {"numpy", "np"},
	                                                                             {"os", "os"}};
	if (auto found = kModuleNames.find(name); found != kModuleNames.end()) {
		return import_object(found->second, {});
	}
	if (name == "Sequential" || name == "Model" || name == "Input") {
		return make_builtin("keras." + name);
	}
	if (is_layer_class(name)) {
		return make_builtin("keras.layers." + name);
	}
	if (is_application(name)) {
		return make_builtin("keras.applications." + name);
	}
	// Optimizer, loss, metric, initializer, regularizer and schedule
	// classes: which one a bare name means depends on where it is used
	// (MeanSquaredError is a loss and a metric), so it stays bare.
	static const std::set<std::string, std::less<>> kBareClasses = {"Adam",
	                                                                "SGD",
	                                                                "RMSprop",
	                                                                "Adagrad",
	                                                                "AdamW",
	                                                                "Adadelta",
	                                                                "Adamax",
	                                                                "Nadam",
	                                                                "Ftrl",
	                                                                "MeanSquaredError",
	                                                                "MeanAbsoluteError",
	                                                                "MeanAbsolutePercentageError",
	                                                                "MeanSquaredLogarithmicError",
	                                                                "Huber",
	                                                                "LogCosh",
	                                                                "BinaryCrossentropy",
	                                                                "BinaryFocalCrossentropy",
	                                                                "CategoricalCrossentropy",
	                                                                "SparseCategoricalCrossentropy",
	                                                                "Hinge",
	                                                                "SquaredHinge",
	                                                                "CategoricalHinge",
	                                                                "KLDivergence",
	                                                                "Poisson",
	                                                                "CosineSimilarity",
	                                                                "Accuracy",
	                                                                "BinaryAccuracy",
	                                                                "CategoricalAccuracy",
	                                                                "SparseCategoricalAccuracy",
	                                                                "TopKCategoricalAccuracy",
	                                                                "SparseTopKCategoricalAccuracy",
	                                                                "AUC",
	                                                                "Precision",
	                                                                "Recall",
	                                                                "TruePositives",
	                                                                "TrueNegatives",
	                                                                "FalsePositives",
	                                                                "FalseNegatives",
	                                                                "RootMeanSquaredError",
	                                                                "GlorotUniform",
	                                                                "GlorotNormal",
	                                                                "HeUniform",
	                                                                "HeNormal",
	                                                                "LecunUniform",
	                                                                "LecunNormal",
	                                                                "Zeros",
	                                                                "Ones",
	                                                                "RandomNormal",
	                                                                "RandomUniform",
	                                                                "TruncatedNormal",
	                                                                "Orthogonal",
	                                                                "Constant",
	                                                                "VarianceScaling",
	                                                                "Identity",
	                                                                "ExponentialDecay",
	                                                                "PiecewiseConstantDecay",
	                                                                "CosineDecay",
	                                                                "InverseTimeDecay",
	                                                                "PolynomialDecay",
	                                                                "EarlyStopping",
	                                                                "ModelCheckpoint",
	                                                                "ReduceLROnPlateau",
	                                                                "TensorBoard"};
	if (kBareClasses.count(name)) {
		return make_builtin("implicit." + name);
	}
	return std::nullopt;
}

Object module_attribute(const Object &module, const std::string &name, SourceLocation location) {
	if (module.kind == ObjectKind::Unavailable) {
		fail(location, unavailable_reason(module.text + "." + name));
	}
	return import_object(module.text + "." + name, location);
}

std::vector<int64_t> tensors_of(const Object &value, SourceLocation location, const std::string &what) {
	if (value.kind == ObjectKind::Tensor) {
		return {value.id};
	}
	if (value.is_sequence()) {
		std::vector<int64_t> ids;
		for (const auto &item : *value.items) {
			if (item.kind != ObjectKind::Tensor) {
				fail(location, what + " must be Keras tensors, but one is " + type_name(item));
			}
			ids.push_back(item.id);
		}
		return ids;
	}
	fail(location, what + " must be a Keras tensor (from keras.Input or a layer call), not " + type_name(value));
}

Object tensor_operation(Evaluator &evaluator, const std::string &op, const Object &a, const Object &b,
                        SourceLocation location) {
	static const std::map<std::string, std::string, std::less<>> kLayers = {
	    {"+", "keras.layers.Add"}, {"-", "keras.layers.Subtract"}, {"*", "keras.layers.Multiply"}};
	auto found = kLayers.find(op);
	if (a.kind != ObjectKind::Tensor || b.kind != ObjectKind::Tensor || found == kLayers.end()) {
		fail(location, "operator '" + op + "' on a Keras tensor and " +
		                   type_name(a.kind == ObjectKind::Tensor ? b : a) +
		                   " is not supported; use a layer (layers.Add, layers.Rescaling, ...)");
	}
	CallArgs constructor;
	constructor.location = location;
	Object layer = new_layer(evaluator, found->second, constructor);
	return make_tensor(evaluator.graph().apply(layer.id, {a.id, b.id}, location), location);
}

Object call_namespace(Evaluator &evaluator, const std::string &path, CallArgs &args) {
	std::string parent = parent_of(path);
	std::string leaf = leaf_of(path);
	SourceLocation at = args.location;
	if (kNoOps.count(path)) {
		evaluator.ignore_statement();
		return make_none();
	}
	if (path == "keras.Input") {
		return make_input(evaluator, args);
	}
	if (path == "keras.Sequential") {
		ModelData model;
		model.kind = ModelKind::Sequential;
		model.class_name = "Sequential";
		model.location = at;
		const Object *layers = args.argument(0, "layers");
		const Object *name = args.argument(1, "name");
		for (size_t i = 0; i < args.keywords.size(); i++) {
			const std::string &key = args.keywords[i].first;
			if (key != "layers" && key != "name") {
				fail(args.keyword_at[i], "unknown argument '" + key + "' for Sequential; expected layers or name");
			}
		}
		if (args.positional.size() > 2) {
			fail(args.positional_at[2], "Sequential() takes at most 2 positional arguments (layers, name)");
		}
		if (name && name->kind != ObjectKind::None) {
			if (name->kind != ObjectKind::Str) {
				fail(args.argument_location(1, "name"),
				     "argument 'name' of Sequential must be a quoted string, not " + type_name(*name));
			}
			model.name = name->text;
		} else {
			model.name = evaluator.graph().unique_name("sequential");
		}
		Object result = add_model(evaluator, std::move(model));
		if (layers && layers->kind != ObjectKind::None) {
			if (!layers->is_sequence()) {
				fail(args.argument_location(0, "layers"),
				     "Sequential expects a list of layers such as [tf.keras.layers.Dense(4)], not " +
				         type_name(*layers));
			}
			for (const auto &item : *layers->items) {
				CallArgs add;
				add.location = args.argument_location(0, "layers");
				add.positional = {item};
				add.positional_at = {item.location.line > 0 ? item.location : add.location};
				keras_method(evaluator, result, "add", add);
			}
		}
		return result;
	}
	if (path == "keras.Model") {
		const Object *inputs = args.argument(0, "inputs");
		const Object *outputs = args.argument(1, "outputs");
		if (!inputs || !outputs) {
			fail(at, "keras.Model needs inputs= and outputs=, e.g. keras.Model(inputs=inputs, outputs=outputs); a "
			         "model class derives from keras.Model instead");
		}
		ModelData model;
		model.kind = ModelKind::Functional;
		model.class_name = "Functional";
		model.location = at;
		for (size_t i = 0; i < args.keywords.size(); i++) {
			const std::string &key = args.keywords[i].first;
			if (key == "name") {
				if (args.keywords[i].second.kind != ObjectKind::Str) {
					fail(args.keyword_at[i], "keras.Model's name must be a string");
				}
				model.name = args.keywords[i].second.text;
			} else if (key != "inputs" && key != "outputs") {
				fail(args.keyword_at[i],
				     "unknown argument '" + key + "' for keras.Model; expected inputs, outputs, name");
			}
		}
		if (model.name.empty()) {
			model.name = evaluator.graph().unique_name("model");
		}
		SourceLocation inputs_at = args.argument_location(0, "inputs");
		if (inputs->kind == ObjectKind::Dict) {
			for (const auto &[key, value] : inputs->dict->entries) {
				model.inputs.push_back(tensors_of(value, inputs_at, "keras.Model's inputs").at(0));
			}
		} else {
			model.inputs = tensors_of(*inputs, inputs_at, "keras.Model's inputs");
		}
		SourceLocation outputs_at = args.argument_location(1, "outputs");
		if (outputs->kind == ObjectKind::Dict) {
			model.dict_outputs = true;
			for (const auto &[key, value] : outputs->dict->entries) {
				if (key.kind != ObjectKind::Str) {
					fail(outputs_at, "keras.Model's outputs dict needs string keys");
				}
				model.outputs.push_back(
				    OutputName{tensors_of(value, outputs_at, "keras.Model's outputs").at(0), key.text});
			}
		} else {
			for (int64_t id : tensors_of(*outputs, outputs_at, "keras.Model's outputs")) {
				model.outputs.push_back(OutputName{id, ""});
			}
		}
		model.materialized = true;
		std::vector<int64_t> output_ids;
		for (const auto &output : model.outputs) {
			output_ids.push_back(output.tensor);
		}
		evaluator.graph().nodes_between(model.inputs, output_ids, at); // "graph disconnected" here, at the call
		return add_model(evaluator, std::move(model));
	}
	if (parent == "keras.layers") {
		if (kMergeFunctions.count(leaf)) {
			return merge_function(evaluator, leaf, args);
		}
		if (leaf == "Layer") {
			fail(at, "keras.layers.Layer is a base class: derive a class from it");
		}
		return new_layer(evaluator, path, args);
	}
	if (parent == "keras.applications") {
		if (leaf == "preprocess_input" || leaf == "decode_predictions") {
			fail(at, "keras.applications." + leaf + " works on data, which a model definition does not have");
		}
		return build_application(evaluator, leaf, args);
	}
	if (parent == "keras.activations" || parent == "tf.nn" || parent == "tf.math") {
		// An activation function applied to a tensor is an Activation layer
		if (args.positional.size() == 1 && args.positional[0].kind == ObjectKind::Tensor && args.keywords.empty()) {
			CallArgs constructor;
			constructor.location = at;
			constructor.callee_at = args.callee_at;
			constructor.positional = {make_builtin(path)};
			constructor.positional_at = {args.callee_at};
			Object layer = new_layer(evaluator, "keras.layers.Activation", constructor);
			return make_tensor(evaluator.graph().apply(layer.id, {args.positional[0].id}, at), at);
		}
		fail(at, path + "(...) is called on " +
		             (args.positional.empty() ? std::string("nothing") : type_name(args.positional[0])) +
		             "; pass the activation itself, e.g. activation=" + path);
	}
	if (parent == "keras.callbacks") {
		evaluator.ignore_statement(); // callbacks only matter to fit(), which the deployment runs
		return keras_object(call_literal(evaluator, path, args), at);
	}
	if (parent == "keras.optimizers" || parent == "keras.optimizers.schedules" || parent == "keras.losses" ||
	    parent == "keras.metrics" || parent == "keras.regularizers" || parent == "keras.initializers") {
		Value call = call_literal(evaluator, path, args);
		validate_keras_object(call); // errors point at the object, not where it is used later
		return keras_object(std::move(call), at);
	}
	if (parent == "implicit") {
		static const std::set<std::string, std::less<>> kCallbacks = {"EarlyStopping", "ModelCheckpoint",
		                                                              "ReduceLROnPlateau", "TensorBoard"};
		if (kCallbacks.count(leaf)) {
			evaluator.ignore_statement();
		}
		return keras_object(call_literal(evaluator, leaf, args), at); // read where it is used
	}
	if (path == "tf.config.list_physical_devices") {
		evaluator.ignore_statement();
		return evaluator.new_list({}, at);
	}
	if (path == "keras.backend.floatx") {
		return make_str("float32");
	}
	if (path == "keras.backend.image_data_format") {
		return make_str("channels_last");
	}
	if (path == "keras.backend.set_floatx" || path == "keras.backend.set_image_data_format") {
		const Object *value = args.argument(0, "value");
		std::string expected = path.ends_with("floatx") ? "float32" : "channels_last";
		if (!value || value->kind != ObjectKind::Str || value->text != expected) {
			fail(at, path + " supports only '" + expected + "'");
		}
		evaluator.ignore_statement();
		return make_none();
	}
	if (path == "tf.get_logger") {
		fail(at, "tf.get_logger() is not modelled; remove the logging line");
	}
	if (path == "keras.utils.to_categorical") {
		fail(at, "keras.utils.to_categorical works on data, which a model definition does not have; the labels come "
		         "from the stream (use loss='sparse_categorical_crossentropy' for integer labels)");
	}
	if (path == "tf.function") {
		fail(at, "tf.function is not supported: a definition only builds the model");
	}
	fail(at, "'" + path + "' cannot be called in a model definition");
}

Object keras_attribute(Evaluator &evaluator, const Object &object, const std::string &name, SourceLocation location) {
	GraphBuilder &graph = evaluator.graph();
	if (object.kind == ObjectKind::Tensor) {
		const GraphTensor &tensor = graph.tensor(object.id);
		if (name == "shape") {
			return shape_tuple(evaluator, tensor.shape, true, location);
		}
		if (name == "dtype") {
			return make_str(tensor.node < 0 ? graph.input(tensor.input).dtype : "float32");
		}
		if (name == "name") {
			return make_str(tensor.node < 0 ? graph.input(tensor.input).name
			                                : graph.layer(graph.node(tensor.node).layer).spec.name);
		}
		fail(location, "a Keras tensor has no attribute '" + name + "' a definition can use (shape, dtype, name)");
	}
	if (object.kind == ObjectKind::Layer) {
		GraphLayer &layer = graph.layer(object.id);
		if (name == "name") {
			return make_str(layer.spec.name);
		}
		if (name == "trainable") {
			return make_bool(layer.spec.trainable);
		}
		if (name == "output" || name == "input") {
			if (layer.nodes.empty()) {
				fail(location, "layer '" + layer.spec.name + "' has not been called on a tensor yet");
			}
			const GraphNode &node = graph.node(layer.nodes.front());
			if (name == "output") {
				return make_tensor(node.output, location);
			}
			return make_tensor(node.inputs.at(0), location);
		}
		Object method;
		method.kind = ObjectKind::BoundMethod;
		method.text = name;
		method.receiver = std::make_shared<Object>(object);
		return method;
	}
	int64_t id = model_of(object);
	ModelData &model = evaluator.model(id);
	if (name == "name") {
		return make_str(model.name);
	}
	if (name == "trainable") {
		return make_bool(model.trainable.value_or(true));
	}
	if (name == "layers") {
		materialize(evaluator, id, location);
		std::vector<int64_t> outputs;
		for (const auto &output : evaluator.model(id).outputs) {
			outputs.push_back(output.tensor);
		}
		std::vector<Object> layers;
		std::set<int64_t> seen;
		for (int64_t node : graph.nodes_between(evaluator.model(id).inputs, outputs, location)) {
			int64_t layer = graph.node(node).layer;
			if (seen.insert(layer).second) {
				layers.push_back(make_layer(layer, location));
			}
		}
		return evaluator.new_list(std::move(layers), location);
	}
	if (name == "input" || name == "inputs" || name == "output" || name == "outputs") {
		materialize(evaluator, id, location);
		ModelData &built = evaluator.model(id);
		std::vector<Object> tensors;
		if (name.starts_with("input")) {
			for (int64_t tensor : built.inputs) {
				tensors.push_back(make_tensor(tensor, location));
			}
		} else {
			for (const auto &output : built.outputs) {
				tensors.push_back(make_tensor(output.tensor, location));
			}
		}
		if (!name.ends_with("s") && tensors.size() == 1) {
			return tensors[0];
		}
		return evaluator.new_list(std::move(tensors), location);
	}
	if (name == "input_shape" || name == "output_shape") {
		materialize(evaluator, id, location);
		ModelData &built = evaluator.model(id);
		int64_t tensor = name == "input_shape" ? built.inputs.at(0) : built.outputs.at(0).tensor;
		return shape_tuple(evaluator, graph.tensor(tensor).shape, true, location);
	}
	Object method;
	method.kind = ObjectKind::BoundMethod;
	method.text = name;
	method.receiver = std::make_shared<Object>(object);
	return method;
}

void set_keras_attribute(Evaluator &evaluator, const Object &object, const std::string &name, const Object &value,
                         SourceLocation location) {
	if (name != "trainable") {
		fail(location, "only 'trainable' can be set on a Keras layer or model in a definition, not '" + name + "'");
	}
	if (value.kind != ObjectKind::Bool) {
		fail(location, "trainable must be True or False, not " + type_name(value));
	}
	if (object.kind == ObjectKind::Layer) {
		GraphLayer &layer = evaluator.graph().layer(object.id);
		layer.spec.trainable = value.boolean;
		for (auto &inner : layer.spec.wrapped) {
			inner.trainable = value.boolean;
		}
		return;
	}
	int64_t id = model_of(object);
	if (id < 0) {
		fail(location, "trainable cannot be set on " + type_name(object));
	}
	evaluator.model(id).trainable = value.boolean;
	materialize(evaluator, id, location);
	Object layers = keras_attribute(evaluator, object, "layers", location);
	for (const auto &layer : *layers.items) {
		set_keras_attribute(evaluator, layer, name, value, location);
	}
}

Object call_keras_object(Evaluator &evaluator, const Object &callee, CallArgs &args) {
	if (callee.kind == ObjectKind::Layer) {
		const LayerSpec &layer = evaluator.graph().layer(callee.id).spec;
		std::vector<int64_t> inputs = layer_call_inputs(layer, args);
		int64_t output = evaluator.graph().apply(callee.id, std::move(inputs), args.location, call_flags(args));
		const GraphNode &node = evaluator.graph().node(evaluator.graph().tensor(output).node);
		if (node.states.empty()) {
			return make_tensor(output, args.location);
		}
		std::vector<Object> returned{make_tensor(output, args.location)}; // Keras: [output, h(, c)]
		for (int64_t state : node.states) {
			returned.push_back(make_tensor(state, args.location));
		}
		return evaluator.new_list(std::move(returned), args.location);
	}
	if (callee.kind == ObjectKind::Instance && callee.instance->model < 0) {
		return call_instance(evaluator, callee, args);
	}
	int64_t id = model_of(callee);
	const Object *value = args.argument(0, "inputs");
	if (!value) {
		fail(args.location, "a model must be called on its input tensor(s), e.g. model(x)");
	}
	for (size_t i = 0; i < args.keywords.size(); i++) {
		const std::string &key = args.keywords[i].first;
		if (key != "inputs" && key != "training" && key != "mask") {
			fail(args.keyword_at[i], "unknown argument '" + key + "' when calling a model");
		}
	}
	std::vector<int64_t> inputs = tensors_of(*value, args.argument_location(0, "inputs"), "a model's inputs");
	std::vector<int64_t> outputs = apply_model(evaluator, id, inputs, args.location, call_flags(args));
	if (outputs.size() == 1) {
		return make_tensor(outputs[0], args.location);
	}
	std::vector<Object> tensors;
	for (int64_t output : outputs) {
		tensors.push_back(make_tensor(output, args.location));
	}
	return evaluator.new_list(std::move(tensors), args.location);
}

Object keras_method(Evaluator &evaluator, const Object &receiver, const std::string &name, CallArgs &args) {
	SourceLocation at = args.location;
	if (receiver.kind == ObjectKind::Layer || receiver.kind == ObjectKind::Tensor) {
		if (receiver.kind == ObjectKind::Layer && name == "count_params") {
			const GraphLayer &layer = evaluator.graph().layer(receiver.id);
			if (layer.nodes.empty() || !evaluator.graph().tensor(evaluator.graph().node(layer.nodes[0]).output).shape) {
				fail(at, "count_params() needs the layer built on a known input shape");
			}
			std::vector<Shape> shapes;
			for (int64_t input : evaluator.graph().node(layer.nodes[0]).inputs) {
				shapes.push_back(*evaluator.graph().tensor(input).shape);
			}
			return make_int(infer_layer(layer.spec, shapes).params());
		}
		fail(at, type_name(receiver) + " has no method '" + name + "' a definition can use");
	}
	int64_t id = model_of(receiver);
	ModelData &model = evaluator.model(id);
	if (name == "add") {
		if (model.kind != ModelKind::Sequential) {
			fail(at, "add() is a method of Sequential models; a functional model is built by calling layers");
		}
		if (args.count() != 1 || (!args.keywords.empty() && args.keywords[0].first != "layer")) {
			fail(at, "add() takes exactly one layer");
		}
		if (model.compile) {
			fail(at, "layers must be added before model.compile(...)");
		}
		const Object &item = args.positional.empty() ? args.keywords[0].second : args.positional[0];
		SourceLocation item_at = args.positional.empty() ? args.keyword_value_at[0] : args.positional_at[0];
		bool input_marker = item.kind == ObjectKind::Tensor ||
		                    (item.kind == ObjectKind::Keras && item.call->text == "keras.layers.InputLayer");
		if (input_marker) {
			if (!model.entries.empty() || model.input_shape) {
				fail(item_at, "an Input can only come first in the model");
			}
			if (item.kind == ObjectKind::Tensor) {
				const GraphTensor &tensor = evaluator.graph().tensor(item.id);
				if (tensor.node >= 0) {
					fail(item_at, "Sequential.add() takes a layer, not the output of one");
				}
				model.input_shape = tensor.shape;
				model.input_name = evaluator.graph().input(tensor.input).name;
				model.input_dtype = evaluator.graph().input(tensor.input).dtype;
			} else {
				model.input_shape = layer_from_call(*item.call).input_shape;
				const Value *given = item.call->find("name");
				if (given && given->kind == ValueKind::String) {
					model.input_name = given->text;
				}
			}
			model.input_location = item_at;
			return make_none();
		}
		if (item.kind != ObjectKind::Layer && model_of(item) < 0) {
			fail(item_at, "expected a layer such as tf.keras.layers.Dense(4), found " + type_name(item));
		}
		if (model_of(item) == id) {
			fail(item_at, "a model cannot contain itself");
		}
		model.entries.push_back(item);
		model.materialized = false;
		return make_none();
	}
	if (name == "pop") {
		if (model.kind != ModelKind::Sequential || model.entries.empty()) {
			fail(at, "pop() removes the last layer of a Sequential model that has one");
		}
		model.entries.pop_back();
		model.materialized = false;
		return make_none();
	}
	if (name == "compile") {
		if (model.compile) {
			fail(at, "compile(...) is called twice on model '" + model.name + "'; keep one");
		}
		model.compile = call_literal(evaluator, "compile", args);
		model.compile_location = at;
		return make_none();
	}
	if (name == "summary") {
		evaluator.ignore_statement();
		return make_none();
	}
	if (name == "build") {
		const Object *shape = args.argument(0, "input_shape");
		if (!shape || !shape->is_sequence()) {
			fail(at, "build() needs the input shape with its batch, e.g. model.build((None, 28, 28, 1))");
		}
		Shape dims;
		for (size_t i = 1; i < shape->items->size(); i++) {
			const Object &dim = (*shape->items)[i];
			if (dim.kind == ObjectKind::None) {
				dims.push_back(-1);
			} else if (dim.kind == ObjectKind::Int && dim.integer > 0) {
				dims.push_back(dim.integer);
			} else {
				fail(args.argument_location(0, "input_shape"), "build()'s shape holds positive integers or None");
			}
		}
		if (dims.empty()) {
			fail(args.argument_location(0, "input_shape"),
			     "build()'s shape starts with the batch (None), then one or more dimensions");
		}
		if (model.kind == ModelKind::Functional) {
			return make_none();
		}
		model.input_shape = dims;
		model.input_location = args.argument_location(0, "input_shape");
		model.materialized = false;
		materialize(evaluator, id, at);
		return make_none();
	}
	if (name == "get_layer") {
		Object layers = keras_attribute(evaluator, receiver, "layers", at);
		const Object *key = args.argument(0, "name");
		const Object *index = args.argument(1, "index");
		if (key && key->kind == ObjectKind::Str) {
			for (const auto &layer : *layers.items) {
				if (evaluator.graph().layer(layer.id).spec.name == key->text) {
					return layer;
				}
			}
			fail(at, "model '" + model.name + "' has no layer named '" + key->text + "'");
		}
		if (index && index->kind == ObjectKind::Int) {
			return subscript(evaluator, layers, *index, at);
		}
		fail(at, "get_layer() needs name='...' or index=...");
	}
	if (name == "count_params") {
		no_arguments(args, "count_params");
		ModelSpec spec = model_spec(evaluator, id);
		ModelSummary summary = summarize(spec);
		if (!summary.bound) {
			fail(at, "count_params() needs a known input shape");
		}
		return make_int(summary.total_params);
	}
	if (name == "fit" || name == "evaluate" || name == "predict" || name == "train_on_batch" ||
	    name == "fit_generator") {
		fail(at, name + "(...) is not part of a model definition; training options go in the deployment (batch, "
		                "kwargs_fit, kwargs_val)");
	}
	if (name == "save" || name == "save_weights" || name == "load_weights" || name == "to_json") {
		fail(at, name + "(...) is not part of a model definition; Kafka-ML stores and exports the trained model");
	}
	fail(at, "unsupported model method '" + name + "'; expected add, compile, build or summary");
}

} // namespace kafkaml::ml::spec
