#include "broker/protocol/reader.h"
#include "broker/protocol/request_header.h"
#include "broker/protocol/writer.h"

#include <gtest/gtest.h>

#include <limits>

using namespace kafkaml::broker::protocol;

TEST(ProtocolCodec, PrimitivesRoundTrip) {
	Writer w;
	w.i8(-5);
	w.i16(-1234);
	w.i32(0x12345678);
	w.i64(std::numeric_limits<int64_t>::min());
	w.varint(-300);
	w.varlong(1LL << 40);
	w.uvarint(300);
	w.string("topic");
	w.nullable_string(std::nullopt);
	uint8_t payload[3] = {1, 2, 3};
	w.bytes(payload);
	w.null_bytes();
	w.compact_string("cs");
	w.compact_nullable_string(std::nullopt);
	w.compact_array_length(2);
	w.i8(7);
	w.i8(8);
	w.empty_tagged_fields();

	auto buf = w.take();
	Reader r(buf);
	EXPECT_EQ(r.i8(), -5);
	EXPECT_EQ(r.i16(), -1234);
	EXPECT_EQ(r.i32(), 0x12345678);
	EXPECT_EQ(r.i64(), std::numeric_limits<int64_t>::min());
	EXPECT_EQ(r.varint(), -300);
	EXPECT_EQ(r.varlong(), 1LL << 40);
	EXPECT_EQ(r.uvarint(), 300u);
	EXPECT_EQ(r.string(), "topic");
	EXPECT_FALSE(r.nullable_string().has_value());
	auto b = r.bytes();
	ASSERT_TRUE(b.has_value());
	EXPECT_EQ(b->size(), 3u);
	EXPECT_EQ((*b)[2], 3);
	EXPECT_FALSE(r.bytes().has_value());
	EXPECT_EQ(r.compact_string(), "cs");
	EXPECT_FALSE(r.compact_nullable_string().has_value());
	EXPECT_EQ(r.compact_array_length(1), 2);
	EXPECT_EQ(r.i8(), 7);
	EXPECT_EQ(r.i8(), 8);
	r.skip_tagged_fields();
	EXPECT_TRUE(r.at_end());
}

TEST(ProtocolCodec, VarintWireFormatMatchesKafka) {
	// Kafka's zig-zag: 0->0, -1->1, 1->2, 63->126, -64->127, 64->128 (two bytes).
	Writer w;
	w.varint(64);
	auto buf = w.take();
	ASSERT_EQ(buf.size(), 2u);
	EXPECT_EQ(buf[0], 0x80);
	EXPECT_EQ(buf[1], 0x01);
}

TEST(ProtocolCodec, TruncationThrowsInsteadOfReadingPastTheEnd) {
	Writer w;
	w.i16(10); // string length 10 but only 2 bytes follow
	w.i16(0);
	auto buf = w.take();
	Reader r(buf);
	EXPECT_THROW(r.string(), DecodeError);

	std::vector<uint8_t> three = {0, 0, 0};
	Reader r2(three);
	EXPECT_THROW(r2.i32(), DecodeError);

	std::vector<uint8_t> endless_varint(12, 0xff);
	Reader r3(endless_varint);
	EXPECT_THROW(r3.varlong(), DecodeError);
}

TEST(ProtocolCodec, HostileArrayLengthIsRejected) {
	Writer w;
	w.array_length(1'000'000'000);
	w.i32(0);
	auto buf = w.take();
	Reader r(buf);
	EXPECT_THROW(r.array_length(4), DecodeError);
	Writer neg;
	neg.array_length(-7);
	auto nb = neg.take();
	Reader r4(nb);
	EXPECT_THROW(r4.array_length(), DecodeError);
}

TEST(ProtocolCodec, RequestHeaderAndResponseFrame) {
	Writer w;
	w.i16(18);
	w.i16(3);
	w.i32(42);
	w.string("rdkafka");
	auto buf = w.take();
	Reader r(buf);
	auto h = parse_request_header(r);
	EXPECT_EQ(h.api_key, 18);
	EXPECT_EQ(h.api_version, 3);
	EXPECT_EQ(h.correlation_id, 42);
	EXPECT_EQ(h.client_id.value(), "rdkafka");

	ResponseFrame frame(42);
	frame.body().i16(0);
	auto out = frame.finish();
	ASSERT_EQ(out.size(), 10u);
	Reader fr(out);
	EXPECT_EQ(fr.i32(), 6);
	EXPECT_EQ(fr.i32(), 42);
	EXPECT_EQ(fr.i16(), 0);
}
