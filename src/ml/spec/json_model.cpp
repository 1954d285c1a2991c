#include "ml/spec/json_model.h"

#include "ml/spec/call_arguments.h"
#include "ml/spec/functional_graph.h"
#include "ml/spec/keras_objects.h"

#include <map>

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

//! ["name", node_index, tensor_index(, kwargs)] (Keras 2) or a
//! {"class_name": "__keras_tensor__", "config": {"keras_history": [...]}}
//! (Keras 3): the producing layer, its node and the tensor.
struct TensorName {
	std::string layer;
	int64_t node = 0;
	SourceLocation location;
	const Value *kwargs = nullptr;
};

TensorName tensor_name(const Value &value) {
	const Value *history = &value;
	if (value.kind == ValueKind::Dict) {
		const Value *config = value.find("config");
		history = config ? config->find("keras_history") : nullptr;
		if (!history) {
			fail(value.location, "expected a tensor reference with \"keras_history\"");
		}
	}
	if (!history->is_sequence() || history->items.size() < 3 || history->items[0].kind != ValueKind::String) {
		fail(value.location, "expected a tensor reference [\"layer_name\", node_index, tensor_index]");
	}
	if (integer_value(history->items[2], "a tensor index", 0) != 0) {
		fail(history->items[2].location, "layers with several outputs are not supported");
	}
	TensorName name{history->items[0].text, integer_value(history->items[1], "a node index", 0), value.location};
	if (history->items.size() > 3 && history->items[3].kind == ValueKind::Dict) {
		name.kwargs = &history->items[3];
	}
	return name;
}

