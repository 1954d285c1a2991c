#include "api/api_server.h"

#include "api/api_http.h"

#include "common/json_input.h"
#include "store/time_text.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace kafkaml::api {
namespace {

using nlohmann::json;

http::Response no_route(const http::Request &request) {
	return error_response(404, "no route " + request.method + " " + printable(request.path, 200) +
	                               "; see /api/v1/openapi.json for the routes this server answers");
}

// What the UI's pages may load: only this origin's scripts (no inline
// script, no eval) and calls, images also as data: URLs, and no framing.
// Styles only from this origin's files too: the code editor keeps its own
// styles in a constructed stylesheet of its shadow root, which the policy
// allows, and the UI sets element styles through the DOM, which it allows
// as well.
constexpr const char *kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

void static_headers(http::Response &response) {
	response.headers.set("Content-Security-Policy", kContentSecurityPolicy);
	response.headers.set("X-Content-Type-Options", "nosniff");
	response.headers.set("Referrer-Policy", "no-referrer");
	response.headers.set("X-Frame-Options", "DENY");
}

//! The host part of a Host header, lowercase: "Example.com:8080" ->
//! "example.com", "[::1]:8080" -> "[::1]".
std::string host_of(std::string_view header) {
	std::string host;
	if (header.starts_with('[')) {
		auto close = header.find(']');
		host = std::string(header.substr(0, close == std::string_view::npos ? header.size() : close + 1));
	} else {
		host = std::string(header.substr(0, header.find(':')));
	}
	for (auto &c : host) {
		c = char(std::tolower(static_cast<unsigned char>(c)));
	}
	return host;
}

std::string content_type_of(const std::filesystem::path &file) {
	static const std::map<std::string, std::string> types = {
	    {".html", "text/html; charset=utf-8"},
	    {".js", "text/javascript"},
	    {".mjs", "text/javascript"},
	    {".css", "text/css"},
	    {".json", "application/json"},
	    {".svg", "image/svg+xml"},
	    {".png", "image/png"},
	    {".ico", "image/x-icon"},
	    {".woff2", "font/woff2"},
	    {".map", "application/json"},
	    {".txt", "text/plain; charset=utf-8"},
	};
	auto it = types.find(file.extension().string());
	return it == types.end() ? "application/octet-stream" : it->second;
}

bool read_whole(const std::filesystem::path &file, std::string &out) {
	std::ifstream in(file, std::ios::binary);
	if (!in) {
		return false;
	}
	std::stringstream bytes;
	bytes << in.rdbuf();
	out = bytes.str();
	return true;
}

} // namespace

ApiServer::ApiServer(ApiOptions options)
    : options_(std::move(options)), metrics_(std::make_unique<ApiMetrics>(options_.replica_stats_expiry)) {
	if (!options_.store || !options_.executor || !options_.validate_model) {
		throw std::invalid_argument("ApiServer needs a store, an executor, a model validator and a kwargs parser");
	}
	for (auto &host : options_.allowed_hosts) {
		host = host_of(host);
	}
	access_ = route_access_from(openapi_document());
	audit_ = std::make_unique<AuditLog>(*options_.store);
	auth_ = std::make_unique<Authenticator>(
	    *options_.store, options_.metrics_token.empty() ? std::string() : token_hash(options_.metrics_token),
	    [this](int64_t id, std::string at) { audit_->touch(id, std::move(at)); });
	if (!options_.admin_token.empty()) {
		ensure_server_users(*options_.store, options_.admin_token, options_.jobs_token);
	}
	inference_environment_ = {.max_replicas = options_.max_replicas,
	                          .validate_input = options_.validate_input,
	                          .create_input_topic = options_.create_input_topic,
	                          .partition_count = options_.partition_count};
	for (const auto &cluster : options_.kafka_clusters) {
		inference_environment_.kafka_clusters.push_back(cluster.name);
	}
	register_model_routes();
	register_configuration_routes();
	register_deployment_routes();
	register_result_routes();
	register_inference_routes();
	register_datasource_routes();
	register_cluster_routes();
	register_user_routes();
	add("GET", "/api/v1/openapi.json", [](Call &call) { call.send(openapi_document(), "application/json"); });
	add("GET", "/metrics", [this](Call &call) { call.send(render_metrics(), "text/plain; version=0.0.4"); });
	register_static_files();
}

