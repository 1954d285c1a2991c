#include "workers/http_job_coordinator.h"

#include "common/error.h"
#include "common/json_input.h"

#include "ml/spec/parse.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <stdexcept>
#include <thread>

namespace kafkaml::workers {
namespace {

using nlohmann::json;

//! kwargs as stored: the parsed object, or the user's text when only that exists.
ml::FitOptions fit_options(const json &deployment, const char *parsed_field, const char *raw_field) {
	if (deployment.contains(parsed_field) && deployment[parsed_field].is_object()) {
		return ml::fit_options_from_json(deployment[parsed_field]);
	}
	const auto &raw = deployment.value(raw_field, json::object());
	if (raw.is_string()) {
		return ml::parse_fit_kwargs(raw.get<std::string>());
	}
	return ml::fit_options_from_json(raw);
}

//! `text` for a URL's query: every byte but the unreserved ones as %XX.
std::string query_encoded(const std::string &text) {
	static constexpr char hex[] = "0123456789ABCDEF";
	std::string out;
	for (unsigned char c : text) {
		if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
			out.push_back(static_cast<char>(c));
		} else {
			out += {'%', hex[c >> 4], hex[c & 15]};
		}
	}
	return out;
}

} // namespace

void HttpJobCoordinator::answered(const std::string &method, const std::string &path, const Response &response) {
	std::string message = method + " " + path + " answered " + std::to_string(response.status) + ": " + response.body;
	switch (response.status) {
	case 404:
	case 409:
		// The result or inference was deleted or ended meanwhile: the job
		// exits, and its supervisor's done-check sees that it has nothing
		// left to do.
		throw RetriableError(message);
	case 413:
		throw UserError(message + "; the trained model is larger than the server accepts: make the model smaller");
	default:
		// The server refused what this job sent: a job and a server that
		// disagree on the API; a restart would send the same.
		throw FatalError(message);
	}
}

json metrics_json(const ml::MetricValues &values, const std::string &prefix) {
	json object = json::object();
	for (const auto &[name, value] : values) {
		object[prefix + name] = value;
	}
	return object;
}

//! The definitions of the distributed sub-models under `top` (GET models'
//! list), bottom first, top's last: each step down is the model whose
//! father is the one above (the store keeps one per father).
std::vector<std::string> submodel_codes(const json &models, int64_t top) {
	std::vector<std::string> codes;
	std::optional<int64_t> at = top;
	while (at && codes.size() <= models.size()) {
		std::optional<int64_t> below;
		for (const auto &model : models) {
			if (model.at("id").get<int64_t>() == *at) {
				codes.push_back(model.at("code").get<std::string>());
			}
			if (model.contains("father") && model["father"].is_number_integer() &&
			    model["father"].get<int64_t>() == *at) {
				below = model.at("id").get<int64_t>();
			}
		}
		at = below;
	}
	std::reverse(codes.begin(), codes.end());
	return codes;
}

json exit_table_json(const std::vector<ml::ExitThreshold> &table) {
	json rows = json::array();
	for (const auto &t : table) {
		rows.push_back({{"threshold", t.threshold},
		                {"count", t.count},
		                {"share", t.share},
		                {"accuracy", t.accuracy ? json(*t.accuracy) : json(nullptr)}});
	}
	return rows;
}

json exits_json(const std::vector<ml::ExitReport> &exits) {
	json out = json::array();
	for (const auto &exit : exits) {
		json by_rule = json::object();
		for (const auto &[rule, table] : exit.thresholds_by_rule) {
			by_rule[ml::to_string(rule)] = exit_table_json(table);
		}
		out.push_back({{"index", exit.index},
		               {"name", exit.name},
		               {"metrics", metrics_json(exit.metrics)},
		               {"thresholds", exit_table_json(exit.thresholds)},
		               {"thresholds_by_confidence", by_rule}});
	}
	return out;
}

HttpJobCoordinator::HttpJobCoordinator(const std::string &server_url, std::string token,
                                       std::chrono::milliseconds retry_for, std::chrono::milliseconds epoch_interval)
    : client_(server_url, std::move(token), client::RetryPolicy{retry_for}), epoch_interval_(epoch_interval) {}

