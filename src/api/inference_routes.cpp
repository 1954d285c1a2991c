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
		auto created = operations::create_inference(db, executor, request, inference_environment_);
		json answer = to_json(created.inference);
		answer["notes"] = created.notes;
		answer["warnings"] = created.warnings;
		call.reply(201, answer);
	});
	add("GET", "/api/v1/inferences/{id}", [&db](Call &call) { call.reply(200, to_json(db.get_inference(call.id()))); });
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
		auto inference = operations::accept_replica_report(db, id, consuming);
		metrics_->report_replica(id, replica, throughput, lag);
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
		    auto subscription =
		        options_.predictions->subscribe(inference.output_topic, [target](std::string_view value) {
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
