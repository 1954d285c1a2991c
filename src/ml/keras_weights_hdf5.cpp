// Inside libkafkaml_torch.so (keras_weights.h says why): a Keras weights
// file read with the HDF5 C library, from memory (the core driver over a
// copy of the bytes), the only file here that includes HDF5.

#include "ml/keras_weights.h"
#include "ml/torch_engine.h"

#include <hdf5.h>

#include <mutex>
#include <optional>
#include <stdexcept>

namespace kafkaml::ml::torch_engine {

namespace {

//! Owns one HDF5 identifier; closed with the function that fits its kind.
class Handle {
public:
	Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
	Handle(const Handle &) = delete;
	Handle &operator=(const Handle &) = delete;
	~Handle() {
		if (id_ >= 0) {
			close_(id_);
		}
	}
	hid_t get() const { return id_; }
	bool valid() const { return id_ >= 0; }

private:
	hid_t id_;
	herr_t (*close_)(hid_t);
};

[[noreturn]] void malformed(const std::string &what) {
	throw std::invalid_argument("the weights file is not a Keras weights file: " + what +
	                            " (expected what Keras' model.save_weights('x.h5') writes)");
}

bool has_attribute(hid_t object, const std::string &name) {
	return H5Aexists(object, name.c_str()) > 0;
}

//! A one-dimensional attribute of strings (fixed-length, as h5py writes a
//! list of bytes, or variable-length); an empty array of any type is an
//! empty list, as Keras writes weight_names for a layer without weights.
std::vector<std::string> read_string_list(hid_t object, const std::string &name) {
	Handle attribute(H5Aopen(object, name.c_str(), H5P_DEFAULT), H5Aclose);
	if (!attribute.valid()) {
		malformed("its attribute '" + name + "' cannot be read");
	}
	Handle type(H5Aget_type(attribute.get()), H5Tclose);
	Handle space(H5Aget_space(attribute.get()), H5Sclose);
	hssize_t count = H5Sget_simple_extent_npoints(space.get());
	if (count < 0 || count > 1'000'000) {
		malformed("its attribute '" + name + "' has a bad size");
	}
	std::vector<std::string> out;
	if (count == 0) {
		return out;
	}
	if (H5Tget_class(type.get()) != H5T_STRING) {
		malformed("its attribute '" + name + "' does not hold names");
	}
	auto n = static_cast<size_t>(count);
	if (H5Tis_variable_str(type.get()) > 0) {
		Handle memory(H5Tcopy(H5T_C_S1), H5Tclose);
		H5Tset_size(memory.get(), H5T_VARIABLE);
		std::vector<char *> texts(n, nullptr);
		if (H5Aread(attribute.get(), memory.get(), texts.data()) < 0) {
			malformed("its attribute '" + name + "' cannot be read");
		}
		for (char *text : texts) {
			out.emplace_back(text ? text : "");
			H5free_memory(text);
		}
		return out;
	}
	size_t size = H5Tget_size(type.get());
	if (size == 0 || size > 65536) {
		malformed("its attribute '" + name + "' has names of a bad size");
	}
	// The file's own string type, so that padding is read as it is written.
	Handle memory(H5Tcopy(type.get()), H5Tclose);
	std::vector<char> buffer(n * size);
	if (H5Aread(attribute.get(), memory.get(), buffer.data()) < 0) {
		malformed("its attribute '" + name + "' cannot be read");
	}
	for (size_t i = 0; i < n; i++) {
		const char *text = buffer.data() + i * size;
		size_t length = 0;
		while (length < size && text[length] != '\0') {
			length++;
		}
		out.emplace_back(text, length);
	}
	return out;
}

//! Keras' string list attribute, whole or split into name0, name1, ...
std::vector<std::string> read_names(hid_t object, const std::string &name, const std::string &where) {
	if (has_attribute(object, name)) {
		return read_string_list(object, name);
	}
	if (!has_attribute(object, name + "0")) {
		malformed(where + " has no attribute '" + name + "'");
	}
	std::vector<std::string> out;
	for (int chunk = 0; has_attribute(object, name + std::to_string(chunk)); chunk++) {
		auto part = read_string_list(object, name + std::to_string(chunk));
		out.insert(out.end(), part.begin(), part.end());
	}
	return out;
}

KerasWeight read_weight(hid_t layer_group, const std::string &layer, const std::string &name, int64_t &budget) {
	Handle dataset(H5Dopen2(layer_group, name.c_str(), H5P_DEFAULT), H5Dclose);
	if (!dataset.valid()) {
		malformed("layer '" + layer + "' lists weight '" + name + "', which is not in the file");
	}
	Handle type(H5Dget_type(dataset.get()), H5Tclose);
	if (H5Tget_class(type.get()) != H5T_FLOAT) {
		malformed("weight '" + name + "' of layer '" + layer + "' is not floating point");
	}
	Handle space(H5Dget_space(dataset.get()), H5Sclose);
	int rank = H5Sget_simple_extent_ndims(space.get());
	if (rank < 0 || rank > 8) {
		malformed("weight '" + name + "' of layer '" + layer + "' has a bad rank");
	}
	std::vector<hsize_t> dims(static_cast<size_t>(rank));
	if (rank > 0 && H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr) < 0) {
		malformed("weight '" + name + "' of layer '" + layer + "' has bad dimensions");
	}
	KerasWeight weight;
	weight.name = name;
	int64_t count = 1;
	for (hsize_t dim : dims) {
		if (dim > static_cast<hsize_t>(budget) || (dim > 0 && count > budget / static_cast<int64_t>(dim))) {
			throw std::invalid_argument("the weights file holds more numbers than the model has weights (weight '" +
			                            name + "' of layer '" + layer + "'); is it another model's file?");
		}
		count *= static_cast<int64_t>(dim);
		weight.shape.push_back(static_cast<int64_t>(dim));
	}
	budget -= count;
	weight.values.resize(static_cast<size_t>(count));
	if (count > 0 &&
	    H5Dread(dataset.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, weight.values.data()) < 0) {
		malformed("weight '" + name + "' of layer '" + layer + "' cannot be read");
	}
	return weight;
}

std::mutex g_hdf5_mutex;

} // namespace

