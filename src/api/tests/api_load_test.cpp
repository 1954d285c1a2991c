// The REST API under the load that once starved it: 100 live prediction
// streams and 50 slowloris connections held open while a client makes
// ordinary calls, which must stay fast; and 50 clients at once, none of
// whose connections may be dropped. Real loopback TCP; the streams come
// from several 127.0.0.x addresses, as from several machines.

#include "api/api_server.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

namespace kafkaml::api {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

class NoExecutor final : public executors::JobExecutor {
public:
	void start_training(const store::Result &) override {}
	void start_inference(const store::Inference &) override {}
	void scale(int64_t, int64_t) override {}
	void stop(store::JobKind, int64_t) override {}
};

//! Publishes a prediction to every subscriber every 10 ms, from its thread.
class TickingFeed final : public PredictionFeed {
public:
	TickingFeed() {
		thread_ = std::thread([this] {
			for (int i = 0; running_; i++) {
				{
					std::lock_guard lock(mutex_);
					for (auto &[id, callback] : subscribers_) {
						callback("{\"values\": [" + std::to_string(i) + "]}");
					}
				}
				std::this_thread::sleep_for(10ms);
			}
		});
	}
	~TickingFeed() override {
		running_ = false;
		thread_.join();
	}
	std::unique_ptr<PredictionSubscription> subscribe(const std::string &, const std::string &,
	                                                  Callback on_value) override {
		std::lock_guard lock(mutex_);
		auto id = next_++;
		subscribers_[id] = std::move(on_value);
		return std::make_unique<Subscription>(*this, id);
	}
	size_t subscribers() {
		std::lock_guard lock(mutex_);
		return subscribers_.size();
	}

private:
	struct Subscription final : PredictionSubscription {
		Subscription(TickingFeed &feed, int id) : feed_(feed), id_(id) {}
		~Subscription() override {
			std::lock_guard lock(feed_.mutex_);
			feed_.subscribers_.erase(id_);
		}
		TickingFeed &feed_;
		int id_;
	};
	std::mutex mutex_;
	std::map<int, Callback> subscribers_;
	int next_ = 0;
	std::atomic<bool> running_{true};
	std::thread thread_;
};

//! A raw connection from a chosen loopback address.
class Connection {
public:
	Connection(const std::string &from, int port) {
		fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
		sockaddr_in local{};
		local.sin_family = AF_INET;
		::inet_pton(AF_INET, from.c_str(), &local.sin_addr);
		if (::bind(fd_, reinterpret_cast<sockaddr *>(&local), sizeof(local)) != 0) {
			throw std::runtime_error("cannot bind " + from);
		}
		sockaddr_in remote{};
		remote.sin_family = AF_INET;
		remote.sin_port = htons(static_cast<uint16_t>(port));
		remote.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (::connect(fd_, reinterpret_cast<sockaddr *>(&remote), sizeof(remote)) != 0) {
			throw std::runtime_error("cannot connect from " + from);
		}
	}
	~Connection() { ::close(fd_); }
	void send(std::string_view bytes) { (void)!::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL); }
	//! What arrives within `timeout`, until `until` shows up.
	std::string read(std::chrono::milliseconds timeout, std::string_view until) {
		std::string got;
		auto deadline = Clock::now() + timeout;
		while (Clock::now() < deadline && got.find(until) == std::string::npos) {
			pollfd pfd{fd_, POLLIN, 0};
			if (::poll(&pfd, 1, 50) <= 0) {
				continue;
			}
			char chunk[4096];
			auto n = ::recv(fd_, chunk, sizeof(chunk), 0);
			if (n <= 0) {
				break;
			}
			got.append(chunk, static_cast<size_t>(n));
		}
		return got;
	}
	//! Drops what arrived (the streams keep writing).
	void drain() {
		char chunk[65536];
		while (::recv(fd_, chunk, sizeof(chunk), MSG_DONTWAIT) > 0) {
		}
	}

private:
	int fd_ = -1;
};

double percentile(std::vector<double> values, double p) {
	std::sort(values.begin(), values.end());
	return values[static_cast<size_t>(p * static_cast<double>(values.size() - 1))];
}

class ApiLoadTest : public ::testing::Test {
protected:
	void SetUp() override {
		dir_ = temp_.string();
		store_ = store::open_store("sqlite:" + dir_ + "/kafkaml.db");
		token_ = ensure_admin_token(*store_, dir_ + "/admin-token");
		ApiOptions options;
		options.store = store_.get();
		options.executor = &executor_;
		options.predictions = &feed_;
		options.validate_model = [](std::string_view) {};
		options.admin_token = token_;
		server_ = std::make_unique<ApiServer>(options);
		server_->start("127.0.0.1", 0);
	}
	void TearDown() override { server_->stop(); }
	httplib::Client client() {
		httplib::Client http("127.0.0.1", server_->port());
		http.set_bearer_token_auth(token_.c_str());
		http.set_connection_timeout(5);
		http.set_read_timeout(10);
		return http;
	}
	//! A finished result and an inference of it; returns the inference id.
	int64_t make_inference() {
		auto http = client();
		auto post = [&](const std::string &path, const json &body) {
			auto r = http.Post(path, body.dump(), "application/json");
			EXPECT_TRUE(r && r->status < 300) << path << ": " << (r ? r->body : "no answer");
			return json::parse(r->body);
		};
		auto model = post("/api/v1/models", {{"name", "m"}, {"code", "model"}});
		auto configuration = post("/api/v1/configurations", {{"name", "c"}, {"ml_models", {model["id"]}}});
		auto deployment = post("/api/v1/deployments", {{"configuration", configuration["id"]}});
		int64_t result = deployment["results"][0]["id"];
		post("/api/v1/results/" + std::to_string(result) + "/status", {{"status", "running"}});
		post("/api/v1/results/" + std::to_string(result) + "/status", {{"status", "finished"}});
		auto inference =
		    post("/api/v1/inferences",
		         {{"model_result", result}, {"input_format", "JSON"}, {"input_topic", "in"}, {"output_topic", "out"}});
		return inference["id"];
	}