HttpJobCoordinator::~HttpJobCoordinator() {
	{
		std::lock_guard lock(epochs_mutex_);
		quit_ = true;
	}
	epochs_changed_.notify_all();
	if (reporter_.joinable()) {
		reporter_.join();
	}
}

HttpJobCoordinator::Response HttpJobCoordinator::call(const std::string &method, const std::string &path,
                                                      const std::string &body, const std::string &content_type) {
	std::lock_guard lock(http_mutex_);
	Response response;
	try {
		response = client_.call(method, path, body, content_type);
	} catch (const client::ClientError &e) {
		throw RetriableError(method + " " + path + " failed: " + e.what());
	}
	if (response.status >= 500) {
		throw RetriableError(method + " " + path + " failed: HTTP " + std::to_string(response.status) + ": " +
		                     response.body);
	}
	return response;
}

json HttpJobCoordinator::get_json(const std::string &path) {
	auto response = call("GET", path);
	if (response.status != 200) {
		answered("GET", path, response);
	}
	return parse_json(response.body);
}

void HttpJobCoordinator::post_status(int64_t result_id, const json &body) {
	auto path = "/results/" + std::to_string(result_id) + "/status";
	auto response = call("POST", path, body.dump());
	if (response.status == 409) {
		// The result reached a terminal state meanwhile (stopped by the
		// user): nothing left to report, and nothing to retry.
		spdlog::warn("result {}: the server refused status '{}': {}", result_id, body.value("status", ""),
		             response.body);
		return;
	}
	if (response.status >= 300) {
		answered("POST", path, response);
	}
}

TrainingAssignment HttpJobCoordinator::training_assignment(int64_t result_id) {
	auto result = get_json("/results/" + std::to_string(result_id) + "?epochs=none");
	auto deployment = get_json("/deployments/" + std::to_string(result.at("deployment").get<int64_t>()));
	auto model = get_json("/models/" + std::to_string(result.at("model").get<int64_t>()));
	TrainingAssignment assignment;
	assignment.result_id = result_id;
	assignment.deployment_id = deployment.at("id").get<int64_t>();
	assignment.model_code = model.at("code").get<std::string>();
	assignment.framework = model.value("framework", std::string("keras"));
	if (model.value("distributed", false)) {
		assignment.submodel_codes = submodel_codes(get_json("/models"), model.at("id").get<int64_t>());
	}
	if (assignment.framework == "pytorch") {
		auto module_path = "/models/" + std::to_string(model.at("id").get<int64_t>()) + "/module";
		auto module = call("GET", module_path);
		if (module.status != 200) {
			answered("GET", module_path, module);
		}
		assignment.module = std::move(module.body);
	}
	if (assignment.framework == "keras" && model.contains("weights_size") && !model["weights_size"].is_null()) {
		auto weights_path = "/models/" + std::to_string(model.at("id").get<int64_t>()) + "/weights";
		auto weights = call("GET", weights_path);
		if (weights.status != 200) {
			answered("GET", weights_path, weights);
		}
		assignment.weights = std::move(weights.body);
	}
	assignment.batch = deployment.value("batch", int64_t{10});
	assignment.fit = fit_options(deployment, "kwargs_fit_parsed", "kwargs_fit");
	assignment.evaluate = fit_options(deployment, "kwargs_val_parsed", "kwargs_val");
	assignment.seed = static_cast<uint64_t>(result_id);
	// A server from before training modes sends none: batch.
	auto mode = deployment.value("mode", std::string("batch"));
	auto &continual = assignment.continual;
	continual.mode = mode == "indefinite"    ? TrainingMode::indefinite
	                 : mode == "incremental" ? TrainingMode::incremental
	                                         : TrainingMode::batch;
	continual.stream_timeout = std::chrono::milliseconds(deployment.value("stream_timeout", int64_t{60000}));
	continual.window_size = deployment.value("window_size", int64_t{1000});
	continual.monitoring_metric = deployment.value("monitoring_metric", std::string("loss"));
	continual.change = deployment.value("change", std::string("down"));
	continual.improvement = deployment.value("improvement", 0.05);
	if (deployment.contains("version_every_records") && deployment["version_every_records"].is_number_integer()) {
		continual.version_every_records = deployment["version_every_records"].get<int64_t>();
	}
	// A server from before drift detection sends none: the defaults.
	continual.drift_detection = deployment.value("drift_detection", continual.drift_detection);
	continual.drift_threshold = deployment.value("drift_threshold", continual.drift_threshold);
	continual.drift_delta = deployment.value("drift_delta", continual.drift_delta);
	continual.drift_response = drift_response_from_string(deployment.value("drift_response", std::string("none")))
	                               .value_or(DriftResponse::none);
	if (continual.mode != TrainingMode::batch) {
		// A restarted job's versions follow the ones its earlier runs stored.
		auto path = "/results/" + std::to_string(result_id) + "/versions";
		auto versions = call("GET", path);
		if (versions.status != 200 && versions.status != 404) {
			answered("GET", path, versions);
		}
		// 404 (the result was just read): a server from before versions.
		json last;
		for (const auto &version : versions.status == 200 ? parse_json(versions.body) : json::array()) {
			continual.next_version = std::max(continual.next_version, version.at("version").get<int64_t>() + 1);
			if (last.is_null() || version.at("version").get<int64_t>() > last.at("version").get<int64_t>()) {
				last = version;
			}
		}
		// A version says where its run stood (from its window on; versions
		// of a server from before resuming do not): the job resumes there.
		if (!last.is_null() && last.value("epoch", int64_t{0}) > 0) {
			continual.resume = resume_point(result_id, last);
		}
	}
	return assignment;
}

