#include "api/api_server.h"

#include "api/api_http.h"

#include "common/json_input.h"

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

// Compares without an early exit so the time taken says nothing about how
// much of a guessed token was right.
bool same_token(std::string_view a, std::string_view b) {
	unsigned char differ = a.size() != b.size();
	for (size_t i = 0; i < a.size() && i < b.size(); i++) {
		differ |= static_cast<unsigned char>(a[i] ^ b[i]);
	}
	return differ == 0;
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
	inference_environment_ = {.max_replicas = options_.max_replicas,
	                          .validate_input = options_.validate_input,
	                          .create_input_topic = options_.create_input_topic,
	                          .partition_count = options_.partition_count};
	register_model_routes();
	register_configuration_routes();
	register_deployment_routes();
	register_result_routes();
	register_inference_routes();
	register_datasource_routes();
	add("GET", "/api/v1/openapi.json", [](Call &call) { call.send(openapi_document(), "application/json"); });
	add("GET", "/metrics", [this](Call &call) {
		call.send(metrics_->render(*options_.store, http_stats()), "text/plain; version=0.0.4");
	});
	register_static_files();
}

ApiServer::~ApiServer() {
	stop();
}

std::optional<http::Response> ApiServer::check_token(const http::Request &head) const {
	auto header = head.headers.get("Authorization");
	if (!header || header->empty()) {
		auto refusal = error_response(401, "this call changes data and needs the admin token: send the header "
		                                   "\"Authorization: Bearer <token>\" (the server prints where the token "
		                                   "is stored)");
		refusal.headers.set("WWW-Authenticate", "Bearer");
		return refusal;
	}
	if (!header->starts_with("Bearer ") || !same_token(header->substr(7), options_.admin_token)) {
		auto refusal = error_response(401, "the bearer token is not this server's admin token; use the token the "
		                                   "server printed at start (stored in its data directory)");
		refusal.headers.set("WWW-Authenticate", "Bearer error=\"invalid_token\"");
		return refusal;
	}
	return std::nullopt;
}

void ApiServer::add(const std::string &method, const std::string &path, std::function<void(Call &)> handler,
                    RouteLimits limits) {
	routes_.push_back({method, path});
	http::RouteOptions route;
	route.max_body = limits.max_body;
	route.streams = limits.streams;
	if (method != "GET") {
		route.admit = [this](const http::Request &head) { return check_token(head); };
	}
	router_.add(
	    method, path,
	    [handler](http::Request &request) {
		    http::Response response;
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
			return http::Response::text(200, std::move(bytes), content_type_of(file));
		}
		if (read_whole(root / "index.html", bytes)) {
			return http::Response::text(200, std::move(bytes), "text/html; charset=utf-8");
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
	};
	http_ = std::make_unique<http::Server>(std::move(router_), std::move(http_options));
	port_ = http_->start(host, port);
}

void ApiServer::stop() {
	if (http_) {
		http_->stop();
	}
}

http::Response ApiServer::handle(http::Request &request) {
	const http::Router &router = http_ ? http_->router() : router_;
	auto match = router.match(request.method, request.path);
	request.path_params = std::move(match.params);
	if (match.route->options.admit) {
		if (auto refusal = match.route->options.admit(request)) {
			return std::move(*refusal);
		}
	}
	return match.route->handler(request);
}

http::ServerStats ApiServer::http_stats() const {
	return http_ ? http_->stats() : http::ServerStats{};
}

} // namespace kafkaml::api
