// Results: one model's training, its metrics as the job reports them, and
// the trained model to download.

#include "api/api_http.h"
#include "api/api_server.h"
#include "api/entity_json.h"
#include "api/route_support.h"
#include "common/json_input.h"
#include "operations/result_drift_operations.h"
#include "operations/result_operations.h"
#include "operations/result_version_operations.h"

#include <charconv>
#include <cstdint>
#include <type_traits>

namespace kafkaml::api {
namespace {

//! A continual training's prequential metrics over records: one point per
//! window among `epochs` (its "records" and "prequential_<metric>"s); empty
//! for a batch training, whose epochs have no records.
nlohmann::json prequential_curve(const std::vector<store::EpochMetrics> &epochs) {
	nlohmann::json curve = nlohmann::json::array();
	for (const auto &epoch : epochs) {
		const auto &metrics = epoch.metrics;
		if (!metrics.is_object() || !metrics.contains("records") || !metrics["records"].is_number()) {
			continue;
		}
		nlohmann::json point = {{"records", metrics["records"].get<int64_t>()}};
		for (const auto &[name, value] : metrics.items()) {
			if (name.starts_with("prequential_")) {
				point[name] = value;
			}
		}
		curve.push_back(std::move(point));
	}
	return curve;
}

using nlohmann::json;

//! A job reports the epochs that ended since its last report; after a long
//! wait for the server that may be thousands.
constexpr size_t kEpochsBodyLimit = size_t{16} << 20;

//! ?format=kafkaml (the default: what `kafkaml infer` loads) or pytorch (a
//! file torch.load reads, the export of `kafkaml model fit --export`).
operations::ModelFormat model_format(const Call &call) {
	std::string format = call.request.has_param("format") ? call.param("format") : "kafkaml";
	if (format != "kafkaml" && format != "pytorch") {
		throw ApiError(400,
		               "query parameter \"format\" must be kafkaml (the file kafkaml infer loads) or pytorch (a "
		               "file torch.load reads), not \"" +
		                   printable(format) + "\"",
		               {{"parameter", "format"}});
	}
	return format == "pytorch" ? operations::ModelFormat::pytorch : operations::ModelFormat::kafkaml;
}

//! Answers with a model file, under the name that says what it is.
void send_model_file(Call &call, operations::ModelDownload download) {
	call.response.headers.set("Content-Disposition", "attachment; filename=\"" + download.file_name + "\"");
	call.send(std::move(download.bytes), "application/octet-stream");
}

//! The version number of a route's second path segment; 404 for what no
//! version is called (versions are 1 and up).
int64_t version_of(const Call &call) {
	const std::string &text = call.request.path_params.at(1);
	int64_t version = 0;
	auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), version);
	if (error != std::errc() || end != text.data() + text.size() || version < 1) {
		throw ApiError(404, "no version is called \"" + printable(text) + "\"; versions are numbered 1 and up",
		               {{"version", printable(text)}});
	}
	return version;
}

//! A query parameter holding a number of type T (an integer or a double),
//! 400 naming it otherwise.
template <typename T>
T number_param(const Call &call, const char *name) {
	auto text = call.param(name);
	T value = 0;
	auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
	if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
		throw ApiError(400,
		               std::string("query parameter \"") + name + "\" must be " +
		                   (std::is_integral_v<T> ? "an integer" : "a number") + ", not \"" + printable(text) + "\"",
		               {{"parameter", name}});
	}
	return value;
}

int64_t integer_param(const Call &call, const char *name) {
	return number_param<int64_t>(call, name);
}

//! A query parameter holding JSON, 400 naming it otherwise.
json json_param(const Call &call, const char *name) {
	try {
		return parse_json(call.param(name));
	} catch (const JsonInputError &e) {
		throw ApiError(400, std::string("query parameter \"") + name + "\" is not valid JSON: " + e.reason,
		               {{"parameter", name}});
	}
}

} // namespace

