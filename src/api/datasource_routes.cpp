// Datasources: the data streams the control logger recorded, those it
// refused, and re-sending a recorded stream to another deployment.

#include "api/api_http.h"
#include "api/api_server.h"
#include "api/entity_json.h"
#include "api/route_support.h"
#include "operations/datasource_operations.h"

namespace kafkaml::api {
namespace {

using nlohmann::json;

} // namespace

void ApiServer::register_datasource_routes() {
	store::Store &db = *options_.store;

	add("GET", "/api/v1/datasources", [&db](Call &call) { call.reply(200, json_list(db.list_datasources())); });
	add("GET", "/api/v1/datasources/refused",
	    [&db](Call &call) { call.reply(200, json_list(db.list_refused_control_messages())); });
	add("GET", "/api/v1/datasources/{id}",
	    [&db](Call &call) { call.reply(200, to_json(db.get_datasource(call.id()))); });
	add("POST", "/api/v1/datasources/{id}/send", [this, &db](Call &call) {
		json body = call.body();
		int64_t deployment = integer_field(body, "deployment");
		auto source = operations::send_datasource(db, options_.publisher, call.id(), deployment);
		call.reply(202, {{"datasource", source.id}, {"deployment", deployment}, {"topic", source.topic}});
	});
}

} // namespace kafkaml::api
