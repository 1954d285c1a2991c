// Models: a Keras model's definition (its code) or a PyTorch model's compile()
// arguments with its TorchScript module, uploaded separately; a Keras model's
// weights file (.h5) for its keras.applications base, uploaded likewise.

#include "api/api_http.h"
#include "api/api_server.h"
#include "api/entity_json.h"
#include "api/route_support.h"
#include "operations/model_operations.h"

#include <charconv>
#include <optional>
#include <string>

namespace kafkaml::api {
namespace {

using nlohmann::json;

//! A model definition is at most 1 MiB of text; escaped in JSON it may take
//! a few times that.
constexpr size_t kModelBodyLimit = size_t{8} << 20;

//! A model's uploaded file as stored, saved as model-<id>-<file_suffix>; 404
//! saying how to upload it when there is none.
void send_model_file(Call &call, std::optional<std::string> bytes, const std::string &what, const std::string &route,
                     const std::string &file_suffix) {
	std::string id = std::to_string(call.id());
	if (!bytes) {
		throw ApiError(404,
		               "model " + id + " has no " + what + "; upload it with PUT /api/v1/models/" + id + "/" + route);
	}
	call.response.headers.set("Content-Disposition", "attachment; filename=\"model-" + id + "-" + file_suffix + "\"");
	call.send(std::move(*bytes), "application/octet-stream");
}

//! The original's distributed-model fields into `changes`: "distributed"
//! (true or false) and "father", the upper model (an id, or its text as
//! the original's forms send it; null or "" for none). Absent: unchanged.
void read_distributed_fields(const json &body, operations::ModelChanges &changes) {
	if (body.contains("distributed") && !body["distributed"].is_null()) {
		changes.distributed = boolean_field(body, "distributed", false);
	}
	auto father = body.find("father");
	if (father == body.end()) {
		return;
	}
	if (father->is_null() || (father->is_string() && father->get<std::string>().empty())) {
		changes.father = std::optional<int64_t>();
		return;
	}
	if (father->is_number_integer()) {
		changes.father = father->get<int64_t>();
		return;
	}
	if (father->is_string()) {
		const auto &text = father->get_ref<const std::string &>();
		int64_t id = 0;
		auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), id);
		if (error == std::errc() && end == text.data() + text.size()) {
			changes.father = id;
			return;
		}
	}
	throw ApiError(400, "field \"father\" must be the id of the upper model, or null for none", {{"field", "father"}});
}

} // namespace

void ApiServer::register_model_routes() {
	store::Store &db = *options_.store;

	operations::ModelChecks checks{options_.validate_model, options_.validate_compile, options_.validate_module,
	                               options_.weights_needed};

	add("GET", "/api/v1/models", [&db](Call &call) { call.reply(200, json_list(db.list_models())); });
	add("POST", "/api/v1/models",
	    [&db, checks](Call &call) {
		    json body = call.body();
		    operations::ModelChanges model;
		    model.name = text_field(body, "name");
		    model.description = text_field(body, "description", "");
		    model.imports = text_field(body, "imports", "");
		    model.code = text_field(body, "code");
		    model.framework = optional_text_field(body, "framework");
		    read_distributed_fields(body, model);
		    call.reply(201, to_json(operations::create_model(db, checks, model)));
	    },
	    {.max_body = kModelBodyLimit});
	add("GET", "/api/v1/models/{id}", [&db](Call &call) { call.reply(200, to_json(db.get_model(call.id()))); });
	add("PUT", "/api/v1/models/{id}",
	    [&db, checks](Call &call) {
		    json body = call.body();
		    operations::ModelChanges changes;
		    changes.name = optional_text_field(body, "name");
		    changes.description = optional_text_field(body, "description");
		    changes.imports = optional_text_field(body, "imports");
		    changes.code = optional_text_field(body, "code");
		    changes.framework = optional_text_field(body, "framework");
		    read_distributed_fields(body, changes);
		    call.reply(200, to_json(operations::update_model(db, checks, call.id(), changes)));
	    },
	    {.max_body = kModelBodyLimit});
	add("DELETE", "/api/v1/models/{id}", [&db](Call &call) {
		db.delete_model(call.id());
		call.no_content();
	});
	// A PyTorch model's network: the bytes of torch.jit.save, uploaded as is.
	add("PUT", "/api/v1/models/{id}/module",
	    [&db, checks](Call &call) {
		    call.reply(200, to_json(operations::upload_module(db, checks, call.id(), call.request.body)));
	    },
	    {.max_body = options_.max_model_bytes});
	add("GET", "/api/v1/models/{id}/module", [&db](Call &call) {
		send_model_file(call, db.get_model_module(call.id()), "TorchScript module", "module", "torchscript.pt");
	});
	// A Keras model's pretrained base: the Keras weights file (.h5), uploaded as is.
	add("PUT", "/api/v1/models/{id}/weights",
	    [&db, checks](Call &call) {
		    call.reply(200, to_json(operations::upload_weights(db, checks, call.id(), call.request.body)));
	    },
	    {.max_body = options_.max_model_bytes});
	add("GET", "/api/v1/models/{id}/weights", [&db](Call &call) {
		send_model_file(call, db.get_model_weights(call.id()), "weights file", "weights", "weights.h5");
	});
}

} // namespace kafkaml::api
