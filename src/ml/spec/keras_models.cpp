#include "ml/spec/keras_models.h"

#include "ml/spec/keras_namespace.h"
#include "ml/spec/keras_objects.h"
#include "ml/spec/layer_shapes.h"

#include <map>

namespace kafkaml::ml::spec {

namespace {

//! The output tensors a call() returned: a tensor, or a list, tuple or
//! dict of them (dict keys name the outputs).
std::vector<OutputName> outputs_of(const Object &result, SourceLocation location) {
	std::vector<OutputName> outputs;
	if (result.kind == ObjectKind::Dict) {
		for (const auto &[key, value] : result.dict->entries) {
			outputs.push_back(OutputName{tensors_of(value, location, "call()'s outputs").at(0),
			                             key.kind == ObjectKind::Str ? key.text : ""});
		}
		return outputs;
	}
	for (int64_t id : tensors_of(result, location, "what call() returns")) {
		outputs.push_back(OutputName{id, ""});
	}
	return outputs;
}

Object call_method(Evaluator &evaluator, const Object &instance, const std::string &name,
                   std::vector<Object> positional, SourceLocation location) {
	CallArgs args;
	args.location = location;
	args.positional = std::move(positional);
	args.positional_at.assign(args.positional.size(), location);
	Object method;
	method.kind = ObjectKind::BoundMethod;
	method.text = name;
	method.receiver = std::make_shared<Object>(instance);
	return evaluator.call(method, args);
}

void materialize_sequential(Evaluator &evaluator, int64_t id, SourceLocation location) {
	ModelData &model = evaluator.model(id);
	GraphBuilder &graph = evaluator.graph();
	if (model.entries.empty()) {
		fail(model.location, "the model has no layers; add some, e.g. tf.keras.layers.Dense(1, input_shape=(3,))");
	}
	std::optional<Shape> shape = model.input_shape;
	const Object &first = model.entries.front();
	if (first.kind == ObjectKind::Layer) {
		const LayerSpec &layer = graph.layer(first.id).spec;
		if (layer.input_shape && shape && *layer.input_shape != *shape) {
			fail(layer.location, "input_shape of the first layer disagrees with the Input before it");
		}
		if (layer.input_shape) {
			shape = layer.input_shape;
		}
	} else if (int64_t nested = model_of(first); nested >= 0 && !shape) {
		// A model first (a keras.applications base): its input is the input
		materialize(evaluator, nested, location);
		const ModelData &inner = evaluator.model(nested);
		if (inner.inputs.size() == 1) {
			shape = graph.tensor(inner.inputs[0]).shape;
		}
	}
	// materialize() above may have grown the model table: look the model up again
	const ModelData &current = evaluator.model(id);
	int64_t tensor = graph.add_input(shape, current.input_dtype, current.input_name, location);
	std::vector<int64_t> inputs = {tensor};
	for (size_t i = 0; i < evaluator.model(id).entries.size(); i++) {
		Object entry = evaluator.model(id).entries[i]; // a copy: nested models may grow the model table
		if (entry.kind == ObjectKind::Layer) {
			const LayerSpec &layer = graph.layer(entry.id).spec;
			const auto &flowing = graph.tensor(tensor).shape;
			if (i > 0 && layer.input_shape && flowing && *layer.input_shape != *flowing) {
				fail(layer.location, "input_shape (" + format_dims(*layer.input_shape) + ") of layer '" + layer.name +
				                         "' disagrees with the output of the layer before it, (" +
				                         format_dims(*flowing) + "); input_shape belongs on the first layer only");
			}
			need_one_output(layer, layer.location);
			tensor = graph.apply(entry.id, {tensor}, layer.location);
			continue;
		}
		std::vector<int64_t> outputs = apply_model(evaluator, model_of(entry), {tensor}, entry.location);
		if (outputs.size() != 1) {
			fail(entry.location, "a model inside a Sequential model must have one output");
		}
		tensor = outputs[0];
	}
	ModelData &built = evaluator.model(id);
	built.inputs = inputs;
	built.outputs = {OutputName{tensor, ""}};
	built.materialized = true;
}

void materialize_subclassed(Evaluator &evaluator, int64_t id, SourceLocation location) {
	ModelData &model = evaluator.model(id);
	Object instance = model.instance;
	int64_t input = evaluator.graph().add_input(model.input_shape, model.input_dtype, model.input_name, location);
	Object result = call_method(evaluator, instance, "call", {make_tensor(input, location)}, location);
	ModelData &built = evaluator.model(id);
	built.inputs = {input};
	built.outputs = outputs_of(result, location);
	built.materialized = true;
}

} // namespace

Object add_model(Evaluator &evaluator, ModelData model) {
	evaluator.models().push_back(std::move(model));
	Object object;
	object.kind = ObjectKind::Model;
	object.id = static_cast<int64_t>(evaluator.models().size()) - 1;
	object.location = evaluator.models().back().location;
	return object;
}

void materialize(Evaluator &evaluator, int64_t id, SourceLocation location) {
	ModelData &model = evaluator.model(id);
	if (model.materialized) {
		return;
	}
	if (model.kind == ModelKind::Sequential) {
		materialize_sequential(evaluator, id, location);
	} else if (model.kind == ModelKind::Subclassed) {
		materialize_subclassed(evaluator, id, location);
	}
}

std::vector<int64_t> apply_model(Evaluator &evaluator, int64_t id, const std::vector<int64_t> &inputs,
                                 SourceLocation location, std::optional<bool> training) {
	GraphBuilder &graph = evaluator.graph();
	ModelData &model = evaluator.model(id);
	switch (model.kind) {
	case ModelKind::Sequential: {
		if (inputs.size() != 1) {
			fail(location, "a Sequential model takes one input tensor, got " + std::to_string(inputs.size()));
		}
		if (model.entries.empty()) {
			fail(location, "model '" + model.name + "' has no layers");
		}
		int64_t tensor = inputs[0];
		std::vector<Object> entries = model.entries;
		for (const auto &entry : entries) {
			if (entry.kind == ObjectKind::Layer) {
				need_one_output(graph.layer(entry.id).spec, location);
				tensor = graph.apply(entry.id, {tensor}, location, training);
			} else {
				tensor = apply_model(evaluator, model_of(entry), {tensor}, location, training).at(0);
			}
		}
		return {tensor};
	}
	case ModelKind::Functional: {
		if (inputs.size() != model.inputs.size()) {
			fail(location, "model '" + model.name + "' takes " + std::to_string(model.inputs.size()) +
			                   " input tensors, got " + std::to_string(inputs.size()));
		}
		std::vector<int64_t> outputs;
		for (const auto &output : model.outputs) {
			outputs.push_back(output.tensor);
		}
		std::map<int64_t, int64_t> mapped;
		for (size_t i = 0; i < inputs.size(); i++) {
			mapped[model.inputs[i]] = inputs[i];
		}
		std::vector<int64_t> inner_inputs = model.inputs;
		for (int64_t node_id : graph.nodes_between(inner_inputs, outputs, location)) {
			GraphNode node = graph.node(node_id);
			std::vector<int64_t> replayed;
			for (int64_t in : node.inputs) {
				replayed.push_back(mapped.at(in));
			}
			int64_t output =
			    graph.apply(node.layer, std::move(replayed), location, training ? training : node.training);
			mapped[node.output] = output;
			const GraphNode &applied = graph.node(graph.tensor(output).node);
			for (size_t k = 0; k < node.states.size(); k++) {
				mapped[node.states[k]] = applied.states.at(k);
			}
		}
		std::vector<int64_t> result;
		for (int64_t output : outputs) {
			result.push_back(mapped.at(output));
		}
		return result;
	}
	case ModelKind::Subclassed: {
		Object instance = model.instance;
		if (!model.input_shape && !model.materialized && inputs.size() == 1) {
			// model(keras.Input(shape=...)) builds a subclassed model for that shape, as Keras
			const GraphTensor &input = graph.tensor(inputs[0]);
			if (input.node < 0 && input.shape) {
				model.input_shape = input.shape;
				model.input_dtype = graph.input(input.input).dtype;
			}
		}
		std::vector<Object> tensors;
		for (int64_t input : inputs) {
			tensors.push_back(make_tensor(input, location));
		}
		Object argument = tensors.size() == 1 ? tensors[0] : evaluator.new_list(std::move(tensors), location);
		Object result = call_method(evaluator, instance, "call", {argument}, location);
		std::vector<int64_t> ids;
		for (const auto &output : outputs_of(result, location)) {
			ids.push_back(output.tensor);
		}
		return ids;
	}
	}
	return {};
}

Object call_instance(Evaluator &evaluator, const Object &instance, CallArgs &args) {
	Object method;
	method.kind = ObjectKind::BoundMethod;
	method.text = "call";
	method.receiver = std::make_shared<Object>(instance);
	return evaluator.call(method, args);
}

ModelSpec model_spec(Evaluator &evaluator, int64_t id) {
	materialize(evaluator, id, evaluator.model(id).location);
	const ModelData &model = evaluator.model(id);
	ModelSpec spec =
	    evaluator.graph().extract(model.inputs, model.outputs, model.name, model.class_name, model.location);
	if (model.compile) {
		std::vector<std::string> names;
		for (const auto &output : spec.outputs) {
			names.push_back(output.name);
		}
		spec.compile = compile_from_call(*model.compile, names);
	}
	return spec;
}

} // namespace kafkaml::ml::spec
