#pragma once

// Inside the http module (and its fuzz target): how a request Beast parsed
// becomes the Request handlers see. Includes Beast, so only the files that
// parse HTTP include it.

#include "http/message.h"

#include <boost/beast/http.hpp>

namespace kafkaml::http {

//! Method, target, decoded path and query, and headers of `head`.
template <typename Fields>
void fill_request(const boost::beast::http::request_header<Fields> &head, Request &request) {
	request.method = std::string(head.method_string());
	request.target = std::string(head.target());
	auto question = request.target.find('?');
	request.path = percent_decode(std::string_view(request.target).substr(0, question), false);
	if (question != std::string::npos) {
		request.query = parse_query(std::string_view(request.target).substr(question + 1));
	}
	for (const auto &field : head) {
		request.headers.add(std::string(field.name_string()), std::string(field.value()));
	}
}

} // namespace kafkaml::http
