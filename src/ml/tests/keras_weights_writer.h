#pragma once

// Keras weights files written for the tests with the HDF5 C library, in
// the layout Keras 2's save_weights() writes (keras_weights.h): attribute
// layer_names on the root (or on group model_weights, as model.save()
// writes), a group per layer with attribute weight_names, one float32
// dataset per weight at that path inside the group. Names are fixed-length
// strings, as h5py stores a list of bytes; a layer without weights gets an
// empty float64 array, as h5py stores an empty list.

#include "ml/keras_weights.h"
#include "ml/plan.h"
#include "ml/rng.h"

#include <hdf5.h>

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace kafkaml::ml::testing {

struct WeightsFileOptions {
	bool model_weights_group = false; //!< model.save()'s whole-model layout
	bool variable_length_names = false;
	//! Split layer_names into layer_names0, layer_names1, ... as Keras does
	//! for attributes larger than an HDF5 object header.
	bool chunked_layer_names = false;
};

namespace detail {

inline void check(bool ok, const char *what) {
	if (!ok) {
		throw std::runtime_error(std::string("writing the test's HDF5 file: ") + what);
	}
}

inline void write_names(hid_t object, const std::string &attribute, const std::vector<std::string> &names,
                        bool variable_length) {
	hsize_t count = names.size();
	hid_t space = H5Screate_simple(1, &count, nullptr);
	if (names.empty()) {
		hid_t a = H5Acreate2(object, attribute.c_str(), H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT);
		check(a >= 0, "empty attribute");
		H5Aclose(a);
		H5Sclose(space);
		return;
	}
	hid_t type = H5Tcopy(H5T_C_S1);
	if (variable_length) {
		H5Tset_size(type, H5T_VARIABLE);
		std::vector<const char *> texts;
		for (const auto &n : names) {
			texts.push_back(n.c_str());
		}
		hid_t a = H5Acreate2(object, attribute.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT);
		check(a >= 0 && H5Awrite(a, type, texts.data()) >= 0, "names");
		H5Aclose(a);
	} else {
		size_t width = 1;
		for (const auto &n : names) {
			width = std::max(width, n.size());
		}
		H5Tset_size(type, width);
		H5Tset_strpad(type, H5T_STR_NULLPAD);
		std::vector<char> buffer(names.size() * width, '\0');
		for (size_t i = 0; i < names.size(); i++) {
			names[i].copy(buffer.data() + i * width, width);
		}
		hid_t a = H5Acreate2(object, attribute.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT);
		check(a >= 0 && H5Awrite(a, type, buffer.data()) >= 0, "names");
		H5Aclose(a);
	}
	H5Tclose(type);
	H5Sclose(space);
}

} // namespace detail

//! The bytes of a weights file holding `layers` (KerasWeight's values in
//! row-major order, as numpy writes them).
inline std::string write_keras_weights(const std::vector<KerasLayerWeights> &layers,
                                       const WeightsFileOptions &options = {}) {
	hid_t access = H5Pcreate(H5P_FILE_ACCESS);
	H5Pset_fapl_core(access, 1 << 20, false); // in memory only
	hid_t file = H5Fcreate("written.h5", H5F_ACC_TRUNC, H5P_DEFAULT, access);
	detail::check(file >= 0, "create");
	hid_t root = file;
	if (options.model_weights_group) {
		root = H5Gcreate2(file, "model_weights", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	}
	std::vector<std::string> layer_names;
	for (const auto &layer : layers) {
		layer_names.push_back(layer.name);
	}
	if (options.chunked_layer_names) {
		size_t half = layer_names.size() / 2;
		detail::write_names(root, "layer_names0", {layer_names.begin(), layer_names.begin() + half},
		                    options.variable_length_names);
		detail::write_names(root, "layer_names1", {layer_names.begin() + half, layer_names.end()},
		                    options.variable_length_names);
	} else {
		detail::write_names(root, "layer_names", layer_names, options.variable_length_names);
	}
	hid_t links = H5Pcreate(H5P_LINK_CREATE);
	H5Pset_create_intermediate_group(links, 1);
	for (const auto &layer : layers) {
		hid_t group = H5Gcreate2(root, layer.name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
		detail::check(group >= 0, "layer group");
		std::vector<std::string> weight_names;
		for (const auto &weight : layer.weights) {
			weight_names.push_back(weight.name);
			std::vector<hsize_t> dims(weight.shape.begin(), weight.shape.end());
			hid_t space = dims.empty() ? H5Screate(H5S_SCALAR)
			                           : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
			hid_t data = H5Dcreate2(group, weight.name.c_str(), H5T_IEEE_F32LE, space, links, H5P_DEFAULT, H5P_DEFAULT);
			detail::check(data >= 0, "dataset");
			detail::check(H5Dwrite(data, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, weight.values.data()) >= 0,
			              "values");
			H5Dclose(data);
			H5Sclose(space);
		}
		detail::write_names(group, "weight_names", weight_names, options.variable_length_names);
		H5Gclose(group);
	}
	H5Pclose(links);
	if (root != file) {
		H5Gclose(root);
	}
	H5Fflush(file, H5F_SCOPE_GLOBAL);
	ssize_t size = H5Fget_file_image(file, nullptr, 0);
	detail::check(size > 0, "image size");
	std::string bytes(static_cast<size_t>(size), '\0');
	detail::check(H5Fget_file_image(file, bytes.data(), bytes.size()) == size, "image");
	H5Fclose(file);
	H5Pclose(access);
	return bytes;
}

//! Transfer learning as tutorials write it: a small MobileNetV2 base (32x32
//! images) with weights='imagenet', frozen, under a classifier of the user's.
inline std::string transfer_definition(const std::string &alpha = "0.35", int classes = 2) {
	return "import tensorflow as tf\n"
	       "base = tf.keras.applications.MobileNetV2(input_shape=(32, 32, 3), alpha=" +
	       alpha +
	       ", include_top=False,\n"
	       "                                         weights='imagenet')\n"
	       "base.trainable = False\n"
	       "x = tf.keras.layers.GlobalAveragePooling2D()(base.output)\n"
	       "outputs = tf.keras.layers.Dense(" +
	       std::to_string(classes) +
	       ", activation='softmax')(x)\n"
	       "model = tf.keras.Model(base.input, outputs)\n"
	       "model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])\n";
}

//! A weight of `shape` drawn uniformly from [low, high).
inline KerasWeight random_weight(std::string name, Shape shape, Rng &rng, float low = -1, float high = 1) {
	KerasWeight w{std::move(name), std::move(shape), {}};
	w.values.resize(static_cast<size_t>(shape_size(w.shape)));
	for (auto &v : w.values) {
		v = static_cast<float>(rng.uniform(low, high));
	}
	return w;
}

//! A file's layers for `plan`'s layers from the first up to `last` (all
//! when empty), named as Keras 2 names them ("<layer>/<weight>:0"), values
//! drawn from `seed` (moving variances positive); layers without weights
//! are listed too, as Keras lists them.
inline std::vector<KerasLayerWeights> weights_for(const ModelPlan &plan, uint64_t seed, const std::string &last = "") {
	Rng rng(seed);
	std::vector<KerasLayerWeights> layers;
	for (const auto &layer : plan.layers) {
		KerasLayerWeights file_layer{layer.spec.name, {}};
		auto add = [&](const ParamSlot &slot) {
			bool variance = slot.name.find("moving_variance") != std::string::npos;
			file_layer.weights.push_back(random_weight(slot.name + ":0", slot.shape, rng, variance ? 0.5f : -1, 1.5f));
		};
		for (int index : layer.params) {
			add(plan.params[static_cast<size_t>(index)]);
		}
		for (int index : layer.states) {
			add(plan.states[static_cast<size_t>(index)]);
		}
		layers.push_back(std::move(file_layer));
		if (layer.spec.name == last) {
			break;
		}
	}
	return layers;
}

//! A model's weights by slot name (trainable and state), read from its
//! model file, which ends with the parameters then the states.
inline std::map<std::string, std::vector<float>> weights_by_name(const ModelPlan &plan, const std::string &model_file) {
	const float *end = reinterpret_cast<const float *>(model_file.data() + model_file.size());
	const float *params = end - plan.state_count - plan.trainable_count;
	const float *states = end - plan.state_count;
	std::map<std::string, std::vector<float>> out;
	for (const auto &slot : plan.params) {
		out[slot.name].assign(params + slot.offset, params + slot.offset + slot.size);
	}
	for (const auto &slot : plan.states) {
		out[slot.name].assign(states + slot.offset, states + slot.offset + slot.size);
	}
	return out;
}

} // namespace kafkaml::ml::testing