	kafkaml::testing::TempDir temp_{"load"};
	std::string dir_;
	std::string token_;
	std::unique_ptr<store::Store> store_;
	NoExecutor executor_;
	TickingFeed feed_;
	std::unique_ptr<ApiServer> server_;
};

TEST_F(ApiLoadTest, StreamsAndSlowClientsDoNotStarveOrdinaryCalls) {
	auto inference = make_inference();
	std::string stream_request = "GET /api/v1/inferences/" + std::to_string(inference) +
	                             "/predictions/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token_ +
	                             "\r\n\r\n";
	// 100 streams from four addresses (25 each, under the per-client limit).
	std::vector<std::unique_ptr<Connection>> streams;
	for (int i = 0; i < 100; i++) {
		streams.push_back(std::make_unique<Connection>("127.0.0." + std::to_string(2 + i % 4), server_->port()));
		streams.back()->send(stream_request);
	}
	for (auto &stream : streams) {
		auto head = stream->read(5s, "data: ");
		ASSERT_EQ(head.rfind("HTTP/1.1 200", 0), 0u) << head;
	}
	// 50 slowloris connections: a header byte every 2 s, never finished.
	std::vector<std::unique_ptr<Connection>> slow;
	for (int i = 0; i < 50; i++) {
		slow.push_back(std::make_unique<Connection>("127.0.0." + std::to_string(10 + i % 5), server_->port()));
		slow.back()->send("POST /api/v1/models HTTP/1.1\r\nHost: x\r\n");
	}
	std::atomic<bool> loading{true};
	std::thread slowloris([&] {
		while (loading) {
			for (auto &connection : slow) {
				connection->send("X");
			}
			for (int i = 0; i < 20 && loading; i++) {
				std::this_thread::sleep_for(100ms);
			}
		}
	});
	std::thread reader([&] {
		while (loading) {
			for (auto &stream : streams) {
				stream->drain();
			}
			std::this_thread::sleep_for(20ms);
		}
	});

	auto http = client();
	std::vector<double> latencies;
	auto started = Clock::now();
	for (int i = 0; i < 300; i++) {
		auto before = Clock::now();
		auto r = i % 3 == 0 ? http.Post("/api/v1/models", json{{"name", "x"}, {"code", "c"}}.dump(), "application/json")
		                    : http.Get("/api/v1/models?limit=1");
		latencies.push_back(std::chrono::duration<double, std::milli>(Clock::now() - before).count());
		ASSERT_TRUE(r) << "call " << i << " failed: " << httplib::to_string(r.error());
		ASSERT_LT(r->status, 300) << r->body;
	}
	auto elapsed = Clock::now() - started;
	double p50 = percentile(latencies, 0.5);
	double p99 = percentile(latencies, 0.99);
	std::printf("ordinary calls with 100 streams and 50 slowloris: p50 %.2f ms, p99 %.2f ms over %.1f s\n", p50, p99,
	            std::chrono::duration<double>(elapsed).count());
	EXPECT_LT(p99, 100.0);
	EXPECT_EQ(server_->http_stats().streams, 100u);
	EXPECT_EQ(feed_.subscribers(), 100u);

	// One address may hold at most its share of streams.
	std::vector<std::unique_ptr<Connection>> greedy;
	int refused = 0;
	for (int i = 0; i < 40; i++) {
		greedy.push_back(std::make_unique<Connection>("127.0.0.20", server_->port()));
		greedy.back()->send(stream_request);
		auto head = greedy.back()->read(5s, "\r\n\r\n");
		refused += head.rfind("HTTP/1.1 429", 0) == 0 ? 1 : 0;
	}
	EXPECT_EQ(refused, 40 - 32);

	loading = false;
	slowloris.join();
	reader.join();
	// The slowloris connections were cut off by the header timeout? Not yet
	// (10 s), but they never held a worker: that is what the latencies show.
	streams.clear();
	greedy.clear();
	for (int i = 0; i < 200 && feed_.subscribers() > 0; i++) {
		std::this_thread::sleep_for(20ms);
	}
	EXPECT_EQ(feed_.subscribers(), 0u) << "closed streams give back their subscriptions";
}

TEST_F(ApiLoadTest, FiftyClientsAtOnceAreAllServed) {
	// The backlog once was 5: SYNs were dropped and some POSTs reset.
	std::atomic<int> failures{0};
	std::vector<std::thread> clients;
	for (int c = 0; c < 50; c++) {
		clients.emplace_back([&, c] {
			for (int i = 0; i < 20; i++) {
				httplib::Client http("127.0.0.1", server_->port());
				http.set_bearer_token_auth(token_.c_str());
				http.set_connection_timeout(5);
				auto r = http.Post("/api/v1/models", json{{"name", "m" + std::to_string(c)}, {"code", "c"}}.dump(),
				                   "application/json");
				if (!r || r->status != 201) {
					failures++;
				}
			}
		});
	}
	for (auto &client : clients) {
		client.join();
	}
	EXPECT_EQ(failures.load(), 0);
	EXPECT_EQ(store_->list_models().size(), 1000u);
}

} // namespace
} // namespace kafkaml::api
