#include "ml/spec/functional_graph.h"

#include "ml/spec/eval_bounds.h"
#include "ml/spec/layer_kinds.h"
#include "ml/spec/layer_shapes.h"

#include <algorithm>
#include <set>

namespace kafkaml::ml::spec {

void fill_chain(ModelSpec &model) {
	if (model.layers.empty()) {
		fail({}, "the model has no layers");
	}
	model.inputs = {InputSpec{"input_1", model.layers.front().input_shape, "float32"}};
	model.nodes.clear();
	for (size_t i = 0; i < model.layers.size(); i++) {
		TensorRef input = i == 0 ? TensorRef{-1, 0} : TensorRef{static_cast<int64_t>(i) - 1, 0};
		model.nodes.push_back(NodeSpec{i, {input}, model.layers[i].location});
	}
	model.outputs = {OutputSpec{model.layers.back().name, TensorRef{static_cast<int64_t>(model.layers.size()) - 1, 0}}};
}

std::string GraphBuilder::unique_name(const std::string &base) {
	int index = counters_[base]++;
	return index == 0 ? base : base + "_" + std::to_string(index);
}

int64_t GraphBuilder::add_layer(LayerSpec spec, Value call) {
	GraphLayer layer;
	layer.auto_named = spec.name.empty();
	if (layer.auto_named) {
		spec.name = unique_name(std::string(layer_base_name(spec.kind)));
	}
	layer.spec = std::move(spec);
	layer.call = std::move(call);
	layers_.push_back(std::move(layer));
	return static_cast<int64_t>(layers_.size()) - 1;
}

int64_t GraphBuilder::add_input(std::optional<Shape> shape, std::string dtype, std::string name,
                                SourceLocation location) {
	GraphInput input;
	input.name = name.empty() ? "input_" + std::to_string(++counters_["input"]) : std::move(name);
	input.shape = shape;
	input.dtype = std::move(dtype);
	input.location = location;
	GraphTensor tensor;
	tensor.input = static_cast<int64_t>(inputs_.size());
	tensor.shape = std::move(shape);
	tensor.location = location;
	tensors_.push_back(std::move(tensor));
	input.tensor = static_cast<int64_t>(tensors_.size()) - 1;
	inputs_.push_back(std::move(input));
	return inputs_.back().tensor;
}

int64_t GraphBuilder::apply(int64_t layer_id, std::vector<int64_t> inputs, SourceLocation location,
                            std::optional<bool> training) {
	if (nodes_.size() >= kMaxGraphNodes) {
		fail(location, "the model has more than " + std::to_string(kMaxGraphNodes) + " layer applications");
	}
	GraphLayer &target = layer(layer_id);
	std::vector<Shape> shapes;
	bool known = true;
	for (int64_t id : inputs) {
		const auto &shape = tensor(id).shape;
		if (!shape) {
			known = false;
			break;
		}
		shapes.push_back(*shape);
	}
	GraphTensor output;
	output.location = location;
	if (known) {
		output.shape = infer_layer(target.spec, shapes).output_shape;
	} else {
		check_arity(target.spec, inputs.size());
	}
	GraphNode node;
	node.layer = layer_id;
	node.inputs = std::move(inputs);
	node.location = location;
	node.training = training;
	node.output = static_cast<int64_t>(tensors_.size());
	output.node = static_cast<int64_t>(nodes_.size());
	tensors_.push_back(std::move(output));
	if (target.spec.return_state) { // each state is (units,) whatever the input
		for (size_t i = 0; i < recurrent_state_count(target.spec); i++) {
			GraphTensor state;
			state.node = static_cast<int64_t>(nodes_.size());
			state.index = static_cast<int64_t>(i) + 1;
			state.shape = Shape{target.spec.units};
			state.location = location;
			node.states.push_back(static_cast<int64_t>(tensors_.size()));
			tensors_.push_back(std::move(state));
		}
	}
	nodes_.push_back(std::move(node));
	target.nodes.push_back(static_cast<int64_t>(nodes_.size()) - 1);
	return nodes_.back().output;
}

std::vector<int64_t> GraphBuilder::nodes_between(const std::vector<int64_t> &inputs,
                                                 const std::vector<int64_t> &outputs, SourceLocation location) const {
	std::set<int64_t> input_set(inputs.begin(), inputs.end());
	std::set<int64_t> seen_tensors;
	std::set<int64_t> reached;
	std::vector<int64_t> stack(outputs.begin(), outputs.end());
	while (!stack.empty()) {
		int64_t id = stack.back();
		stack.pop_back();
		if (!seen_tensors.insert(id).second || input_set.count(id)) {
			continue;
		}
		const GraphTensor &t = tensor(id);
		if (t.node < 0) {
			fail(location, "the model's outputs depend on the input '" + input(t.input).name +
			                   "', which is not among its inputs (graph disconnected); add it to inputs=[...]");
		}
		reached.insert(t.node);
		for (int64_t in : node(t.node).inputs) {
			stack.push_back(in);
		}
	}
	return {reached.begin(), reached.end()};
}

ModelSpec GraphBuilder::extract(const std::vector<int64_t> &input_tensors, const std::vector<OutputName> &outputs,
                                std::string name, std::string class_name, SourceLocation location) const {
	std::vector<int64_t> output_tensors;
	for (const auto &output : outputs) {
		output_tensors.push_back(output.tensor);
	}
	std::vector<int64_t> order = nodes_between(input_tensors, output_tensors, location);
	ModelSpec model;
	model.name = std::move(name);
	model.class_name = std::move(class_name);
	std::map<int64_t, TensorRef> refs; // tensor id -> its place in the spec
	for (size_t i = 0; i < input_tensors.size(); i++) {
		const GraphTensor &t = tensor(input_tensors[i]);
		if (t.node >= 0) {
			fail(location, "a model input must be a tensor made by keras.Input(...), not the output of a layer");
		}
		if (refs.count(input_tensors[i])) {
			fail(location, "input '" + input(t.input).name + "' is listed twice in the model's inputs");
		}
		const GraphInput &in = input(t.input);
		model.inputs.push_back(InputSpec{in.name, in.shape, in.dtype});
		refs[input_tensors[i]] = TensorRef{-1, static_cast<int64_t>(i)};
	}
	std::map<int64_t, size_t> layer_index;
	std::set<std::string> explicit_names;
	for (int64_t id : order) {
		const GraphLayer &l = layers_.at(static_cast<size_t>(node(id).layer));
		if (!l.auto_named) {
			explicit_names.insert(l.spec.name);
		}
	}
	std::set<std::string> taken;
	for (int64_t id : order) {
		const GraphNode &n = node(id);
		auto found = layer_index.find(n.layer);
		if (found == layer_index.end()) {
			const GraphLayer &l = layers_.at(static_cast<size_t>(n.layer));
			LayerSpec spec = l.spec;
			if (!l.auto_named && !taken.insert(spec.name).second) {
				fail(spec.location, "layer name '" + spec.name + "' is used twice; layer names must be unique");
			}
			if (l.auto_named && (explicit_names.count(spec.name) || taken.count(spec.name))) {
				// An automatic name the user also gave another layer: Keras
				// would refuse the model; take the next free one instead.
				std::string base(layer_base_name(spec.kind));
				for (int index = 1;; index++) {
					std::string candidate = base + "_" + std::to_string(index);
					if (!explicit_names.count(candidate) && !taken.count(candidate)) {
						spec.name = candidate;
						break;
					}
				}
			}
			if (l.auto_named) {
				taken.insert(spec.name);
			}
			spec.input_shape.reset();
			found = layer_index.emplace(n.layer, model.layers.size()).first;
			model.layers.push_back(std::move(spec));
		}
		NodeSpec spec_node;
		spec_node.layer = found->second;
		spec_node.location = n.location;
		spec_node.training = n.training;
		for (int64_t in : n.inputs) {
			spec_node.inputs.push_back(refs.at(in));
		}
		refs[n.output] = TensorRef{static_cast<int64_t>(model.nodes.size()), 0};
		for (size_t k = 0; k < n.states.size(); k++) {
			refs[n.states[k]] = TensorRef{static_cast<int64_t>(model.nodes.size()), static_cast<int64_t>(k) + 1};
		}
		model.nodes.push_back(std::move(spec_node));
	}
	for (const auto &output : outputs) {
		auto ref = refs.at(output.tensor);
		std::string output_name = output.name;
		if (output_name.empty()) {
			output_name = ref.node < 0 ? model.inputs.at(static_cast<size_t>(ref.index)).name
			                           : model.layers[model.nodes[static_cast<size_t>(ref.node)].layer].name;
		}
		model.outputs.push_back(OutputSpec{output_name, ref});
	}
	if (model.is_chain()) {
		model.layers.front().input_shape = model.inputs.front().shape;
	}
	return model;
}

} // namespace kafkaml::ml::spec
