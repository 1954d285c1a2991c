// Configurations: the models that train together, in parallel, on one stream.

#include "api/api_http.h"
#include "api/api_server.h"
#include "api/entity_json.h"
#include "api/route_support.h"
#include "operations/configuration_operations.h"

namespace kafkaml::api {
namespace {

using nlohmann::json;

} // namespace

void ApiServer::register_configuration_routes() {
	store::Store &db = *options_.store;

	add("GET", "/api/v1/configurations", [&db](Call &call) { call.reply(200, json_list(db.list_configurations())); });
	add("POST", "/api/v1/configurations", [&db](Call &call) {
		json body = call.body();
		operations::ConfigurationChanges c;
		c.name = text_field(body, "name");
		c.description = text_field(body, "description", "");
		c.ml_models = id_list_field(body, "ml_models");
		call.reply(201, to_json(operations::create_configuration(db, c)));
	});
	add("GET", "/api/v1/configurations/{id}",
	    [&db](Call &call) { call.reply(200, to_json(db.get_configuration(call.id()))); });
	add("PUT", "/api/v1/configurations/{id}", [&db](Call &call) {
		json body = call.body();
		operations::ConfigurationChanges changes;
		changes.name = optional_text_field(body, "name");
		changes.description = optional_text_field(body, "description");
		if (body.contains("ml_models")) {
			changes.ml_models = id_list_field(body, "ml_models");
		}
		call.reply(200, to_json(operations::update_configuration(db, call.id(), changes)));
	});
	add("DELETE", "/api/v1/configurations/{id}", [&db](Call &call) {
		db.delete_configuration(call.id());
		call.no_content();
	});
}

} // namespace kafkaml::api
