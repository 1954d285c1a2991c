#include "control/api_server.h"

#include "control/api_http.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

namespace kafkaml::control {
namespace {

using nlohmann::json;

constexpr const char *ADMIN_TOKEN_KEY = "admin_token";

void send_error(httplib::Response &response, int status, const std::string &error, const json &detail) {
	response.status = status;
	response.set_content(json{{"error", error}, {"detail", detail}}.dump(), "application/json");
}

void send_no_route(const httplib::Request &request, httplib::Response &response) {
	send_error(response, 404,
	           "no route " + request.method + " " + request.path +
	               "; see /api/v1/openapi.json for the routes this server answers",
	           nullptr);
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

std::string ensure_admin_token(store::Store &store) {
	if (auto token = store.get_setting(ADMIN_TOKEN_KEY)) {
		return *token;
	}
	std::random_device random; // the system's CSPRNG (/dev/urandom or getrandom)
	static const char digits[] = "0123456789abcdef";
	std::string token;
	for (int i = 0; i < 32; i++) {
		unsigned value = random() & 0xff;
		token += digits[value >> 4];
		token += digits[value & 15];
	}
	return store.put_setting_if_absent(ADMIN_TOKEN_KEY, token);
}

ApiServer::ApiServer(ApiOptions options)
    : options_(std::move(options)), http_(std::make_unique<httplib::Server>()),
      metrics_(std::make_unique<ApiMetrics>(options_.replica_stats_expiry)) {
	if (!options_.store || !options_.orchestrator || !options_.validate_model || !options_.parse_kwargs) {
		throw std::invalid_argument("ApiServer needs a store, an orchestrator, a model validator and a kwargs parser");
	}
	http_->set_logger([this](const httplib::Request &request, const httplib::Response &response) {
		metrics_->count_request(request.method, response.status);
	});
	// Unmatched API paths and methods, and requests httplib refused before
	// routing, get a JSON error like every other answer.
	http_->set_error_handler([](const httplib::Request &request, httplib::Response &response) {
		if (!response.body.empty()) {
			return;
		}
		if (response.status == 404) {
			send_no_route(request, response);
			return;
		}
		if (response.status == 400) {
			send_error(response, 400,
			           "the request to " + request.method + " " + request.path +
			               " could not be read; send a body with a Content-Length header (a JSON object), "
			               "see /api/v1/openapi.json for the routes this server answers",
			           nullptr);
			return;
		}
		send_error(response, response.status, "the request failed with HTTP " + std::to_string(response.status),
		           nullptr);
	});
	// httplib refuses a POST or PUT without Content-Length (`curl -X POST
	// URL`) before routing; run its route with an empty body instead, so a
	// call that needs no body (stop) works and the others say what is missing.
	http_->set_pre_routing_handler([this](const httplib::Request &request, httplib::Response &response) {
		using Outcome = httplib::Server::HandlerResponse;
		if (request.method == "PATCH") {
			send_no_route(request, response); // none is, and httplib would first insist on a body
			return Outcome::Handled;
		}
		if ((request.method != "POST" && request.method != "PUT") || request.has_header("Content-Length") ||
		    request.has_header("Transfer-Encoding")) {
			return Outcome::Unhandled;
		}
		for (const auto &route : bodiless_) {
			httplib::Request empty = request;
			if (route.method == request.method && std::regex_match(empty.path, empty.matches, route.pattern)) {
				route.handler(empty, response);
				return Outcome::Handled;
			}
		}
		return Outcome::Unhandled;
	});
	register_routes();
	add("GET", "/api/v1/openapi.json",
	    [](Call &call) { call.response.set_content(openapi_document(), "application/json"); });
	add("GET", "/metrics", [this](Call &call) {
		call.response.set_content(metrics_->render(*options_.store), "text/plain; version=0.0.4");
	});
	register_static_files();
}

ApiServer::~ApiServer() {
	stop();
}

void ApiServer::add(const std::string &method, const std::string &path, std::function<void(Call &)> handler) {
	routes_.push_back({method, path});
	std::string pattern = path;
	for (size_t at = pattern.find("{id}"); at != std::string::npos; at = pattern.find("{id}")) {
		pattern.replace(at, 4, "(\\d+)");
	}
	bool needs_token = method != "GET";
	auto wrapped = [this, needs_token, handler](const httplib::Request &request, httplib::Response &response) {
		Call call{request, response};
		try {
			if (needs_token) {
				const std::string &header = request.get_header_value("Authorization");
				if (header.empty()) {
					response.set_header("WWW-Authenticate", "Bearer");
					throw ApiError(401,
					               "this call changes data and needs the admin token: send the header "
					               "\"Authorization: Bearer <token>\" (the server prints where the token is stored)");
				}
				if (!header.starts_with("Bearer ") || !same_token(header.substr(7), options_.admin_token)) {
					response.set_header("WWW-Authenticate", "Bearer error=\"invalid_token\"");
					throw ApiError(401, "the bearer token is not this server's admin token; use the token the "
					                    "server printed at start (stored in its data directory)");
				}
			}
			handler(call);
		} catch (const ApiError &e) {
			send_error(response, e.status, e.what(), e.detail);
		} catch (const ValidationError &e) {
			send_error(response, 400, e.what(), {{"line", e.line}, {"column", e.column}});
		} catch (const store::NotFound &e) {
			send_error(response, 404, e.what(), nullptr);
		} catch (const store::Conflict &e) {
			send_error(response, 409, e.what(), nullptr);
		} catch (const store::InvalidArgument &e) {
			send_error(response, 400, e.what(), nullptr);
		} catch (const std::exception &e) {
			spdlog::error("{} {} failed: {}", request.method, request.path, e.what());
			send_error(response, 500, std::string("internal error: ") + e.what(), nullptr);
		}
	};
	if (method == "POST" || method == "PUT") {
		bodiless_.push_back({method, std::regex(pattern), wrapped});
	}
	if (method == "GET") {
		http_->Get(pattern, wrapped);
	} else if (method == "POST") {
		http_->Post(pattern, wrapped);
	} else if (method == "PUT") {
		http_->Put(pattern, wrapped);
	} else if (method == "DELETE") {
		http_->Delete(pattern, wrapped);
	} else {
		throw std::logic_error("unsupported method " + method);
	}
}

// Files under web_root at their path; any other non-API GET gets index.html
// so the UI's client-side routes survive a reload. Registered last: httplib
// tries patterns in registration order.
void ApiServer::register_static_files() {
	http_->Get("/(.*)", [this](const httplib::Request &request, httplib::Response &response) {
		if (request.path.starts_with("/api/")) {
			send_no_route(request, response);
			return;
		}
		if (options_.web_root.empty()) {
			response.status = 404;
			response.set_content("No web UI is installed here; the REST API is at /api/v1 (see /api/v1/openapi.json).",
			                     "text/plain");
			return;
		}
		namespace fs = std::filesystem;
		std::error_code ec;
		fs::path root = fs::weakly_canonical(options_.web_root, ec);
		fs::path file = fs::weakly_canonical(root / request.path.substr(1), ec);
		std::string bytes;
		auto [end, ignored] = std::mismatch(root.begin(), root.end(), file.begin(), file.end());
		bool inside = end == root.end();
		if (inside && fs::is_regular_file(file, ec) && read_whole(file, bytes)) {
			response.set_content(std::move(bytes), content_type_of(file).c_str());
			return;
		}
		if (read_whole(root / "index.html", bytes)) {
			response.set_content(std::move(bytes), "text/html; charset=utf-8");
			return;
		}
		response.status = 404;
		response.set_content("The web UI directory " + options_.web_root + " has no index.html.", "text/plain");
	});
}

void ApiServer::start(const std::string &host, int port) {
	if (port == 0) {
		port_ = http_->bind_to_any_port(host);
	} else {
		port_ = http_->bind_to_port(host, port) ? port : -1;
	}
	if (port_ <= 0) {
		throw std::runtime_error("cannot listen on " + host + ":" + std::to_string(port) +
		                         " (in use or not a local address); pick another with --listen HOST:PORT");
	}
	thread_ = std::thread([this] {
		http_->listen_after_bind();
		listening_done_ = true;
	});
	// httplib's stop() does nothing until the accept loop has begun, so a
	// stop() right after start() would leave it running: wait for it here.
	while (!http_->is_running() && !listening_done_) {
		std::this_thread::sleep_for(std::chrono::milliseconds(1));
	}
}

void ApiServer::stop() {
	if (thread_.joinable()) {
		http_->stop();
		thread_.join();
	}
}

} // namespace kafkaml::control
