// Models: a Keras model's definition (its code) or a PyTorch model's compile()
// arguments with its TorchScript module, uploaded separately.

#include "api/api_http.h"
#include "api/api_server.h"
#include "api/entity_json.h"
#include "api/route_support.h"
#include "common/json_input.h"

namespace kafkaml::api {
namespace {

using nlohmann::json;

//! A model definition is at most 1 MiB of text; escaped in JSON it may take
//! a few times that.
constexpr size_t kModelBodyLimit = size_t{8} << 20;

//! "keras" or "pytorch", from the names users and the original's API give
//! them ("tf", "tensorflow", "pth", "torch").
std::string framework_field(const json &body, const std::string &fallback) {
	std::string text = text_field(body, "framework", fallback);
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
	throw ApiError(400,
	               "field \"framework\" must be keras (code is the model's definition) or pytorch (code is its "
	               "compile() arguments, the network an uploaded TorchScript module), not \"" +
	                   printable(text) + "\"",
	               {{"field", "framework"}});
}

} // namespace

void ApiServer::register_model_routes() {
	store::Store &db = *options_.store;

	// A Keras model's code is its definition; a PyTorch model's code is the
	// arguments of its compile() (its network is the uploaded module).
	auto validate = [this](const store::Model &m) {
		try {
			if (m.framework == "pytorch") {
				if (!options_.validate_compile) {
					throw ApiError(501, "this server has no model engine to take PyTorch models with");
				}
				options_.validate_compile(m.code);
				return;
			}
			options_.validate_model(m.code);
		} catch (const operations::ValidationError &e) {
			std::string what =
			    m.framework == "pytorch" ? "the compile arguments are invalid: " : "the model code is invalid: ";
			throw ApiError(400, what + e.what(),
			               {{"field", "code"}, {"line", e.line}, {"column", e.column}, {"message", e.what()}});
		}
	};

	add("GET", "/api/v1/models", [&db](Call &call) { call.reply(200, json_list(db.list_models())); });
	add("POST", "/api/v1/models",
	    [&db, validate](Call &call) {
		    json body = call.body();
		    store::Model m;
		    m.name = text_field(body, "name");
		    m.description = text_field(body, "description", "");
		    m.imports = text_field(body, "imports", "");
		    m.code = text_field(body, "code");
		    m.framework = framework_field(body, "keras");
		    validate(m);
		    call.reply(201, to_json(db.create_model(m)));
	    },
	    {.max_body = kModelBodyLimit});
	add("GET", "/api/v1/models/{id}", [&db](Call &call) { call.reply(200, to_json(db.get_model(call.id()))); });
	add("PUT", "/api/v1/models/{id}",
	    [&db, validate](Call &call) {
		    json body = call.body();
		    store::Model m = db.get_model(call.id());
		    m.name = text_field(body, "name", m.name);
		    m.description = text_field(body, "description", m.description);
		    m.imports = text_field(body, "imports", m.imports);
		    m.code = text_field(body, "code", m.code);
		    m.framework = framework_field(body, m.framework);
		    validate(m);
		    call.reply(200, to_json(db.update_model(m)));
	    },
	    {.max_body = kModelBodyLimit});
	add("DELETE", "/api/v1/models/{id}", [&db](Call &call) {
		db.delete_model(call.id());
		call.no_content();
	});
	// A PyTorch model's network: the bytes of torch.jit.save, uploaded as is.
	add("PUT", "/api/v1/models/{id}/module",
	    [this, &db](Call &call) {
		    auto model = db.get_model(call.id());
		    if (model.framework != "pytorch") {
			    throw ApiError(409, "model " + std::to_string(model.id) +
			                            " is a Keras model, defined by its code; a TorchScript module belongs to a "
			                            "model created with \"framework\": \"pytorch\"");
		    }
		    if (call.request.body.empty()) {
			    throw ApiError(400, "the request body is empty; send the bytes torch.jit.save wrote");
		    }
		    if (!options_.validate_module) {
			    throw ApiError(501, "this server has no model engine to take PyTorch models with");
		    }
		    try {
			    options_.validate_module(call.request.body);
		    } catch (const operations::ValidationError &e) {
			    throw ApiError(400,
			                   std::string("the upload is not a TorchScript module this system trains: ") + e.what());
		    }
		    db.put_model_module(model.id, call.request.body);
		    call.reply(200, to_json(db.get_model(model.id)));
	    },
	    {.max_body = options_.max_model_bytes});
	add("GET", "/api/v1/models/{id}/module", [&db](Call &call) {
		int64_t id = call.id();
		auto bytes = db.get_model_module(id);
		if (!bytes) {
			throw ApiError(404, "model " + std::to_string(id) +
			                        " has no TorchScript module; upload it with PUT "
			                        "/api/v1/models/" +
			                        std::to_string(id) + "/module");
		}
		call.response.headers.set("Content-Disposition",
		                          "attachment; filename=\"model-" + std::to_string(id) + "-torchscript.pt\"");
		call.send(std::move(*bytes), "application/octet-stream");
	});
}

} // namespace kafkaml::api
