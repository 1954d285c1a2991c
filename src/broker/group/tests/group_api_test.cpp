// GroupApi over encoded request bodies: the codec at the versions clients use,
// parked responses, and malformed input.

#include "broker/group/group_api.h"
#include "broker/protocol/reader.h"
#include "broker/protocol/writer.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>

#include <optional>

namespace kafkaml::broker::group {
namespace {

using namespace std::chrono_literals;
using kafkaml::testing::TempDir;
using protocol::Reader;
using protocol::Writer;

class GroupApiTest : public ::testing::Test {
protected:
	GroupApiTest() : api(make_config()) {}

	GroupApiConfig make_config() {
		GroupApiConfig config;
		config.data_dir = dir.path();
		config.initial_rebalance_delay = 200ms;
		config.clock = [this] { return now; };
		return config;
	}

	std::shared_ptr<std::optional<std::vector<uint8_t>>> call(int16_t key, int16_t version, const Writer &body) {
		auto slot = std::make_shared<std::optional<std::vector<uint8_t>>>();
		GroupRequestContext ctx{key, version, 1, "client-1", "127.0.0.1"};
		api.handle(ctx, body.buffer(), [slot](std::vector<uint8_t> response) { *slot = std::move(response); });
		return slot;
	}

	Writer join_body(int16_t version, const std::string &member_id) {
		Writer w;
		w.string("g");
		w.i32(6000);
		if (version >= 1) {
			w.i32(10000);
		}
		w.string(member_id);
		if (version >= 5) {
			w.nullable_string(std::nullopt);
		}
		w.string("consumer");
		w.array_length(1);
		w.string("range");
		std::vector<uint8_t> meta = {1, 2, 3};
		w.bytes(meta);
		return w;
	}