ResumePoint HttpJobCoordinator::resume_point(int64_t result_id, const json &version) {
	ResumePoint resume;
	resume.version = version.at("version").get<int64_t>();
	resume.records = version.at("records").get<int64_t>();
	auto metrics = [](const json &object) {
		ml::MetricValues values;
		for (const auto &[name, value] : object.items()) {
			values.emplace_back(name, value.get<double>());
		}
		return values;
	};
	resume.metrics = metrics(version.value("metrics", json::object()));
	resume.position.epoch = version.at("epoch").get<int64_t>();
	resume.position.prequential = metrics(version.value("prequential", json::object()));
	resume.position.training_seconds = version.value("training_time", 0.0);
	for (const auto &offset : version.value("offsets", json::array())) {
		resume.position.offsets.push_back({offset.at("topic").get<std::string>(), offset.at("partition").get<int32_t>(),
		                                   offset.at("offset").get<int64_t>()});
	}
	auto path = "/results/" + std::to_string(result_id) + "/versions/" + std::to_string(resume.version) + "/model";
	auto model = call("GET", path);
	if (model.status != 200) {
		answered("GET", path, model);
	}
	resume.model_blob = std::move(model.body);
	// A version stored before training states, or whose job was killed
	// between storing it and its state, has none.
	if (version.value("state_size", int64_t{0}) > 0) {
		path = "/results/" + std::to_string(result_id) + "/versions/" + std::to_string(resume.version) + "/state";
		auto state = call("GET", path);
		if (state.status != 200) {
			answered("GET", path, state);
		}
		resume.training_state = std::move(state.body);
	}
	return resume;
}

void HttpJobCoordinator::training_started(int64_t result_id, const StreamInfo &stream) {
	// A restarted job trains again from its first epoch, or a continual
	// one from its last version: the server drops what an earlier run of
	// it reported after that, so that curves show one run.
	// The stream's format goes with it: an inference of this result takes
	// it as its default, whether or not the control logger has recorded
	// the stream yet.
	json body = {{"status", "running"},
	             {"new_run", true},
	             {"detail", stream.online
	                            ? "reading the online stream of topic " + stream.topic_ranges
	                            : "reading " + std::to_string(stream.total_msg) + " records of " + stream.topic_ranges},
	             {"input_format", stream.input_format},
	             {"input_config", stream.input_config.is_object() ? stream.input_config : json::object()}};
	if (stream.resumes_version > 0) {
		body["resume_version"] = stream.resumes_version;
	}
	post_status(result_id, body);
}

