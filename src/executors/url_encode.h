#pragma once

#include <string>

namespace kafkaml::executors {

//! Percent-encodes everything but RFC 3986's unreserved characters: a
//! query parameter's value (Docker's filters, Kubernetes' label selectors).
std::string url_encode(const std::string &text);

} // namespace kafkaml::executors
