// Inferences: a trained model deployed with N replicas between an input and
// an output topic, their reports, and the predictions as a live stream.

#include "api/api_http.h"
#include "api/api_server.h"
#include "api/entity_json.h"
#include "api/route_support.h"
#include "http/stream_channel.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace kafkaml::api {
namespace {

using nlohmann::json;

store::Inference mark_inference_stopped(store::Store &db, int64_t id) {
	try {
		return db.update_inference_status(id, store::InferenceStatus::Stopped, "stopped by the user");
	} catch (const store::Conflict &) {
		auto current = db.get_inference(id);
		if (store::is_terminal(current.status)) {
			return current;
		}
		throw;
	}
}

void check_replicas(int64_t replicas, int64_t max_replicas) {
	if (replicas < 1 || replicas > max_replicas) {
		throw ApiError(400,
		               "field \"replicas\" must be between 1 and " + std::to_string(max_replicas) +
		                   " (each replica is a process; the server's --max-replicas sets the limit), not " +
		                   std::to_string(replicas),
		               {{"field", "replicas"}, {"max", max_replicas}});
	}
}

// A partition is read by one member of a consumer group, so replicas beyond
// the partition count get nothing to do. Allowed (partitions may be added
// later), but said.
json idle_replica_warnings(const PartitionCounter &partition_count, const store::Inference &inference) {
	json warnings = json::array();
	if (!partition_count) {
		return warnings;
	}
	auto partitions = partition_count(inference.input_topic);
	if (!partitions || *partitions >= inference.replicas) {
		return warnings;
	}
	int64_t idle = inference.replicas - *partitions;
	std::string text = "inference " + std::to_string(inference.id) + " has " + std::to_string(inference.replicas) +
	                   " replicas but its input topic \"" + inference.input_topic + "\" has " +
	                   std::to_string(*partitions) + " partition(s): " + std::to_string(idle) +
	                   " replica(s) sit idle, as each partition is read by one replica. Add partitions (Kafka: "
	                   "kafka-topics.sh --alter --topic " +
	                   inference.input_topic + " --partitions " + std::to_string(inference.replicas) +
	                   ") or scale down to " + std::to_string(*partitions);
	spdlog::warn("{}", text);
	warnings.push_back(text);
	return warnings;
}

// Kafka's rule for topic names: a bad one would only fail later, in every
// replica.
void check_topic_name(const char *field, const std::string &topic) {
	bool valid = !topic.empty() && topic.size() <= 249 && topic != "." && topic != ".." &&
	             std::all_of(topic.begin(), topic.end(),
	                         [](unsigned char c) { return std::isalnum(c) || c == '.' || c == '_' || c == '-'; });
	if (!valid) {
		throw ApiError(400,
		               std::string("field \"") + field + "\" is not a valid Kafka topic name: \"" + topic +
		                   "\"; use 1 to 249 of the characters a-z A-Z 0-9 . _ - (but not \".\" or \"..\")",
		               {{"field", field}});
	}
}

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
		store::Inference i;
		i.model_result = integer_field(body, "model_result");
		i.replicas = integer_field(body, "replicas", 1);
		check_replicas(i.replicas, options_.max_replicas);
		i.input_topic = text_field(body, "input_topic");
		i.output_topic = text_field(body, "output_topic");
		i.dead_letter_topic = text_field(body, "dead_letter_topic", i.input_topic + "-dead-letter");
		for (auto [field, topic] :
		     {std::pair{"input_topic", &i.input_topic}, std::pair{"output_topic", &i.output_topic},
		      std::pair{"dead_letter_topic", &i.dead_letter_topic}}) {
			check_topic_name(field, *topic);
		}
		if (i.output_topic == i.input_topic || i.dead_letter_topic == i.input_topic) {
			const char *field = i.output_topic == i.input_topic ? "output_topic" : "dead_letter_topic";
			throw ApiError(400,
			               std::string("field \"") + field +
			                   "\" is the input topic: the replicas would read what they write; name another topic",
			               {{"field", field}});
		}
		i.input_format = upper(text_field(body, "input_format", ""));
		i.input_config = object_field(body, "input_config", nullptr);
		store::Result result;
		try {
			result = db.get_result(i.model_result, {.which = store::EpochQuery::Which::none});
		} catch (const store::NotFound &e) {
			throw ApiError(400, std::string(e.what()) + "; pick a finished result from GET /api/v1/results");
		}
		// Pre-fill the input's format from the stream the model trained on:
		// as its training job read it, or else as the control logger
		// recorded it.
		if ((i.input_format.empty() || i.input_config.is_null()) && !result.input_format.empty()) {
			if (i.input_format.empty()) {
				i.input_format = result.input_format;
			}
			if (i.input_config.is_null()) {
				i.input_config = result.input_config;
			}
		}
		if (i.input_format.empty() || i.input_config.is_null()) {
			if (auto source = db.latest_datasource(result.deployment)) {
				if (i.input_format.empty()) {
					i.input_format = upper(source->input_format);
				}
				if (i.input_config.is_null()) {
					i.input_config = source->input_config;
				}
			}
		}
		if (i.input_format.empty()) {
			throw ApiError(400,
			               "field \"input_format\" is required (RAW, AVRO or JSON): no data stream was recorded for "
			               "deployment " +
			                   std::to_string(result.deployment) + " to take it from");
		}
		if (i.input_format != "RAW" && i.input_format != "AVRO" && i.input_format != "JSON") {
			throw ApiError(400, "field \"input_format\" must be RAW, AVRO or JSON, not " + i.input_format,
			               {{"field", "input_format"}});
		}
		if (i.input_config.is_null()) {
			i.input_config = json::object();
		}
		if (options_.validate_input) {
			try {
				options_.validate_input(i.input_format, i.input_config);
			} catch (const operations::ValidationError &e) {
				throw ApiError(400,
				               std::string("field \"input_config\" does not fit input_format ") + i.input_format +
				                   ": " + e.what(),
				               {{"field", "input_config"}});
			}
		}
		json notes = json::array();
		if (options_.create_input_topic &&
		    options_.create_input_topic(i.input_topic, static_cast<int32_t>(i.replicas))) {
			notes.push_back("created the input topic \"" + i.input_topic + "\" with " + std::to_string(i.replicas) +
			                " partition(s), one per replica");
		}
		store::Inference created = db.create_inference(i);
		try {
			executor.start_inference(created);
		} catch (const std::exception &e) {
			created = db.update_inference_status(created.id, store::InferenceStatus::Failed, e.what());
			throw ApiError(503, std::string("the inference was recorded but its replicas could not start: ") + e.what(),
			               to_json(created));
		}
		json answer = to_json(created);
		answer["notes"] = notes;
		answer["warnings"] = idle_replica_warnings(options_.partition_count, created);
		call.reply(201, answer);
	});
	add("GET", "/api/v1/inferences/{id}", [&db](Call &call) { call.reply(200, to_json(db.get_inference(call.id()))); });
	add("POST", "/api/v1/inferences/{id}/scale", [this, &db, &executor](Call &call) {
		json body = call.body();
		int64_t replicas = integer_field(body, "replicas");
		check_replicas(replicas, options_.max_replicas);
		auto scaled = db.set_inference_replicas(call.id(), replicas);
		executor.scale(scaled.id, replicas);
		json answer = to_json(scaled);
		answer["warnings"] = idle_replica_warnings(options_.partition_count, scaled);
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
		auto inference = db.get_inference(id);
		if (store::is_terminal(inference.status)) {
			throw ApiError(409, "inference " + std::to_string(id) + " is " +
			                        std::string(store::to_string(inference.status)) + "; its replicas should end");
		}
		if (inference.status == store::InferenceStatus::Deployed && body.value("consuming", false)) {
			try {
				inference = db.update_inference_status(id, store::InferenceStatus::Running, "");
			} catch (const store::Conflict &) {
				// Stopped meanwhile: the next report answers 409.
			}
		}
		metrics_->report_replica(id, replica, throughput, lag);
		call.reply(200, to_json(inference));
	});
	add("POST", "/api/v1/inferences/{id}/stop", [&db, &executor](Call &call) {
		int64_t id = call.id();
		auto current = db.get_inference(id);
		if (store::is_terminal(current.status)) {
			throw ApiError(409, "inference " + std::to_string(id) + " is already " +
			                        std::string(store::to_string(current.status)) + "; there is nothing to stop");
		}
		executor.stop(store::JobKind::Inference, id);
		call.reply(200, to_json(mark_inference_stopped(db, id)));
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