void HttpJobCoordinator::training_detail(int64_t result_id, const std::string &detail) {
	post_status(result_id, {{"status", "running"}, {"detail", detail}});
}

bool HttpJobCoordinator::training_epoch(int64_t result_id, const ml::EpochLog &epoch) {
	auto metrics = metrics_json(epoch.train);
	metrics.update(metrics_json(epoch.validation, "val_"));
	{
		std::lock_guard lock(epochs_mutex_);
		if (reporter_error_) {
			std::rethrow_exception(reporter_error_);
		}
		epochs_result_ = result_id;
		queued_epochs_.push_back({{"epoch", epoch.epoch}, {"metrics", std::move(metrics)}});
		if (!reporter_.joinable()) {
			reporter_ = std::thread([this] { report_epochs(); });
		}
	}
	epochs_changed_.notify_all();
	return !stop_requested_.load();
}

bool HttpJobCoordinator::training_version(int64_t result_id, const ModelVersion &version) {
	json offsets = json::array();
	for (const auto &offset : version.position.offsets) {
		offsets.push_back({{"topic", offset.topic}, {"partition", offset.partition}, {"offset", offset.offset}});
	}
	auto path = "/results/" + std::to_string(result_id) + "/versions/" + std::to_string(version.version) +
	            "?records=" + std::to_string(version.records) +
	            "&metrics=" + query_encoded(metrics_json(version.metrics).dump()) +
	            "&epoch=" + std::to_string(version.position.epoch) +
	            "&training_time=" + json(version.position.training_seconds).dump() +
	            "&prequential=" + query_encoded(metrics_json(version.position.prequential).dump()) +
	            "&offsets=" + query_encoded(offsets.dump());
	// Retried on a lost answer like every call: the server keeps the
	// version it stored first, so a retry adds none.
	auto response = call("PUT", path, version.model_blob, "application/octet-stream");
	if (response.status == 404 || response.status == 409) {
		stop_requested_ = true; // deleted or stopped meanwhile
		return false;
	}
	if (response.status >= 300) {
		answered("PUT", path, response);
	}
	// Then its training state, before the job commits the offsets: a
	// restart resumes from a version with everything it needs. The server
	// keeps the first state sent, so a retry is harmless too.
	if (!version.training_state.empty()) {
		auto state_path =
		    "/results/" + std::to_string(result_id) + "/versions/" + std::to_string(version.version) + "/state";
		auto stored = call("PUT", state_path, version.training_state, "application/octet-stream");
		if (stored.status == 404 || stored.status == 409) {
			stop_requested_ = true;
			return false;
		}
		if (stored.status >= 300) {
			answered("PUT", state_path, stored);
		}
	}
	return !stop_requested_.load();
}

bool HttpJobCoordinator::training_drift(int64_t result_id, const DriftEvent &drift) {
	auto path = "/results/" + std::to_string(result_id) + "/drifts";
	json body = {{"records", drift.records},
	             {"error_before", drift.error_before},
	             {"error_after", drift.error_after},
	             {"measure", drift.measure},
	             {"response", to_string(drift.response)}};
	// A retry after a lost answer adds none: the server keeps one drift per
	// record count.
	auto response = call("POST", path, body.dump());
	if (response.status == 404 || response.status == 409) {
		stop_requested_ = true; // deleted or stopped meanwhile
		return false;
	}
	if (response.status >= 300) {
		answered("POST", path, response);
	}
	return !stop_requested_.load();
}

void HttpJobCoordinator::report_epochs() {
	std::unique_lock lock(epochs_mutex_);
	for (;;) {
		epochs_changed_.wait(lock, [this] { return quit_ || !queued_epochs_.empty(); });
		if (quit_) {
			return;
		}
		json body = {{"epochs", std::move(queued_epochs_)}};
		queued_epochs_.clear();
		auto path = "/results/" + std::to_string(epochs_result_) + "/epochs";
		sending_ = true;
		lock.unlock();
		std::exception_ptr error;
		try {
			auto response = call("POST", path, body.dump());
			if (response.status == 404 || response.status == 409) {
				stop_requested_ = true; // deleted or stopped meanwhile
			} else if (response.status >= 300) {
				answered("POST", path, response);
			}
		} catch (const std::exception &) {
			error = std::current_exception();
		}
		lock.lock();
		sending_ = false;
		epochs_changed_.notify_all();
		if (error) {
			reporter_error_ = error;
			return;
		}
		// Pace the batches; a flush or the end cuts the pause short.
		epochs_changed_.wait_for(lock, epoch_interval_, [this] { return quit_ || flushing_; });
	}
}

