// Deployments: a configuration sent to train, one result (and one training
// job) per model.

#include "api/api_http.h"
#include "api/api_server.h"
#include "api/entity_json.h"
#include "api/route_support.h"
#include "operations/deployment_operations.h"

namespace kafkaml::api {
namespace {

using nlohmann::json;

} // namespace

void ApiServer::register_deployment_routes() {
	store::Store &db = *options_.store;
	executors::JobExecutor &executor = *options_.executor;

	auto deployment_json = [&db](const store::Deployment &d) { return to_json(d, db.list_results(d.id)); };
	add("GET", "/api/v1/deployments", [&db, deployment_json](Call &call) {
		json out = json::array();
		for (const auto &d : db.list_deployments()) {
			out.push_back(deployment_json(d));
		}
		call.reply(200, out);
	});
	add("POST", "/api/v1/deployments", [&db, &executor, weights_needed = options_.weights_needed](Call &call) {
		json body = call.body();
		operations::DeploymentRequest request;
		request.configuration = integer_field(body, "configuration");
		request.batch = integer_field(body, "batch", 1);
		request.kwargs_fit = body.value("kwargs_fit", json(""));
		request.kwargs_val = body.value("kwargs_val", json(""));
		request.resources = body.value("resources", json());
		for (const char *field : {"mode", "incremental", "indefinite", "stream_timeout", "window_size",
		                          "monitoring_metric", "change", "improvement", "version_every_records",
		                          "drift_detection", "drift_threshold", "drift_delta", "drift_response"}) {
			if (body.contains(field)) {
				request.training[field] = body[field];
			}
		}
		auto created = operations::deploy(db, executor, request, weights_needed);
		call.reply(201, to_json(created.deployment, created.results));
	});
	add("GET", "/api/v1/deployments/{id}",
	    [&db, deployment_json](Call &call) { call.reply(200, deployment_json(db.get_deployment(call.id()))); });
	add("POST", "/api/v1/deployments/{id}/stop", [&db, &executor](Call &call) {
		auto stopped = operations::stop_deployment(db, executor, call.id());
		call.reply(200, to_json(stopped.deployment, stopped.results));
	});
	add("DELETE", "/api/v1/deployments/{id}", [&db](Call &call) {
		db.delete_deployment(call.id());
		call.no_content();
	});
}

} // namespace kafkaml::api
