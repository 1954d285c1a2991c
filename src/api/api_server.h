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
#include "api/audit_log.h"
#include "api/auth.h"
#include "api/prediction_feed.h"
#include "executors/job_executor.h"
#include "http/server.h"
#include "operations/control_publisher.h"
#include "operations/inference_operations.h"
#include "operations/records_admin.h"
#include "operations/result_operations.h"
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
//! PyTorch reads with torch.load. Thread: any HTTP worker.
using PytorchExporter = operations::PytorchExporter;

//! A Kafka cluster the server reaches, as `GET /api/v1/clusters` shows it:
//! where it is and how it is secured, never a credential.
//! Which of the servers sharing the store orchestrates (runs the jobs), as
//! GET /api/v1/health and /metrics show it.
struct OrchestratorStatus {
	bool leader = true;     //!< this server does
	std::string leader_url; //!< the REST API of the one that does; empty: none now, or unknown
	int64_t term = 0;       //!< the lease's term: raised each time it changes hands
};

struct KafkaClusterInfo {
	std::string name;
	std::string bootstrap_servers;
	std::string security_protocol;
	std::string sasl_mechanism; //!< empty: none
};

struct ApiOptions {
	store::Store *store = nullptr;              //!< required
	executors::JobExecutor *executor = nullptr; //!< required
	//! Optional: without it datasources/{id}/send answers 503.
	operations::ControlPublisher *publisher = nullptr;
	//! Deletes a datasource's records from the log; null without Kafka (503).
	operations::RecordsAdmin *records_admin = nullptr;
	PredictionFeed *predictions = nullptr;     //!< optional: without it the live predictions stream answers 404
	operations::ModelValidator validate_model; //!< required
	//! Optional: without them, models of framework "pytorch" are refused (501).
	operations::CompileValidator validate_compile;
	operations::ModuleValidator validate_module;
	operations::InputValidator validate_input; //!< optional: without it input_config is stored unchecked
	//! Optional: without it a weights file is taken for any Keras model and
	//! deployments do not check that one was uploaded.
	operations::WeightsRequirement weights_needed;
	//! Optional: without it no warning says that replicas beyond the input
	//! topic's partitions sit idle.
	operations::PartitionCounter partition_count;
	//! Optional: an inference whose input topic does not exist yet gets it
	//! with one partition per replica, so that none sits idle; without it the
	//! topic is left to the cluster's auto-creation (often one partition).
	operations::TopicCreator create_input_topic;
	//! The Kafka clusters inferences may name, "default" (the server's own)
	//! first; empty: "default" only, with nothing to show of it.
	std::vector<KafkaClusterInfo> kafka_clusters;
	//! Optional: without it `GET results/{id}/model?format=pytorch` answers 501.
	PytorchExporter export_pytorch;
	//! Optional: who orchestrates, for health and /metrics; without it this
	//! server does, alone.
	std::function<OrchestratorStatus()> orchestrator_status;
	//! Most replicas one inference may have: each is a process on this machine.
	int64_t max_replicas = 64;
	//! A replica that has not reported its figures for this long no longer
	//! counts in the inference metrics.
	std::chrono::milliseconds replica_stats_expiry = std::chrono::seconds(5);
	//! The first admin token: user `admin` (role admin) is made with it on
	//! first start, when the store has no user (auth.h). Empty: none.
	std::string admin_token;
	//! The token of the built-in user `jobs` (operator) the server's jobs
	//! report with; empty: no such user is made.
	std::string jobs_token;
	//! The metrics scrape token: it reads GET /metrics and nothing else. Empty: none.
	std::string metrics_token;
	//! Names the Host header may give (lowercase, without port; "[::1]" for
	//! IPv6); others get 421, so that a web page on another name cannot read
	//! the API through DNS rebinding. Empty: any.
	std::vector<std::string> allowed_hosts;
	std::string web_root; //!< directory served at /; empty: none
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
	//! options_.orchestrator_status(), or this server alone.
	OrchestratorStatus orchestrator_status() const;
	//! The /metrics text, the orchestrator's gauge included.
	std::string render_metrics();
	//! Serves GET /metrics without a token on its own address (for a
	//! scraper on a private network). Throws std::runtime_error when the
	//! address cannot be bound.
	void start_metrics(const std::string &host, int port);
	int metrics_port() const { return metrics_port_; }
	//! Waits until the audit entries of the calls answered so far are in the store.
	void flush_audit() { audit_->flush(); }
	//! Answers `request` as the HTTP server would (route, token check, then
	//! the handler), without a socket or the server's size limits: for
	//! tests and the fuzzer. Thread: any.
	http::Response handle(http::Request &request);

private:
	//! Registers `handler` for `method` and `path` ("{id}" matches a numeric
	//! id); the route needs the role openapi.json gives it (std::logic_error
	//! for a route the document lacks), checked before the body is read.
	void add(const std::string &method, const std::string &path, std::function<void(Call &)> handler,
	         RouteLimits limits = {});
	// One per resource, each in its <resource>_routes.cpp.
	void register_model_routes();
	void register_configuration_routes();
	void register_deployment_routes();
	void register_result_routes();
	void register_inference_routes();
	void register_datasource_routes();
	void register_cluster_routes();
	void register_static_files();
	void register_user_routes();
	//! Host allow-list, then the token against the route's role (auth.h).
	//! Thread: the HTTP I/O thread, before the body is read.
	std::optional<http::Response> admit(const http::Request &head, RouteAccess access);
	std::optional<http::Response> check_host(const http::Request &head) const;
	//! Hands a call that changed data or was refused to the audit log.
	void audit(const http::Request &request, int status);

	ApiOptions options_;
	//! The inference use cases' part of options_, made once.
	operations::InferenceEnvironment inference_environment_;
	std::unique_ptr<ApiMetrics> metrics_;
	std::unique_ptr<AuditLog> audit_;
	std::unique_ptr<Authenticator> auth_;
	//! Each documented operation's role, from openapi.json.
	std::map<std::pair<std::string, std::string>, RouteAccess> access_;
	std::unique_ptr<http::Server> metrics_http_;
	int metrics_port_ = 0;
	http::Router router_; //!< filled by the constructor, moved into the server by start()
	std::unique_ptr<http::Server> http_;
	std::vector<Route> routes_;
	int port_ = 0;
};

//! The OpenAPI 3 document describing every route (embedded at build time).
const std::string &openapi_document();

} // namespace kafkaml::api