void HttpJobCoordinator::flush_epochs() {
	std::unique_lock lock(epochs_mutex_);
	if (!reporter_.joinable()) {
		return;
	}
	flushing_ = true;
	epochs_changed_.notify_all();
	epochs_changed_.wait(lock, [this] { return reporter_error_ || (queued_epochs_.empty() && !sending_); });
	flushing_ = false;
	if (reporter_error_) {
		std::rethrow_exception(reporter_error_);
	}
}

void HttpJobCoordinator::training_finished(int64_t result_id, const TrainingReport &report,
                                           const std::string &model_blob) {
	flush_epochs();
	auto path = "/results/" + std::to_string(result_id) + "/model";
	auto response = call("PUT", path, model_blob, "application/octet-stream");
	if (response.status >= 300) {
		answered("PUT", path, response);
	}
	auto val = metrics_json(report.validation);
	if (!report.confusion_matrix.empty()) {
		val["confusion_matrix"] = report.confusion_matrix;
	}
	if (!report.exits.empty()) {
		val["exits"] = exits_json(report.exits);
	}
	post_status(result_id,
	            {{"status", "finished"},
	             {"train_metrics", metrics_json(report.train)},
	             {"val_metrics", val},
	             {"test_metrics", metrics_json(report.test)},
	             {"training_time", report.training_seconds},
	             {"detail", !report.detail.empty() ? report.detail
	                                               : std::to_string(report.epochs) + " epochs on " +
	                                                     std::to_string(report.samples_train) + " records"}});
}

void HttpJobCoordinator::training_failed(int64_t result_id, const std::string &reason) {
	flush_epochs();
	post_status(result_id, {{"status", "failed"}, {"detail", reason}});
}

bool HttpJobCoordinator::put_model(int64_t result_id, const std::string &model_blob) {
	auto path = "/results/" + std::to_string(result_id) + "/model";
	auto response = call("PUT", path, model_blob, "application/octet-stream");
	if (response.status == 404) {
		return false;
	}
	if (response.status >= 300) {
		answered("PUT", path, response);
	}
	return true;
}

void HttpJobCoordinator::training_stopped(int64_t result_id, const std::optional<LearnedModel> &learned) {
	flush_epochs();
	if (!learned) {
		post_status(result_id, {{"status", "stopped"}, {"detail", "stopped by the user"}});
		return;
	}
	// The model first: a result that says it kept a model has one.
	if (!put_model(result_id, learned->model_blob)) {
		spdlog::warn("result {}: deleted before its learned model was kept", result_id);
		return;
	}
	const auto &report = learned->report;
	post_status(result_id, {{"status", "stopped"},
	                        {"train_metrics", metrics_json(report.train)},
	                        {"training_time", report.training_seconds},
	                        {"detail", "stopped by the user; " + report.detail}});
}

InferenceAssignment HttpJobCoordinator::inference_assignment(int64_t inference_id) {
	auto inference = get_json("/inferences/" + std::to_string(inference_id));
	InferenceAssignment assignment;
	assignment.inference_id = inference_id;
	assignment.input_format = inference.at("input_format").get<std::string>();
	assignment.input_config = inference.value("input_config", json::object());
	if (assignment.input_config.is_string()) {
		assignment.input_config = parse_json(assignment.input_config.get<std::string>());
	}
	assignment.input_topic = inference.at("input_topic").get<std::string>();
	assignment.output_topic = inference.at("output_topic").get<std::string>();
	assignment.dead_letter_topic = inference.value("dead_letter_topic", assignment.input_topic + ".dead-letter");
	assignment.group_id = "kafkaml-inference-" + std::to_string(inference_id);
	assignment.model_result = inference.at("model_result").get<int64_t>();
	for (const auto &exit : inference.value("exits", json::array())) {
		ExitAssignment stage;
		stage.threshold = exit.at("threshold").get<double>();
		stage.input_topic = exit.at("input_topic").get<std::string>();
		stage.kafka_broker = exit.value("bootstrap_servers", "default");
		auto rule = ml::parse_confidence_rule(exit.value("confidence", "top_probability"));
		if (!rule) {
			throw UserError("inference " + std::to_string(inference_id) + " measures an exit's confidence by \"" +
			                exit.value("confidence", "") + "\", which this replica does not know (it knows " +
			                ml::confidence_rule_names() + "): run a replica of the server's version");
		}
		stage.confidence = *rule;
		assignment.exits.push_back(std::move(stage));
	}
	return assignment;
}

