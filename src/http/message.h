#pragma once

// An HTTP request as handlers see it and the response they give back,
// independent of the server underneath (server.h), so that handlers are
// plain functions testable without a socket.
//
// Thread-safety: plain values. A Request is filled on the server's I/O
// thread and then handed whole to the one worker running its handler.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kafkaml::http {

class StreamChannel;

//! Header fields in arrival order; lookups ignore case, as HTTP says.
class Headers {
public:
	void add(std::string name, std::string value) { fields_.emplace_back(std::move(name), std::move(value)); }
	//! Replaces every field of that name by one.
	void set(std::string_view name, std::string value);
	//! The first field of that name, nullopt when absent.
	std::optional<std::string_view> get(std::string_view name) const;
	bool has(std::string_view name) const { return get(name).has_value(); }
	const std::vector<std::pair<std::string, std::string>> &fields() const { return fields_; }

private:
	std::vector<std::pair<std::string, std::string>> fields_;
};

struct Request {
	std::string method;                                     //!< "GET", "POST", ...; HEAD is served by the GET route
	std::string target;                                     //!< as sent: path and query, percent-encoded
	std::string path;                                       //!< percent-decoded, without the query
	std::vector<std::pair<std::string, std::string>> query; //!< decoded, in order
	Headers headers;
	std::string body;
	std::string remote_address; //!< the peer's IP address, for per-client limits and logs
	//! What the route's "{name}" segments matched, in order.
	std::vector<std::string> path_params;

	//! The first query parameter of that name.
	std::optional<std::string_view> param(std::string_view name) const;
	bool has_param(std::string_view name) const { return param(name).has_value(); }
};

struct Response {
	int status = 200;
	Headers headers;
	std::string content_type = "text/plain; charset=utf-8";
	std::string body;
	//! Set for a body produced over time (server-sent events): the server
	//! sends the headers, then whatever the channel is given until either
	//! side ends it. `body` is then not sent.
	std::shared_ptr<StreamChannel> stream;

	static Response text(int status, std::string body, std::string content_type = "text/plain; charset=utf-8");
};

//! `%XX` decoded; with `plus_is_space`, '+' too (query strings). Invalid
//! escapes are kept as written.
std::string percent_decode(std::string_view text, bool plus_is_space);

//! Splits "a=1&b=x%20y" into decoded pairs ("a" without '=' has value "").
std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query);

//! The standard reason phrase ("Not Found"), or "" for an unknown status.
std::string_view reason_phrase(int status);

} // namespace kafkaml::http
