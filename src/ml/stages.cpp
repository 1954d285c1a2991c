#include "ml/stages.h"

#include <algorithm>
#include <map>
#include <set>

namespace kafkaml::ml {

namespace {

//! Model inputs (node -1) first, then nodes in computing order.
struct RefOrder {
	bool operator()(const TensorRef &a, const TensorRef &b) const {
		return a.node != b.node ? a.node < b.node : a.index < b.index;
	}
};

using RefSet = std::set<TensorRef, RefOrder>;

} // namespace

std::vector<StagePlan> plan_stages(const ModelPlan &plan) {
	if (!plan.graph || plan.outputs.size() <= 1) {
		StagePlan only;
		only.plan = plan;
		only.exit_size = plan.output_size();
		only.exit_shape = plan.outputs.empty() ? plan.output_shape : plan.outputs[0];
		return {std::move(only)};
	}
	const size_t stages = plan.output_tensors.size();
	// Each node's stage: the first output that needs it.
	std::vector<int64_t> stage_of(plan.nodes.size(), -1);
	for (size_t k = 0; k < stages; k++) {
		std::vector<bool> needed(plan.nodes.size(), false);
		if (plan.output_tensors[k].node >= 0) {
			needed[static_cast<size_t>(plan.output_tensors[k].node)] = true;
		}
		// Inputs come before their node: one backward sweep finds the ancestors.
		// A node of an earlier stage has its ancestors there too.
		for (size_t i = plan.nodes.size(); i-- > 0;) {
			if (!needed[i] || stage_of[i] >= 0) {
				continue;
			}
			stage_of[i] = static_cast<int64_t>(k);
			for (const auto &ref : plan.nodes[i].inputs) {
				if (ref.node >= 0) {
					needed[static_cast<size_t>(ref.node)] = true;
				}
			}
		}
	}
	auto stage_of_ref = [&](const TensorRef &ref) {
		return ref.node < 0 ? -1 : stage_of[static_cast<size_t>(ref.node)];
	};
	// What each stage reads from before it: its nodes' inputs and its exit.
	std::vector<RefSet> reads(stages);
	for (size_t i = 0; i < plan.nodes.size(); i++) {
		if (stage_of[i] < 0) {
			continue; // needed by no output
		}
		for (const auto &ref : plan.nodes[i].inputs) {
			if (stage_of_ref(ref) < stage_of[i]) {
				reads[static_cast<size_t>(stage_of[i])].insert(ref);
			}
		}
	}
	for (size_t k = 0; k < stages; k++) {
		if (stage_of_ref(plan.output_tensors[k]) < static_cast<int64_t>(k)) {
			reads[k].insert(plan.output_tensors[k]);
		}
	}
	auto shape_of = [&](const TensorRef &ref) {
		return ref.node < 0
		           ? plan.inputs[static_cast<size_t>(ref.index)]
		           : node_outputs(plan.nodes[static_cast<size_t>(ref.node)].layer).at(static_cast<size_t>(ref.index));
	};

	std::vector<StagePlan> result(stages);
	std::vector<TensorRef> incoming; // the previous stage's carry
	for (size_t k = 0; k < stages; k++) {
		// The carry: read by a later stage, computed by now.
		RefSet carry_set;
		for (size_t j = k + 1; j < stages; j++) {
			for (const auto &ref : reads[j]) {
				if (stage_of_ref(ref) <= static_cast<int64_t>(k)) {
					carry_set.insert(ref);
				}
			}
		}
		std::vector<TensorRef> carry(carry_set.begin(), carry_set.end());

		StagePlan &stage = result[k];
		ModelPlan &p = stage.plan;
		p.graph = true;
		p.layers = plan.layers;
		p.params = plan.params;
		p.states = plan.states;
		p.trainable_count = plan.trainable_count;
		p.state_count = plan.state_count;
		// Where each tensor of the model is in this stage's plan.
		std::map<TensorRef, TensorRef, RefOrder> local;
		if (k == 0) {
			p.inputs = plan.inputs;
			p.input_shape = plan.input_shape;
			for (size_t i = 0; i < plan.inputs.size(); i++) {
				local[TensorRef{-1, static_cast<int64_t>(i)}] = TensorRef{-1, static_cast<int64_t>(i)};
			}
		} else {
			int64_t width = 0;
			for (size_t i = 0; i < incoming.size(); i++) {
				p.inputs.push_back(shape_of(incoming[i]));
				width += shape_size(p.inputs.back());
				local[incoming[i]] = TensorRef{-1, static_cast<int64_t>(i)};
			}
			p.input_shape = {width};
		}
		for (size_t i = 0; i < plan.nodes.size(); i++) {
			if (stage_of[i] != static_cast<int64_t>(k)) {
				continue;
			}
			NodePlan node = plan.nodes[i];
			for (auto &ref : node.inputs) {
				ref = local.at(ref);
			}
			const auto index = static_cast<int64_t>(p.nodes.size());
			for (size_t out = 0; out < node_outputs(node.layer).size(); out++) {
				local[TensorRef{static_cast<int64_t>(i), static_cast<int64_t>(out)}] =
				    TensorRef{index, static_cast<int64_t>(out)};
			}
			p.nodes.push_back(std::move(node));
		}
		auto add_output = [&](const TensorRef &ref) {
			p.output_tensors.push_back(local.at(ref));
			p.outputs.push_back(shape_of(ref));
		};
		add_output(plan.output_tensors[k]);
		stage.exit_shape = p.outputs[0];
		stage.exit_size = shape_size(stage.exit_shape);
		for (const auto &ref : carry) {
			add_output(ref);
			stage.carry_size += shape_size(p.outputs.back());
		}
		p.output_shape = {stage.exit_size + stage.carry_size};
		incoming = std::move(carry);
	}
	return result;
}

} // namespace kafkaml::ml
