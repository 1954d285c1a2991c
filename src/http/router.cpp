#include "http/router.h"

#include <stdexcept>

namespace kafkaml::http {
namespace {

std::vector<std::string> split_path(std::string_view path) {
	std::vector<std::string> segments;
	size_t at = 0;
	while (at < path.size()) {
		if (path[at] == '/') {
			at++;
			continue;
		}
		auto end = path.find('/', at);
		if (end == std::string_view::npos) {
			end = path.size();
		}
		segments.emplace_back(path.substr(at, end - at));
		at = end;
	}
	return segments;
}

bool is_parameter(const std::string &segment) {
	return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

bool is_id(std::string_view text) {
	if (text.empty() || text.size() > 19) {
		return false;
	}
	for (char c : text) {
		if (c < '0' || c > '9') {
			return false;
		}
	}
	return true;
}

} // namespace

void Router::add(std::string method, std::string path, Handler handler, RouteOptions options) {
	if (path.empty() || path.front() != '/') {
		throw std::invalid_argument("route path must start with '/': " + path);
	}
	Route route{std::move(method), std::move(path), std::move(handler), std::move(options), {}};
	route.segments = split_path(route.path);
	routes_.push_back(std::move(route));
}

void Router::set_fallback(Handler handler, RouteOptions options) {
	fallback_ = Route{"*", "*", std::move(handler), std::move(options), {}};
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
	auto wanted = method == "HEAD" ? std::string_view("GET") : method;
	auto segments = split_path(path);
	// A trailing slash names a different resource; only "/" itself has one.
	bool trailing_slash = path.size() > 1 && path.back() == '/';
	for (const auto &route : routes_) {
		if (route.method != wanted || route.segments.size() != segments.size() || trailing_slash) {
			continue;
		}
		Match found{&route, {}};
		bool matches = true;
		for (size_t i = 0; i < segments.size() && matches; i++) {
			const auto &pattern = route.segments[i];
			if (!is_parameter(pattern)) {
				matches = pattern == segments[i];
			} else if (pattern == "{id}") {
				matches = is_id(segments[i]);
				found.params.push_back(segments[i]);
			} else {
				found.params.push_back(segments[i]);
			}
		}
		if (matches) {
			return found;
		}
	}
	return Match{&fallback_, {}};
}

} // namespace kafkaml::http