//! Keras' to_json() of a functional model: layers with their inbound
//! nodes, input_layers and output_layers, rebuilt through the same graph
//! as the Python form.
ModelSpec from_functional(const Value &document) {
	const Value *config = document.find("config");
	if (!config || config->kind != ValueKind::Dict) {
		fail(document.location, "the Keras model JSON needs \"config\": {\"layers\": [...], ...}");
	}
	const Value *layers = config->find("layers");
	if (!layers || !layers->is_sequence()) {
		fail(config->location, "the Keras functional JSON needs \"layers\": [...]");
	}
	GraphBuilder graph;
	std::map<std::string, std::vector<int64_t>> outputs; // layer name -> output tensor per node
	auto resolve = [&](const TensorName &name) {
		auto found = outputs.find(name.layer);
		if (found == outputs.end() || name.node >= static_cast<int64_t>(found->second.size())) {
			fail(name.location, "the tensor of layer '" + name.layer + "' (node " + std::to_string(name.node) +
			                        ") is used before it is made");
		}
		return found->second[static_cast<size_t>(name.node)];
	};
	for (const auto &entry : layers->items) {
		if (entry.kind != ValueKind::Dict) {
			fail(entry.location, "each layer must be an object with \"class_name\" and \"config\"");
		}
		const Value *class_name = entry.find("class_name");
		const Value *layer_config = entry.find("config");
		if (!class_name || class_name->kind != ValueKind::String || !layer_config) {
			fail(entry.location, "each layer needs \"class_name\" and \"config\"");
		}
		if (class_name->text == "InputLayer") {
			Value input_config = keras_objects_to_calls(*layer_config); // CallArguments keeps a reference
			CallArguments args(input_config, "InputLayer config", {});
			std::optional<Shape> shape = args.shape("batch_input_shape", true);
			if (auto batch = args.shape("batch_shape", true)) {
				shape = batch;
			}
			std::string name = args.string("name", "");
			std::string dtype = "float32";
			if (const Value *type = args.get("dtype"); type && type->kind == ValueKind::String) {
				dtype = type->text;
			}
			args.ignored("sparse");
			args.ignored("ragged");
			args.finish();
			outputs[name].push_back(graph.add_input(shape, dtype, name, entry.location));
			continue;
		}
		Value object;
		object.kind = ValueKind::Dict;
		object.location = entry.location;
		object.keywords = {Argument{"class_name", class_name->location, *class_name},
		                   Argument{"config", layer_config->location, *layer_config}};
		Value call = keras_objects_to_calls(object);
		LayerItem item = layer_from_call(call);
		if (item.is_input) {
			fail(entry.location, "unexpected input layer");
		}
		if (item.layer.return_state) { // its inbound nodes would name the states by tensor index
			fail(entry.location, "layer '" + item.layer.name +
			                         "' has return_state=True, which is read from Python definitions only, "
			                         "not from Keras JSON");
		}
		std::string name = item.layer.name;
		int64_t layer = graph.add_layer(std::move(item.layer), call);
		const Value *inbound = entry.find("inbound_nodes");
		if (!inbound || !inbound->is_sequence()) {
			fail(entry.location, "layer '" + name + "' needs \"inbound_nodes\"");
		}
		for (const auto &node : inbound->items) {
			std::vector<int64_t> inputs;
			if (node.kind == ValueKind::Dict) { // Keras 3: {"args": [...], "kwargs": {...}}
				const Value *args = node.find("args");
				if (!args || !args->is_sequence() || args->items.empty()) {
					fail(node.location, "an inbound node needs \"args\"");
				}
				const Value &first = args->items[0];
				if (first.is_sequence()) {
					for (const auto &tensor : first.items) {
						inputs.push_back(resolve(tensor_name(tensor)));
					}
				} else {
					for (const auto &tensor : args->items) {
						inputs.push_back(resolve(tensor_name(tensor)));
					}
				}
				if (const Value *kwargs = node.find("kwargs")) {
					for (const char *part : {"value", "key"}) {
						if (const Value *tensor = kwargs->find(part); tensor && tensor->kind != ValueKind::None) {
							inputs.push_back(resolve(tensor_name(*tensor)));
						}
					}
				}
			} else if (node.is_sequence()) { // Keras 2: [[name, node, tensor, kwargs], ...]
				for (const auto &tensor : node.items) {
					TensorName reference = tensor_name(tensor);
					inputs.push_back(resolve(reference));
					if (reference.kwargs) {
						for (const char *part : {"value", "key"}) {
							if (const Value *extra = reference.kwargs->find(part)) {
								inputs.push_back(resolve(tensor_name(*extra)));
							}
						}
					}
				}
			} else {
				fail(node.location, "unexpected inbound node of layer '" + name + "'");
			}
			outputs[name].push_back(graph.apply(layer, std::move(inputs), node.location));
		}
	}
	auto endpoints = [&](const char *key) {
		const Value *list = config->find(key);
		if (!list || !list->is_sequence()) {
			fail(config->location, std::string("the Keras functional JSON needs \"") + key + "\"");
		}
		std::vector<int64_t> tensors;
		if (!list->items.empty() && list->items[0].kind == ValueKind::String) {
			tensors.push_back(resolve(tensor_name(*list))); // a single ["name", 0, 0]
			return tensors;
		}
		for (const auto &item : list->items) {
			tensors.push_back(resolve(tensor_name(item)));
		}
		return tensors;
	};
	std::vector<int64_t> inputs = endpoints("input_layers");
	std::vector<OutputName> output_names;
	for (int64_t tensor : endpoints("output_layers")) {
		output_names.push_back(OutputName{tensor, ""});
	}
	std::string name = "model";
	if (const Value *given = config->find("name"); given && given->kind == ValueKind::String) {
		name = given->text;
	}
	ModelSpec model = graph.extract(inputs, output_names, name, "Functional", document.location);
	normalize_model(model);
	return model;
}

ModelSpec from_keras(const Value &document) {
	const Value *class_name = document.find("class_name");
	if (class_name && class_name->kind == ValueKind::String &&
	    (class_name->text == "Functional" || class_name->text == "Model")) {
		return from_functional(document);
	}
	Value root = keras_objects_to_calls(document);
	if (!is_sequential_name(root.text)) {
		fail(root.location, "this Keras JSON holds a '" + root.text +
		                        "'; Sequential and functional (\"Functional\" or \"Model\") models are supported");
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
		Value call = typed_object_to_call(layer, "a layer");
		for (auto &argument : call.keywords) {
			// {"type": "L2", "l2": 0.001} as an argument: a regularizer or initializer object
			if (argument.value.kind == ValueKind::Dict && argument.value.find("type")) {
				argument.value = typed_object_to_call(argument.value, "argument '" + argument.name + "'");
			}
		}
		add_layer(model, input_shape, call);
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
