#include "ml/spec/json_model.h"

#include "ml/spec/call_arguments.h"
#include "ml/spec/keras_objects.h"

namespace kafkaml::ml::spec {

namespace {

//! Keras serialises objects (layers, initializers) as {"class_name": C,
//! "config": {...}} (Keras 3 adds "module", "registered_name"); we turn
//! each into the call C(**config) so the Python interpreters apply.
Value keras_objects_to_calls(const Value &value, int depth = 0) {
	Value copy = value;
	for (auto &item : copy.items) {
		item = keras_objects_to_calls(item, depth + 1);
	}
	for (auto &entry : copy.keywords) {
		entry.value = keras_objects_to_calls(entry.value, depth + 1);
	}
	if (copy.kind != ValueKind::Dict) {
		return copy;
	}
	const Value *class_name = copy.find("class_name");
	const Value *config = copy.find("config");
	if (!class_name || class_name->kind != ValueKind::String) {
		return copy;
	}
	for (const auto &entry : copy.keywords) {
		if (entry.name != "class_name" && entry.name != "config" && entry.name != "module" &&
		    entry.name != "registered_name" && entry.name != "build_config" && entry.name != "shared_object_id" &&
		    !(depth == 0 && (entry.name == "keras_version" || entry.name == "backend"))) {
			fail(entry.location, "unexpected key '" + entry.name + "' beside \"class_name\" and \"config\"");
		}
	}
	Value call;
	call.kind = ValueKind::Call;
	call.location = copy.location;
	call.text = class_name->text;
	call.name_location = class_name->location;
	if (config && config->kind == ValueKind::Dict) {
		call.keywords = config->keywords;
	} else if (config && config->kind != ValueKind::None) {
		call.items.push_back(*config); // old Sequential: "config": [layers...]
	}
	return call;
}

ModelSpec from_keras(const Value &document) {
	Value root = keras_objects_to_calls(document);
	if (!is_sequential_name(root.text)) {
		fail(root.location, "only Sequential models are supported; this Keras JSON holds a '" + root.text + "'");
	}
	for (const auto &entry : document.keywords) {
		if (entry.name != "class_name" && entry.name != "config" && entry.name != "keras_version" &&
		    entry.name != "backend" && entry.name != "module" && entry.name != "registered_name" &&
		    entry.name != "build_config" && entry.name != "compile_config") {
			fail(entry.location, "unexpected key '" + entry.name + "' in Keras model JSON");
		}
	}
	ModelSpec model;
	const Value *layers = nullptr;
	std::optional<Shape> build_shape;
	if (!root.items.empty()) {
		layers = &root.items[0];
	} else {
		CallArguments args(root, "Sequential config", {});
		layers = args.get("layers");
		model.name = args.string("name", "sequential");
		build_shape = args.shape("build_input_shape", true);
		args.only_bool("trainable", true);
		args.ignored("dtype");
		args.finish();
	}
	if (!layers || !layers->is_sequence()) {
		fail(root.location, "the Keras model JSON needs \"config\": {\"layers\": [...]}");
	}
	std::optional<Shape> input_shape;
	for (const auto &layer : layers->items) {
		add_layer(model, input_shape, layer);
	}
	if (!input_shape && !model.layers.empty() && !model.layers[0].input_shape) {
		input_shape = build_shape;
	}
	// Keras 3's "compile_config" is not read: to_json() of Keras 2.x carries no
	// compile information, so compile.present stays false (README.md).
	finish_model(model, input_shape, root.location);
	return model;
}

//! Plain spec objects name their class in "type": {"type": "Dense", "units": 4}.
Value typed_object_to_call(const Value &value, const std::string &what) {
	if (value.kind != ValueKind::Dict) {
		return value;
	}
	const Value *type = value.find("type");
	if (!type) {
		fail(value.location, what + " needs a \"type\", e.g. {\"type\": \"Dense\", \"units\": 4}");
	}
	Value call;
	call.kind = ValueKind::Call;
	call.location = value.location;
	call.text = string_value(*type, "\"type\" of " + what);
	call.name_location = type->location;
	for (const auto &entry : value.keywords) {
		if (entry.name != "type") {
			call.keywords.push_back(entry);
		}
	}
	return call;
}

ModelSpec from_plain(const Value &document) {
	ModelSpec model;
	CallArguments args(document, "the model spec", {});
	model.name = args.string("name", "sequential");
	std::optional<Shape> input_shape = args.shape("input_shape");
	const Value *layers = args.get("layers");
	if (!layers || !layers->is_sequence()) {
		fail(document.location, "the model spec needs \"layers\": [{\"type\": \"Dense\", \"units\": 4, "
		                        "\"input_shape\": [3]}, ...]");
	}
	for (const auto &layer : layers->items) {
		if (layer.kind != ValueKind::Dict) {
			fail(layer.location,
			     "each layer must be an object such as {\"type\": \"Dense\", \"units\": 4}, not " + describe(layer));
		}
		add_layer(model, input_shape, typed_object_to_call(layer, "a layer"));
	}
	if (const Value *compile = args.get("compile"); compile && compile->kind != ValueKind::None) {
		if (compile->kind != ValueKind::Dict) {
			fail(compile->location,
			     "\"compile\" must be an object such as {\"optimizer\": \"adam\", \"loss\": \"mse\"}");
		}
		Value call = *compile;
		for (auto &entry : call.keywords) {
			if (entry.name == "optimizer") {
				entry.value = typed_object_to_call(entry.value, "the optimizer");
			} else if (entry.name == "loss") {
				entry.value = typed_object_to_call(entry.value, "the loss");
			} else if (entry.name == "metrics" && entry.value.is_sequence()) {
				for (auto &metric : entry.value.items) {
					metric = typed_object_to_call(metric, "a metric");
				}
			}
		}
		model.compile = compile_from_call(call);
	}
	args.finish();
	finish_model(model, input_shape, document.location);
	return model;
}

} // namespace

ModelSpec model_from_json(const Value &document) {
	if (document.kind != ValueKind::Dict) {
		fail(document.location, "a JSON model definition must be an object, not " + describe(document));
	}
	if (document.find("class_name")) {
		return from_keras(document);
	}
	return from_plain(document);
}

} // namespace kafkaml::ml::spec
