#include "client/api_client.h"

#include "common/json_input.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace kafkaml::client {

using nlohmann::json;

ApiClient::ApiClient(std::string server, std::string token, RetryPolicy retry)
    : server_(std::move(server)), token_(std::move(token)), retry_(retry) {
	while (!server_.empty() && server_.back() == '/') {
		server_.pop_back();
	}
}

namespace {

//! `servers` split at its commas, each without a trailing slash.
std::vector<std::string> split_servers(const std::string &servers) {
	std::vector<std::string> out;
	size_t from = 0;
	for (;;) {
		auto comma = servers.find(',', from);
		auto one = servers.substr(from, comma == std::string::npos ? std::string::npos : comma - from);
		while (!one.empty() && one.back() == '/') {
			one.pop_back();
		}
		if (!one.empty()) {
			out.push_back(std::move(one));
		}
		if (comma == std::string::npos) {
			return out.empty() ? std::vector<std::string>{servers} : out;
		}
		from = comma + 1;
	}
}

//! Of each list of servers, the one that answered last in this process:
//! shared by every client of that list (a job's several coordinators), so
//! that once one found the live server the others go there first too.
class PreferredServers {
public:
	size_t get(const std::string &servers) {
		std::lock_guard lock(mutex_);
		auto it = preferred_.find(servers);
		return it == preferred_.end() ? 0 : it->second;
	}
	void set(const std::string &servers, size_t index) {
		std::lock_guard lock(mutex_);
		preferred_[servers] = index;
	}

private:
	std::mutex mutex_;
	std::map<std::string, size_t> preferred_;
};

PreferredServers &preferred_servers() {
	static PreferredServers preferred;
	return preferred;
}

} // namespace

std::string error_message(int status, const std::string &body) {
	auto answer = try_parse_json(body);
	if (!answer || !answer->is_object() || !answer->contains("error")) {
		std::string text = printable(body, 300);
		return "the server answered HTTP " + std::to_string(status) + (text.empty() ? "" : ": " + text);
	}
	const json &parsed = *answer;
	std::string message = parsed["error"].is_string() ? parsed["error"].get<std::string>() : dump_json(parsed["error"]);
	const json &detail = parsed.value("detail", json());
	if (detail.is_string() && !detail.get<std::string>().empty()) {
		message += " (" + detail.get<std::string>() + ")";
	} else if (detail.is_object() && detail.contains("line") && detail.contains("column") &&
	           message.find("line") == std::string::npos) {
		message += " (line " + detail["line"].dump() + ", column " + detail["column"].dump() + ")";
	}
	return message;
}

namespace {

// A fresh httplib::Client per attempt: cheap on loopback, and no connection
// state shared between threads or kept across a server restart.
ApiClient::Response attempt_at(const std::string &server, const std::string &token, const std::string &method,
                               const std::string &path, const std::string &body, const std::string &content_type) {
	httplib::Client http(server);
	if (!http.is_valid()) {
		throw ClientError("the server address '" + server +
		                  "' is not a valid URL; use --server http://HOST:PORT or set KAFKAML_SERVER");
	}
	http.set_connection_timeout(5);
	http.set_read_timeout(60);
	http.set_write_timeout(60);
	httplib::Headers headers;
	if (!token.empty()) {
		headers.emplace("Authorization", "Bearer " + token);
	}
	std::string full = "/api/v1" + path;
	httplib::Result result{nullptr, httplib::Error::Unknown};
	if (method == "GET") {
		result = http.Get(full, headers);
	} else if (method == "POST") {
		result = http.Post(full, headers, body.empty() ? std::string("{}") : body, content_type.c_str());
	} else if (method == "PUT") {
		result = http.Put(full, headers, body, content_type.c_str());
	} else if (method == "DELETE") {
		result = http.Delete(full, headers);
	} else {
		throw FatalError("ApiClient: unsupported method " + method);
	}
	if (!result) {
		return ApiClient::Response{0, httplib::to_string(result.error())};
	}
	return ApiClient::Response{result->status, result->body};
}

} // namespace

ApiClient::Response ApiClient::attempt(const std::string &method, const std::string &path, const std::string &body,
                                       const std::string &content_type) const {
	if (server_.find(',') == std::string::npos) {
		return attempt_at(server_, token_, method, path, body, content_type);
	}
	auto servers = split_servers(server_);
	size_t first = preferred_servers().get(server_) % servers.size();
	Response response;
	for (size_t i = 0; i < servers.size(); i++) {
		size_t at = (first + i) % servers.size();
		response = attempt_at(servers[at], token_, method, path, body, content_type);
		if (response.status != 0) {
			// Every server of a store answers every call: the first to answer will do.
			preferred_servers().set(server_, at);
			return response;
		}
	}
	return response;
}

ApiClient::Response ApiClient::call(const std::string &method, const std::string &path, const std::string &body,
                                    const std::string &content_type) const {
	const auto deadline = std::chrono::steady_clock::now() + retry_.retry_for;
	auto pause = retry_.first_pause;
	for (;;) {
		Response response = attempt(method, path, body, content_type);
		bool retriable = response.status == 0 || response.status >= 500;
		if (!retriable || std::chrono::steady_clock::now() + pause > deadline) {
			if (response.status == 0) {
				throw ClientError("cannot reach the server at " + server_ + " (" + response.body +
				                  "); start it with `kafkaml up` or point --server / KAFKAML_SERVER at it");
			}
			return response;
		}
		spdlog::warn("{} {}: {}; retrying in {} ms", method, path,
		             response.status == 0
		                 ? "cannot reach the server: " + response.body
		                 : "HTTP " + std::to_string(response.status) + ": " + printable(response.body, 300),
		             pause.count());
		std::this_thread::sleep_for(pause);
		pause = std::min(pause * 2, retry_.max_pause);
	}
}

std::string ApiClient::checked(const std::string &method, const std::string &path, const std::string &body,
                               const std::string &content_type) const {
	Response response = call(method, path, body, content_type);
	if (response.status >= 400) {
		std::string message = error_message(response.status, response.body);
		if (response.status == 401 && token_.empty()) {
			message += "; no token was given: pass --token, set KAFKAML_TOKEN or run in (or below) the directory "
			           "holding kafkaml-data/admin-token";
		}
		throw ClientError(message, response.status);
	}
	return std::move(response.body);
}

static json parse_body(const std::string &body) {
	if (body.empty()) {
		return nullptr;
	}
	auto parsed = try_parse_json(body);
	if (!parsed) {
		throw ClientError("the server's answer is not JSON; is --server pointing at a Kafka-ML server?");
	}
	return *parsed;
}

json ApiClient::get(const std::string &path) const {
	return parse_body(checked("GET", path, {}));
}

json ApiClient::post(const std::string &path, const json &body) const {
	return parse_body(checked("POST", path, body.dump()));
}

json ApiClient::put(const std::string &path, const json &body) const {
	return parse_body(checked("PUT", path, body.dump()));
}

json ApiClient::put_bytes(const std::string &path, const std::string &bytes) const {
	return parse_body(checked("PUT", path, bytes, "application/octet-stream"));
}

json ApiClient::del(const std::string &path) const {
	return parse_body(checked("DELETE", path, {}));
}

std::string ApiClient::get_bytes(const std::string &path) const {
	return checked("GET", path, {});
}

} // namespace kafkaml::client
