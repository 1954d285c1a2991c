// Configurations: the models that train together, in parallel, on one stream.

#include "api/api_http.h"
#include "api/api_server.h"
#include "api/entity_json.h"
#include "api/route_support.h"

#include <algorithm>

namespace kafkaml::api {
namespace {

using nlohmann::json;

// A configuration trains each of its models once, in parallel on the same
// stream: the same model twice would train twice for nothing.
std::vector<int64_t> model_ids_field(const json &body) {
	auto ids = id_list_field(body, "ml_models");
	if (ids.empty()) {
		throw ApiError(400, "field \"ml_models\" is empty; list the ids of the models to train together",
		               {{"field", "ml_models"}});
	}
	for (size_t i = 0; i < ids.size(); i++) {
		if (std::find(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(i), ids[i]) !=
		    ids.begin() + static_cast<std::ptrdiff_t>(i)) {
			throw ApiError(400,
			               "field \"ml_models\" names model " + std::to_string(ids[i]) +
			                   " twice; a model appears once in a configuration (create a copy of the model to "
			                   "train it twice)",
			               {{"field", "ml_models"}});
		}
	}
	return ids;
}

} // namespace

void ApiServer::register_configuration_routes() {
	store::Store &db = *options_.store;

	add("GET", "/api/v1/configurations", [&db](Call &call) { call.reply(200, json_list(db.list_configurations())); });
	add("POST", "/api/v1/configurations", [&db](Call &call) {
		json body = call.body();
		store::Configuration c;
		c.name = text_field(body, "name");
		c.description = text_field(body, "description", "");
		c.ml_models = model_ids_field(body);
		call.reply(201, to_json(db.create_configuration(c)));
	});
	add("GET", "/api/v1/configurations/{id}",
	    [&db](Call &call) { call.reply(200, to_json(db.get_configuration(call.id()))); });
	add("PUT", "/api/v1/configurations/{id}", [&db](Call &call) {
		json body = call.body();
		store::Configuration c = db.get_configuration(call.id());
		c.name = text_field(body, "name", c.name);
		c.description = text_field(body, "description", c.description);
		if (body.contains("ml_models")) {
			c.ml_models = model_ids_field(body);
		}
		call.reply(200, to_json(db.update_configuration(c)));
	});
	add("DELETE", "/api/v1/configurations/{id}", [&db](Call &call) {
		db.delete_configuration(call.id());
		call.no_content();
	});
}

} // namespace kafkaml::api