void ApiServer::register_result_routes() {
	store::Store &db = *options_.store;
	executors::JobExecutor &executor = *options_.executor;

	add("GET", "/api/v1/results", [&db](Call &call) {
		std::optional<int64_t> deployment;
		if (call.request.has_param("deployment")) {
			auto text = call.param("deployment");
			int64_t id = 0;
			auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), id);
			if (error != std::errc() || end != text.data() + text.size()) {
				throw ApiError(
				    400, "query parameter \"deployment\" must be a deployment id, not \"" + printable(text) + "\"",
				    {{"parameter", "deployment"}});
			}
			deployment = id;
		}
		call.reply(200, json_list(db.list_results(deployment)));
	});
	// ?epochs=all (the default) | last | none and ?since_epoch=N: a client
	// that polls asks only for what it has not seen.
	add("GET", "/api/v1/results/{id}", [&db](Call &call) {
		store::EpochQuery epochs;
		if (call.request.has_param("epochs")) {
			auto which = call.param("epochs");
			if (which == "last") {
				epochs.which = store::EpochQuery::Which::last;
			} else if (which == "none") {
				epochs.which = store::EpochQuery::Which::none;
			} else if (which != "all") {
				throw ApiError(400,
				               "query parameter \"epochs\" must be all, last or none, not \"" + printable(which) + "\"",
				               {{"parameter", "epochs"}});
			}
		}
		if (call.request.has_param("since_epoch")) {
			auto text = call.param("since_epoch");
			size_t used = 0;
			try {
				epochs.after = std::stoll(text, &used);
			} catch (const std::exception &) {
				used = 0;
			}
			if (used == 0 || used != text.size()) {
				throw ApiError(
				    400, "query parameter \"since_epoch\" must be an epoch number, not \"" + printable(text) + "\"",
				    {{"parameter", "since_epoch"}});
			}
		}
		auto stored = db.get_result(call.id(), epochs);
		auto result = to_json(stored);
		// The drifts its continual training detected, by records (batch: none).
		result["drifts"] = json_list(db.list_result_drifts(call.id()));
		result["prequential"] = prequential_curve(stored.epochs);
		call.reply(200, result);
	});
	// The job's report of a drift its detector found: {"records",
	// "error_before", "error_after", "measure", "response"}.
	add("POST", "/api/v1/results/{id}/drifts", [&db](Call &call) {
		auto [drift, created] = operations::add_result_drift(db, call.id(), call.body());
		call.reply(created ? 201 : 200, to_json(drift));
	});
	add("DELETE", "/api/v1/results/{id}", [&db](Call &call) {
		db.delete_result(call.id());
		call.no_content();
	});
	add("GET", "/api/v1/results/{id}/model", [this, &db](Call &call) {
		int64_t id = call.id();
		send_model_file(call, operations::download_trained_model(db, id, model_format(call), options_.export_pytorch));
	});
	// Model versions of a continual training (incremental, indefinite).
	add("GET", "/api/v1/results/{id}/versions",
	    [&db](Call &call) { call.reply(200, json_list(operations::list_result_versions(db, call.id()))); });
	add("GET", "/api/v1/results/{id}/versions/{version}/model", [this, &db](Call &call) {
		int64_t id = call.id(), version = version_of(call);
		send_model_file(
		    call, operations::download_result_version(db, id, version, model_format(call), options_.export_pytorch));
	});
	// The job's upload of a version it cut: the model's bytes as the body
	// (as PUT results/{id}/model), what it says of them in the query.
	add("PUT", "/api/v1/results/{id}/versions/{version}",
	    [&db](Call &call) {
		    operations::VersionUpload upload;
		    int64_t id = call.id();
		    upload.version = version_of(call);
		    upload.records = integer_param(call, "records");
		    for (auto [name, slot] :
		         {std::pair{"metrics", &upload.metrics}, std::pair{"prequential", &upload.prequential},
		          std::pair{"offsets", &upload.offsets}}) {
			    if (call.request.has_param(name)) {
				    *slot = json_param(call, name);
			    }
		    }
		    // Where the run stood: a job from before resuming sends none.
		    if (call.request.has_param("epoch")) {
			    upload.epoch = integer_param(call, "epoch");
		    }
		    if (call.request.has_param("training_time")) {
			    upload.training_time = number_param<double>(call, "training_time");
		    }
		    auto [version, created] = operations::add_result_version(db, id, upload, call.request.body);
		    call.reply(created ? 201 : 200, to_json(version));
	    },
	    {.max_body = options_.max_model_bytes});
	// What a restarted job needs beside a version's model to carry on with
	// it (the optimizer's state, ...): sent by the job after the version,
	// read back when it resumes. An optimizer keeps up to three floats per
	// parameter, hence up to four times a model's limit.
	add("PUT", "/api/v1/results/{id}/versions/{version}/state",
	    [&db](Call &call) {
		    int64_t id = call.id(), version = version_of(call);
		    auto [stored, created] = operations::set_result_version_state(db, id, version, call.request.body);
		    call.reply(created ? 201 : 200, to_json(stored));
	    },
	    {.max_body = options_.max_model_bytes > SIZE_MAX / 4 ? SIZE_MAX : 4 * options_.max_model_bytes});
	add("GET", "/api/v1/results/{id}/versions/{version}/state", [&db](Call &call) {
		int64_t id = call.id(), version = version_of(call);
		call.send(operations::result_version_state(db, id, version), "application/octet-stream");
	});
	add("PUT", "/api/v1/results/{id}/model",
	    [&db](Call &call) {
		    operations::upload_trained_model(db, call.id(), call.request.body);
		    call.no_content();
	    },
	    {.max_body = options_.max_model_bytes});
	add("POST", "/api/v1/results/{id}/stop",
	    [&db, &executor](Call &call) { call.reply(200, to_json(operations::stop_result(db, executor, call.id()))); });
	// One epoch ({"epoch", "metrics"}) or a batch ({"epochs": [...]}): a
	// job reports the epochs that ended since its last report in one call.
	add("POST", "/api/v1/results/{id}/epochs",
	    [this, &db](Call &call) {
		    json body = call.body();
		    int64_t id = call.id();
		    std::vector<store::EpochMetrics> epochs;
		    auto read_epoch = [](const json &item) {
			    store::EpochMetrics epoch;
			    epoch.epoch = integer_field(item, "epoch");
			    epoch.metrics = object_field(item, "metrics", json::object());
			    return epoch;
		    };
		    if (body.contains("epochs")) {
			    if (!body["epochs"].is_array()) {
				    throw ApiError(400,
				                   "field \"epochs\" must be an array of {\"epoch\": N, \"metrics\": {...}} objects",
				                   {{"field", "epochs"}});
			    }
			    for (const auto &item : body["epochs"]) {
				    if (!item.is_object()) {
					    throw ApiError(400,
					                   "each item of \"epochs\" must be an object {\"epoch\": N, \"metrics\": {...}}",
					                   {{"field", "epochs"}});
				    }
				    epochs.push_back(read_epoch(item));
			    }
		    } else {
			    epochs.push_back(read_epoch(body));
		    }
		    if (auto progress = operations::record_epochs(db, id, epochs)) {
			    metrics_->training_progress(id).Set(*progress);
		    }
		    call.no_content();
	    },
	    {.max_body = kEpochsBodyLimit});
	add("POST", "/api/v1/results/{id}/status", [&db](Call &call) {
		json body = call.body();
		store::ResultReport report;
		auto to = store::result_status_from_string(text_field(body, "status"));
		if (body.contains("detail")) {
			report.detail = text_field(body, "detail");
		}
		for (auto [name, slot] :
		     {std::pair{"train_metrics", &report.train_metrics}, std::pair{"val_metrics", &report.val_metrics},
		      std::pair{"test_metrics", &report.test_metrics}}) {
			if (body.contains(name)) {
				*slot = object_field(body, name, json::object());
			}
		}
		if (body.contains("training_time")) {
			if (!body["training_time"].is_number()) {
				throw ApiError(400, "field \"training_time\" must be a number of seconds");
			}
			report.training_time = body["training_time"].get<double>();
		}
		report.new_run = boolean_field(body, "new_run", false);
		if (body.contains("resume_version") && !body["resume_version"].is_null()) {
			if (!report.new_run) {
				throw ApiError(400, "field \"resume_version\" goes with \"new_run\": true (a run that resumes)");
			}
			report.resume_version = integer_field(body, "resume_version");
		}
		if (body.contains("input_format")) {
			report.input_format = text_field(body, "input_format");
			report.input_config = object_field(body, "input_config", json::object());
		}
		call.reply(200, to_json(operations::report_result_status(db, call.id(), to, report)));
	});
}

} // namespace kafkaml::api
