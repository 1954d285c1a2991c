#include "client/api_client.h"

#include "common/json_input.h"

#include <httplib.h>

namespace kafkaml::client {

using nlohmann::json;

ApiClient::ApiClient(std::string server, std::string token) : server_(std::move(server)), token_(std::move(token)) {
	while (!server_.empty() && server_.back() == '/') {
		server_.pop_back();
	}
}

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

// Runs on the caller's thread; a fresh httplib::Client per call (cheap on
// loopback, and no connection state to reason about).
std::string ApiClient::request(const std::string &method, const std::string &path, const std::string *body,
                               const char *content_type) const {
	httplib::Client http(server_);
	if (!http.is_valid()) {
		throw ClientError("the server address '" + server_ +
		                  "' is not a valid URL; use --server http://HOST:PORT or set KAFKAML_SERVER");
	}
	http.set_connection_timeout(5);
	http.set_read_timeout(60);
	httplib::Headers headers;
	if (!token_.empty()) {
		headers.emplace("Authorization", "Bearer " + token_);
	}
	std::string full = "/api/v1" + path;
	httplib::Result res = method == "GET"    ? http.Get(full, headers)
	                      : method == "POST" ? http.Post(full, headers, body ? *body : std::string("{}"), content_type)
	                      : method == "PUT"  ? http.Put(full, headers, body ? *body : std::string(), content_type)
	                                         : http.Delete(full, headers);
	if (!res) {
		throw ClientError("cannot reach the Kafka-ML server at " + server_ + " (" + httplib::to_string(res.error()) +
		                  "); start it with `kafkaml up` or point --server / KAFKAML_SERVER at it");
	}
	if (res->status >= 400) {
		std::string message = error_message(res->status, res->body);
		if (res->status == 401 && token_.empty()) {
			message += "; no token was given: pass --token, set KAFKAML_TOKEN or run in (or below) the directory "
			           "holding kafkaml-data/admin-token";
		}
		throw ClientError(message, res->status);
	}
	return res->body;
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
	return parse_body(request("GET", path, nullptr));
}

json ApiClient::post(const std::string &path, const json &body) const {
	std::string text = body.dump();
	return parse_body(request("POST", path, &text));
}

json ApiClient::put_bytes(const std::string &path, const std::string &bytes) const {
	return parse_body(request("PUT", path, &bytes, "application/octet-stream"));
}

json ApiClient::del(const std::string &path) const {
	return parse_body(request("DELETE", path, nullptr));
}

std::string ApiClient::get_bytes(const std::string &path) const {
	return request("GET", path, nullptr);
}

} // namespace kafkaml::client
