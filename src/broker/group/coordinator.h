#pragma once

// The classic consumer-group coordinator: membership, rebalances, heartbeats
// and committed offsets of every group on this broker. Wire-free: it takes and
// gives the plain structs of messages.h, and the caller passes the time, so
// unit tests drive it with a fake clock. The state machine is described at the
// top of coordinator.cpp.
//
// Threading: network-loop thread only. Callbacks (JoinCallback, SyncCallback)
// are invoked on the calling thread from inside join_group, sync_group,
// leave_group, tick or shutdown, after the group's state is updated; they must
// not call back into the Coordinator.

#include "broker/group/group.h"
#include "broker/group/messages.h"
#include "broker/group/offset_store.h"

#include <chrono>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace kafkaml::broker::group {

struct CoordinatorConfig {
	std::chrono::milliseconds initial_rebalance_delay{1000};
	//! Kafka's group.min/max.session.timeout.ms; the minimum is lower than
	//! Kafka's 6 s so that tests (and impatient users) can use short sessions.
	std::chrono::milliseconds min_session_timeout{100};
	std::chrono::milliseconds max_session_timeout{30 * 60 * 1000};
	//! OffsetCommit metadata longer than this gets OFFSET_METADATA_TOO_LARGE.
	size_t max_metadata_size = 4096;
};

class Coordinator {
public:
	//! `offsets` must outlive the Coordinator.
	Coordinator(CoordinatorConfig config, OffsetStore &offsets);

	void join_group(JoinGroupRequest request, Clock::time_point now, JoinCallback respond);
	void sync_group(SyncGroupRequest request, Clock::time_point now, SyncCallback respond);
	int16_t heartbeat(const HeartbeatRequest &request, Clock::time_point now);
	LeaveGroupResponse leave_group(const LeaveGroupRequest &request, Clock::time_point now);
	//! Returns the request's topics with an error code set on each partition.
	//! `wall_ms` is the commit time recorded with the offsets.
	std::vector<OffsetCommitTopic> commit_offsets(OffsetCommitRequest request, Clock::time_point now, int64_t wall_ms);
	OffsetFetchResponse fetch_offsets(const OffsetFetchRequest &request) const;
	DescribedGroup describe_group(const std::string &group_id) const;
	std::vector<ListedGroup> list_groups() const;

	//! Expires sessions and pending member ids, ends join phases whose time is up.
	void tick(Clock::time_point now);
	//! Drops committed offsets older than `retention` (commit time, wall clock
	//! `wall_ms`) of groups that have no members, like Kafka's
	//! offsets.retention.minutes; a group left with neither members nor
	//! offsets is forgotten. Returns the number of offsets dropped.
	size_t expire_offsets(int64_t wall_ms, std::chrono::milliseconds retention);
	//! Answers every parked Join/Sync with COORDINATOR_NOT_AVAILABLE.
	void shutdown();

	//! For tests and DescribeGroups: nullptr if the group is unknown.
	const Group *find_group(const std::string &group_id) const;

private:
	Group &group_for(const std::string &group_id);
	bool protocols_compatible(const Group &group, const JoinGroupRequest &request) const;
	std::string new_member_id(const std::string &client_id);
	void add_member_and_rebalance(Group &group, std::string member_id, JoinGroupRequest &request, Clock::time_point now,
	                              JoinCallback respond);
	void update_member_and_rebalance(Group &group, Member &member, JoinGroupRequest &request, Clock::time_point now,
	                                 JoinCallback respond);
	void replace_static_member(Group &group, const std::string &old_id, JoinGroupRequest &request,
	                           Clock::time_point now, JoinCallback respond);
	void prepare_rebalance(Group &group, Clock::time_point now);
	void try_complete_join(Group &group, Clock::time_point now);
	void complete_join(Group &group, Clock::time_point now);
	void remove_member(Group &group, const std::string &member_id, Clock::time_point now);
	JoinGroupResponse current_generation(const Group &group, const Member &member) const;
	std::string select_protocol(const Group &group) const;

	CoordinatorConfig config_;
	OffsetStore &offsets_;
	std::map<std::string, Group> groups_;
	std::mt19937_64 random_;
};

} // namespace kafkaml::broker::group
