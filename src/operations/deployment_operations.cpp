#include "operations/deployment_operations.h"

#include "ml/spec/parse.h"
#include "operations/operation_errors.h"
#include "operations/result_operations.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <type_traits>

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

//! A PyTorch model trains only once its module is there, a Keras model with
//! a pretrained base once its weights file is: said now, not by a failed
//! job later. An unknown configuration is left to the store.
void check_networks_uploaded(store::Store &store, int64_t configuration, const WeightsRequirement &weights_needed) {
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
		if (model.framework == "keras" && model.weights_size < 0 && weights_needed) {
			std::optional<std::string> needed;
			try {
				needed = weights_needed(model.code);
			} catch (const ValidationError &) {
				continue; // the job says why the stored code no longer parses
			}
			if (needed) {
				throw StateConflict("model " + std::to_string(id) + " (\"" + model.name +
				                        "\") has no weights file yet: " + *needed,
				                    {{"model", id}});
			}
		}
	}
}

bool is_true(const json &fields, const char *name) {
	return fields.contains(name) && fields[name].is_boolean() && fields[name].get<bool>();
}

//! A field of the training mode, or `fallback` when absent or null.
template <typename T>
T training_field(const json &fields, const char *name, T fallback, const char *expected) {
	if (!fields.contains(name) || fields[name].is_null()) {
		return fallback;
	}
	const auto &field = fields[name];
	bool fits = false;
	if constexpr (std::is_same_v<T, std::string>) {
		fits = field.is_string();
	} else if constexpr (std::is_same_v<T, int64_t>) {
		fits = field.is_number_integer();
	} else if constexpr (std::is_same_v<T, bool>) {
		fits = field.is_boolean();
	} else {
		fits = field.is_number();
	}
	if (!fits) {
		throw InvalidField(name, std::string("field \"") + name + "\" must be " + expected);
	}
	return field.get<T>();
}

//! The drift detector's parameters (workers/drift_detector.h), checked.
void apply_drift_detection(store::Deployment &d, const json &fields) {
	d.drift_detection = training_field<bool>(fields, "drift_detection", d.drift_detection, "true or false");
	d.drift_threshold = training_field<double>(fields, "drift_threshold", d.drift_threshold, "a number");
	if (!(d.drift_threshold > 0) || !std::isfinite(d.drift_threshold)) {
		throw InvalidField("drift_threshold", "field \"drift_threshold\" must be a number above 0: the evidence of "
		                                      "an increase of the error, summed over records, that is a drift");
	}
	d.drift_delta = training_field<double>(fields, "drift_delta", d.drift_delta, "a number");
	if (!(d.drift_delta >= 0) || !std::isfinite(d.drift_delta)) {
		throw InvalidField("drift_delta", "field \"drift_delta\" must be a number of at least 0: the increase of "
		                                  "the error per record that is tolerated");
	}
	const char *responses = "one of \"none\", \"reset_optimizer\", \"boost_learning_rate\"";
	d.drift_response = training_field<std::string>(fields, "drift_response", d.drift_response, responses);
	if (d.drift_response != "none" && d.drift_response != "reset_optimizer" &&
	    d.drift_response != "boost_learning_rate") {
		throw InvalidField("drift_response", std::string("field \"drift_response\" must be ") + responses + ", not \"" +
		                                         d.drift_response + "\"");
	}
}

//! The deployment's training mode and its parameters, checked.
void apply_training_mode(store::Deployment &d, const json &fields) {
	std::string fallback_mode = is_true(fields, "indefinite")    ? "indefinite"
	                            : is_true(fields, "incremental") ? "incremental"
	                                                             : "batch";
	const char *modes = "one of \"batch\", \"incremental\", \"indefinite\"";
	d.mode = training_field<std::string>(fields, "mode", fallback_mode, modes);
	if (d.mode != "batch" && d.mode != "incremental" && d.mode != "indefinite") {
		throw InvalidField("mode", std::string("field \"mode\" must be ") + modes + ", not \"" + d.mode + "\"");
	}
	d.stream_timeout = training_field<int64_t>(fields, "stream_timeout", d.stream_timeout, "an integer (ms)");
	// The original marks an indefinite training with a stream_timeout of -1.
	if (d.stream_timeout < 1 && !(d.mode == "indefinite" && d.stream_timeout == -1)) {
		throw InvalidField("stream_timeout",
		                   "field \"stream_timeout\" must be at least 1 ms: how long an incremental training waits "
		                   "for a record before it ends");
	}
	d.window_size = training_field<int64_t>(fields, "window_size", d.window_size, "an integer (records)");
	if (d.window_size < 1 || d.window_size > 1'000'000) {
		throw InvalidField("window_size", "field \"window_size\" must be between 1 and 1000000 records");
	}
	d.monitoring_metric =
	    training_field<std::string>(fields, "monitoring_metric", d.monitoring_metric, "a metric name like \"loss\"");
	if (d.monitoring_metric.empty()) {
		throw InvalidField("monitoring_metric", "field \"monitoring_metric\" must name a metric, like \"loss\"");
	}
	auto ends_with = [&](std::string_view suffix) {
		return d.monitoring_metric.size() >= suffix.size() &&
		       d.monitoring_metric.compare(d.monitoring_metric.size() - suffix.size(), suffix.size(), suffix) == 0;
	};
	std::string lower_is_better = ends_with("loss") || ends_with("error") ? "down" : "up";
	d.change = training_field<std::string>(fields, "change", lower_is_better, "\"up\" or \"down\"");
	if (d.change != "up" && d.change != "down") {
		throw InvalidField("change", "field \"change\" must be \"up\" or \"down\": the direction in which "
		                             "monitoring_metric improves");
	}
	d.improvement = training_field<double>(fields, "improvement", d.improvement, "a number");
	if (!(d.improvement >= 0)) {
		throw InvalidField("improvement", "field \"improvement\" must be a number of at least 0");
	}
	// Null or absent: a version only when the monitored metric improves.
	if (fields.contains("version_every_records") && !fields["version_every_records"].is_null()) {
		auto every = training_field<int64_t>(fields, "version_every_records", 0, "an integer (records) or null");
		if (every < 1) {
			throw InvalidField("version_every_records",
			                   "field \"version_every_records\" must be at least 1 record, or null for versions only "
			                   "when monitoring_metric improves");
		}
		d.version_every_records = every;
	}
	apply_drift_detection(d, fields);
}

} // namespace

DeploymentAndResults deploy(store::Store &store, executors::JobExecutor &executor, const DeploymentRequest &request,
                            const WeightsRequirement &weights_needed) {
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
	apply_training_mode(d, request.training);
	d.resources = resources_field(request.resources);
	check_networks_uploaded(store, d.configuration, weights_needed);
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