	TempDir dir;
	std::chrono::steady_clock::time_point now{std::chrono::seconds(50)};
	GroupApi api;
};

TEST_F(GroupApiTest, AdvertisesNonFlexibleVersionsOfTheNineGroupApis) {
	EXPECT_EQ(GroupApi::supported_versions().size(), 9u);
	EXPECT_TRUE(GroupApi::handles(11));
	EXPECT_FALSE(GroupApi::handles(0));
	EXPECT_FALSE(GroupApi::handles(18));
}

TEST_F(GroupApiTest, FindCoordinatorReturnsThisBroker) {
	api.set_coordinator_address(7, "localhost", 19092);
	Writer w;
	w.string("g");
	w.i8(0);
	auto resp = call(10, 2, w);
	ASSERT_TRUE(resp->has_value());
	Reader r(**resp);
	EXPECT_EQ(r.i32(), 0); // throttle
	EXPECT_EQ(r.i16(), 0);
	EXPECT_FALSE(r.nullable_string().has_value());
	EXPECT_EQ(r.i32(), 7);
	EXPECT_EQ(r.string(), "localhost");
	EXPECT_EQ(r.i32(), 19092);
	EXPECT_TRUE(r.at_end());

	Writer v0;
	v0.string("g");
	auto resp0 = call(10, 0, v0);
	Reader r0(**resp0);
	EXPECT_EQ(r0.i16(), 0);
	EXPECT_EQ(r0.i32(), 7);
}

TEST_F(GroupApiTest, JoinV5ParksUntilTheInitialDelayThenSyncAndCommitRoundTrip) {
	auto first = call(11, 5, join_body(5, ""));
	ASSERT_TRUE(first->has_value());
	Reader r1(**first);
	r1.i32();
	EXPECT_EQ(r1.i16(), 79); // MEMBER_ID_REQUIRED
	EXPECT_EQ(r1.i32(), -1);
	r1.string();
	r1.string();
	std::string member(r1.string());
	EXPECT_FALSE(member.empty());

	auto joined = call(11, 5, join_body(5, member));
	EXPECT_FALSE(joined->has_value()) << "JoinGroup is parked during the initial delay";
	now += 300ms;
	api.tick();
	ASSERT_TRUE(joined->has_value());
	Reader r2(**joined);
	r2.i32();
	EXPECT_EQ(r2.i16(), 0);
	EXPECT_EQ(r2.i32(), 1);
	EXPECT_EQ(r2.string(), "range");
	EXPECT_EQ(r2.string(), member);
	EXPECT_EQ(r2.string(), member);
	ASSERT_EQ(r2.array_length(), 1);
	EXPECT_EQ(r2.string(), member);
	EXPECT_FALSE(r2.nullable_string().has_value());
	EXPECT_EQ(r2.bytes()->size(), 3u);
	EXPECT_TRUE(r2.at_end());

	Writer sync;
	sync.string("g");
	sync.i32(1);
	sync.string(member);
	sync.nullable_string(std::nullopt);
	sync.array_length(1);
	sync.string(member);
	std::vector<uint8_t> assignment = {9, 9};
	sync.bytes(assignment);
	auto synced = call(14, 3, sync);
	ASSERT_TRUE(synced->has_value());
	Reader r3(**synced);
	r3.i32();
	EXPECT_EQ(r3.i16(), 0);
	EXPECT_EQ(r3.bytes()->size(), 2u);

	// OffsetCommit v2 (kafka-python) then OffsetFetch v1 and v5.
	Writer commit;
	commit.string("g");
	commit.i32(1);
	commit.string(member);
	commit.i64(-1);
	commit.array_length(1);
	commit.string("topic");
	commit.array_length(1);
	commit.i32(3);
	commit.i64(77);
	commit.string("meta");
	auto committed = call(8, 2, commit);
	Reader r4(**committed);
	ASSERT_EQ(r4.array_length(), 1);
	EXPECT_EQ(r4.string(), "topic");
	ASSERT_EQ(r4.array_length(), 1);
	EXPECT_EQ(r4.i32(), 3);
	EXPECT_EQ(r4.i16(), 0);

	Writer fetch;
	fetch.string("g");
	fetch.array_length(1);
	fetch.string("topic");
	fetch.array_length(2);
	fetch.i32(3);
	fetch.i32(4);
	auto fetched = call(9, 1, fetch);
	Reader r5(**fetched);
	ASSERT_EQ(r5.array_length(), 1);
	r5.string();
	ASSERT_EQ(r5.array_length(), 2);
	EXPECT_EQ(r5.i32(), 3);
	EXPECT_EQ(r5.i64(), 77);
	EXPECT_EQ(r5.string(), "meta");
	EXPECT_EQ(r5.i16(), 0);
	EXPECT_EQ(r5.i32(), 4);
	EXPECT_EQ(r5.i64(), -1);

	Writer fetch_all;
	fetch_all.string("g");
	fetch_all.array_length(-1);
	auto all = call(9, 5, fetch_all);
	Reader r6(**all);
	EXPECT_EQ(r6.i32(), 0);
	ASSERT_EQ(r6.array_length(), 1);
	r6.string();
	ASSERT_EQ(r6.array_length(), 1);
	EXPECT_EQ(r6.i32(), 3);
	EXPECT_EQ(r6.i64(), 77);
	EXPECT_EQ(r6.i32(), -1);
	EXPECT_EQ(r6.string(), "meta");
	EXPECT_EQ(r6.i16(), 0);
	EXPECT_EQ(r6.i16(), 0);
	EXPECT_TRUE(r6.at_end());

	// DescribeGroups v4 and ListGroups v2 show the stable group.
	Writer describe;
	describe.array_length(1);
	describe.string("g");
	describe.boolean(false);
	auto described = call(15, 4, describe);
	Reader r7(**described);
	r7.i32();
	ASSERT_EQ(r7.array_length(), 1);
	EXPECT_EQ(r7.i16(), 0);
	EXPECT_EQ(r7.string(), "g");
	EXPECT_EQ(r7.string(), "Stable");
	EXPECT_EQ(r7.string(), "consumer");
	EXPECT_EQ(r7.string(), "range");
	ASSERT_EQ(r7.array_length(), 1);
	EXPECT_EQ(r7.string(), member);
	EXPECT_FALSE(r7.nullable_string().has_value());
	EXPECT_EQ(r7.string(), "client-1");
	EXPECT_EQ(r7.string(), "127.0.0.1");

	auto listed = call(16, 2, Writer{});
	Reader r8(**listed);
	r8.i32();
	EXPECT_EQ(r8.i16(), 0);
	ASSERT_EQ(r8.array_length(), 1);
	EXPECT_EQ(r8.string(), "g");
	EXPECT_EQ(r8.string(), "consumer");

	// LeaveGroup v1 (librdkafka), then the heartbeat of the departed member.
	Writer leave;
	leave.string("g");
	leave.string(member);
	auto left = call(13, 1, leave);
	Reader r9(**left);
	r9.i32();
	EXPECT_EQ(r9.i16(), 0);
	Writer hb;
	hb.string("g");
	hb.i32(1);
	hb.string(member);
	auto beat = call(12, 0, hb);
	Reader r10(**beat);
	EXPECT_EQ(r10.i16(), 25);
}

TEST_F(GroupApiTest, OffsetsSurviveReopeningTheApi) {
	Writer commit;
	commit.string("simple");
	commit.array_length(1);
	commit.string("t");
	commit.array_length(1);
	commit.i32(0);
	commit.i64(5);
	commit.nullable_string(std::nullopt);
	call(8, 0, commit);

	GroupApi reopened(make_config());
	Writer fetch;
	fetch.string("simple");
	fetch.array_length(1);
	fetch.string("t");
	fetch.array_length(1);
	fetch.i32(0);
	auto slot = std::make_shared<std::optional<std::vector<uint8_t>>>();
	reopened.handle(GroupRequestContext{9, 0, 1, "c", "h"}, fetch.buffer(),
	                [slot](std::vector<uint8_t> response) { *slot = std::move(response); });
	Reader r(**slot);
	r.array_length();
	r.string();
	r.array_length();
	EXPECT_EQ(r.i32(), 0);
	EXPECT_EQ(r.i64(), 5);
}

TEST_F(GroupApiTest, MalformedBodiesAreDecodeErrorsNotCrashes) {
	auto full = join_body(5, "m").buffer();
	for (size_t cut = 0; cut < full.size(); cut++) {
		std::vector<uint8_t> part(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(cut));
		GroupRequestContext ctx{11, 5, 1, "c", "h"};
		bool answered = false;
		EXPECT_THROW(api.handle(ctx, part, [&](std::vector<uint8_t>) { answered = true; }), GroupProtocolError)
		    << "cut at " << cut;
		EXPECT_FALSE(answered);
	}
	Writer hostile;
	hostile.string("g");
	hostile.array_length(1 << 30);
	EXPECT_THROW(api.handle(GroupRequestContext{9, 1, 1, "c", "h"}, hostile.buffer(), [](std::vector<uint8_t>) {}),
	             GroupProtocolError);
}

} // namespace
} // namespace kafkaml::broker::group
