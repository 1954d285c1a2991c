#include "ml/submodels.h"

#include "ml/plan.h"
#include "ml/spec/parse.h"

#include <set>
#include <stdexcept>
#include <string>

namespace kafkaml::ml {

namespace {

//! `name`, or name_1, name_2, ... when taken; then taken.
std::string unique_name(std::set<std::string> &taken, const std::string &name) {
	std::string candidate = name;
	for (int n = 1; taken.count(candidate) > 0; n++) {
		candidate = name + "_" + std::to_string(n);
	}
	taken.insert(candidate);
	return candidate;
}

} // namespace

ModelSpec chain_submodels(const std::vector<ModelSpec> &bottom_first) {
	if (bottom_first.empty()) {
		throw std::invalid_argument("a distributed model needs at least one sub-model");
	}
	ModelSpec out;
	out.name = "model";
	out.class_name = "Functional";
	out.inputs = bottom_first[0].inputs;
	std::set<std::string> layer_names, output_names;
	TensorRef carry;   // what the next sub-model takes
	Shape carry_shape; // its shape
	bool compiled = false;
	for (size_t k = 0; k < bottom_first.size(); k++) {
		const ModelSpec &sub = bottom_first[k];
		const bool top = k + 1 == bottom_first.size();
		const std::string what = "sub-model " + std::to_string(k + 1) + " ('" + sub.name + "')";
		if (sub.nodes.empty() || sub.inputs.empty()) {
			throw std::invalid_argument(what + " has no model graph: define it with keras.Input and keras.Model");
		}
		if (sub.outputs.size() != (top ? 1u : 2u)) {
			throw std::invalid_argument(what +
			                            (top ? " is the top one and must have one output, its exit"
			                                 : " must have two outputs: what its upper model takes, then its exit") +
			                            "; it has " + std::to_string(sub.outputs.size()));
		}
		if (k > 0) {
			if (sub.inputs.size() != 1) {
				throw std::invalid_argument(what + " must have one input, what the sub-model below gives");
			}
			const auto &shape = sub.inputs[0].shape;
			if (shape && *shape != carry_shape) {
				throw std::invalid_argument(what + " takes " + shape_to_string(*shape) +
				                            " but the sub-model below gives " + shape_to_string(carry_shape));
			}
		}
		const auto layer_offset = out.layers.size();
		const auto node_offset = static_cast<int64_t>(out.nodes.size());
		for (const auto &layer : sub.layers) {
			out.layers.push_back(layer);
			out.layers.back().name = unique_name(layer_names, layer.name);
		}
		auto remap = [&](const TensorRef &ref) {
			if (ref.node >= 0) {
				return TensorRef{ref.node + node_offset, ref.index};
			}
			return k == 0 ? ref : carry;
		};
		for (const auto &node : sub.nodes) {
			NodeSpec copy = node;
			copy.layer += layer_offset;
			for (auto &ref : copy.inputs) {
				ref = remap(ref);
			}
			out.nodes.push_back(std::move(copy));
		}
		const OutputSpec &exit = sub.outputs[top ? 0 : 1];
		out.outputs.push_back(OutputSpec{unique_name(output_names, exit.name), remap(exit.tensor)});
		if (!top) {
			carry = remap(sub.outputs[0].tensor);
			carry_shape = plan_model(sub).outputs.at(0);
		}
		if (sub.compile.present) {
			out.compile = sub.compile;
			compiled = true;
		}
	}
	if (!compiled) {
		out.compile = parse_compile_arguments(
		    "optimizer=tf.keras.optimizers.Adam(0.001), loss='sparse_categorical_crossentropy', "
		    "metrics=['sparse_categorical_accuracy']");
	}
	return out;
}

} // namespace kafkaml::ml
