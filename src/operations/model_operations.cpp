#include "operations/model_operations.h"

#include "common/json_input.h"
#include "operations/operation_errors.h"

#include <cctype>

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

} // namespace kafkaml::operations
