// Model::load_pretrained_weights: a Keras weights file's numbers into the
// slots of the model's keras.applications base. The engine keeps Keras'
// parameter layouts (plan.h: Dense kernel (in, units), Conv2D kernel
// (kh, kw, in, filters), DepthwiseConv2D (kh, kw, in, multiplier),
// BatchNormalization gamma, beta, then moving_mean and moving_variance as
// state) and Keras' weight order per layer (trainable, then not), so each
// weight is copied as it is, once its shape is checked.

#include "ml/keras_weights.h"
#include "ml/model.h"
#include "ml/model_impl.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <stdexcept>

namespace kafkaml::ml {

namespace {

//! One weight of a model layer: its slot and which buffer holds it.
struct Target {
	const ParamSlot *slot = nullptr;
	bool state = false;
	std::string short_name; //!< "kernel", "moving_mean", ...
};

std::vector<Target> targets(const ModelPlan &plan, const LayerPlan &layer) {
	std::vector<Target> out;
	auto add = [&](const std::vector<ParamSlot> &slots, int index, bool state) {
		const ParamSlot &slot = slots[static_cast<size_t>(index)];
		std::string prefix = layer.spec.name + "/";
		std::string name = slot.name.rfind(prefix, 0) == 0 ? slot.name.substr(prefix.size()) : slot.name;
		out.push_back({&slot, state, name});
	};
	for (int index : layer.params) {
		add(plan.params, index, false);
	}
	for (int index : layer.states) {
		add(plan.states, index, true);
	}
	return out;
}

//! "block1_conv1/kernel:0" names weight "kernel"; so do "kernel:0" and
//! "model/block1_conv1/kernel:0".
bool names_weight(const std::string &file_name, const std::string &short_name) {
	std::string name = file_name.substr(0, file_name.rfind(':'));
	return name == short_name || (name.size() > short_name.size() &&
	                              name.compare(name.size() - short_name.size(), short_name.size(), short_name) == 0 &&
	                              name[name.size() - short_name.size() - 1] == '/');
}

//! A weight's shape as numpy prints it: (3, 3, 3, 64), (64,).
std::string dims_text(const Shape &shape) {
	std::string out = "(";
	for (size_t i = 0; i < shape.size(); i++) {
		out += (i ? ", " : "") + std::to_string(shape[i]);
	}
	return out + (shape.size() == 1 ? ",)" : ")");
}

std::string weight_names(const std::vector<Target> &weights) {
	std::string out;
	for (const auto &w : weights) {
		out += (out.empty() ? "" : ", ") + w.short_name;
	}
	return out;
}

std::string weight_names(const KerasLayerWeights &layer) {
	std::string out;
	for (const auto &w : layer.weights) {
		out += (out.empty() ? "" : ", ") + w.name;
	}
	return out;
}

//! The file's weights of `file` in the order of `weights`: by name when
//! every weight is named in the file, else in the file's order.
std::vector<const KerasWeight *> pair_weights(const std::vector<Target> &weights, const KerasLayerWeights &file,
                                              const std::string &layer) {
	if (weights.size() != file.weights.size()) {
		throw std::invalid_argument("layer '" + layer + "' has " + std::to_string(weights.size()) + " weights (" +
		                            weight_names(weights) + ") and the weights file's layer '" + file.name + "' " +
		                            std::to_string(file.weights.size()) + " (" + weight_names(file) +
		                            "): the file was saved from another architecture or other arguments");
	}
	std::vector<const KerasWeight *> by_name;
	for (const auto &w : weights) {
		auto found = std::find_if(file.weights.begin(), file.weights.end(),
		                          [&](const KerasWeight &f) { return names_weight(f.name, w.short_name); });
		if (found == file.weights.end()) {
			break;
		}
		by_name.push_back(&*found);
	}
	if (by_name.size() == weights.size()) {
		return by_name;
	}
	std::vector<const KerasWeight *> in_order;
	for (const auto &f : file.weights) {
		in_order.push_back(&f);
	}
	return in_order;
}

} // namespace

std::string Model::load_pretrained_weights(std::string_view hdf5_bytes) {
	Impl &m = *impl_;
	if (m.torchscript || !m.spec.pretrained) {
		throw std::invalid_argument("this model takes no weights file: only a keras.applications base built with "
		                            "weights='imagenet' or weights='<file>.h5' does");
	}
	const PretrainedSpec &pretrained = *m.spec.pretrained;
	std::string base = pretrained.application + "(include_top=" + (pretrained.include_top ? "True" : "False") + ")";
	auto model_values = static_cast<int64_t>(m.params.size() + m.states.size());
	// A float takes at least two bytes of an uncompressed file; more than
	// that is a compressed file expanding beyond anything this model needs.
	KerasWeightsFile file = read_keras_weights(hdf5_bytes, model_values + static_cast<int64_t>(hdf5_bytes.size() / 2));

	std::map<std::string, const LayerPlan *> plans;
	for (const auto &layer : m.plan.layers) {
		plans[layer.spec.name] = &layer;
	}
	std::vector<const LayerPlan *> layers; // the base's layers with weights, in order
	for (const auto &name : pretrained.layers) {
		auto found = plans.find(name);
		if (found != plans.end() && !(found->second->params.empty() && found->second->states.empty())) {
			layers.push_back(found->second);
		}
	}
	std::vector<const KerasLayerWeights *> file_layers; // the file's layers with weights, in order
	std::map<std::string, const KerasLayerWeights *> file_by_name;
	for (const auto &layer : file.layers) {
		if (!layer.weights.empty()) {
			file_layers.push_back(&layer);
			file_by_name[layer.name] = &layer;
		}
	}
	bool by_name = std::all_of(layers.begin(), layers.end(),
	                           [&](const LayerPlan *layer) { return file_by_name.count(layer->spec.name) > 0; });
	std::vector<const KerasLayerWeights *> sources;
	if (by_name) {
		for (const auto *layer : layers) {
			sources.push_back(file_by_name[layer->spec.name]);
		}
	} else if (file_layers.size() != layers.size()) {
		std::string hint = file_layers.size() > layers.size()
		                       ? (pretrained.include_top ? "" : " (is it the file for include_top=True?)")
		                       : (pretrained.include_top ? " (is it the file for include_top=False?)" : "");
		throw std::invalid_argument("the weights file does not fit " + base + ": it holds " +
		                            std::to_string(file_layers.size()) + " layers with weights and " + base + " has " +
		                            std::to_string(layers.size()) + hint + "; Keras' file for this call is " +
		                            pretrained.keras_file);
	} else {
		sources = file_layers;
	}

	int64_t copied = 0;
	for (size_t i = 0; i < layers.size(); i++) {
		const LayerPlan &layer = *layers[i];
		std::vector<Target> weights = targets(m.plan, layer);
		std::vector<const KerasWeight *> values = pair_weights(weights, *sources[i], layer.spec.name);
		for (size_t w = 0; w < weights.size(); w++) {
			const ParamSlot &slot = *weights[w].slot;
			if (values[w]->shape != slot.shape) {
				throw std::invalid_argument(
				    "layer '" + layer.spec.name + "': its " + weights[w].short_name + " is " + dims_text(slot.shape) +
				    " and the weights file's '" + values[w]->name + "'" +
				    (sources[i]->name == layer.spec.name ? "" : " (layer '" + sources[i]->name + "')") + " is " +
				    dims_text(values[w]->shape) +
				    "; the file was saved from another architecture or other arguments "
				    "(input channels, alpha, classes)");
			}
		}
		for (size_t w = 0; w < weights.size(); w++) {
			float *to = (weights[w].state ? m.states.data() : m.params.data()) + weights[w].slot->offset;
			std::memcpy(to, values[w]->values.data(), values[w]->values.size() * sizeof(float));
			copied += static_cast<int64_t>(values[w]->values.size());
		}
	}
	return "loaded " + std::to_string(layers.size()) + " layers of " + base + " (" + std::to_string(copied) +
	       " weights) from the weights file, " + (by_name ? "matched by name" : "matched in order");
}

} // namespace kafkaml::ml
