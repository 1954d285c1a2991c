#pragma once

// The REST API over the HTTP server of src/http: JSON under /api/v1, the
// OpenAPI document, Prometheus metrics at /metrics and the web UI's static
// files at / (index.html for client-side routes).
//
// Threading: start() binds and runs the HTTP server (its I/O thread and
// worker pool); handlers run on the workers concurrently and share only
// the Store, the JobExecutor, the ControlPublisher, the PredictionFeed
// (all thread-safe by contract) and ApiMetrics (atomic). The token check
// runs on the I/O thread, before a body is read. stop() may be called from
// any thread and returns once the server's threads have ended.

#include "api/admin_token.h"
#include "api/api_metrics.h"
#include "api/prediction_feed.h"
#include "executors/job_executor.h"
#include "http/server.h"
#include "operations/control_publisher.h"
#include "operations/inference_operations.h"
#include "operations/validation.h"
#include "store/store.h"

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kafkaml::api {

struct Call;

//! A trained model's bytes (as a training job uploaded them) as a file
//! PyTorch reads with torch.load; throws std::exception when they cannot be
//! converted. Thread: any HTTP worker.
using PytorchExporter = std::function<std::string(std::string_view model_blob)>;

struct ApiOptions {
	store::Store *store = nullptr;              //!< required
	executors::JobExecutor *executor = nullptr; //!< required
	//! Optional: without it datasources/{id}/send answers 503.
	operations::ControlPublisher *publisher = nullptr;
	PredictionFeed *predictions = nullptr;     //!< optional: without it the live predictions stream answers 404
	operations::ModelValidator validate_model; //!< required
	//! Optional: without them, models of framework "pytorch" are refused (501).
	operations::CompileValidator validate_compile;
	operations::ModuleValidator validate_module;
	operations::InputValidator validate_input; //!< optional: without it input_config is stored unchecked
	//! Optional: without it no warning says that replicas beyond the input
	//! topic's partitions sit idle.
	operations::PartitionCounter partition_count;
	//! Optional: an inference whose input topic does not exist yet gets it
	//! with one partition per replica, so that none sits idle; without it the
	//! topic is left to the cluster's auto-creation (often one partition).
	operations::TopicCreator create_input_topic;
	//! Optional: without it `GET results/{id}/model?format=pytorch` answers 501.
	PytorchExporter export_pytorch;
	//! Most replicas one inference may have: each is a process on this machine.
	int64_t max_replicas = 64;
	//! A replica that has not reported its figures for this long no longer
	//! counts in the inference metrics.
	std::chrono::milliseconds replica_stats_expiry = std::chrono::seconds(5);
	std::string admin_token; //!< the bearer token mutating calls need
	std::string web_root;    //!< directory served at /; empty: none
	//! Largest trained model a job may upload (PUT results/{id}/model).
	size_t max_model_bytes = size_t{2} << 30;
	//! Connections, timeouts, body and stream limits of the HTTP server.
	//! Its error_response and on_response are the API's own.
	http::ServerOptions http;
};

//! One route the server answers: method and path template ("/api/v1/models/{id}").
struct Route {
	std::string method;
	std::string path;
};

//! What a route accepts beyond the HTTP server's defaults.
struct RouteLimits {
	size_t max_body = 0; //!< 0: the HTTP server's default (1 MiB)
	bool streams = false;
};

class ApiServer {
public:
	explicit ApiServer(ApiOptions options);
	~ApiServer();
	ApiServer(const ApiServer &) = delete;
	ApiServer &operator=(const ApiServer &) = delete;

	//! Binds host:port (port 0: any free port) and starts serving. Throws
	//! std::runtime_error when the address cannot be bound.
	void start(const std::string &host, int port);
	void stop();
	int port() const { return port_; }
	//! Every route registered, for the OpenAPI completeness check.
	const std::vector<Route> &routes() const { return routes_; }
	ApiMetrics &metrics() { return *metrics_; }
	//! Connections and streams held, requests refused (zeros before start).
	http::ServerStats http_stats() const;
	//! Answers `request` as the HTTP server would (route, token check, then
	//! the handler), without a socket or the server's size limits: for
	//! tests and the fuzzer. Thread: any.
	http::Response handle(http::Request &request);

private:
	//! Registers `handler` for `method` and `path` ("{id}" matches a numeric
	//! id); non-GET routes require the bearer token, checked before the
	//! body is read.
	void add(const std::string &method, const std::string &path, std::function<void(Call &)> handler,
	         RouteLimits limits = {});
	// One per resource, each in its <resource>_routes.cpp.
	void register_model_routes();
	void register_configuration_routes();
	void register_deployment_routes();
	void register_result_routes();
	void register_inference_routes();
	void register_datasource_routes();
	void register_static_files();
	std::optional<http::Response> check_token(const http::Request &head) const;
	//! Answers with a model file of result `result` named `name`: the bytes
	//! as stored (format kafkaml) or converted for torch.load (pytorch).
	void send_model_file(Call &call, std::string bytes, const std::string &format, int64_t result,
	                     const std::string &name);

	ApiOptions options_;
	//! The inference use cases' part of options_, made once.
	operations::InferenceEnvironment inference_environment_;
	std::unique_ptr<ApiMetrics> metrics_;
	http::Router router_; //!< filled by the constructor, moved into the server by start()
	std::unique_ptr<http::Server> http_;
	std::vector<Route> routes_;
	int port_ = 0;
};

//! The OpenAPI 3 document describing every route (embedded at build time).
const std::string &openapi_document();

} // namespace kafkaml::api
