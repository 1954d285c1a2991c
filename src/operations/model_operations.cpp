#include "operations/model_operations.h"

#include "common/json_input.h"
#include "operations/operation_errors.h"

#include <cctype>
#include <string_view>

namespace kafkaml::operations {
namespace {

//! "keras" or "pytorch", from the names users and the original's API give
//! them ("tf", "tensorflow", "pth", "torch").
std::string framework_name(const std::string &text) {
	std::string lower;
	for (char c : text) {
		lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
	}
	if (lower == "keras" || lower == "tf" || lower == "tensorflow" || lower == "tf.keras") {
		return "keras";
	}
	if (lower == "pytorch" || lower == "pth" || lower == "torch" || lower == "torchscript") {
		return "pytorch";
	}
	throw InvalidField("framework",
	                   "field \"framework\" must be keras (code is the model's definition) or pytorch (code is its "
	                   "compile() arguments, the network an uploaded TorchScript module), not \"" +
	                       printable(text) + "\"");
}

store::Model changed(store::Model model, const ModelChanges &changes) {
	model.name = changes.name.value_or(model.name);
	model.description = changes.description.value_or(model.description);
	model.imports = changes.imports.value_or(model.imports);
	model.code = changes.code.value_or(model.code);
	model.framework = framework_name(changes.framework.value_or(model.framework));
	model.distributed = changes.distributed.value_or(model.distributed);
	if (changes.father) {
		model.father = *changes.father;
	}
	if (model.distributed && model.framework != "keras") {
		throw InvalidField("distributed", "a distributed sub-model is a Keras model (its outputs feed its upper "
		                                  "model); a PyTorch model cannot be one");
	}
	return model;
}

// A Keras model's code is its definition; a PyTorch model's code is the
// arguments of its compile() (its network is the uploaded module).
void check(const ModelChecks &checks, const store::Model &model) {
	try {
		if (model.framework == "pytorch") {
			if (!checks.validate_compile) {
				throw NotSupported("this server has no model engine to take PyTorch models with");
			}
			checks.validate_compile(model.code);
			return;
		}
		checks.validate_model(model.code);
	} catch (const ValidationError &e) {
		std::string what =
		    model.framework == "pytorch" ? "the compile arguments are invalid: " : "the model code is invalid: ";
		throw InvalidField("code", what + e.what(), {{"line", e.line}, {"column", e.column}, {"message", e.what()}});
	}
}

} // namespace

store::Model create_model(store::Store &store, const ModelChecks &checks, const ModelChanges &model) {
	auto created = changed(store::Model{}, model);
	check(checks, created);
	return store.create_model(created);
}

store::Model update_model(store::Store &store, const ModelChecks &checks, int64_t id, const ModelChanges &changes) {
	auto updated = changed(store.get_model(id), changes);
	check(checks, updated);
	return store.update_model(updated);
}

store::Model upload_module(store::Store &store, const ModelChecks &checks, int64_t id, std::string_view bytes) {
	auto model = store.get_model(id);
	if (model.framework != "pytorch") {
		throw store::Conflict("model " + std::to_string(model.id) +
		                      " is a Keras model, defined by its code; a TorchScript module belongs to a "
		                      "model created with \"framework\": \"pytorch\"");
	}
	if (bytes.empty()) {
		throw UserError("the request body is empty; send the bytes torch.jit.save wrote");
	}
	if (!checks.validate_module) {
		throw NotSupported("this server has no model engine to take PyTorch models with");
	}
	try {
		checks.validate_module(bytes);
	} catch (const ValidationError &e) {
		throw UserError(std::string("the upload is not a TorchScript module this system trains: ") + e.what());
	}
	store.put_model_module(model.id, bytes);
	return store.get_model(model.id);
}

store::Model upload_weights(store::Store &store, const ModelChecks &checks, int64_t id, std::string_view bytes) {
	auto model = store.get_model(id);
	if (model.framework != "keras") {
		throw store::Conflict("model " + std::to_string(model.id) +
		                      " is a PyTorch model; its weights are its TorchScript module's (PUT /api/v1/models/" +
		                      std::to_string(model.id) + "/module)");
	}
	if (checks.weights_needed) {
		bool takes_weights = true; // stored code that no longer parses: the job will say why
		try {
			takes_weights = checks.weights_needed(model.code).has_value();
		} catch (const ValidationError &) {
		}
		if (!takes_weights) {
			throw store::Conflict("model " + std::to_string(model.id) +
			                      "'s code takes no weights file: only a keras.applications base built with "
			                      "weights='imagenet' or weights='<file>.h5' does (e.g. "
			                      "tf.keras.applications.VGG16(include_top=False, weights='imagenet'))");
		}
	}
	if (bytes.empty()) {
		throw UserError("the request body is empty; send the bytes of the Keras weights file (.h5)");
	}
	// HDF5's signature, at the start or after a user block of 512, 1024 or 2048 bytes.
	constexpr std::string_view kSignature("\x89HDF\r\n\x1a\n", 8);
	bool hdf5 = false;
	for (size_t offset : {size_t{0}, size_t{512}, size_t{1024}, size_t{2048}}) {
		hdf5 = hdf5 ||
		       (bytes.size() >= offset + kSignature.size() && bytes.substr(offset, kSignature.size()) == kSignature);
	}
	if (!hdf5) {
		throw UserError("the upload is not an HDF5 file; send the .h5 file Keras' model.save_weights('x.h5') "
		                "writes, or the one keras.applications downloads");
	}
	store.put_model_weights(model.id, bytes);
	return store.get_model(model.id);
}

} // namespace kafkaml::operations
