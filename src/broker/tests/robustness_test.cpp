// Hostile and odd frames over a raw TCP socket: the broker answers with an
// error or closes that one connection, and keeps serving everyone else.
#include "broker/protocol/reader.h"
#include "broker/protocol/request_header.h"
#include "broker/protocol/writer.h"
#include "broker/storage/record_batch.h"
#include "broker/tests/cluster.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <chrono>
#include <netinet/in.h>
#include <optional>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

using namespace kafkaml::broker;
using namespace kafkaml::broker::testing;

namespace {

class RawClient {
public:
	explicit RawClient(const std::string &address) {
		auto colon = address.rfind(':');
		fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
		sockaddr_in addr{};
		addr.sin_family = AF_INET;
		addr.sin_port = htons(static_cast<uint16_t>(std::stoi(address.substr(colon + 1))));
		::inet_pton(AF_INET, address.substr(0, colon).c_str(), &addr.sin_addr);
		if (::connect(fd_, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) != 0) {
			throw std::runtime_error("connect failed");
		}
		timeval tv{10, 0};
		::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	~RawClient() { ::close(fd_); }
	void send(const std::vector<uint8_t> &bytes) {
		ASSERT_EQ(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()));
	}
	//! One response frame (without its size), or nullopt when the broker closed.
	std::optional<std::vector<uint8_t>> receive() {
		uint8_t size_bytes[4];
		if (!read_all(size_bytes, 4)) {
			return std::nullopt;
		}
		std::vector<uint8_t> body(protocol::load_be32(size_bytes));
		if (!read_all(body.data(), body.size())) {
			return std::nullopt;
		}
		return body;
	}

private:
	bool read_all(uint8_t *p, size_t n) {
		while (n > 0) {
			ssize_t got = ::recv(fd_, p, n, 0);
			if (got <= 0) {
				return false;
			}
			p += got;
			n -= static_cast<size_t>(got);
		}
		return true;
	}
	int fd_;
};

//! A request frame: size, api key, version, correlation id, client id, body.
std::vector<uint8_t> request(int16_t key, int16_t version, int32_t correlation,
                             const std::function<void(protocol::Writer &)> &body) {
	protocol::Writer w;
	size_t at = w.reserve_i32();
	w.i16(key);
	w.i16(version);
	w.i32(correlation);
	w.string("raw-test");
	body(w);
	w.patch_i32(at, static_cast<int32_t>(w.size() - 4));
	return w.take();
}

void expect_broker_still_serves(const std::string &address) {
	RawClient c(address);
	c.send(request(18, 0, 99, [](protocol::Writer &) {}));
	auto resp = c.receive();
	ASSERT_TRUE(resp);
	protocol::Reader r(*resp);
	EXPECT_EQ(r.i32(), 99);
	EXPECT_EQ(r.i16(), 0);
}

class BrokerRobustness : public ::testing::Test {
protected:
	void SetUp() override { cluster_ = make_cluster("embedded"); }
	std::unique_ptr<TestCluster> cluster_;
};

} // namespace

TEST_F(BrokerRobustness, OversizedAndNegativeFramesCloseOnlyThatConnection) {
	RawClient bystander(cluster_->bootstrap());
	{
		RawClient c(cluster_->bootstrap());
		c.send({0x7f, 0xff, 0xff, 0xff, 0, 0});
		EXPECT_FALSE(c.receive());
	}
	{
		RawClient c(cluster_->bootstrap());
		c.send({0xff, 0xff, 0xff, 0xfe});
		EXPECT_FALSE(c.receive());
	}
	bystander.send(request(18, 1, 7, [](protocol::Writer &) {}));
	auto resp = bystander.receive();
	ASSERT_TRUE(resp);
	expect_broker_still_serves(cluster_->bootstrap());
}

TEST_F(BrokerRobustness, TruncatedBodyClosesTheConnection) {
	RawClient c(cluster_->bootstrap());
	// Metadata v1 announcing 5 topics but carrying none.
	c.send(request(3, 1, 1, [](protocol::Writer &w) { w.i32(5); }));
	EXPECT_FALSE(c.receive());
	expect_broker_still_serves(cluster_->bootstrap());
}

TEST_F(BrokerRobustness, UnknownApiAndVersionsGetUnsupportedVersion) {
	RawClient c(cluster_->bootstrap());
	c.send(request(999, 0, 5, [](protocol::Writer &) {}));
	auto resp = c.receive();
	ASSERT_TRUE(resp);
	protocol::Reader r(*resp);
	EXPECT_EQ(r.i32(), 5);
	EXPECT_EQ(r.i16(), 35);

	// ApiVersions v4, past what it serves: v0-style answer with the error
	// and the full list, so that the client retries with one it offers.
	auto flexible_request = [](protocol::Writer &w) {
		w.empty_tagged_fields(); // request header v2
		w.compact_string("x");
		w.compact_string("1");
		w.empty_tagged_fields();
	};
	c.send(request(18, 4, 6, flexible_request));
	resp = c.receive();
	ASSERT_TRUE(resp);
	protocol::Reader v(*resp);
	EXPECT_EQ(v.i32(), 6);
	EXPECT_EQ(v.i16(), 35);
	int32_t n = v.array_length(6);
	bool has_produce = false;
	for (int32_t i = 0; i < n; i++) {
		int16_t key = v.i16();
		v.i16();
		int16_t max = v.i16();
		has_produce |= key == 0 && max >= 3;
	}
	EXPECT_TRUE(has_produce);
	EXPECT_EQ(v.remaining(), 0u);
}

