// Inferences: a trained model deployed with N replicas between an input and
// an output topic, their reports, and the predictions as a live stream.

#include "api/api_http.h"
#include "api/api_server.h"
#include "api/entity_json.h"
#include "api/route_support.h"
#include "http/stream_channel.h"
#include "operations/inference_operations.h"

namespace kafkaml::api {
namespace {

using nlohmann::json;

//! One `data:` event. A value is one line for our replicas; anything else
//! on the topic keeps its lines, each its own `data:` field, as the
//! event-stream format joins them back.
std::string server_sent_event(std::string_view value) {
	std::string event = "data: ";
	for (char c : value) {
		if (c == '\n') {
			event += "\ndata: ";
		} else if (c != '\r') {
			event += c;
		}
	}
	event += "\n\n";
	return event;
}

//! The inference body's "model_version": "latest" or a version's number;
//! null or absent leaves the default. Throws a 400 naming the field.
void read_model_version(const json &body, std::optional<store::ServedModel> &served, int64_t &pinned_version) {
	if (!body.contains("model_version") || body["model_version"].is_null()) {
		return;
	}
	const json &value = body["model_version"];
	if (value.is_string() && value.get<std::string>() == "latest") {
		served = store::ServedModel::Latest;
		return;
	}
	if (value.is_number_integer() && value.get<int64_t>() >= 1) {
		served = store::ServedModel::Pinned;
		pinned_version = value.get<int64_t>();
		return;
	}
	throw ApiError(400,
	               "field \"model_version\" must be \"latest\" (follow the result's newest version) or a version's "
	               "number (1 or more; GET /api/v1/results/{id}/versions lists them)",
	               {{"field", "model_version"}});
}

//! A number field of an exit, or nullopt when absent. Throws a 400.
std::optional<double> number_of(const json &item, const char *name, const std::string &where) {
	if (!item.contains(name) || item[name].is_null()) {
		return std::nullopt;
	}
	if (!item[name].is_number()) {
		throw ApiError(400, where + " must hold a number in \"" + name + "\"", {{"field", "exits"}});
	}
	return item[name].get<double>();
}

//! The body's "exits": one object per stage of an early-exit chain.
std::vector<operations::ExitRequest> read_exits(const json &body) {
	std::vector<operations::ExitRequest> exits;
	if (!body.contains("exits") || body["exits"].is_null()) {
		return exits;
	}
	if (!body["exits"].is_array() || body["exits"].empty()) {
		throw ApiError(400,
		               "field \"exits\" must be a list with one object per exit of the model: {\"threshold\": "
		               "0.9, \"replicas\": 1, \"input_topic\": ..., \"bootstrap_servers\": ...}",
		               {{"field", "exits"}});
	}
	for (size_t k = 0; k < body["exits"].size(); ++k) {
		const json &item = body["exits"][k];
		std::string where = "exit " + std::to_string(k);
		if (!item.is_object()) {
			throw ApiError(400, where + " must be an object", {{"field", "exits"}});
		}
		operations::ExitRequest exit;
		exit.threshold = number_of(item, "threshold", where);
		if (auto replicas = number_of(item, "replicas", where)) {
			if (*replicas != static_cast<double>(static_cast<int64_t>(*replicas))) {
				throw ApiError(400, where + " must hold a whole number in \"replicas\"", {{"field", "exits"}});
			}
			exit.replicas = static_cast<int64_t>(*replicas);
		}
		exit.confidence = optional_text_field(item, "confidence");
		exit.input_topic = optional_text_field(item, "input_topic");
		exit.bootstrap_servers = optional_text_field(item, "bootstrap_servers");
		exits.push_back(std::move(exit));
	}
	return exits;
}

// The original Kafka-ML's fields of a distributed inference. Its clients
// send "" and null for them on any inference: those mean absent.
void read_upper_link(const json &body, operations::InferenceRequest &request) {
	if (body.contains("limit") && !body["limit"].is_null()) {
		if (!body["limit"].is_number()) {
			throw ApiError(400, "field \"limit\" must be a number from 0 to 1", {{"field", "limit"}});
		}
		request.limit = body["limit"].get<double>();
	}
	for (auto [name, target] : {std::pair{"output_upper", &request.output_upper},
	                            std::pair{"upper_kafka_broker", &request.upper_kafka_broker}}) {
		auto value = optional_text_field(body, name);
		if (value && !value->empty()) {
			*target = std::move(value);
		}
	}
}

json thresholds_json(const store::Inference &inference) {
	json thresholds = json::array();
	for (const auto &exit : inference.exits) {
		thresholds.push_back(exit.threshold);
	}
	return {{"inference", inference.id}, {"thresholds", thresholds}};
}

// Per stage of an early-exit chain, from its live replicas: inputs handled
// per second, lag, and how many inputs its exit answered and forwarded. The
// shares are of the inputs stage 0 took, over what the live replicas saw
// since they started.
void add_stage_figures(json &answer, const std::vector<ApiMetrics::LiveReplica> &live) {
	size_t stages = answer["exits"].size();
	if (stages == 0) {
		return;
	}
	struct Sums {
		int64_t replicas = 0;
		double per_second = 0;
		std::optional<int64_t> lag;
		uint64_t answered = 0;
		uint64_t forwarded = 0;
	};
	std::vector<Sums> sums(stages);
	for (const auto &replica : live) {
		if (!replica.stage || replica.stage->stage < 0 || size_t(replica.stage->stage) >= stages) {
			continue;
		}
		auto &sum = sums[replica.stage->stage];
		sum.replicas += 1;
		sum.per_second += replica.throughput;
		if (replica.lag) {
			sum.lag = sum.lag.value_or(0) + *replica.lag;
		}
		sum.answered += replica.stage->answered_total;
		sum.forwarded += replica.stage->forwarded_total;
	}
	uint64_t entered = sums[0].answered + sums[0].forwarded;
	json figures = json::array();
	for (size_t k = 0; k < stages; ++k) {
		const auto &sum = sums[k];
		figures.push_back({{"exit", k},
		                   {"live_replicas", sum.replicas},
		                   {"inputs_per_second", sum.per_second},
		                   {"consumer_lag", sum.lag ? json(*sum.lag) : json(nullptr)},
		                   {"answered_total", sum.answered},
		                   {"forwarded_total", sum.forwarded},
		                   {"answered_share", entered ? json(double(sum.answered) / double(entered)) : json(nullptr)}});
	}
	answer["stages"] = std::move(figures);
}

json serving_json(const store::Inference &inference, const operations::InferenceServing &serving) {
	json answer = {{"inference", inference.id},
	               {"model_result", serving.result},
	               {"model_version", to_json(inference).at("model_version")},
	               {"version", serving.version ? json(*serving.version) : json(nullptr)},
	               {"ready", serving.ready}};
	return answer;
}

} // namespace

void ApiServer::register_inference_routes() {
	store::Store &db = *options_.store;
	executors::JobExecutor &executor = *options_.executor;

	add("GET", "/api/v1/inferences", [&db](Call &call) { call.reply(200, json_list(db.list_inferences())); });
	add("POST", "/api/v1/inferences", [this, &db, &executor](Call &call) {
		json body = call.body();
		operations::InferenceRequest request;
		request.model_result = integer_field(body, "model_result");
		request.replicas = integer_field(body, "replicas", 1);
		request.input_topic = text_field(body, "input_topic");
		request.output_topic = text_field(body, "output_topic");
		request.dead_letter_topic = optional_text_field(body, "dead_letter_topic");
		request.input_format = text_field(body, "input_format", "");
		request.input_config = object_field(body, "input_config", nullptr);
		request.input_kafka_broker = optional_text_field(body, "input_kafka_broker");
		request.output_kafka_broker = optional_text_field(body, "output_kafka_broker");
		read_model_version(body, request.served, request.pinned_version);
		request.resources = body.value("resources", json());
		request.exits = read_exits(body);
		read_upper_link(body, request);
		auto created = operations::create_inference(db, executor, request, inference_environment_);
		json answer = to_json(created.inference);
		answer["notes"] = created.notes;
		answer["warnings"] = created.warnings;
		call.reply(201, answer);
	});
	add("GET", "/api/v1/inferences/{id}", [this, &db](Call &call) {
		json answer = to_json(db.get_inference(call.id()));
		json live = json::array();
		for (const auto &replica : metrics_->live_replicas(call.id())) {
			live.push_back({{"replica", replica.replica},
			                {"model_version", replica.model_version ? json(*replica.model_version) : json(nullptr)},
			                {"predictions_per_second", replica.throughput},
			                {"consumer_lag", replica.lag ? json(*replica.lag) : json(nullptr)},
			                {"seconds_since_report", replica.seconds_since_report}});
		}
		answer["live_replicas"] = std::move(live);
		add_stage_figures(answer, metrics_->live_replicas(call.id()));
		call.reply(200, answer);
	});
	// The thresholds of an early-exit chain's stages: each stage replica asks
	// about once a second and decides its next batch with the new value.
	add("GET", "/api/v1/inferences/{id}/exits",
	    [&db](Call &call) { call.reply(200, thresholds_json(db.get_inference(call.id()))); });
	add("POST", "/api/v1/inferences/{id}/exits", [&db](Call &call) {
		json body = call.body();
		if (!body.contains("thresholds") || !body["thresholds"].is_array()) {
			throw ApiError(400,
			               "field \"thresholds\" is required: a list with one number from 0 to 1 per exit (the "
			               "last is ignored)",
			               {{"field", "thresholds"}});
		}
		std::vector<double> thresholds;
		for (const auto &value : body["thresholds"]) {
			if (!value.is_number()) {
				throw ApiError(400, "field \"thresholds\" must hold numbers only", {{"field", "thresholds"}});
			}
			thresholds.push_back(value.get<double>());
		}
		auto inference = operations::set_inference_thresholds(db, call.id(), thresholds);
		call.reply(200, to_json(inference));
	});
	// What the replicas should serve: each asks several times a second and
	// loads a model it does not serve yet (model rollout).
	add("GET", "/api/v1/inferences/{id}/version", [&db](Call &call) {
		auto serving = operations::inference_serving(db, call.id());
		call.reply(200, serving_json(db.get_inference(call.id()), serving));
	});
	add("POST", "/api/v1/inferences/{id}/version", [&db](Call &call) {
		json body = call.body();
		std::optional<store::ServedModel> served;
		int64_t pinned = 0;
		read_model_version(body, served, pinned);
		if (!served) {
			throw ApiError(400, "field \"model_version\" is required: \"latest\" or a version's number",
			               {{"field", "model_version"}});
		}
		auto inference = operations::set_inference_model_version(db, call.id(), *served, pinned);
		call.reply(200, serving_json(inference, operations::inference_serving(db, inference.id)));
	});
	add("POST", "/api/v1/inferences/{id}/scale", [this, &db, &executor](Call &call) {
		json body = call.body();
		int64_t replicas = integer_field(body, "replicas");
		auto scaled = operations::scale_inference(db, executor, call.id(), replicas, inference_environment_);
		json answer = to_json(scaled.inference);
		answer["warnings"] = scaled.warnings;
		call.reply(200, answer);
	});
	// Each replica reports its figures about once a second; the first report
	// of a replica that consumes marks a deployed inference running. A
	// stopped inference answers 409 so that a replica left behind notices.
	add("POST", "/api/v1/inferences/{id}/stats", [this, &db](Call &call) {
		json body = call.body();
		int64_t id = call.id();
		std::string replica = text_field(body, "replica");
		double throughput = 0;
		if (body.contains("predictions_per_second")) {
			if (!body["predictions_per_second"].is_number() || body["predictions_per_second"].get<double>() < 0) {
				throw ApiError(400, "field \"predictions_per_second\" must be a number of at least 0",
				               {{"field", "predictions_per_second"}});
			}
			throughput = body["predictions_per_second"].get<double>();
		}
		std::optional<int64_t> lag;
		if (body.contains("consumer_lag") && !body["consumer_lag"].is_null()) {
			lag = integer_field(body, "consumer_lag");
		}
		bool consuming = boolean_field(body, "consuming", false);
		std::optional<int64_t> version;
		if (body.contains("model_version") && !body["model_version"].is_null()) {
			version = integer_field(body, "model_version");
		}
		std::optional<ApiMetrics::StageCounts> stage;
		if (body.contains("stage") && !body["stage"].is_null()) {
			stage = ApiMetrics::StageCounts{integer_field(body, "stage"),
			                                uint64_t(integer_field(body, "answered_total", 0)),
			                                uint64_t(integer_field(body, "forwarded_total", 0))};
		}
		auto inference = operations::accept_replica_report(db, id, consuming);
		metrics_->report_replica(id, replica, throughput, lag, version, stage);
		call.reply(200, to_json(inference));
	});
	// A replica's error that no restart would mend (a model it cannot load,
	// an input config it cannot decode): the inference fails with it at
	// once, instead of after the crash-loop limit, and the other replicas
	// end on their next report (409).
	add("POST", "/api/v1/inferences/{id}/status", [&db](Call &call) {
		json body = call.body();
		std::string status = text_field(body, "status");
		if (status != "failed") {
			throw ApiError(400,
			               "field \"status\" must be \"failed\": replicas report only their failure; to end an "
			               "inference use POST /api/v1/inferences/{id}/stop",
			               {{"field", "status"}});
		}
		std::string replica = text_field(body, "replica", "");
		std::string detail = text_field(body, "detail", "");
		call.reply(200, to_json(operations::fail_inference(db, call.id(), replica, detail)));
	});
	add("POST", "/api/v1/inferences/{id}/stop", [&db, &executor](Call &call) {
		call.reply(200, to_json(operations::stop_inference(db, executor, call.id())));
	});
	add("DELETE", "/api/v1/inferences/{id}", [&db](Call &call) {
		db.delete_inference(call.id());
		call.no_content();
	});
	// Server-sent events: one `data:` event per prediction on the output
	// topic, from now on; the HTTP server sends a comment line every second
	// while there is none, which keeps proxies and the browser from timing
	// the connection out and finds clients that left. No token: EventSource
	// cannot send one, and GET calls never need it. Each client address may
	// hold a bounded number of streams (http::ServerOptions).
	add("GET", "/api/v1/inferences/{id}/predictions/stream",
	    [this, &db](Call &call) {
		    auto inference = db.get_inference(call.id());
		    if (!options_.predictions) {
			    throw ApiError(404, "live predictions are not available: this server has no Kafka connection");
		    }
		    auto channel = std::make_shared<http::StreamChannel>();
		    std::weak_ptr<http::StreamChannel> target = channel;
		    auto subscription = options_.predictions->subscribe(inference.output_kafka_broker, inference.output_topic,
		                                                        [target](std::string_view value) {
			                                                        if (auto open = target.lock()) {
				                                                        open->push(server_sent_event(value));
			                                                        }
		                                                        });
		    channel->keep(std::shared_ptr<PredictionSubscription>(std::move(subscription)));
		    call.response.content_type = "text/event-stream";
		    call.response.stream = std::move(channel);
	    },
	    {.streams = true});
}

} // namespace kafkaml::api
