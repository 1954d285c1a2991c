#include "api/entity_json.h"

namespace kafkaml::api {

using nlohmann::json;

namespace {

// "restarted 3 times; last exit: killed by signal 9 (SIGKILL)": a crash loop at a glance.
std::string restart_detail(int64_t restarts, const std::string &last_exit) {
	if (restarts == 0) {
		return "";
	}
	return "restarted " + std::to_string(restarts) + (restarts == 1 ? " time" : " times") +
	       (last_exit.empty() ? "" : "; last exit: " + last_exit);
}

} // namespace

json to_json(const store::Model &m) {
	return {{"id", m.id},
	        {"name", m.name},
	        {"description", m.description},
	        {"imports", m.imports},
	        {"code", m.code},
	        {"framework", m.framework},
	        {"created_at", m.created_at},
	        {"module_size", m.module_size >= 0 ? json(m.module_size) : json(nullptr)},
	        {"weights_size", m.weights_size >= 0 ? json(m.weights_size) : json(nullptr)},
	        {"distributed", m.distributed},
	        {"father", m.father ? json(*m.father) : json(nullptr)}};
}

json to_json(const store::Configuration &c) {
	return {{"id", c.id},
	        {"name", c.name},
	        {"description", c.description},
	        {"ml_models", c.ml_models},
	        {"created_at", c.created_at}};
}

json to_json(const store::Deployment &d, const std::vector<store::Result> &results) {
	json out = {{"id", d.id},
	            {"configuration", d.configuration},
	            {"batch", d.batch},
	            {"kwargs_fit", d.kwargs_fit},
	            {"kwargs_val", d.kwargs_val},
	            {"kwargs_fit_parsed", d.kwargs_fit_parsed},
	            {"kwargs_val_parsed", d.kwargs_val_parsed},
	            {"created_at", d.created_at},
	            {"mode", d.mode},
	            {"stream_timeout", d.stream_timeout},
	            {"window_size", d.window_size},
	            {"monitoring_metric", d.monitoring_metric},
	            {"change", d.change},
	            {"improvement", d.improvement},
	            {"version_every_records", d.version_every_records ? json(*d.version_every_records) : json(nullptr)},
	            {"drift_detection", d.drift_detection},
	            {"drift_threshold", d.drift_threshold},
	            {"drift_delta", d.drift_delta},
	            {"drift_response", d.drift_response},
	            {"resources", store::resources_to_api(d.resources)},
	            {"results", json::array()}};
	for (const auto &r : results) {
		out["results"].push_back(to_json(r));
	}
	return out;
}

json to_json(const store::EpochMetrics &e) {
	return {{"epoch", e.epoch}, {"metrics", e.metrics}, {"time", e.time}};
}

json to_json(const store::ResultVersion &v) {
	return {{"result", v.result},           {"version", v.version},
	        {"created_at", v.created_at},   {"records", v.records},
	        {"metrics", v.metrics},         {"epoch", v.epoch},
	        {"prequential", v.prequential}, {"training_time", v.training_time},
	        {"offsets", v.offsets},         {"size", v.size},
	        {"state_size", v.state_size}};
}

json to_json(const store::ResultDrift &d) {
	return {{"records", d.records},         {"created_at", d.created_at}, {"error_before", d.error_before},
	        {"error_after", d.error_after}, {"measure", d.measure},       {"response", d.response}};
}

json to_json(const store::Result &r) {
	json epochs = json::array();
	for (const auto &e : r.epochs) {
		epochs.push_back(to_json(e));
	}
	bool has_model = r.trained_model_size >= 0;
	// The training job keeps a model's early exits in its validation
	// metrics (one report, no store column); they are shown on their own.
	json val_metrics = r.val_metrics;
	json exits = nullptr;
	if (val_metrics.is_object() && val_metrics.contains("exits")) {
		exits = val_metrics["exits"];
		val_metrics.erase("exits");
	}
	return {{"id", r.id},
	        {"deployment", r.deployment},
	        {"model", r.model},
	        {"status", store::to_string(r.status)},
	        {"status_changed", r.status_changed},
	        {"status_detail", r.status_detail},
	        {"train_metrics", r.train_metrics},
	        {"val_metrics", val_metrics},
	        {"test_metrics", r.test_metrics},
	        {"exits", exits},
	        {"training_time", r.training_time ? json(*r.training_time) : json(nullptr)},
	        {"epochs", epochs},
	        {"epoch_count", r.epoch_count},
	        {"last_epoch", r.last_epoch ? to_json(*r.last_epoch) : json(nullptr)},
	        {"trained_model", has_model ? json("/api/v1/results/" + std::to_string(r.id) + "/model") : json(nullptr)},
	        {"trained_model_size", has_model ? json(r.trained_model_size) : json(nullptr)},
	        {"restarts", r.restarts},
	        {"restart_detail", restart_detail(r.restarts, r.last_exit)},
	        {"input_format", r.input_format.empty() ? json(nullptr) : json(r.input_format)},
	        {"input_config", r.input_config},
	        {"created_at", r.created_at}};
}

json served_model_json(const store::Inference &i) {
	switch (i.served) {
	case store::ServedModel::Trained:
		return nullptr;
	case store::ServedModel::Latest:
		return "latest";
	case store::ServedModel::Pinned:
		return i.pinned_version;
	}
	return nullptr;
}

namespace {

// The API names a stage's cluster bootstrap_servers, as the body that
// creates it does.
json exits_json(const store::Inference &i) {
	json exits = json::array();
	for (size_t k = 0; k < i.exits.size(); ++k) {
		const auto &exit = i.exits[k];
		exits.push_back({{"exit", k},
		                 {"threshold", exit.threshold},
		                 {"confidence", exit.confidence},
		                 {"replicas", exit.replicas},
		                 {"input_topic", exit.input_topic},
		                 {"bootstrap_servers", exit.kafka_broker}});
	}
	return exits;
}

} // namespace

json to_json(const store::Inference &i) {
	return {{"id", i.id},
	        {"model_result", i.model_result},
	        {"model_version", served_model_json(i)},
	        {"replicas", i.replicas},
	        {"input_format", i.input_format},
	        {"input_config", i.input_config},
	        {"input_topic", i.input_topic},
	        {"output_topic", i.output_topic},
	        {"dead_letter_topic", i.dead_letter_topic},
	        {"input_kafka_broker", i.input_kafka_broker},
	        {"output_kafka_broker", i.output_kafka_broker},
	        {"status", store::to_string(i.status)},
	        {"status_changed", i.status_changed},
	        {"status_detail", i.status_detail},
	        {"restarts", i.restarts},
	        {"restart_detail", restart_detail(i.restarts, i.last_exit)},
	        {"resources", store::resources_to_api(i.resources)},
	        {"exits", exits_json(i)},
	        {"created_at", i.created_at}};
}

json to_json(const store::Datasource &d) {
	return {{"id", d.id},
	        {"deployment", d.deployment},
	        {"topic", d.topic},
	        {"input_format", d.input_format},
	        {"input_config", d.input_config},
	        {"description", d.description},
	        {"validation_rate", d.validation_rate},
	        {"test_rate", d.test_rate},
	        {"total_msg", d.total_msg},
	        {"time", d.time},
	        {"records_deleted_at", d.records_deleted_at.empty() ? json(nullptr) : json(d.records_deleted_at)}};
}

json to_json(const store::RefusedControlMessage &r) {
	return {{"id", r.id},
	        {"control_message", r.control_message},
	        {"deployment", r.deployment ? json(*r.deployment) : json(nullptr)},
	        {"reason", r.reason},
	        {"time", r.time}};
}

} // namespace kafkaml::api