TEST_F(BrokerRobustness, ApiVersionsV3AnswersInTheFlexibleLayout) {
	// What librdkafka 2.0 and Java clients ask first: answered at v3, so
	// that they need no second round trip at v0.
	RawClient c(cluster_->bootstrap());
	c.send(request(18, 3, 7, [](protocol::Writer &w) {
		w.empty_tagged_fields(); // request header v2
		w.compact_string("kafkaml-test");
		w.compact_string("1.0");
		w.empty_tagged_fields();
	}));
	auto resp = c.receive();
	ASSERT_TRUE(resp);
	protocol::Reader v(*resp);
	EXPECT_EQ(v.i32(), 7); // response header v0: no tagged fields
	EXPECT_EQ(v.i16(), 0);
	uint32_t entries = v.uvarint();
	ASSERT_GT(entries, 1u);
	bool has_api_versions_3 = false;
	for (uint32_t i = 0; i + 1 < entries; i++) {
		int16_t key = v.i16();
		v.i16();
		int16_t max = v.i16();
		EXPECT_EQ(v.uvarint(), 0u) << "tagged fields of API " << key;
		has_api_versions_3 |= key == 18 && max == 3;
	}
	EXPECT_TRUE(has_api_versions_3);
	EXPECT_EQ(v.i32(), 0); // throttle_time_ms
	EXPECT_EQ(v.uvarint(), 0u);
	EXPECT_EQ(v.remaining(), 0u);
}

TEST_F(BrokerRobustness, AFrameLargerThanTheInputBufferLimitIsServed) {
	// 12 MiB in one Produce request: more than a connection buffers before
	// it handles what it holds (8 MiB), still under the frame limit.
	cluster_->create_topic("large", 1);
	std::string value(12u << 20, 'v');
	auto batch = storage::build_batch(0, 1, {{std::string("k"), value, {}, 0}});
	RawClient c(cluster_->bootstrap());
	c.send(request(0, 7, 12, [&](protocol::Writer &w) {
		w.nullable_string(std::nullopt);
		w.i16(-1);
		w.i32(10000);
		w.array_length(1);
		w.string("large");
		w.array_length(1);
		w.i32(0);
		w.bytes(batch);
	}));
	auto resp = c.receive();
	ASSERT_TRUE(resp);
	protocol::Reader r(*resp);
	EXPECT_EQ(r.i32(), 12);
	EXPECT_EQ(r.array_length(), 1);
	EXPECT_EQ(r.string(), "large");
	EXPECT_EQ(r.array_length(), 1);
	EXPECT_EQ(r.i32(), 0);
	EXPECT_EQ(r.i16(), 0); // appended
	EXPECT_EQ(r.i64(), 0); // at offset 0
}

TEST_F(BrokerRobustness, BadCrcIsRejectedWithCorruptMessage) {
	cluster_->create_topic("crc", 1);
	auto batch = storage::build_batch(0, 1, {{std::string("k"), std::string("v"), {}, 0}});
	batch.back() ^= 0x55;
	RawClient c(cluster_->bootstrap());
	c.send(request(0, 7, 11, [&](protocol::Writer &w) {
		w.nullable_string(std::nullopt);
		w.i16(-1);
		w.i32(1000);
		w.array_length(1);
		w.string("crc");
		w.array_length(1);
		w.i32(0);
		w.bytes(batch);
	}));
	auto resp = c.receive();
	ASSERT_TRUE(resp);
	protocol::Reader r(*resp);
	EXPECT_EQ(r.i32(), 11);
	EXPECT_EQ(r.array_length(), 1);
	EXPECT_EQ(r.string(), "crc");
	EXPECT_EQ(r.array_length(), 1);
	EXPECT_EQ(r.i32(), 0);
	EXPECT_EQ(r.i16(), 2); // CORRUPT_MESSAGE
}

// A Fetch that can only end in an error (unknown topic, offset out of range)
// is answered at once, as Kafka does, not after max_wait_ms.
TEST_F(BrokerRobustness, FetchWithAPartitionErrorIsAnsweredAtOnce) {
	cluster_->create_topic("present", 1);
	struct Case {
		std::string topic;
		int64_t offset;
		int16_t error;
	};
	for (const auto &c : {Case{"absent", 0, 3}, Case{"present", 1000, 1}}) {
		RawClient client(cluster_->bootstrap());
		client.send(request(1, 4, 5, [&](protocol::Writer &w) {
			w.i32(-1);   // replica id
			w.i32(5000); // max wait
			w.i32(1);    // min bytes
			w.i32(1 << 20);
			w.i8(0);
			w.array_length(1);
			w.string(c.topic);
			w.array_length(1);
			w.i32(0);
			w.i64(c.offset);
			w.i32(1 << 20);
		}));
		auto started = std::chrono::steady_clock::now();
		auto resp = client.receive();
		auto waited = std::chrono::steady_clock::now() - started;
		ASSERT_TRUE(resp);
		EXPECT_LT(waited, std::chrono::seconds(2)) << c.topic << ": waited for max_wait_ms";
		protocol::Reader r(*resp);
		EXPECT_EQ(r.i32(), 5); // correlation id
		r.i32();               // throttle
		ASSERT_EQ(r.array_length(), 1);
		EXPECT_EQ(r.string(), c.topic);
		ASSERT_EQ(r.array_length(), 1);
		EXPECT_EQ(r.i32(), 0);
		EXPECT_EQ(r.i16(), c.error) << c.topic;
	}
}
