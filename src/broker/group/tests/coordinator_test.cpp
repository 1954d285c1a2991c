// The group state machine driven with a fake clock: no sockets, no threads.

#include "broker/group/coordinator.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>

#include <optional>

namespace kafkaml::broker::group {
namespace {

using namespace std::chrono_literals;
using kafkaml::testing::TempDir;

Bytes bytes_of(const std::string &s) {
	return Bytes(s.begin(), s.end());
}

class CoordinatorTest : public ::testing::Test {
protected:
	CoordinatorTest() : store(dir.path(), false), coordinator(CoordinatorConfig{300ms}, store) {}

	JoinGroupRequest join_request(const std::string &member_id, const std::string &metadata = "meta") {
		JoinGroupRequest r;
		r.group_id = "g";
		r.session_timeout_ms = 1000;
		r.rebalance_timeout_ms = 5000;
		r.member_id = member_id;
		r.protocol_type = "consumer";
		r.protocols = {JoinProtocol{"range", bytes_of(metadata + "-range")},
		               JoinProtocol{"roundrobin", bytes_of(metadata + "-rr")}};
		r.require_known_member_id = true;
		r.client_id = "client";
		return r;
	}

	//! Sends a JoinGroup; the response lands in the returned slot when it comes.
	std::shared_ptr<std::optional<JoinGroupResponse>> join(JoinGroupRequest r) {
		auto slot = std::make_shared<std::optional<JoinGroupResponse>>();
		coordinator.join_group(std::move(r), now, [slot](JoinGroupResponse resp) {
			ASSERT_FALSE(slot->has_value()) << "a JoinGroup was answered twice";
			*slot = std::move(resp);
		});
		return slot;
	}

	std::shared_ptr<std::optional<SyncGroupResponse>> sync(const std::string &member_id, int32_t generation,
	                                                       std::vector<SyncGroupAssignment> assignments = {}) {
		auto slot = std::make_shared<std::optional<SyncGroupResponse>>();
		coordinator.sync_group(SyncGroupRequest{"g", generation, member_id, std::nullopt, std::move(assignments)}, now,
		                       [slot](SyncGroupResponse resp) {
			                       ASSERT_FALSE(slot->has_value()) << "a SyncGroup was answered twice";
			                       *slot = std::move(resp);
		                       });
		return slot;
	}

	//! MEMBER_ID_REQUIRED round trip: returns the id to join with.
	std::string member_id() {
		auto first = join(join_request(""));
		EXPECT_TRUE(first->has_value());
		EXPECT_EQ((*first)->error_code, error::member_id_required);
		EXPECT_FALSE((*first)->member_id.empty());
		return (*first)->member_id;
	}

	void advance(std::chrono::milliseconds d) {
		now += d;
		coordinator.tick(now);
	}

	int16_t heartbeat(const std::string &member, int32_t generation) {
		return coordinator.heartbeat(HeartbeatRequest{"g", generation, member}, now);
	}

	//! Three members join together and complete one generation; returns their ids
	//! and checks what every step promises.
	std::vector<std::string> form_group_of_three() {
		std::vector<std::string> ids = {member_id(), member_id(), member_id()};
		std::vector<std::shared_ptr<std::optional<JoinGroupResponse>>> joins;
		for (auto &id : ids) {
			joins.push_back(join(join_request(id, id)));
			advance(100ms);
		}
		for (auto &j : joins) {
			EXPECT_FALSE(j->has_value()) << "the initial delay must hold the first generation back";
		}
		advance(400ms);
		std::string leader;
		for (size_t i = 0; i < joins.size(); i++) {
			EXPECT_TRUE(joins[i]->has_value());
			auto &resp = **joins[i];
			EXPECT_EQ(resp.error_code, error::none);
			EXPECT_EQ(resp.generation_id, 1);
			EXPECT_EQ(resp.protocol_name, "range");
			EXPECT_EQ(resp.member_id, ids[i]);
			leader = resp.leader;
		}
		for (size_t i = 0; i < joins.size(); i++) {
			auto &resp = **joins[i];
			EXPECT_EQ(resp.leader, leader) << "one leader per generation";
			if (resp.member_id == leader) {
				EXPECT_EQ(resp.members.size(), 3u);
				for (auto &m : resp.members) {
					EXPECT_EQ(m.metadata, bytes_of(m.member_id + "-range"));
				}
			} else {
				EXPECT_TRUE(resp.members.empty()) << "followers get no member list";
			}
		}
		return ids;
	}

