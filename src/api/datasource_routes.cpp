// Datasources: the data streams the control logger recorded, those it
// refused, and re-sending a recorded stream to another deployment.

#include "api/api_http.h"
#include "api/api_server.h"
#include "api/entity_json.h"
#include "api/route_support.h"

#include <algorithm>

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
		auto source = db.get_datasource(call.id());
		int64_t deployment = integer_field(body, "deployment");
		try {
			db.get_deployment(deployment);
		} catch (const store::NotFound &e) {
			throw ApiError(400, std::string(e.what()) + "; deploy a configuration first and send its id");
		}
		// No job of a deployment whose results all ended would read the
		// stream: the control message would go unheard.
		auto results = db.list_results(deployment);
		if (std::all_of(results.begin(), results.end(),
		                [](const store::Result &r) { return store::is_terminal(r.status); })) {
			throw ApiError(409,
			               "deployment " + std::to_string(deployment) +
			                   "'s results are final (finished, failed or stopped), so no job would train on "
			                   "this stream; deploy the configuration again (POST /api/v1/deployments) and send "
			                   "it to the new deployment",
			               {{"deployment", deployment}});
		}
		if (!options_.publisher) {
			throw ApiError(503, "this server has no Kafka connection to send control messages with; start it with "
			                    "--bootstrap-servers HOST:PORT");
		}
		try {
			options_.publisher->publish(deployment, source);
		} catch (const std::exception &e) {
			throw ApiError(503, std::string("the control message could not be sent: ") + e.what() +
			                        "; check that Kafka is reachable and try again");
		}
		call.reply(202, {{"datasource", source.id}, {"deployment", deployment}, {"topic", source.topic}});
	});
}

} // namespace kafkaml::api