ApiServer::~ApiServer() {
	stop();
}

std::optional<http::Response> ApiServer::check_host(const http::Request &head) const {
	if (options_.allowed_hosts.empty()) {
		return std::nullopt;
	}
	auto header = head.headers.get("Host");
	if (!header) {
		return std::nullopt; // HTTP/1.0 without Host: no browser sends that
	}
	auto host = host_of(*header);
	for (const auto &allowed : options_.allowed_hosts) {
		if (allowed == host || allowed == "*") {
			return std::nullopt;
		}
	}
	return error_response(421, "this server does not answer for the host name '" + printable(host, 100) +
	                               "' (the Host header); if it is a name of this server, start it with "
	                               "--allowed-hosts naming it (kafkaml server / kafkaml up)");
}

std::optional<http::Response> ApiServer::admit(const http::Request &head, RouteAccess access) {
	if (auto wrong_host = check_host(head)) {
		return wrong_host;
	}
	if (access.role == Role::anonymous) {
		return std::nullopt;
	}
	std::string needs(role_name(access.role));
	auto who = auth_->identify(head);
	if (who.refusal) {
		auto refusal = error_response(401, who.message);
		refusal.headers.set("WWW-Authenticate", "Bearer error=\"invalid_token\"");
		return refusal;
	}
	if (who.scrape) {
		if (access.scrape_token) {
			return std::nullopt;
		}
		return error_response(403, "the metrics scrape token reads GET /metrics only; this call needs a token of a "
		                           "user with the role " +
		                               needs);
	}
	if (!who.token) {
		auto refusal = error_response(401, "this call needs a token of a user with the role " + needs +
		                                       " or higher: send the header \"Authorization: Bearer <token>\" (the "
		                                       "server prints where its first admin token is stored; an admin makes "
		                                       "more with kafkaml tokens create)");
		refusal.headers.set("WWW-Authenticate", "Bearer");
		return refusal;
	}
	auto have = user_role(who.token->user_role).value_or(Role::anonymous);
	if (have < access.role) {
		return error_response(403, "this call needs the role " + needs + "; user " + who.token->user_name +
		                               " has the role " + who.token->user_role +
		                               " (an admin can change it: kafkaml users set-role " + who.token->user_name +
		                               " " + needs + ")");
	}
	return std::nullopt;
}

void ApiServer::audit(const http::Request &request, int status) {
	bool changes = request.method != "GET" && request.method != "HEAD";
	bool refused = status == 401 || status == 403 || status == 421;
	if (!changes && !refused) {
		return;
	}
	store::AuditEntry entry;
	entry.at = store::now_text();
	entry.method = printable(request.method, 16);
	entry.path = printable(request.path, 500);
	entry.status = status;
	entry.remote_address = request.remote_address;
	if (status != 421) {
		auto who = auth_->identify(request);
		if (who.token) {
			entry.user = who.token->user_name;
			entry.token_id = who.token->id;
		} else if (who.scrape) {
			entry.user = "(metrics scrape token)";
		}
	}
	audit_->record(std::move(entry));
}

void ApiServer::add(const std::string &method, const std::string &path, std::function<void(Call &)> handler,
                    RouteLimits limits) {
	routes_.push_back({method, path});
	auto access = access_.find({method, path});
	if (access == access_.end()) {
		throw std::logic_error("route " + method + " " + path +
		                       " is not in openapi.json; add it there with its "
		                       "x-kafkaml-role");
	}
	http::RouteOptions route;
	route.max_body = limits.max_body;
	route.streams = limits.streams;
	route.admit = [this, needs = access->second](const http::Request &head) { return admit(head, needs); };
	router_.add(
	    method, path,
	    [handler](http::Request &request) {
		    http::Response response;
		    response.headers.set("X-Content-Type-Options", "nosniff");
		    Call call{request, response};
		    try {
			    handler(call);
		    } catch (const std::exception &e) {
			    // Headers a handler set before it threw an answer of its
			    // own stay; the body is the error's.
			    auto headers = std::move(response.headers);
			    response = error_answer(e, request);
			    if (dynamic_cast<const ApiError *>(&e)) {
				    for (const auto &[name, value] : headers.fields()) {
					    response.headers.set(name, value);
				    }
			    }
		    }
		    return response;
	    },
	    std::move(route));
}

