// ApiClient against a real HTTP server on a loopback port: what is retried
// under a retry policy and what is not, and the kind of error each failure
// is (common/error.h).

#include "client/api_client.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <thread>

namespace kafkaml::client {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

//! Answers GET /api/v1/flaky with 503 `failures` times, then 200; GET
//! /api/v1/refused always 400 with the API's error body.
class FlakyServer {
public:
	explicit FlakyServer(int failures) : failures_(failures) {
		server_.Get("/api/v1/flaky", [this](const httplib::Request &request, httplib::Response &response) {
			authorization = request.get_header_value("Authorization");
			if (attempts.fetch_add(1) < failures_) {
				response.status = 503;
				response.set_content(R"({"error":"the database is unavailable"})", "application/json");
				return;
			}
			response.set_content(R"({"ok":true})", "application/json");
		});
		server_.Get("/api/v1/refused", [this](const httplib::Request &, httplib::Response &response) {
			attempts++;
			response.status = 400;
			response.set_content(R"({"error":"field \"batch\" must be positive","detail":{"field":"batch"}})",
			                     "application/json");
		});
		port_ = server_.bind_to_any_port("127.0.0.1");
		thread_ = std::thread([this] { server_.listen_after_bind(); });
		while (!server_.is_running()) {
			std::this_thread::sleep_for(1ms);
		}
	}
	~FlakyServer() {
		server_.stop();
		thread_.join();
	}
	std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

	std::atomic<int> attempts{0};
	std::string authorization;

private:
	int failures_;
	httplib::Server server_;
	int port_ = 0;
	std::thread thread_;
};

TEST(ApiClient, RetriesA5xxWithinItsPolicy) {
	FlakyServer server(2);
	ApiClient client(server.url(), "secret", RetryPolicy{5s, 10ms, 50ms});
	EXPECT_EQ(client.get("/flaky"), (json{{"ok", true}}));
	EXPECT_EQ(server.attempts.load(), 3);
	EXPECT_EQ(server.authorization, "Bearer secret");
}

TEST(ApiClient, WithoutAPolicyAsksOnceAndSaysTheServersError) {
	FlakyServer server(1);
	ApiClient client(server.url(), "");
	try {
		client.get("/flaky");
		FAIL() << "a 503 must throw";
	} catch (const ClientError &e) {
		EXPECT_EQ(e.status, 503);
		EXPECT_EQ(e.kind(), ErrorKind::retriable);
		EXPECT_STREQ(e.what(), "the database is unavailable");
	}
	EXPECT_EQ(server.attempts.load(), 1);
	// call() hands the answer back instead.
	EXPECT_EQ(client.call("GET", "/flaky").status, 200);
}

TEST(ApiClient, ARefusalIsTheUsersAndNeverRetried) {
	FlakyServer server(0);
	ApiClient client(server.url(), "t", RetryPolicy{5s, 10ms, 50ms});
	try {
		client.get("/refused");
		FAIL() << "a 400 must throw";
	} catch (const ClientError &e) {
		EXPECT_EQ(e.status, 400);
		EXPECT_EQ(e.kind(), ErrorKind::user);
		EXPECT_STREQ(e.what(), "field \"batch\" must be positive");
	}
	EXPECT_EQ(server.attempts.load(), 1);
}

TEST(ApiClient, AnUnreachableServerIsRetriableAndSaysWhatToDo) {
	std::string url;
	{
		FlakyServer gone(0);
		url = gone.url();
	}
	ApiClient client(url, "", RetryPolicy{150ms, 20ms, 40ms});
	auto started = std::chrono::steady_clock::now();
	try {
		client.get("/flaky");
		FAIL() << "nobody listens";
	} catch (const ClientError &e) {
		EXPECT_EQ(e.status, 0);
		EXPECT_EQ(e.kind(), ErrorKind::retriable);
		EXPECT_NE(std::string(e.what()).find("cannot reach the server at " + url), std::string::npos) << e.what();
		EXPECT_NE(std::string(e.what()).find("kafkaml up"), std::string::npos) << e.what();
	}
	// It kept trying for about its policy's time, not longer.
	auto waited = std::chrono::steady_clock::now() - started;
	EXPECT_GE(waited, 60ms);
	EXPECT_LT(waited, 5s);
}

// Several servers of one store: a call goes to one that answers, the one
// that answered last first; an answer (even a 5xx) is not a reason to ask
// another.
TEST(ApiClient, OfSeveralServersTheOneThatAnswersIsCalled) {
	std::string gone_url;
	{
		FlakyServer gone(0);
		gone_url = gone.url();
	}
	FlakyServer live(1);
	ApiClient client(gone_url + "/," + live.url(), "t");
	EXPECT_EQ(client.call("GET", "/flaky").status, 503) << "the live server's answer, not another server's";
	EXPECT_EQ(client.get("/flaky"), (json{{"ok", true}}));
	EXPECT_EQ(live.attempts.load(), 2);
	ApiClient copy = client;
	EXPECT_EQ(copy.get("/flaky"), (json{{"ok", true}}));
	EXPECT_EQ(copy.server(), gone_url + "/," + live.url());

	ApiClient none(gone_url + "," + gone_url, "");
	try {
		none.get("/flaky");
		FAIL() << "nobody listens";
	} catch (const ClientError &e) {
		EXPECT_EQ(e.status, 0);
	}
}

TEST(ApiClient, ErrorKindsByStatus) {
	EXPECT_EQ(ClientError::kind_of(0), ErrorKind::retriable);
	EXPECT_EQ(ClientError::kind_of(502), ErrorKind::retriable);
	EXPECT_EQ(ClientError::kind_of(404), ErrorKind::user);
	EXPECT_EQ(ClientError::kind_of(500), ErrorKind::fatal);
}

} // namespace
} // namespace kafkaml::client
