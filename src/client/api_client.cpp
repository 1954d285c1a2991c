#include "client/api_client.h"

#include "common/json_input.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <thread>

namespace kafkaml::client {

using nlohmann::json;

ApiClient::ApiClient(std::string server, std::string token, RetryPolicy retry)
    : server_(std::move(server)), token_(std::move(token)), retry_(retry) {
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

// A fresh httplib::Client per attempt: cheap on loopback, and no connection
// state shared between threads or kept across a server restart.
ApiClient::Response ApiClient::attempt(const std::string &method, const std::string &path, const std::string &body,
                                       const std::string &content_type) const {
	httplib::Client http(server_);
	if (!http.is_valid()) {
		throw ClientError("the server address '" + server_ +
		                  "' is not a valid URL; use --server http://HOST:PORT or set KAFKAML_SERVER");
	}
	http.set_connection_timeout(5);
	http.set_read_timeout(60);
	http.set_write_timeout(60);
	httplib::Headers headers;
	if (!token_.empty()) {
		headers.emplace("Authorization", "Bearer " + token_);
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
		return Response{0, httplib::to_string(result.error())};
	}
	return Response{result->status, result->body};
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