	std::string leader_of() { return coordinator.find_group("g")->leader_id; }

	TempDir dir;
	OffsetStore store;
	Coordinator coordinator;
	Clock::time_point now{std::chrono::seconds(1000)};
};

TEST_F(CoordinatorTest, ThreeMembersFormOneGenerationAndSyncDistributesAssignments) {
	auto ids = form_group_of_three();
	auto leader = leader_of();
	EXPECT_EQ(coordinator.find_group("g")->state, GroupState::completing_rebalance);

	std::vector<std::shared_ptr<std::optional<SyncGroupResponse>>> follower_syncs;
	for (auto &id : ids) {
		if (id != leader) {
			follower_syncs.push_back(sync(id, 1));
		}
	}
	for (auto &s : follower_syncs) {
		EXPECT_FALSE(s->has_value()) << "followers wait for the leader's assignment";
	}
	std::vector<SyncGroupAssignment> assignments;
	for (auto &id : ids) {
		assignments.push_back(SyncGroupAssignment{id, bytes_of("parts-of-" + id)});
	}
	auto leader_sync = sync(leader, 1, assignments);
	ASSERT_TRUE(leader_sync->has_value());
	EXPECT_EQ((*leader_sync)->error_code, error::none);
	EXPECT_EQ((*leader_sync)->assignment, bytes_of("parts-of-" + leader));
	EXPECT_EQ(coordinator.find_group("g")->state, GroupState::stable);
	for (auto &s : follower_syncs) {
		ASSERT_TRUE(s->has_value());
		EXPECT_EQ((*s)->error_code, error::none);
	}
	size_t f = 0;
	for (auto &id : ids) {
		if (id != leader) {
			EXPECT_EQ((*follower_syncs[f++])->assignment, bytes_of("parts-of-" + id));
		}
		EXPECT_EQ(heartbeat(id, 1), error::none);
	}

	auto described = coordinator.describe_group("g");
	EXPECT_EQ(described.state, "Stable");
	EXPECT_EQ(described.protocol_name, "range");
	ASSERT_EQ(described.members.size(), 3u);
	EXPECT_EQ(described.members[0].assignment, bytes_of("parts-of-" + described.members[0].member_id));
	auto listed = coordinator.list_groups();
	ASSERT_EQ(listed.size(), 1u);
	EXPECT_EQ(listed[0].protocol_type, "consumer");
}

TEST_F(CoordinatorTest, UnknownMemberIdAndMemberIdRequired) {
	auto unknown = join(join_request("nobody"));
	ASSERT_TRUE(unknown->has_value());
	EXPECT_EQ((*unknown)->error_code, error::unknown_member_id);

	// A handed-out id expires if the client never comes back with it.
	auto id = member_id();
	advance(1500ms);
	auto late = join(join_request(id));
	ASSERT_TRUE(late->has_value());
	EXPECT_EQ((*late)->error_code, error::unknown_member_id);

	// JoinGroup before v4 gets an id at once.
	auto r = join_request("");
	r.require_known_member_id = false;
	auto direct = join(r);
	advance(400ms);
	ASSERT_TRUE(direct->has_value());
	EXPECT_EQ((*direct)->error_code, error::none);
	EXPECT_EQ((*direct)->leader, (*direct)->member_id);
	EXPECT_EQ(heartbeat("nobody", 1), error::unknown_member_id);
	EXPECT_EQ(coordinator.heartbeat(HeartbeatRequest{"other", 1, "x"}, now), error::unknown_member_id);
}

TEST_F(CoordinatorTest, SessionTimeoutEvictsMemberAndOthersRebalance) {
	auto ids = form_group_of_three();
	auto leader = leader_of();
	std::vector<SyncGroupAssignment> assignments;
	for (auto &id : ids) {
		assignments.push_back(SyncGroupAssignment{id, bytes_of(id)});
	}
	sync(leader, 1, assignments);
	std::vector<std::string> alive;
	std::string dead;
	for (auto &id : ids) {
		(id == leader || !dead.empty() ? alive.push_back(id) : void(dead = id));
	}
	ASSERT_EQ(alive.size(), 2u);

	// The survivors heartbeat, the dead one does not: after its session
	// timeout (1 s) it is removed and the others are told to rejoin.
	for (int i = 0; i < 6; i++) {
		advance(200ms);
		if (coordinator.find_group("g")->state != GroupState::stable) {
			break;
		}
		for (auto &id : alive) {
			EXPECT_EQ(heartbeat(id, 1), error::none);
		}
	}
	EXPECT_EQ(coordinator.find_group("g")->state, GroupState::preparing_rebalance);
	EXPECT_EQ(coordinator.find_group("g")->members.count(dead), 0u);
	EXPECT_EQ(heartbeat(alive[0], 1), error::rebalance_in_progress);
	EXPECT_EQ(heartbeat(dead, 1), error::unknown_member_id);

	auto j0 = join(join_request(alive[0], alive[0]));
	EXPECT_FALSE(j0->has_value());
	auto j1 = join(join_request(alive[1], alive[1]));
	ASSERT_TRUE(j0->has_value()) << "no initial delay once the group has had a generation";
	ASSERT_TRUE(j1->has_value());
	EXPECT_EQ((*j0)->generation_id, 2);
	EXPECT_EQ((*j0)->leader, leader) << "the leader keeps its role";
	auto &leader_resp = (*j0)->member_id == leader ? **j0 : **j1;
	EXPECT_EQ(leader_resp.members.size(), 2u);
	EXPECT_EQ(heartbeat(alive[0], 1), error::illegal_generation);
}

TEST_F(CoordinatorTest, MemberThatDoesNotRejoinIsDroppedAtRebalanceTimeout) {
	auto ids = form_group_of_three();
	sync(leader_of(), 1);
	auto newcomer = member_id();
	auto jn = join(join_request(newcomer, newcomer));
	EXPECT_EQ(coordinator.find_group("g")->state, GroupState::preparing_rebalance);
	std::vector<std::shared_ptr<std::optional<JoinGroupResponse>>> rejoins;
	for (size_t i = 0; i < 2; i++) {
		rejoins.push_back(join(join_request(ids[i], ids[i])));
	}
	// ids[2] keeps heartbeating but never rejoins: the join phase ends at the
	// rebalance timeout (5 s) without it.
	for (int i = 0; i < 24; i++) {
		advance(200ms);
		EXPECT_EQ(heartbeat(ids[2], 1), error::rebalance_in_progress);
	}
	EXPECT_FALSE(jn->has_value());
	advance(200ms);
	ASSERT_TRUE(jn->has_value());
	EXPECT_EQ((*jn)->generation_id, 2);
	EXPECT_EQ(coordinator.find_group("g")->members.size(), 3u);
	EXPECT_EQ(heartbeat(ids[2], 2), error::unknown_member_id);
}

TEST_F(CoordinatorTest, LeaveTriggersRebalanceAndLastLeaveEmptiesGroup) {
	auto ids = form_group_of_three();
	auto leader = leader_of();
	sync(leader, 1);
	auto left = coordinator.leave_group(LeaveGroupRequest{"g", {LeaveGroupMember{leader, std::nullopt, 0}}}, now);
	ASSERT_EQ(left.members.size(), 1u);
	EXPECT_EQ(left.members[0].error_code, error::none);
	EXPECT_EQ(coordinator.find_group("g")->state, GroupState::preparing_rebalance);
	auto again = coordinator.leave_group(LeaveGroupRequest{"g", {LeaveGroupMember{leader, std::nullopt, 0}}}, now);
	EXPECT_EQ(again.members[0].error_code, error::unknown_member_id);

	std::vector<std::string> rest;
	for (auto &id : ids) {
		if (id != leader) {
			rest.push_back(id);
		}
	}
	auto j = join(join_request(rest[0], rest[0]));
	coordinator.leave_group(LeaveGroupRequest{"g", {LeaveGroupMember{rest[1], std::nullopt, 0}}}, now);
	ASSERT_TRUE(j->has_value()) << "the last missing member left, so the join phase is over";
	EXPECT_EQ((*j)->leader, rest[0]) << "a new leader replaces the one that left";
	EXPECT_EQ((*j)->generation_id, 2);
	coordinator.leave_group(LeaveGroupRequest{"g", {LeaveGroupMember{rest[0], std::nullopt, 0}}}, now);
	EXPECT_EQ(coordinator.find_group("g")->state, GroupState::empty);
	EXPECT_EQ(coordinator.describe_group("g").state, "Empty");
	EXPECT_EQ(coordinator.describe_group("absent").state, "Dead");
}

TEST_F(CoordinatorTest, StaleGenerationAndRebalanceErrors) {
	auto ids = form_group_of_three();
	auto leader = leader_of();
	auto stale = sync(ids[0], 0);
	ASSERT_TRUE(stale->has_value());
	EXPECT_EQ((*stale)->error_code, error::illegal_generation);

	// A follower waiting in SyncGroup is released with REBALANCE_IN_PROGRESS
	// when a newcomer starts another rebalance before the leader synced.
	std::string follower = ids[0] == leader ? ids[1] : ids[0];
	auto waiting = sync(follower, 1);
	EXPECT_FALSE(waiting->has_value());
	join(join_request(member_id(), "x"));
	ASSERT_TRUE(waiting->has_value());
	EXPECT_EQ((*waiting)->error_code, error::rebalance_in_progress);
	auto during = sync(leader, 1);
	ASSERT_TRUE(during->has_value());
	EXPECT_EQ((*during)->error_code, error::rebalance_in_progress);

	OffsetCommitRequest commit{"g", 0, follower, {OffsetCommitTopic{"t", {OffsetCommitPartition{0, 5, -1, "", 0}}}}};
	EXPECT_EQ(coordinator.commit_offsets(commit, now, 1)[0].partitions[0].error_code, error::illegal_generation);
	commit.generation_id = 1;
	EXPECT_EQ(coordinator.commit_offsets(commit, now, 1)[0].partitions[0].error_code, error::none)
	    << "the old generation may still commit while the group prepares a rebalance";
	commit.member_id = "stranger";
	EXPECT_EQ(coordinator.commit_offsets(commit, now, 1)[0].partitions[0].error_code, error::unknown_member_id);
	commit.member_id = "";
	commit.generation_id = -1;
	EXPECT_EQ(coordinator.commit_offsets(commit, now, 1)[0].partitions[0].error_code, error::unknown_member_id)
	    << "a group with members refuses commits from outside it";
}

TEST_F(CoordinatorTest, IncompatibleProtocolsAndBadSessionTimeout) {
	auto id = member_id();
	join(join_request(id));
	auto other = join_request("");
	other.require_known_member_id = false;
	other.protocols = {JoinProtocol{"sticky", {}}};
	auto resp = join(other);
	ASSERT_TRUE(resp->has_value());
	EXPECT_EQ((*resp)->error_code, error::inconsistent_group_protocol);
	auto bad = join_request("");
	bad.session_timeout_ms = 10;
	auto bad_resp = join(bad);
	ASSERT_TRUE(bad_resp->has_value());
	EXPECT_EQ((*bad_resp)->error_code, error::invalid_session_timeout);
}

TEST_F(CoordinatorTest, OffsetsCommitAndFetchOutsideGenerations) {
	OffsetCommitRequest commit{
	    "solo",
	    -1,
	    "",
	    {OffsetCommitTopic{"t", {OffsetCommitPartition{0, 42, 3, "m", 0}, OffsetCommitPartition{2, 7, -1, {}, 0}}}}};
	auto result = coordinator.commit_offsets(commit, now, 1234);
	EXPECT_EQ(result[0].partitions[0].error_code, error::none);
	OffsetFetchRequest fetch{"solo", std::vector<OffsetFetchTopic>{OffsetFetchTopic{"t", {{0}, {1}, {2}}}}};
	auto fetched = coordinator.fetch_offsets(fetch);
	ASSERT_EQ(fetched.topics.size(), 1u);
	ASSERT_EQ(fetched.topics[0].partitions.size(), 3u);
	EXPECT_EQ(fetched.topics[0].partitions[0].offset, 42);
	EXPECT_EQ(fetched.topics[0].partitions[0].leader_epoch, 3);
	EXPECT_EQ(fetched.topics[0].partitions[0].metadata, "m");
	EXPECT_EQ(fetched.topics[0].partitions[1].offset, -1);
	EXPECT_EQ(fetched.topics[0].partitions[2].offset, 7);
	auto all = coordinator.fetch_offsets(OffsetFetchRequest{"solo", std::nullopt});
	ASSERT_EQ(all.topics.size(), 1u);
	EXPECT_EQ(all.topics[0].partitions.size(), 2u);

	commit.topics[0].partitions[0].metadata = std::string(5000, 'x');
	result = coordinator.commit_offsets(commit, now, 1);
	EXPECT_EQ(result[0].partitions[0].error_code, error::offset_metadata_too_large);
	EXPECT_EQ(result[0].partitions[1].error_code, error::none);
	EXPECT_EQ(coordinator.list_groups().at(0).group_id, "solo");
	EXPECT_EQ(coordinator.list_groups().at(0).state, "Empty");
	EXPECT_EQ(coordinator.describe_group("solo").state, "Empty") << "a group with offsets but no members is Empty";
}

TEST_F(CoordinatorTest, RetriedJoinIsAnsweredOnceAndFollowerRejoinKeepsTheGeneration) {
	auto ids = form_group_of_three();
	auto leader = leader_of();
	sync(leader, 1);
	std::string follower = ids[0] == leader ? ids[1] : ids[0];

	// A follower rejoining a stable group with unchanged metadata (e.g. after
	// a lost response) gets the current generation back, no rebalance.
	auto rejoin = join(join_request(follower, follower));
	ASSERT_TRUE(rejoin->has_value());
	EXPECT_EQ((*rejoin)->generation_id, 1);
	EXPECT_EQ(coordinator.find_group("g")->state, GroupState::stable);

	// Changed metadata starts a rebalance; a retry of that JoinGroup replaces
	// the parked one, which is answered (once) with an error.
	auto changed = join(join_request(follower, "new"));
	EXPECT_FALSE(changed->has_value());
	auto retried = join(join_request(follower, "new"));
	ASSERT_TRUE(changed->has_value());
	EXPECT_EQ((*changed)->error_code, error::rebalance_in_progress);
	EXPECT_FALSE(retried->has_value());
	for (auto &id : ids) {
		if (id != follower) {
			join(join_request(id, id));
		}
	}
	ASSERT_TRUE(retried->has_value());
	EXPECT_EQ((*retried)->error_code, error::none);
	EXPECT_EQ((*retried)->generation_id, 2);
}

TEST_F(CoordinatorTest, StaticMemberRestartKeepsItsAssignmentWithoutRebalance) {
	// Two static members (group.instance.id) join without MEMBER_ID_REQUIRED.
	auto static_request = [&](const std::string &member, const std::string &instance) {
		auto r = join_request(member, instance);
		r.group_instance_id = instance;
		return r;
	};
	auto a = join(static_request("", "a"));
	auto b = join(static_request("", "b"));
	advance(400ms);
	ASSERT_TRUE(a->has_value() && b->has_value());
	ASSERT_EQ((*a)->error_code, error::none);
	ASSERT_EQ((*b)->error_code, error::none);
	auto a_id = (*a)->member_id;
	auto b_id = (*b)->member_id;
	EXPECT_EQ((*a)->generation_id, 1);
	auto leader = leader_of();
	auto follower = leader == a_id ? b_id : a_id;
	auto follower_sync = sync(follower, 1);
	auto leader_sync = sync(leader, 1, {{a_id, bytes_of("for-a")}, {b_id, bytes_of("for-b")}});
	ASSERT_TRUE(follower_sync->has_value() && leader_sync->has_value());
	EXPECT_EQ(coordinator.find_group("g")->state, GroupState::stable);

	// "a" restarts: same instance id, no member id. It gets a new id, the same
	// generation and its old assignment, and "b" sees no rebalance.
	auto again = join(static_request("", "a"));
	ASSERT_TRUE(again->has_value());
	EXPECT_EQ((*again)->error_code, error::none);
	EXPECT_EQ((*again)->generation_id, 1);
	auto new_a = (*again)->member_id;
	EXPECT_NE(new_a, a_id);
	EXPECT_EQ(coordinator.find_group("g")->state, GroupState::stable);
	auto resync = sync(new_a, 1);
	ASSERT_TRUE(resync->has_value());
	EXPECT_EQ((*resync)->error_code, error::none);
	EXPECT_EQ((*resync)->assignment, bytes_of("for-a"));
	EXPECT_EQ(heartbeat(b_id, 1), error::none);
	EXPECT_EQ(heartbeat(new_a, 1), error::none);

	// The old incarnation is fenced wherever it names its instance id.
	EXPECT_EQ(coordinator.heartbeat(HeartbeatRequest{"g", 1, a_id, "a"}, now), error::fenced_instance_id);
	OffsetCommitRequest commit{"g", 1, a_id, {OffsetCommitTopic{"t", {OffsetCommitPartition{0, 5, -1, {}, 0}}}}, "a"};
	EXPECT_EQ(coordinator.commit_offsets(commit, now, 1)[0].partitions[0].error_code, error::fenced_instance_id);
	auto stale_join = join(static_request(a_id, "a"));
	ASSERT_TRUE(stale_join->has_value());
	EXPECT_EQ((*stale_join)->error_code, error::fenced_instance_id);
	EXPECT_EQ(coordinator.find_group("g")->generation_id, 1);

	// A static member leaves by session timeout: then the group rebalances.
	for (int i = 0; i < 8; i++) {
		EXPECT_EQ(heartbeat(b_id, 1), error::none);
		advance(100ms);
	}
	advance(400ms);
	EXPECT_EQ(heartbeat(b_id, 1), error::rebalance_in_progress);
	EXPECT_FALSE(coordinator.find_group("g")->static_members.count("a"));
}

TEST_F(CoordinatorTest, OffsetsOfGroupsWithoutMembersExpire) {
	auto commit_at = [&](const std::string &group, int64_t wall_ms) {
		OffsetCommitRequest commit{group, -1, "", {OffsetCommitTopic{"t", {OffsetCommitPartition{0, 9, -1, {}, 0}}}}};
		coordinator.commit_offsets(commit, now, wall_ms);
	};
	commit_at("old", 1000);
	commit_at("recent", 50000);
	// "g" has members: its old commits stay.
	form_group_of_three();
	auto leader = leader_of();
	auto leader_sync = sync(leader, 1);
	OffsetCommitRequest member_commit{
	    "g", 1, leader, {OffsetCommitTopic{"t", {OffsetCommitPartition{0, 3, -1, {}, 0}}}}};
	EXPECT_EQ(coordinator.commit_offsets(member_commit, now, 1000)[0].partitions[0].error_code, error::none);

	EXPECT_EQ(coordinator.expire_offsets(60000, 20s), 1u); // cutoff 40000: only "old"
	EXPECT_EQ(store.find("old", "t", 0), nullptr);
	EXPECT_NE(store.find("recent", "t", 0), nullptr);
	EXPECT_NE(store.find("g", "t", 0), nullptr);
	EXPECT_EQ(coordinator.find_group("old"), nullptr) << "a group left with nothing is forgotten";

	// Expiry is persisted: a reopened store does not bring the offsets back.
	OffsetStore reopened(dir.path(), false);
	EXPECT_EQ(reopened.find("old", "t", 0), nullptr);
	EXPECT_NE(reopened.find("recent", "t", 0), nullptr);
}

TEST_F(CoordinatorTest, ShutdownAnswersParkedRequests) {
	auto id = member_id();
	auto parked = join(join_request(id));
	coordinator.shutdown();
	ASSERT_TRUE(parked->has_value());
	EXPECT_EQ((*parked)->error_code, error::coordinator_not_available);
}

} // namespace
} // namespace kafkaml::broker::group