ServingTarget HttpJobCoordinator::inference_target(int64_t inference_id) {
	auto path = "/inferences/" + std::to_string(inference_id) + "/version";
	auto response = call("GET", path);
	if (response.status == 404) {
		throw UserError("cannot serve inference " + std::to_string(inference_id) + ": " +
		                client::error_message(response.status, response.body));
	}
	if (response.status != 200) {
		answered("GET", path, response);
	}
	auto answer = parse_json(response.body);
	ServingTarget target;
	target.result = answer.at("model_result").get<int64_t>();
	if (!answer.at("version").is_null()) {
		target.version = answer.at("version").get<int64_t>();
	}
	target.ready = answer.at("ready").get<bool>();
	return target;
}

std::string HttpJobCoordinator::served_model(const ServingTarget &target) {
	auto path = "/results/" + std::to_string(target.result) +
	            (target.version ? "/versions/" + std::to_string(*target.version) : std::string()) + "/model";
	auto model = call("GET", path);
	if (model.status == 404) {
		// The model is not there (its result deleted, or not finished): no
		// restart brings it, so the inference fails with why.
		throw UserError(
		    "cannot serve " + (target.version ? "version " + std::to_string(*target.version) + " of " : std::string()) +
		    "result " + std::to_string(target.result) + ": " + client::error_message(model.status, model.body));
	}
	if (model.status != 200) {
		answered("GET", path, model);
	}
	return std::move(model.body);
}

void HttpJobCoordinator::inference_failed(int64_t inference_id, const std::string &replica, const std::string &reason) {
	auto path = "/inferences/" + std::to_string(inference_id) + "/status";
	auto response = call("POST", path, json{{"status", "failed"}, {"replica", replica}, {"detail", reason}}.dump());
	if (response.status == 404 || response.status == 409) {
		// Deleted or ended meanwhile: that stands.
		spdlog::warn("inference {}: the server did not take the failure: {}", inference_id, response.body);
		return;
	}
	if (response.status >= 300) {
		answered("POST", path, response);
	}
}

bool HttpJobCoordinator::report_inference_stats(int64_t inference_id, const ReplicaStats &stats,
                                                std::vector<double> *thresholds) {
	json body = {{"replica", stats.replica},
	             {"predictions_total", stats.predictions_total},
	             {"predictions_per_second", stats.predictions_per_second},
	             {"consumer_lag", stats.consumer_lag ? json(*stats.consumer_lag) : json(nullptr)},
	             {"consuming", stats.consuming},
	             {"model_version", stats.model_version ? json(*stats.model_version) : json(nullptr)}};
	if (stats.stage) {
		body["stage"] = *stats.stage;
		body["answered_total"] = stats.predictions_total;
		body["forwarded_total"] = stats.forwarded_total;
	}
	auto path = "/inferences/" + std::to_string(inference_id) + "/stats";
	auto response = call("POST", path, body.dump());
	if (response.status == 404 || response.status == 409) {
		return false;
	}
	if (response.status >= 300) {
		answered("POST", path, response);
	}
	if (thresholds) {
		// The answer is the inference: its stages' thresholds as they are now.
		thresholds->clear();
		auto inference = json::parse(response.body, nullptr, false);
		if (inference.is_object() && inference.contains("exits")) {
			for (const auto &exit : inference["exits"]) {
				thresholds->push_back(exit.value("threshold", 0.0));
			}
		}
	}
	return true;
}

} // namespace kafkaml::workers
