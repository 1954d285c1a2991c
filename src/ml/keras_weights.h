#pragma once

// Keras weights files: what `model.save_weights('x.h5')` writes and what
// keras.applications downloads (Keras 2's HDF5 layout). The root (or, in a
// whole-model file of model.save('x.h5'), its group `model_weights`) has
// the attribute `layer_names`, the model's layers in order; each layer is a
// group of that name whose attribute `weight_names` lists its weights in
// Keras' order (trainable, then not), each a dataset at that path inside
// the group ("block1_conv1/kernel:0"). Attributes too large for one HDF5
// object header are split by Keras into `layer_names0`, `layer_names1`, ...
//
// HDF5 stays behind read_keras_weights(): the reader is built into the
// engine's libtorch plugin (torch_backend.h), which only what trains loads,
// so that commands that never read a weights file do not load libhdf5 and
// its network libraries.
//
// Thread-safety: the HDF5 library Debian ships is not thread-safe; the
// reader serialises its calls under one mutex. Results are plain values.

#include "ml/spec/model_spec.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kafkaml::ml {

struct KerasWeight {
	std::string name; //!< as in weight_names: "dense/kernel:0", "block1_conv1_W_1:0"
	Shape shape;      //!< the dataset's dimensions (a scalar: {})
	std::vector<float> values;
};

struct KerasLayerWeights {
	std::string name; //!< the layer's name, as in layer_names
	std::vector<KerasWeight> weights;
};

//! The file's layers in layer_names order (layers without weights too).
struct KerasWeightsFile {
	std::vector<KerasLayerWeights> layers;
};

//! HDF5's signature at the start of the file (or after a user block of
//! 512, 1024 or 2048 bytes): a cheap check of an upload before anything
//! parses it.
inline bool looks_like_hdf5(std::string_view bytes) {
	constexpr std::string_view kSignature("\x89HDF\r\n\x1a\n", 8);
	for (size_t offset : {size_t{0}, size_t{512}, size_t{1024}, size_t{2048}}) {
		if (bytes.size() >= offset + kSignature.size() && bytes.substr(offset, kSignature.size()) == kSignature) {
			return true;
		}
	}
	return false;
}

//! Reads a weights file from memory. At most `max_values` numbers in all
//! (sizes are checked before reading, so a file that declares more costs
//! nothing). Throws std::invalid_argument saying what is wrong (not HDF5,
//! not Keras' layout, a weight that is not floating point, too large).
//! Thread: any (serialised, see above). Loads the engine's plugin.
KerasWeightsFile read_keras_weights(std::string_view bytes, int64_t max_values);

} // namespace kafkaml::ml
