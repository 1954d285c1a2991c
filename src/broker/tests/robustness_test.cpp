// Hostile and odd frames over a raw TCP socket: the broker answers with an
// error or closes that one connection, and keeps serving everyone else.
#include "broker/protocol/reader.h"
#include "broker/protocol/request_header.h"
#include "broker/protocol/writer.h"
#include "broker/storage/record_batch.h"
#include "broker/tests/cluster.h"
#include "broker/tests/raw_client.h"

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

TEST_F(BrokerRobustness, DeleteRecordsAnswersEachPartitionWithKafkasErrors) {
	cluster_->create_topic("raw-dr", 1);
	RawClient c(cluster_->bootstrap());
	for (int16_t version : {0, 1}) {
		c.send(request(21, version, 30 + version, [](protocol::Writer &w) {
			w.array_length(2);
			w.string("raw-dr");
			w.array_length(3);
			w.i32(0);
			w.i64(0); // at the start: nothing to do
			w.i32(0);
			w.i64(5); // past the high watermark (0)
			w.i32(4); // no such partition
			w.i64(0);
			w.string("raw-missing");
			w.array_length(1);
			w.i32(0);
			w.i64(-1);
			w.i32(1000); // timeout_ms
		}));
		auto resp = c.receive();
		ASSERT_TRUE(resp);
		protocol::Reader r(*resp);
		EXPECT_EQ(r.i32(), 30 + version);
		EXPECT_EQ(r.i32(), 0); // throttle_time_ms
		ASSERT_EQ(r.array_length(1), 2);
		EXPECT_EQ(r.string(), "raw-dr");
		ASSERT_EQ(r.array_length(1), 3);
		EXPECT_EQ(r.i32(), 0);
		EXPECT_EQ(r.i64(), 0); // low watermark
		EXPECT_EQ(r.i16(), 0);
		EXPECT_EQ(r.i32(), 0);
		EXPECT_EQ(r.i64(), 0);
		EXPECT_EQ(r.i16(), 1) << "OFFSET_OUT_OF_RANGE";
		EXPECT_EQ(r.i32(), 4);
		EXPECT_EQ(r.i64(), -1);
		EXPECT_EQ(r.i16(), 3) << "UNKNOWN_TOPIC_OR_PARTITION";
		EXPECT_EQ(r.string(), "raw-missing");
		ASSERT_EQ(r.array_length(1), 1);
		EXPECT_EQ(r.i32(), 0);
		EXPECT_EQ(r.i64(), -1);
		EXPECT_EQ(r.i16(), 3);
		EXPECT_EQ(r.remaining(), 0u);
	}
	// v2 (flexible) is not advertised: UNSUPPORTED_VERSION, the connection stays.
	c.send(request(21, 2, 40, [](protocol::Writer &w) { w.empty_tagged_fields(); }));
	auto resp = c.receive();
	ASSERT_TRUE(resp);
	protocol::Reader r(*resp);
	EXPECT_EQ(r.i32(), 40);
	EXPECT_EQ(r.i16(), 35);
}
