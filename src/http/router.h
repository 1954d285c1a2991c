#pragma once

// Which handler answers a request, and what the server must check before
// it reads the request's body: the route decides whether the caller may
// send a body at all (admit, e.g. a token check), how large it may be, and
// whether the answer is a long-lived stream (counted per client).
//
// Paths are templates of segments: "/api/v1/models/{id}/stop". A "{name}"
// segment matches one non-empty segment; one named "{id}" matches 1 to 19
// decimal digits only, so that "/models/abc" is not a model route.
//
// Thread-safety: built before the server starts, then only read (from the
// I/O thread and the workers at once).

#include "http/message.h"

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace kafkaml::http {

//! Runs on a worker thread with the whole request; whatever it throws is
//! answered 500 by the server, so handlers turn expected errors into
//! responses themselves.
using Handler = std::function<Response(Request &)>;

//! Runs on the I/O thread once the request's headers are in, before its
//! body is read: a response refuses the request (the body is never read),
//! nullopt lets it in. Must be quick and must not block.
using Admission = std::function<std::optional<Response>(const Request &head)>;

struct RouteOptions {
	//! Largest body accepted, in bytes; 0: the server's default. Checked
	//! against Content-Length before reading, and while reading otherwise.
	size_t max_body = 0;
	//! The answer is a stream (Response::stream): limited per client.
	bool streams = false;
	Admission admit;
};

struct Route {
	std::string method;
	std::string path; //!< the template, as registered
	Handler handler;
	RouteOptions options;
	std::vector<std::string> segments;
};

class Router {
public:
	//! Registers a route; HEAD requests are served by GET routes.
	void add(std::string method, std::string path, Handler handler, RouteOptions options = {});
	//! Answers requests no route matches (static files, 404s). It is run
	//! like a route handler with `options`.
	void set_fallback(Handler handler, RouteOptions options = {});

	struct Match {
		const Route *route = nullptr; //!< the fallback when nothing else matched
		std::vector<std::string> params;
	};
	//! The route for `method` and decoded `path`; the fallback when none.
	Match match(std::string_view method, std::string_view path) const;
	const std::vector<Route> &routes() const { return routes_; }

private:
	std::vector<Route> routes_;
	Route fallback_;
};

} // namespace kafkaml::http
