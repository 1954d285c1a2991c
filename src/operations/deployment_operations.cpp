#include "operations/deployment_operations.h"

#include "ml/spec/parse.h"
#include "operations/operation_errors.h"
#include "operations/result_operations.h"

#include <algorithm>
#include <string>

namespace kafkaml::operations {
namespace {

using nlohmann::json;
using store::ResultStatus;

// Read by the parser the training job uses, so a deployment accepted here
// never fails on its kwargs later; stored with the defaults filled in.
json parse_kwargs(const json &value, const char *field) {
	if (value.is_null()) {
		return json::object();
	}
	if (!value.is_string() && !value.is_object()) {
		throw InvalidField(field, std::string("field \"") + field +
		                              "\" must be an object or a string like \"epochs=5, "
		                              "steps_per_epoch=1000\", not " +
		                              value.type_name());
	}
	try {
		return ml::fit_options_to_json(ml::fit_options_from_json(value));
	} catch (const ml::ModelDefinitionError &e) {
		throw InvalidField(field, std::string("field \"") + field + "\" is invalid: " + e.what(),
		                   {{"line", e.location.line}, {"column", e.location.column}});
	}
}

//! A PyTorch model trains only once its module is there: said now, not by
//! a failed job later. An unknown configuration is left to the store.
void check_networks_uploaded(store::Store &store, int64_t configuration) {
	std::vector<int64_t> models;
	try {
		models = store.get_configuration(configuration).ml_models;
	} catch (const store::NotFound &) {
		return;
	}
	for (auto id : models) {
		auto model = store.get_model(id);
		if (model.framework == "pytorch" && model.module_size < 0) {
			throw StateConflict("model " + std::to_string(id) + " (\"" + model.name +
			                        "\") has no TorchScript module yet; upload it (PUT /api/v1/models/" +
			                        std::to_string(id) +
			                        "/module, or kafkaml models create --file model.pt) and deploy again",
			                    {{"model", id}});
		}
	}
}

} // namespace

DeploymentAndResults deploy(store::Store &store, executors::JobExecutor &executor, const DeploymentRequest &request) {
	store::Deployment d;
	d.configuration = request.configuration;
	d.batch = request.batch;
	if (d.batch < 1) {
		throw InvalidField("batch", "field \"batch\" must be at least 1");
	}
	d.kwargs_fit = request.kwargs_fit;
	d.kwargs_val = request.kwargs_val;
	d.kwargs_fit_parsed = parse_kwargs(d.kwargs_fit, "kwargs_fit");
	d.kwargs_val_parsed = parse_kwargs(d.kwargs_val, "kwargs_val");
	check_networks_uploaded(store, d.configuration);
	auto [created, results] = store.create_deployment(d);
	std::string failures;
	for (const auto &result : results) {
		try {
			// Deployed first: a fast job may report "running" before
			// start_training returns, and must not be overwritten.
			store.update_result_status(result.id, ResultStatus::Deployed);
			executor.start_training(result);
		} catch (const store::StoreError &) {
			throw;
		} catch (const std::exception &e) {
			store.update_result_status(result.id, ResultStatus::Failed, {.detail = e.what()});
			failures += (failures.empty() ? "" : "; ") + std::string(e.what());
		}
	}
	DeploymentAndResults answer{created, store.list_results(created.id)};
	if (!failures.empty()) {
		throw NotStarted<DeploymentAndResults>(
		    "the deployment was recorded but its training jobs could not start: " + failures, std::move(answer));
	}
	return answer;
}

DeploymentAndResults stop_deployment(store::Store &store, executors::JobExecutor &executor, int64_t id) {
	store::Deployment d = store.get_deployment(id);
	auto results = store.list_results(d.id);
	bool any_active = std::any_of(results.begin(), results.end(),
	                              [](const store::Result &r) { return !store::is_terminal(r.status); });
	if (!any_active) {
		std::string states;
		for (const auto &r : results) {
			states += std::string(states.empty() ? "" : ", ") + "result " + std::to_string(r.id) + " is " +
			          std::string(store::to_string(r.status));
		}
		throw store::Conflict("deployment " + std::to_string(d.id) + " has nothing to stop: " + states +
		                      "; deploy the configuration again to train anew");
	}
	for (const auto &result : results) {
		if (!store::is_terminal(result.status)) {
			executor.stop(store::JobKind::Training, result.id);
			mark_result_stopped(store, result.id);
		}
	}
	return {d, store.list_results(d.id)};
}

} // namespace kafkaml::operations
