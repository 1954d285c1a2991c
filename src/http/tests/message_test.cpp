#include "http/message.h"
#include "http/router.h"

#include <gtest/gtest.h>

namespace kafkaml::http {
namespace {

TEST(HttpMessage, HeadersIgnoreCase) {
	Headers headers;
	headers.add("Content-Type", "application/json");
	headers.add("X-Twice", "1");
	headers.add("x-twice", "2");
	EXPECT_EQ(headers.get("content-type"), "application/json");
	EXPECT_EQ(headers.get("X-TWICE"), "1");
	EXPECT_FALSE(headers.has("Authorization"));
	headers.set("x-TWICE", "3");
	EXPECT_EQ(headers.get("X-Twice"), "3");
	EXPECT_EQ(headers.fields().size(), 2u);
}

TEST(HttpMessage, QueryAndPathDecoding) {
	auto query = parse_query("epochs=last&name=a%20b+c&flag&&empty=&bad=%zz");
	ASSERT_EQ(query.size(), 5u);
	EXPECT_EQ(query[0], std::make_pair(std::string("epochs"), std::string("last")));
	EXPECT_EQ(query[1].second, "a b c");
	EXPECT_EQ(query[2], std::make_pair(std::string("flag"), std::string()));
	EXPECT_EQ(query[3].second, "");
	EXPECT_EQ(query[4].second, "%zz");
	EXPECT_EQ(percent_decode("/a%2Fb+c%", false), "/a/b+c%");
	Request request;
	request.query = query;
	EXPECT_EQ(request.param("name"), "a b c");
	EXPECT_FALSE(request.has_param("missing"));
}

Response named(std::string name) {
	return Response::text(200, std::move(name));
}

TEST(HttpRouter, MatchesTemplatesAndIds) {
	Router router;
	router.add("GET", "/api/v1/models", [](Request &) { return named("list"); });
	router.add("GET", "/api/v1/models/{id}", [](Request &) { return named("get"); });
	router.add("POST", "/api/v1/models/{id}/stop", [](Request &) { return named("stop"); });
	router.add("GET", "/files/{name}", [](Request &) { return named("file"); });
	router.set_fallback([](Request &) { return named("fallback"); });
	auto body_of = [&](std::string_view method, std::string_view path) {
		Request request;
		auto match = router.match(method, path);
		request.path_params = match.params;
		return match.route->handler(request).body;
	};
	EXPECT_EQ(body_of("GET", "/api/v1/models"), "list");
	EXPECT_EQ(body_of("HEAD", "/api/v1/models"), "list");
	EXPECT_EQ(body_of("GET", "/api/v1/models/42"), "get");
	EXPECT_EQ(router.match("GET", "/api/v1/models/42").params, std::vector<std::string>{"42"});
	EXPECT_EQ(body_of("POST", "/api/v1/models/7/stop"), "stop");
	EXPECT_EQ(body_of("GET", "/api/v1/models/7/stop"), "fallback");
	EXPECT_EQ(body_of("GET", "/api/v1/models/abc"), "fallback");
	EXPECT_EQ(body_of("GET", "/api/v1/models/-1"), "fallback");
	EXPECT_EQ(body_of("GET", "/api/v1/models/12345678901234567890"), "fallback"); // 20 digits
	EXPECT_EQ(body_of("GET", "/api/v1/models/"), "fallback");
	EXPECT_EQ(body_of("DELETE", "/api/v1/models"), "fallback");
	EXPECT_EQ(body_of("GET", "/files/a.txt"), "file");
	EXPECT_EQ(body_of("GET", "/"), "fallback");
}

} // namespace
} // namespace kafkaml::http