// Files under web_root at their path; any other non-API GET gets index.html
// so the UI's client-side routes survive a reload. Every request no route
// matched comes here.
void ApiServer::register_static_files() {
	router_.set_fallback([this](http::Request &request) -> http::Response {
		if (auto wrong_host = check_host(request)) {
			return std::move(*wrong_host);
		}
		if (request.path.starts_with("/api/") || (request.method != "GET" && request.method != "HEAD")) {
			return no_route(request);
		}
		if (options_.web_root.empty()) {
			return http::Response::text(
			    404, "No web UI is installed here; the REST API is at /api/v1 (see /api/v1/openapi.json).");
		}
		namespace fs = std::filesystem;
		std::error_code ec;
		fs::path root = fs::weakly_canonical(options_.web_root, ec);
		fs::path file = fs::weakly_canonical(root / request.path.substr(1), ec);
		std::string bytes;
		auto [end, ignored] = std::mismatch(root.begin(), root.end(), file.begin(), file.end());
		bool inside = end == root.end();
		if (inside && fs::is_regular_file(file, ec) && read_whole(file, bytes)) {
			auto response = http::Response::text(200, std::move(bytes), content_type_of(file));
			static_headers(response);
			return response;
		}
		if (read_whole(root / "index.html", bytes)) {
			auto response = http::Response::text(200, std::move(bytes), "text/html; charset=utf-8");
			static_headers(response);
			return response;
		}
		return http::Response::text(404, "The web UI directory " + options_.web_root + " has no index.html.");
	});
}

void ApiServer::start(const std::string &host, int port) {
	auto http_options = options_.http;
	http_options.error_response = [](int status, const std::string &message) {
		return error_response(status, message);
	};
	http_options.on_response = [this](const http::Request &request, int status) {
		metrics_->count_request(request.method, status);
		audit(request, status);
	};
	http_ = std::make_unique<http::Server>(std::move(router_), std::move(http_options));
	port_ = http_->start(host, port);
}

void ApiServer::start_metrics(const std::string &host, int port) {
	http::Router router;
	router.add("GET", "/metrics", [this](http::Request &) {
		auto response = http::Response::text(200, render_metrics(), "text/plain; version=0.0.4");
		response.headers.set("X-Content-Type-Options", "nosniff");
		return response;
	});
	router.set_fallback([](http::Request &request) {
		return error_response(404, "this address serves GET /metrics only, not " + printable(request.path, 200) +
		                               "; the REST API is on the server's --listen address");
	});
	auto http_options = options_.http;
	http_options.error_response = [](int status, const std::string &message) {
		return error_response(status, message);
	};
	metrics_http_ = std::make_unique<http::Server>(std::move(router), std::move(http_options));
	metrics_port_ = metrics_http_->start(host, port);
}

void ApiServer::stop() {
	if (metrics_http_) {
		metrics_http_->stop();
	}
	if (http_) {
		http_->stop();
	}
	if (audit_) {
		audit_->flush();
	}
}

http::Response ApiServer::handle(http::Request &request) {
	const http::Router &router = http_ ? http_->router() : router_;
	auto match = router.match(request.method, request.path);
	request.path_params = std::move(match.params);
	if (match.route->options.admit) {
		if (auto refusal = match.route->options.admit(request)) {
			audit(request, refusal->status);
			return std::move(*refusal);
		}
	}
	auto response = match.route->handler(request);
	audit(request, response.status);
	return response;
}

OrchestratorStatus ApiServer::orchestrator_status() const {
	return options_.orchestrator_status ? options_.orchestrator_status() : OrchestratorStatus{};
}

std::string ApiServer::render_metrics() {
	metrics_->set_orchestrator(orchestrator_status().leader);
	return metrics_->render(*options_.store, http_stats());
}

http::ServerStats ApiServer::http_stats() const {
	return http_ ? http_->stats() : http::ServerStats{};
}

} // namespace kafkaml::api
