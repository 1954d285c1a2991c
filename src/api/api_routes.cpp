// The resource handlers of the REST API (openapi.json). Each runs on an HTTP
// worker thread; it reads and writes through the Store (atomic per call)
// and asks the JobExecutor to start or stop processes. When the store and
// the executor must both change, the executor goes first on stop
// (so nothing keeps running under a "stopped" status) and the store first
// on start (so a job that starts at once finds its record).

#include "api/api_http.h"
#include "api/api_server.h"
#include "api/entity_json.h"
#include "common/json_input.h"
#include "http/stream_channel.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>

namespace kafkaml::api {
namespace {

using nlohmann::json;
using store::ResultStatus;

//! A model definition is at most 1 MiB of text; escaped in JSON it may take
//! a few times that.
constexpr size_t kModelBodyLimit = size_t{8} << 20;
//! A job reports the epochs that ended since its last report; after a long
//! wait for the server that may be thousands.
constexpr size_t kEpochsBodyLimit = size_t{16} << 20;

template <typename T>
json json_list(const std::vector<T> &items) {
	json out = json::array();
	for (const auto &item : items) {
		out.push_back(to_json(item));
	}
	return out;
}

// kwargs_fit / kwargs_val: an object or the original's "epochs=5, ..." text.
json parse_kwargs_field(const KwargsParser &parse, const json &value, const char *name) {
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
	std::string text = value.is_string() ? value.get<std::string>() : value.dump();
	try {
		return parse(text);
	} catch (const ValidationError &e) {
		throw ApiError(400, std::string("field \"") + name + "\" is invalid: " + e.what(),
		               {{"field", name}, {"line", e.line}, {"column", e.column}});
	}
}

// A job that gets SIGTERM reports "stopped" itself before it ends, so by the
// time the executor returned the result may already be where the user
// wanted it (or finished or failed in the meantime): that is the answer, not
// a conflict.
store::Result mark_result_stopped(store::Store &db, int64_t id) {
	try {
		return db.update_result_status(id, ResultStatus::Stopped, {.detail = "stopped by the user"});
	} catch (const store::Conflict &) {
		auto current = db.get_result(id, {.which = store::EpochQuery::Which::none});
		if (store::is_terminal(current.status)) {
			return current;
		}
		throw;
	}
}

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

// A configuration trains each of its models once, in parallel on the same
// stream: the same model twice would train twice for nothing.
std::vector<int64_t> model_ids_field(const json &body) {
	auto ids = id_list_field(body, "ml_models");
	if (ids.empty()) {
		throw ApiError(400, "field \"ml_models\" is empty; list the ids of the models to train together",
		               {{"field", "ml_models"}});
	}
	for (size_t i = 0; i < ids.size(); i++) {
		if (std::find(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(i), ids[i]) !=
		    ids.begin() + static_cast<std::ptrdiff_t>(i)) {
			throw ApiError(400,
			               "field \"ml_models\" names model " + std::to_string(ids[i]) +
			                   " twice; a model appears once in a configuration (create a copy of the model to "
			                   "train it twice)",
			               {{"field", "ml_models"}});
		}
	}
	return ids;
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

//! "keras" or "pytorch", from the names users and the original's API give
//! them ("tf", "tensorflow", "pth", "torch").
std::string framework_field(const json &body, const std::string &fallback) {
	std::string text = text_field(body, "framework", fallback);
	std::string lower;
	for (char c : text) {
		lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
	}
	if (lower == "keras" || lower == "tf" || lower == "tensorflow" || lower == "tf.keras") {
		return "keras";
	}
	if (lower == "pytorch" || lower == "pth" || lower == "torch" || lower == "torchscript") {
		return "pytorch";
	}
	throw ApiError(400,
	               "field \"framework\" must be keras (code is the model's definition) or pytorch (code is its "
	               "compile() arguments, the network an uploaded TorchScript module), not \"" +
	                   printable(text) + "\"",
	               {{"field", "framework"}});
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

std::string upper(std::string text) {
	std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return char(std::toupper(c)); });
	return text;
}

} // namespace

void ApiServer::register_routes() {
	store::Store &db = *options_.store;
	executors::JobExecutor &executor = *options_.executor;

	// A Keras model's code is its definition; a PyTorch model's code is the
	// arguments of its compile() (its network is the uploaded module).
	auto validate = [this](const store::Model &m) {
		try {
			if (m.framework == "pytorch") {
				if (!options_.validate_compile) {
					throw ApiError(501, "this server has no model engine to take PyTorch models with");
				}
				options_.validate_compile(m.code);
				return;
			}
			options_.validate_model(m.code);
		} catch (const ValidationError &e) {
			std::string what =
			    m.framework == "pytorch" ? "the compile arguments are invalid: " : "the model code is invalid: ";
			throw ApiError(400, what + e.what(),
			               {{"field", "code"}, {"line", e.line}, {"column", e.column}, {"message", e.what()}});
		}
	};

	// ---- models
	add("GET", "/api/v1/models", [&db](Call &call) { call.reply(200, json_list(db.list_models())); });
	add("POST", "/api/v1/models",
	    [&db, validate](Call &call) {
		    json body = call.body();
		    store::Model m;
		    m.name = text_field(body, "name");
		    m.description = text_field(body, "description", "");
		    m.imports = text_field(body, "imports", "");
		    m.code = text_field(body, "code");
		    m.framework = framework_field(body, "keras");
		    validate(m);
		    call.reply(201, to_json(db.create_model(m)));
	    },
	    {.max_body = kModelBodyLimit});
	add("GET", "/api/v1/models/{id}", [&db](Call &call) { call.reply(200, to_json(db.get_model(call.id()))); });
	add("PUT", "/api/v1/models/{id}",
	    [&db, validate](Call &call) {
		    json body = call.body();
		    store::Model m = db.get_model(call.id());
		    m.name = text_field(body, "name", m.name);
		    m.description = text_field(body, "description", m.description);
		    m.imports = text_field(body, "imports", m.imports);
		    m.code = text_field(body, "code", m.code);
		    m.framework = framework_field(body, m.framework);
		    validate(m);
		    call.reply(200, to_json(db.update_model(m)));
	    },
	    {.max_body = kModelBodyLimit});
	add("DELETE", "/api/v1/models/{id}", [&db](Call &call) {
		db.delete_model(call.id());
		call.no_content();
	});
	// A PyTorch model's network: the bytes of torch.jit.save, uploaded as is.
	add("PUT", "/api/v1/models/{id}/module",
	    [this, &db](Call &call) {
		    auto model = db.get_model(call.id());
		    if (model.framework != "pytorch") {
			    throw ApiError(409, "model " + std::to_string(model.id) +
			                            " is a Keras model, defined by its code; a TorchScript module belongs to a "
			                            "model created with \"framework\": \"pytorch\"");
		    }
		    if (call.request.body.empty()) {
			    throw ApiError(400, "the request body is empty; send the bytes torch.jit.save wrote");
		    }
		    if (!options_.validate_module) {
			    throw ApiError(501, "this server has no model engine to take PyTorch models with");
		    }
		    try {
			    options_.validate_module(call.request.body);
		    } catch (const ValidationError &e) {
			    throw ApiError(400,
			                   std::string("the upload is not a TorchScript module this system trains: ") + e.what());
		    }
		    db.put_model_module(model.id, call.request.body);
		    call.reply(200, to_json(db.get_model(model.id)));
	    },
	    {.max_body = options_.max_model_bytes});
	add("GET", "/api/v1/models/{id}/module", [&db](Call &call) {
		int64_t id = call.id();
		auto bytes = db.get_model_module(id);
		if (!bytes) {
			throw ApiError(404, "model " + std::to_string(id) +
			                        " has no TorchScript module; upload it with PUT "
			                        "/api/v1/models/" +
			                        std::to_string(id) + "/module");
		}
		call.response.headers.set("Content-Disposition",
		                          "attachment; filename=\"model-" + std::to_string(id) + "-torchscript.pt\"");
		call.send(std::move(*bytes), "application/octet-stream");
	});

	// ---- configurations
	add("GET", "/api/v1/configurations", [&db](Call &call) { call.reply(200, json_list(db.list_configurations())); });
	add("POST", "/api/v1/configurations", [&db](Call &call) {
		json body = call.body();
		store::Configuration c;
		c.name = text_field(body, "name");
		c.description = text_field(body, "description", "");
		c.ml_models = model_ids_field(body);
		call.reply(201, to_json(db.create_configuration(c)));
	});
	add("GET", "/api/v1/configurations/{id}",
	    [&db](Call &call) { call.reply(200, to_json(db.get_configuration(call.id()))); });
	add("PUT", "/api/v1/configurations/{id}", [&db](Call &call) {
		json body = call.body();
		store::Configuration c = db.get_configuration(call.id());
		c.name = text_field(body, "name", c.name);
		c.description = text_field(body, "description", c.description);
		if (body.contains("ml_models")) {
			c.ml_models = model_ids_field(body);
		}
		call.reply(200, to_json(db.update_configuration(c)));
	});
	add("DELETE", "/api/v1/configurations/{id}", [&db](Call &call) {
		db.delete_configuration(call.id());
		call.no_content();
	});

	// ---- deployments
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
		d.kwargs_fit_parsed = parse_kwargs_field(options_.parse_kwargs, d.kwargs_fit, "kwargs_fit");
		d.kwargs_val_parsed = parse_kwargs_field(options_.parse_kwargs, d.kwargs_val, "kwargs_val");
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

	// ---- results
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
		call.reply(200, to_json(db.get_result(call.id(), epochs)));
	});
	add("DELETE", "/api/v1/results/{id}", [&db](Call &call) {
		db.delete_result(call.id());
		call.no_content();
	});
	// ?format=kafkaml (the default: what `kafkaml infer` loads) or pytorch
	// (a file torch.load reads, the export of `kafkaml model fit --export`).
	add("GET", "/api/v1/results/{id}/model", [this, &db](Call &call) {
		int64_t id = call.id();
		std::string format = call.request.has_param("format") ? call.param("format") : "kafkaml";
		if (format != "kafkaml" && format != "pytorch") {
			throw ApiError(400,
			               "query parameter \"format\" must be kafkaml (the file kafkaml infer loads) or pytorch (a "
			               "file torch.load reads), not \"" +
			                   printable(format) + "\"",
			               {{"parameter", "format"}});
		}
		auto bytes = db.get_trained_model(id);
		if (!bytes) {
			auto status = db.get_result(id, {.which = store::EpochQuery::Which::none}).status;
			throw ApiError(404, "result " + std::to_string(id) + " has no trained model yet (it is " +
			                        std::string(store::to_string(status)) + "); download it once it is finished");
		}
		// File names say what the file is: ours is no PyTorch file, and a
		// PyTorch user tells torch.load's dict of weights from a module
		// torch.jit.load runs.
		std::string file = "result-" + std::to_string(id) + ".kafkaml";
		if (format == "pytorch") {
			if (!options_.export_pytorch) {
				throw ApiError(501, "this server has no model engine to convert models with; download "
				                    "format=kafkaml instead");
			}
			try {
				*bytes = options_.export_pytorch(*bytes);
			} catch (const std::exception &e) {
				throw ApiError(500, "result " + std::to_string(id) +
				                        "'s model could not be converted for PyTorch: " + e.what());
			}
			auto result = db.get_result(id, {.which = store::EpochQuery::Which::none});
			bool module = db.get_model(result.model).framework == "pytorch";
			file = "result-" + std::to_string(id) + (module ? "-torchscript.pt" : "-weights.pt");
		}
		call.response.headers.set("Content-Disposition", "attachment; filename=\"" + file + "\"");
		call.send(std::move(*bytes), "application/octet-stream");
	});
	add("PUT", "/api/v1/results/{id}/model",
	    [&db](Call &call) {
		    if (call.request.body.empty()) {
			    throw ApiError(400, "the request body is empty; send the trained model's bytes");
		    }
		    db.put_trained_model(call.id(), call.request.body);
		    call.no_content();
	    },
	    {.max_body = options_.max_model_bytes});
	add("POST", "/api/v1/results/{id}/stop", [&db, &executor](Call &call) {
		int64_t id = call.id();
		auto result = db.get_result(id, {.which = store::EpochQuery::Which::none});
		if (store::is_terminal(result.status)) {
			throw ApiError(409, "result " + std::to_string(id) + " is already " +
			                        std::string(store::to_string(result.status)) + "; there is nothing to stop");
		}
		executor.stop(store::JobKind::Training, id);
		call.reply(200, to_json(mark_result_stopped(db, id)));
	});
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
		    if (epochs.empty()) {
			    call.no_content();
			    return;
		    }
		    db.append_epochs(id, epochs);
		    int64_t last = 0;
		    for (const auto &epoch : epochs) {
			    last = std::max(last, epoch.epoch);
		    }
		    auto result = db.get_result(id, {.which = store::EpochQuery::Which::none});
		    auto planned = db.get_deployment(result.deployment).kwargs_fit_parsed.value("epochs", json(1));
		    if (planned.is_number() && planned.get<double>() > 0) {
			    metrics_->training_progress(id).Set(std::min(1.0, double(last) / planned.get<double>()));
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
		if (body.contains("new_run")) {
			if (!body["new_run"].is_boolean()) {
				throw ApiError(400, "field \"new_run\" must be true or false", {{"field", "new_run"}});
			}
			report.new_run = body["new_run"].get<bool>();
		}
		if (body.contains("input_format")) {
			report.input_format = upper(text_field(body, "input_format"));
			report.input_config = object_field(body, "input_config", json::object());
		}
		call.reply(200, to_json(db.update_result_status(call.id(), to, report)));
	});

	// ---- inferences
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
			} catch (const ValidationError &e) {
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

	// ---- datasources
	add("GET", "/api/v1/datasources", [&db](Call &call) { call.reply(200, json_list(db.list_datasources())); });
	add("GET", "/api/v1/datasources/refused",
	    [&db](Call &call) { call.reply(200, json_list(db.list_refused_control_messages())); });
	add("GET", "/api/v1/datasources/{id}",
	    [&db](Call &call) { call.reply(200, to_json(db.get_datasource(call.id()))); });
	add("POST", "/api/v1/datasources/{id}/send", [this, &db](Call &call) {
		json body = call.body();
		auto source = db.get_datasource(call.id());
		int64_t deployment = integer_field(body, "deployment");
		try {
			db.get_deployment(deployment);
		} catch (const store::NotFound &e) {
			throw ApiError(400, std::string(e.what()) + "; deploy a configuration first and send its id");
		}
		// No job of a deployment whose results all ended would read the
		// stream: the control message would go unheard.
		auto results = db.list_results(deployment);
		if (std::all_of(results.begin(), results.end(),
		                [](const store::Result &r) { return store::is_terminal(r.status); })) {
			throw ApiError(409,
			               "deployment " + std::to_string(deployment) +
			                   "'s results are final (finished, failed or stopped), so no job would train on "
			                   "this stream; deploy the configuration again (POST /api/v1/deployments) and send "
			                   "it to the new deployment",
			               {{"deployment", deployment}});
		}
		if (!options_.publisher) {
			throw ApiError(503, "this server has no Kafka connection to send control messages with; start it with "
			                    "--bootstrap-servers HOST:PORT");
		}
		try {
			options_.publisher->publish(deployment, source);
		} catch (const std::exception &e) {
			throw ApiError(503, std::string("the control message could not be sent: ") + e.what() +
			                        "; check that Kafka is reachable and try again");
		}
		call.reply(202, {{"datasource", source.id}, {"deployment", deployment}, {"topic", source.topic}});
	});
}

} // namespace kafkaml::api