KerasWeightsFile read_keras_weights(std::string_view bytes, int64_t max_values) {
	if (!looks_like_hdf5(bytes)) {
		throw std::invalid_argument("the weights file is not an HDF5 file; upload the .h5 file Keras' "
		                            "model.save_weights('x.h5') writes, or the one keras.applications downloads");
	}
	std::lock_guard lock(g_hdf5_mutex);
	// Errors are reported by return values here; HDF5 would print its stack.
	H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
	Handle access(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
	if (!access.valid() || H5Pset_fapl_core(access.get(), 1 << 20, false) < 0 ||
	    H5Pset_file_image(access.get(), const_cast<char *>(bytes.data()), bytes.size()) < 0) {
		throw std::runtime_error("the HDF5 library could not be set up to read from memory");
	}
	Handle file(H5Fopen("weights.h5", H5F_ACC_RDONLY, access.get()), H5Fclose);
	if (!file.valid()) {
		malformed("the HDF5 library cannot open it");
	}
	hid_t root = file.get();
	std::optional<Handle> model_weights;
	if (!has_attribute(root, "layer_names") && !has_attribute(root, "layer_names0") &&
	    H5Lexists(root, "model_weights", H5P_DEFAULT) > 0) {
		model_weights.emplace(H5Gopen2(root, "model_weights", H5P_DEFAULT), H5Gclose);
		if (!model_weights->valid()) {
			malformed("its group 'model_weights' cannot be opened");
		}
		root = model_weights->get();
	}
	if (!has_attribute(root, "layer_names") && !has_attribute(root, "layer_names0") &&
	    H5Lexists(root, "layers", H5P_DEFAULT) > 0) {
		throw std::invalid_argument("the weights file is in Keras 3's .weights.h5 layout, which is not read here; "
		                            "save it in Keras 2's layout (tf.keras with TensorFlow 2.15 or earlier: "
		                            "model.save_weights('x.h5')), as keras.applications' published files are");
	}
	KerasWeightsFile out;
	int64_t budget = max_values;
	for (const std::string &layer : read_names(root, "layer_names", "its root")) {
		Handle group(H5Gopen2(root, layer.c_str(), H5P_DEFAULT), H5Gclose);
		if (!group.valid()) {
			malformed("layer '" + layer + "' is listed in layer_names but has no group");
		}
		KerasLayerWeights weights;
		weights.name = layer;
		for (const std::string &name : read_names(group.get(), "weight_names", "layer '" + layer + "'")) {
			weights.weights.push_back(read_weight(group.get(), layer, name, budget));
		}
		out.layers.push_back(std::move(weights));
	}
	return out;
}

} // namespace kafkaml::ml::torch_engine
