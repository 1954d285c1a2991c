#pragma once

// One consumer group's membership state (data only; the transitions live in
// coordinator.cpp, where the state machine is described).
//
// Threading: owned by the Coordinator, network-loop thread only.

#include "broker/group/messages.h"

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kafkaml::broker::group {

using Clock = std::chrono::steady_clock;

enum class GroupState { empty, preparing_rebalance, completing_rebalance, stable, dead };

//! Name used by DescribeGroups/ListGroups ("Empty", "PreparingRebalance", ...).
const char *state_name(GroupState state);

struct Member {
	std::string member_id;
	std::optional<std::string> group_instance_id;
	std::string client_id;
	std::string client_host;
	std::chrono::milliseconds session_timeout{0};
	std::chrono::milliseconds rebalance_timeout{0};
	std::vector<JoinProtocol> protocols;
	Bytes assignment;
	//! Set while the member's JoinGroup is parked until the rebalance ends.
	JoinCallback awaiting_join;
	//! Set while the member's SyncGroup waits for the leader's assignment.
	SyncCallback awaiting_sync;
	//! Session expiry; not applied while a Join or Sync is parked.
	Clock::time_point session_deadline;
	//! Joined during the current rebalance (not yet part of a generation).
	bool is_new = false;

	const Bytes *metadata_for(const std::string &protocol) const;
};

struct Group {
	std::string group_id;
	GroupState state = GroupState::empty;
	int32_t generation_id = 0;
	std::string protocol_type;
	std::string protocol_name;
	std::string leader_id;
	//! Ordered by member id so that responses and tests are deterministic.
	std::map<std::string, Member> members;
	//! Static members: group.instance.id -> current member id. A rejoin with a
	//! known instance id and no member id takes over the member (and its
	//! assignment) under a new id; the old id is then fenced.
	std::map<std::string, std::string> static_members;
	//! Member ids handed out with MEMBER_ID_REQUIRED, valid until the deadline.
	std::map<std::string, Clock::time_point> pending_members;
	//! PreparingRebalance: the join phase ends at `rebalance_deadline` at the
	//! latest, and not before `initial_delay_until` (new groups only).
	Clock::time_point rebalance_deadline;
	Clock::time_point initial_delay_until;
};

} // namespace kafkaml::broker::group
