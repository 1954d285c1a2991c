// Deployments: a configuration sent to train, one result (and one training
// job) per model.

#include "api/api_http.h"
#include "api/api_server.h"
#include "api/entity_json.h"
#include "api/route_support.h"
#include "ml/spec/parse.h"

#include <algorithm>

namespace kafkaml::api {
namespace {

using nlohmann::json;
using store::ResultStatus;

// kwargs_fit / kwargs_val: an object or the original's "epochs=5, ..." text,
// read by the parser the training job uses, so a deployment accepted here
// never fails on its kwargs later; stored with the defaults filled in.
json parse_kwargs_field(const json &value, const char *name) {
	if (value.is_null()) {
		return json::object();
	}
	if (!value.is_string() && !value.is_object()) {
		throw ApiError(400,
		               std::string("field \"") + name +
		                   "\" must be an object or a string like \"epochs=5, "
		                   "steps_per_epoch=1000\", not " +
		                   value.type_name(),
		               {{"field", name}});
	}
	try {
		return ml::fit_options_to_json(ml::fit_options_from_json(value));
	} catch (const ml::ModelDefinitionError &e) {
		throw ApiError(400, std::string("field \"") + name + "\" is invalid: " + e.what(),
		               {{"field", name}, {"line", e.location.line}, {"column", e.location.column}});
	}
}

//! A PyTorch model trains only once its module is there: said now, not by
//! a failed job later. An unknown configuration is left to the store.
void check_networks_uploaded(store::Store &db, int64_t configuration) {
	std::vector<int64_t> models;
	try {
		models = db.get_configuration(configuration).ml_models;
	} catch (const store::NotFound &) {
		return;
	}
	for (auto id : models) {
		auto model = db.get_model(id);
		if (model.framework == "pytorch" && model.module_size < 0) {
			throw ApiError(409,
			               "model " + std::to_string(id) + " (\"" + model.name +
			                   "\") has no TorchScript module yet; upload it (PUT /api/v1/models/" +
			                   std::to_string(id) +
			                   "/module, or kafkaml models create --file model.pt) and deploy again",
			               {{"model", id}});
		}
	}
}

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
	add("POST", "/api/v1/deployments", [this, &db, &executor, deployment_json](Call &call) {
		json body = call.body();
		store::Deployment d;
		d.configuration = integer_field(body, "configuration");
		d.batch = integer_field(body, "batch", 1);
		if (d.batch < 1) {
			throw ApiError(400, "field \"batch\" must be at least 1", {{"field", "batch"}});
		}
		d.kwargs_fit = body.value("kwargs_fit", json(""));
		d.kwargs_val = body.value("kwargs_val", json(""));
		d.kwargs_fit_parsed = parse_kwargs_field(d.kwargs_fit, "kwargs_fit");
		d.kwargs_val_parsed = parse_kwargs_field(d.kwargs_val, "kwargs_val");
		check_networks_uploaded(db, d.configuration);
		auto [created, results] = db.create_deployment(d);
		std::string failures;
		for (const auto &result : results) {
			try {
				// Deployed first: a fast job may report "running" before
				// start_training returns, and must not be overwritten.
				db.update_result_status(result.id, ResultStatus::Deployed);
				executor.start_training(result);
			} catch (const store::StoreError &) {
				throw;
			} catch (const std::exception &e) {
				db.update_result_status(result.id, ResultStatus::Failed, {.detail = e.what()});
				failures += (failures.empty() ? "" : "; ") + std::string(e.what());
			}
		}
		if (!failures.empty()) {
			throw ApiError(503, "the deployment was recorded but its training jobs could not start: " + failures,
			               deployment_json(created));
		}
		call.reply(201, deployment_json(created));
	});
	add("GET", "/api/v1/deployments/{id}",
	    [&db, deployment_json](Call &call) { call.reply(200, deployment_json(db.get_deployment(call.id()))); });
	add("POST", "/api/v1/deployments/{id}/stop", [&db, &executor, deployment_json](Call &call) {
		store::Deployment d = db.get_deployment(call.id());
		auto results = db.list_results(d.id);
		bool any_active = std::any_of(results.begin(), results.end(),
		                              [](const store::Result &r) { return !store::is_terminal(r.status); });
		if (!any_active) {
			std::string states;
			for (const auto &r : results) {
				states += std::string(states.empty() ? "" : ", ") + "result " + std::to_string(r.id) + " is " +
				          std::string(store::to_string(r.status));
			}
			throw ApiError(409, "deployment " + std::to_string(d.id) + " has nothing to stop: " + states +
			                        "; deploy the configuration again to train anew");
		}
		for (const auto &result : results) {
			if (!store::is_terminal(result.status)) {
				executor.stop(store::JobKind::Training, result.id);
				mark_result_stopped(db, result.id);
			}
		}
		call.reply(200, deployment_json(d));
	});
	add("DELETE", "/api/v1/deployments/{id}", [&db](Call &call) {
		db.delete_deployment(call.id());
		call.no_content();
	});
}

} // namespace kafkaml::api
