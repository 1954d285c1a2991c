// The server over real loopback TCP: raw sockets for what well-behaved
// clients never do (slow headers, bodies that are too large, streams that
// are not read), httplib for ordinary calls.

#include "http/server.h"
#include "http/stream_channel.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <thread>

namespace kafkaml::http {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

//! A raw client connection.
class RawClient {
public:
	explicit RawClient(int port) {
		fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
		sockaddr_in address{};
		address.sin_family = AF_INET;
		address.sin_port = htons(static_cast<uint16_t>(port));
		address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (::connect(fd_, reinterpret_cast<sockaddr *>(&address), sizeof(address)) != 0) {
			throw std::runtime_error("cannot connect");
		}
	}
	~RawClient() { ::close(fd_); }

	bool send(std::string_view bytes) {
		while (!bytes.empty()) {
			auto sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
			if (sent <= 0) {
				return false;
			}
			bytes.remove_prefix(static_cast<size_t>(sent));
		}
		return true;
	}

	//! Reads until `until` appears, the peer closes, or `timeout`.
	std::string read(std::chrono::milliseconds timeout, std::string_view until = "") {
		auto deadline = Clock::now() + timeout;
		while (Clock::now() < deadline) {
			if (!until.empty() && received_.find(until) != std::string::npos) {
				break;
			}
			pollfd pfd{fd_, POLLIN, 0};
			auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
			if (::poll(&pfd, 1, static_cast<int>(std::max<long>(left, 0))) <= 0) {
				break;
			}
			char chunk[4096];
			auto n = ::recv(fd_, chunk, sizeof(chunk), 0);
			if (n <= 0) {
				closed_ = true;
				break;
			}
			received_.append(chunk, static_cast<size_t>(n));
		}
		return received_;
	}
	//! Whether the server closed the connection within `timeout`.
	bool closed_within(std::chrono::milliseconds timeout) {
		read(timeout);
		return closed_;
	}

private:
	int fd_ = -1;
	std::string received_;
	bool closed_ = false;
};

struct TestServer {
	explicit TestServer(Router router, ServerOptions options = {}) : server(std::move(router), std::move(options)) {
		port = server.start("127.0.0.1", 0);
	}
	httplib::Client client() const {
		httplib::Client http("127.0.0.1", port);
		http.set_read_timeout(5);
		return http;
	}
	Server server;
	int port = 0;
};

Router echo_router() {
	Router router;
	router.add("GET", "/hello/{id}", [](Request &request) {
		return Response::text(200, "hello " + request.path_params.at(0) + " " +
		                               std::string(request.param("q").value_or("-")));
	});
	router.add("POST", "/echo", [](Request &request) { return Response::text(200, request.body); });
	router.add(
	    "POST", "/small", [](Request &request) { return Response::text(200, request.body); },
	    RouteOptions{16, false, nullptr});
	RouteOptions guarded;
	guarded.admit = [](const Request &head) -> std::optional<Response> {
		if (head.headers.get("Authorization") == "Bearer secret") {
			return std::nullopt;
		}
		return Response::text(401, "no token");
	};
	router.add(
	    "POST", "/guarded", [](Request &request) { return Response::text(200, std::to_string(request.body.size())); },
	    guarded);
	router.add("GET", "/fail", [](Request &) -> Response { throw std::runtime_error("boom"); });
	router.set_fallback([](Request &request) { return Response::text(404, "nothing at " + request.path); });
	return router;
}

TEST(HttpServer, ServesRoutesKeepAliveHeadAndFallback) {
	TestServer test(echo_router());
	auto http = test.client();
	http.set_keep_alive(true);
	auto hello = http.Get("/hello/7?q=a%20b");
	ASSERT_TRUE(hello);
	EXPECT_EQ(hello->status, 200);
	EXPECT_EQ(hello->body, "hello 7 a b");
	auto echo = http.Post("/echo", "payload", "text/plain");
	ASSERT_TRUE(echo);
	EXPECT_EQ(echo->body, "payload");
	auto head = http.Head("/hello/7");
	ASSERT_TRUE(head);
	EXPECT_EQ(head->status, 200);
	EXPECT_EQ(head->body, "");
	EXPECT_EQ(head->get_header_value("Content-Length"), "9");
	auto missing = http.Get("/nowhere");
	ASSERT_TRUE(missing);
	EXPECT_EQ(missing->status, 404);
	EXPECT_EQ(missing->body, "nothing at /nowhere");
	auto failing = http.Get("/fail");
	ASSERT_TRUE(failing);
	EXPECT_EQ(failing->status, 500);
	EXPECT_NE(failing->body.find("boom"), std::string::npos);
	EXPECT_EQ(test.server.stats().connections, 1u); // all of it on one connection
}

TEST(HttpServer, PipelinedRequestsAreAnsweredInOrder) {
	TestServer test(echo_router());
	RawClient raw(test.port);
	raw.send("GET /hello/1 HTTP/1.1\r\nHost: x\r\n\r\nGET /hello/2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	auto answer = raw.read(2s);
	auto first = answer.find("hello 1");
	auto second = answer.find("hello 2");
	ASSERT_NE(first, std::string::npos) << answer;
	ASSERT_NE(second, std::string::npos) << answer;
	EXPECT_LT(first, second);
}

TEST(HttpServer, RefusesBeforeReadingTheBody) {
	TestServer test(echo_router());
	{
		// No token: 401 as soon as the headers are in, none of the body sent.
		RawClient raw(test.port);
		raw.send("POST /guarded HTTP/1.1\r\nHost: x\r\nContent-Length: 52428800\r\n\r\n");
		auto answer = raw.read(2s, "no token");
		EXPECT_EQ(answer.rfind("HTTP/1.1 401", 0), 0u) << answer;
		EXPECT_NE(answer.find("Connection: close"), std::string::npos) << answer;
	}
	{
		// Over the route's limit: 413 without reading.
		RawClient raw(test.port);
		raw.send("POST /small HTTP/1.1\r\nHost: x\r\nContent-Length: 17\r\n\r\n");
		auto answer = raw.read(2s, "\r\n\r\n");
		EXPECT_EQ(answer.rfind("HTTP/1.1 413", 0), 0u) << answer;
	}
	{
		// A chunked body is cut off once it passes the limit.
		RawClient raw(test.port);
		raw.send("POST /small HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n0123456789abcdef\r\n");
		raw.send("5\r\nmore!\r\n0\r\n\r\n");
		auto answer = raw.read(2s, "\r\n\r\n");
		EXPECT_EQ(answer.rfind("HTTP/1.1 413", 0), 0u) << answer;
	}
	{
		// Within the limit, chunked is fine.
		RawClient raw(test.port);
		raw.send("POST /small HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
		         "4\r\nabcd\r\n0\r\n\r\n");
		auto answer = raw.read(2s);
		EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
		EXPECT_NE(answer.find("\r\n\r\nabcd"), std::string::npos) << answer;
	}
	EXPECT_GE(test.server.stats().refused_too_large, 2u);
}

TEST(HttpServer, ClientsThatSendTheWholeBodyFirstStillReadTheRefusal) {
	// httplib, like many clients, writes the whole body before reading:
	// the server drops the body instead of resetting the connection.
	TestServer test(echo_router());
	auto http = test.client();
	std::string big(8 << 20, 'x');
	auto refused = http.Post("/guarded", big, "application/octet-stream");
	ASSERT_TRUE(refused) << httplib::to_string(refused.error());
	EXPECT_EQ(refused->status, 401);
	httplib::Headers token{{"Authorization", "Bearer secret"}};
	auto allowed = http.Post("/guarded", token, "12345", "text/plain");
	ASSERT_TRUE(allowed);
	EXPECT_EQ(allowed->body, "5");
}

TEST(HttpServer, ExpectContinueGetsTheGoAheadOrTheRefusal) {
	TestServer test(echo_router());
	{
		RawClient raw(test.port);
		raw.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n"
		         "Connection: close\r\n\r\n");
		auto interim = raw.read(2s, "\r\n\r\n");
		EXPECT_EQ(interim.rfind("HTTP/1.1 100 Continue", 0), 0u) << interim;
		raw.send("hello");
		auto answer = raw.read(2s);
		EXPECT_NE(answer.find("HTTP/1.1 200"), std::string::npos) << answer;
		EXPECT_NE(answer.find("hello"), std::string::npos) << answer;
	}
	{
		RawClient raw(test.port);
		raw.send("POST /guarded HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
		auto answer = raw.read(2s, "no token");
		EXPECT_EQ(answer.rfind("HTTP/1.1 401", 0), 0u) << answer;
	}
}

TEST(HttpServer, SlowHeadersAreCutOffWhileOthersAreServed) {
	ServerOptions options;
	options.header_timeout = 800ms;
	TestServer test(echo_router(), options);
	std::vector<std::unique_ptr<RawClient>> slow;
	for (int i = 0; i < 20; i++) {
		slow.push_back(std::make_unique<RawClient>(test.port));
		slow.back()->send("GET /hello/1 HTTP/1.1\r\n");
	}
	auto http = test.client();
	auto started = Clock::now();
	bool all_closed = true;
	for (int step = 0; step < 8; step++) {
		auto res = http.Get("/hello/2");
		ASSERT_TRUE(res);
		EXPECT_EQ(res->status, 200);
		for (auto &client : slow) {
			client->send("X"); // a header byte now and then
		}
		std::this_thread::sleep_for(200ms);
	}
	for (auto &client : slow) {
		all_closed = all_closed && client->closed_within(1s);
	}
	EXPECT_TRUE(all_closed);
	EXPECT_LT(Clock::now() - started, 5s);
	EXPECT_GE(test.server.stats().timed_out, 20u);
}

TEST(HttpServer, IdleConnectionsAreClosed) {
	ServerOptions options;
	options.idle_timeout = 300ms;
	TestServer test(echo_router(), options);
	RawClient raw(test.port);
	EXPECT_TRUE(raw.closed_within(2s));
}

TEST(HttpServer, BadRequestsAndHugeHeadersGetAnAnswer) {
	ServerOptions options;
	options.max_header_bytes = 1024;
	TestServer test(echo_router(), options);
	{
		RawClient raw(test.port);
		raw.send("NOT HTTP AT ALL\r\n\r\n");
		auto answer = raw.read(2s, "\r\n\r\n");
		EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << answer;
	}
	{
		RawClient raw(test.port);
		raw.send("GET /hello/1 HTTP/1.1\r\nX-Big: " + std::string(4000, 'a') + "\r\n\r\n");
		auto answer = raw.read(2s, "\r\n\r\n");
		EXPECT_EQ(answer.rfind("HTTP/1.1 431", 0), 0u) << answer;
	}
}

TEST(HttpServer, ConnectionLimitAnswers503) {
	ServerOptions options;
	options.max_connections = 3;
	TestServer test(echo_router(), options);
	std::vector<std::unique_ptr<RawClient>> held;
	for (int i = 0; i < 3; i++) {
		held.push_back(std::make_unique<RawClient>(test.port));
	}
	// The three are accepted once the server has seen them.
	for (int i = 0; i < 100 && test.server.stats().connections < 3; i++) {
		std::this_thread::sleep_for(10ms);
	}
	RawClient extra(test.port);
	auto answer = extra.read(2s, "later");
	EXPECT_EQ(answer.rfind("HTTP/1.1 503", 0), 0u) << answer;
	held.clear();
	for (int i = 0; i < 100 && test.server.stats().connections > 0; i++) {
		std::this_thread::sleep_for(10ms);
	}
	auto http = test.client();
	auto res = http.Get("/hello/1");
	ASSERT_TRUE(res);
	EXPECT_EQ(res->status, 200);
}

TEST(HttpServer, FullWorkerQueueAnswers503AtOnce) {
	std::mutex mutex;
	std::condition_variable released_cv;
	bool released = false;
	Router router;
	router.add("GET", "/block", [&](Request &) {
		std::unique_lock lock(mutex);
		released_cv.wait(lock, [&] { return released; });
		return Response::text(200, "done");
	});
	ServerOptions options;
	options.worker_threads = 1;
	options.max_queued_requests = 1;
	TestServer test(std::move(router), options);
	RawClient first(test.port);
	first.send("GET /block HTTP/1.1\r\nHost: x\r\n\r\n");
	std::this_thread::sleep_for(100ms);
	RawClient second(test.port);
	second.send("GET /block HTTP/1.1\r\nHost: x\r\n\r\n");
	std::this_thread::sleep_for(100ms);
	RawClient third(test.port);
	third.send("GET /block HTTP/1.1\r\nHost: x\r\n\r\n");
	auto answer = third.read(2s, "\r\n\r\n");
	EXPECT_EQ(answer.rfind("HTTP/1.1 503", 0), 0u) << answer;
	EXPECT_NE(answer.find("Retry-After: 1"), std::string::npos) << answer;
	{
		std::lock_guard lock(mutex);
		released = true;
	}
	released_cv.notify_all();
	EXPECT_NE(first.read(2s, "done").find("done"), std::string::npos);
	EXPECT_NE(second.read(2s, "done").find("done"), std::string::npos);
}

//! A producer that pushes a numbered event every few milliseconds until
//! its channel refuses more.
struct Ticker {
	Ticker(std::shared_ptr<StreamChannel> channel_, size_t padding) : channel(std::move(channel_)) {
		thread = std::thread([this, padding] {
			for (int i = 0; running; i++) {
				if (!channel->push("data: " + std::to_string(i) + std::string(padding, ' ') + "\n\n")) {
					refused = true;
				}
				std::this_thread::sleep_for(2ms);
			}
		});
	}
	~Ticker() {
		running = false;
		thread.join();
	}
	std::shared_ptr<StreamChannel> channel;
	std::atomic<bool> running{true};
	std::atomic<bool> refused{false};
	std::thread thread;
};

struct StreamFixture {
	//! `padding`: bytes added to each event, to fill socket buffers fast.
	explicit StreamFixture(size_t padding = 0, ServerOptions options = {}) {
		Router router = echo_router();
		router.add(
		    "GET", "/events",
		    [this, padding](Request &) {
			    Response response;
			    response.content_type = "text/event-stream";
			    response.stream = std::make_shared<StreamChannel>(64 * 1024);
			    auto ticker = std::make_shared<Ticker>(response.stream, padding);
			    {
				    std::lock_guard lock(mutex);
				    tickers.push_back(ticker);
			    }
			    response.stream->keep(ticker);
			    return response;
		    },
		    RouteOptions{0, true, nullptr});
		options.max_streams_per_client = 3;
		options.stream_heartbeat = 100ms;
		test = std::make_unique<TestServer>(std::move(router), options);
	}
	std::mutex mutex;
	std::vector<std::weak_ptr<Ticker>> tickers;
	std::unique_ptr<TestServer> test;
};

TEST(HttpServer, StreamsDeliverEventsAndEndWhenTheClientGoes) {
	StreamFixture fixture;
	{
		RawClient raw(fixture.test->port);
		raw.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n");
		auto answer = raw.read(2s, "data: 5\n\n");
		EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
		EXPECT_NE(answer.find("Transfer-Encoding: chunked"), std::string::npos) << answer;
		EXPECT_NE(answer.find("text/event-stream"), std::string::npos) << answer;
		EXPECT_NE(answer.find("data: 5\n\n"), std::string::npos) << answer;
		EXPECT_EQ(fixture.test->server.stats().streams, 1u);
	}
	// The client went: the producer is released within a few writes.
	for (int i = 0; i < 200 && fixture.test->server.stats().streams > 0; i++) {
		std::this_thread::sleep_for(10ms);
	}
	EXPECT_EQ(fixture.test->server.stats().streams, 0u);
	std::lock_guard lock(fixture.mutex);
	EXPECT_TRUE(fixture.tickers.at(0).expired());
}

TEST(HttpServer, StreamsArePerClientLimited) {
	StreamFixture fixture;
	std::vector<std::unique_ptr<RawClient>> open;
	for (int i = 0; i < 3; i++) {
		open.push_back(std::make_unique<RawClient>(fixture.test->port));
		open.back()->send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n");
		EXPECT_NE(open.back()->read(2s, "data: ").find("data: "), std::string::npos);
	}
	RawClient fourth(fixture.test->port);
	fourth.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n");
	auto answer = fourth.read(2s, "\r\n\r\n");
	EXPECT_EQ(answer.rfind("HTTP/1.1 429", 0), 0u) << answer;
	EXPECT_EQ(fixture.test->server.stats().refused_streams, 1u);
	// Ordinary calls from the same client are not streams and go through.
	auto http = fixture.test->client();
	auto res = http.Get("/hello/3");
	ASSERT_TRUE(res);
	EXPECT_EQ(res->status, 200);
	open.pop_back();
	bool freed = false;
	for (int attempt = 0; attempt < 50 && !freed; attempt++) {
		RawClient again(fixture.test->port);
		again.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n");
		freed = again.read(1s, "\r\n\r\n").rfind("HTTP/1.1 200", 0) == 0;
		std::this_thread::sleep_for(20ms);
	}
	EXPECT_TRUE(freed);
}

TEST(HttpServer, AStreamNobodyReadsIsCutOff) {
	StreamFixture fixture(4000); // 2 MB/s: the socket buffers fill in well under a second
	auto fd = ::socket(AF_INET, SOCK_STREAM, 0);
	int small = 4096;
	::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	sockaddr_in address{};
	address.sin_family = AF_INET;
	address.sin_port = htons(static_cast<uint16_t>(fixture.test->port));
	address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof(address)), 0);
	std::string request = "GET /events HTTP/1.1\r\nHost: x\r\n\r\n";
	ASSERT_EQ(::send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
	// Never read: socket buffers fill, the 64 KiB backlog overflows, the
	// producer is refused and the stream ends.
	bool refused = false;
	for (int i = 0; i < 1000 && !refused; i++) {
		std::this_thread::sleep_for(10ms);
		std::lock_guard lock(fixture.mutex);
		auto ticker = fixture.tickers.empty() ? nullptr : fixture.tickers[0].lock();
		refused = !ticker || ticker->refused;
	}
	EXPECT_TRUE(refused);
	::close(fd);
}

TEST(HttpServer, StreamsSendHeartbeatsWhenIdle) {
	Router router;
	std::shared_ptr<StreamChannel> quiet;
	router.add(
	    "GET", "/quiet",
	    [&](Request &) {
		    Response response;
		    response.stream = std::make_shared<StreamChannel>();
		    quiet = response.stream;
		    return response;
	    },
	    RouteOptions{0, true, nullptr});
	ServerOptions options;
	options.stream_heartbeat = 100ms;
	TestServer test(std::move(router), options);
	RawClient raw(test.port);
	raw.send("GET /quiet HTTP/1.1\r\nHost: x\r\n\r\n");
	auto answer = raw.read(2s, ": waiting\n\n");
	EXPECT_NE(answer.find(": waiting\n\n"), std::string::npos) << answer;
}

TEST(HttpServer, StopEndsStreamsAndSlowHandlers) {
	auto fixture = std::make_unique<StreamFixture>();
	RawClient raw(fixture->test->port);
	raw.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n");
	raw.read(2s, "data: ");
	auto started = Clock::now();
	fixture->test->server.stop();
	EXPECT_LT(Clock::now() - started, 3s);
	EXPECT_TRUE(raw.closed_within(2s));
	std::lock_guard lock(fixture->mutex);
	EXPECT_TRUE(fixture->tickers.at(0).expired());
}

} // namespace
} // namespace kafkaml::http
