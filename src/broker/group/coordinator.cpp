// Classic group protocol state machine (one per group), as Kafka's
// GroupCoordinator runs it:
//
//   Empty --first JoinGroup--> PreparingRebalance
//   PreparingRebalance --every member rejoined (and the initial delay of a new
//       group is over), or the rebalance timeout passed--> CompletingRebalance
//       (generation + 1; members that did not rejoin are dropped; the leader's
//       JoinGroup response carries every member's metadata)
//   CompletingRebalance --leader's SyncGroup--> Stable (followers' parked
//       SyncGroups get their assignments)
//   Stable / CompletingRebalance --join of a new member, leader rejoin, changed
//       metadata, LeaveGroup, session expiry--> PreparingRebalance (parked
//       SyncGroups fail with REBALANCE_IN_PROGRESS; heartbeats answer
//       REBALANCE_IN_PROGRESS so members rejoin)
//   PreparingRebalance with no member left --> Empty (generation + 1)
//
// Parked requests: a JoinGroup waits in Member::awaiting_join until the join
// phase ends, a follower's SyncGroup in Member::awaiting_sync until the
// leader's arrives. While parked, a member's session does not expire (its
// connection is muted and cannot heartbeat). Dead is only reported for groups
// that do not exist (neither members nor committed offsets).
//
// Static membership (group.instance.id, JoinGroup v5+): a member that joins
// with a known instance id and no member id replaces the old member under a
// new id, keeping its assignment; a Stable group does not rebalance for it
// (unless its protocols changed), so a restarted consumer gets its partitions
// back at once. Requests carrying an instance id with another member id than
// the current one get FENCED_INSTANCE_ID. A static member leaves by session
// timeout (or a LeaveGroup naming its instance id).
//
// Offsets are independent of membership: a commit with generation -1 and no
// member id is accepted while the group has no members (simple consumers,
// admin tools); otherwise the member and generation must match.

#include "broker/group/coordinator.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <set>
#include <utility>

namespace kafkaml::broker::group {

namespace {

JoinGroupResponse join_error(int16_t code, std::string member_id = {}) {
	JoinGroupResponse r;
	r.error_code = code;
	r.member_id = std::move(member_id);
	return r;
}

SyncGroupResponse sync_error(int16_t code) {
	SyncGroupResponse r;
	r.error_code = code;
	return r;
}

template <typename Callback, typename Value>
void answer(Callback &slot, Value value) {
	if (!slot) {
		return;
	}
	auto callback = std::exchange(slot, nullptr);
	callback(std::move(value));
}

//! True when `instance` is a static member now known under another member id.
bool fenced(const Group &group, const std::optional<std::string> &instance, const std::string &member_id) {
	if (!instance) {
		return false;
	}
	auto it = group.static_members.find(*instance);
	return it != group.static_members.end() && it->second != member_id;
}

bool same_protocols(const std::vector<JoinProtocol> &a, const std::vector<JoinProtocol> &b) {
	if (a.size() != b.size()) {
		return false;
	}
	for (size_t i = 0; i < a.size(); i++) {
		if (a[i].name != b[i].name || a[i].metadata != b[i].metadata) {
			return false;
		}
	}
	return true;
}

} // namespace

Coordinator::Coordinator(CoordinatorConfig config, OffsetStore &offsets)
    : config_(config), offsets_(offsets), random_(std::random_device{}()) {}

const Group *Coordinator::find_group(const std::string &group_id) const {
	auto it = groups_.find(group_id);
	return it == groups_.end() ? nullptr : &it->second;
}

Group &Coordinator::group_for(const std::string &group_id) {
	auto [it, inserted] = groups_.try_emplace(group_id);
	if (inserted) {
		it->second.group_id = group_id;
	}
	return it->second;
}

std::string Coordinator::new_member_id(const std::string &client_id) {
	char suffix[40];
	std::snprintf(suffix, sizeof(suffix), "%016llx%016llx", static_cast<unsigned long long>(random_()),
	              static_cast<unsigned long long>(random_()));
	std::string id = client_id.empty() ? "member" : client_id;
	id += '-';
	id.append(suffix, 8);
	id += '-';
	id.append(suffix + 8, 8);
	return id;
}

// A joining member must speak the group's protocol type and share at least one
// protocol (assignor) with every other member.
bool Coordinator::protocols_compatible(const Group &group, const JoinGroupRequest &request) const {
	if (request.protocol_type.empty() || request.protocols.empty()) {
		return false;
	}
	bool others = false;
	std::set<std::string> candidates;
	for (auto &p : request.protocols) {
		candidates.insert(p.name);
	}
	for (auto &[id, member] : group.members) {
		if (id == request.member_id) {
			continue;
		}
		others = true;
		std::set<std::string> theirs;
		for (auto &p : member.protocols) {
			if (candidates.count(p.name)) {
				theirs.insert(p.name);
			}
		}
		candidates = std::move(theirs);
	}
	if (!others) {
		return true;
	}
	return request.protocol_type == group.protocol_type && !candidates.empty();
}

void Coordinator::join_group(JoinGroupRequest request, Clock::time_point now, JoinCallback respond) {
	if (request.group_id.empty()) {
		respond(join_error(error::invalid_group_id, request.member_id));
		return;
	}
	std::chrono::milliseconds session{request.session_timeout_ms};
	if (session < config_.min_session_timeout || session > config_.max_session_timeout) {
		respond(join_error(error::invalid_session_timeout, request.member_id));
		return;
	}
	if (request.rebalance_timeout_ms < 0) {
		request.rebalance_timeout_ms = request.session_timeout_ms;
	}
	Group &group = group_for(request.group_id);
	if (!protocols_compatible(group, request)) {
		respond(join_error(error::inconsistent_group_protocol, request.member_id));
		return;
	}

	if (request.member_id.empty() && request.group_instance_id) {
		auto known = group.static_members.find(*request.group_instance_id);
		if (known != group.static_members.end() && group.members.count(known->second)) {
			auto old_id = known->second;
			replace_static_member(group, old_id, request, now, std::move(respond));
			return;
		}
		// A static member's instance id already makes its join unique: no
		// MEMBER_ID_REQUIRED round trip, as in Kafka.
		add_member_and_rebalance(group, new_member_id(request.client_id), request, now, std::move(respond));
		return;
	}
	if (fenced(group, request.group_instance_id, request.member_id)) {
		respond(join_error(error::fenced_instance_id, request.member_id));
		return;
	}
	if (request.member_id.empty()) {
		auto member_id = new_member_id(request.client_id);
		if (request.require_known_member_id) {
			// JoinGroup v4+: the client must come back with this id, so a
			// retried request cannot leave a ghost member behind.
			group.pending_members[member_id] = now + session;
			respond(join_error(error::member_id_required, member_id));
			return;
		}
		add_member_and_rebalance(group, std::move(member_id), request, now, std::move(respond));
		return;
	}

	if (auto pending = group.pending_members.find(request.member_id); pending != group.pending_members.end()) {
		group.pending_members.erase(pending);
		auto member_id = request.member_id;
		add_member_and_rebalance(group, std::move(member_id), request, now, std::move(respond));
		return;
	}

	auto it = group.members.find(request.member_id);
	if (it == group.members.end()) {
		respond(join_error(error::unknown_member_id, request.member_id));
		return;
	}
	Member &member = it->second;
	switch (group.state) {
	case GroupState::preparing_rebalance:
		update_member_and_rebalance(group, member, request, now, std::move(respond));
		return;
	case GroupState::completing_rebalance:
		// A retried JoinGroup whose response was lost: same answer again.
		if (same_protocols(member.protocols, request.protocols)) {
			respond(current_generation(group, member));
			return;
		}
		update_member_and_rebalance(group, member, request, now, std::move(respond));
		return;
	case GroupState::stable:
		// The leader rejoining means it wants a new assignment (e.g. the
		// topic metadata changed); a follower with unchanged metadata just
		// gets the current generation back.
		if (member.member_id == group.leader_id || !same_protocols(member.protocols, request.protocols)) {
			update_member_and_rebalance(group, member, request, now, std::move(respond));
			return;
		}
		member.session_deadline = now + member.session_timeout;
		respond(current_generation(group, member));
		return;
	case GroupState::empty:
	case GroupState::dead:
		respond(join_error(error::unknown_member_id, request.member_id));
		return;
	}
}

void Coordinator::add_member_and_rebalance(Group &group, std::string member_id, JoinGroupRequest &request,
                                           Clock::time_point now, JoinCallback respond) {
	if (group.members.empty()) {
		group.protocol_type = request.protocol_type;
	}
	Member member;
	member.member_id = member_id;
	member.group_instance_id = request.group_instance_id;
	member.client_id = request.client_id;
	member.client_host = request.client_host;
	member.session_timeout = std::chrono::milliseconds(request.session_timeout_ms);
	member.rebalance_timeout = std::chrono::milliseconds(request.rebalance_timeout_ms);
	member.protocols = std::move(request.protocols);
	member.awaiting_join = std::move(respond);
	member.session_deadline = now + member.session_timeout;
	member.is_new = true;
	if (member.group_instance_id) {
		group.static_members[*member.group_instance_id] = member_id;
	}
	group.members.emplace(member_id, std::move(member));
	spdlog::debug("group {}: member {} joins ({} members)", group.group_id, member_id, group.members.size());

	if (group.state == GroupState::preparing_rebalance) {
		// Each newcomer during a new group's initial delay extends it, up to the
		// rebalance timeout, like Kafka's group.initial.rebalance.delay.ms.
		if (now < group.initial_delay_until) {
			group.initial_delay_until = std::min(now + config_.initial_rebalance_delay, group.rebalance_deadline);
		}
		auto deadline = now + std::chrono::milliseconds(request.rebalance_timeout_ms);
		group.rebalance_deadline = std::max(group.rebalance_deadline, deadline);
	} else {
		prepare_rebalance(group, now);
	}
	try_complete_join(group, now);
}

void Coordinator::update_member_and_rebalance(Group &group, Member &member, JoinGroupRequest &request,
                                              Clock::time_point now, JoinCallback respond) {
	member.protocols = std::move(request.protocols);
	member.session_timeout = std::chrono::milliseconds(request.session_timeout_ms);
	member.rebalance_timeout = std::chrono::milliseconds(request.rebalance_timeout_ms);
	member.client_id = request.client_id;
	member.client_host = request.client_host;
	// A second JoinGroup from the same member (e.g. a retry on a new
	// connection) replaces the first; the first gets an error so that it is
	// answered exactly once.
	answer(member.awaiting_join, join_error(error::rebalance_in_progress, member.member_id));
	member.awaiting_join = std::move(respond);
	if (group.state != GroupState::preparing_rebalance) {
		prepare_rebalance(group, now);
	}
	try_complete_join(group, now);
}

void Coordinator::replace_static_member(Group &group, const std::string &old_id, JoinGroupRequest &request,
                                        Clock::time_point now, JoinCallback respond) {
	auto node = group.members.extract(old_id);
	// The old incarnation's parked requests are answered: it is fenced now.
	answer(node.mapped().awaiting_join, join_error(error::fenced_instance_id, old_id));
	answer(node.mapped().awaiting_sync, sync_error(error::fenced_instance_id));
	auto new_id = new_member_id(request.client_id);
	node.key() = new_id;
	Member &member = group.members.insert(std::move(node)).position->second;
	member.member_id = new_id;
	group.static_members[*request.group_instance_id] = new_id;
	if (group.leader_id == old_id) {
		group.leader_id = new_id;
	}
	spdlog::info("group {}: static member {} rejoins as {} (was {})", group.group_id, *request.group_instance_id,
	             new_id, old_id);
	if (group.state == GroupState::stable && same_protocols(member.protocols, request.protocols)) {
		member.client_id = request.client_id;
		member.client_host = request.client_host;
		member.session_timeout = std::chrono::milliseconds(request.session_timeout_ms);
		member.rebalance_timeout = std::chrono::milliseconds(request.rebalance_timeout_ms);
		member.session_deadline = now + member.session_timeout;
		respond(current_generation(group, member));
		return;
	}
	// Mid-rebalance the leader may already assign to the old id: rebalance.
	update_member_and_rebalance(group, member, request, now, std::move(respond));
}

void Coordinator::prepare_rebalance(Group &group, Clock::time_point now) {
	if (group.state == GroupState::completing_rebalance) {
		for (auto &[id, member] : group.members) {
			answer(member.awaiting_sync, sync_error(error::rebalance_in_progress));
		}
	}
	bool was_empty = group.state == GroupState::empty;
	group.state = GroupState::preparing_rebalance;
	std::chrono::milliseconds timeout{0};
	for (auto &[id, member] : group.members) {
		timeout = std::max(timeout, member.rebalance_timeout);
	}
	group.rebalance_deadline = now + timeout;
	group.initial_delay_until =
	    was_empty ? std::min(now + config_.initial_rebalance_delay, group.rebalance_deadline) : now;
	spdlog::debug("group {}: preparing rebalance (generation {}, {} members)", group.group_id, group.generation_id,
	              group.members.size());
}

void Coordinator::try_complete_join(Group &group, Clock::time_point now) {
	if (group.state != GroupState::preparing_rebalance) {
		return;
	}
	bool all_joined = std::all_of(group.members.begin(), group.members.end(),
	                              [](auto &entry) { return static_cast<bool>(entry.second.awaiting_join); });
	if ((all_joined && now >= group.initial_delay_until) || now >= group.rebalance_deadline) {
		complete_join(group, now);
	}
}

std::string Coordinator::select_protocol(const Group &group) const {
	// Candidates: protocols every member supports, in the first member's
	// order of preference; each member votes for its most preferred candidate.
	std::vector<std::string> candidates;
	const Member &first = group.members.begin()->second;
	for (auto &p : first.protocols) {
		bool everyone = std::all_of(group.members.begin(), group.members.end(),
		                            [&](auto &entry) { return entry.second.metadata_for(p.name) != nullptr; });
		if (everyone) {
			candidates.push_back(p.name);
		}
	}
	if (candidates.empty()) {
		return {};
	}
	std::map<std::string, int> votes;
	for (auto &[id, member] : group.members) {
		for (auto &p : member.protocols) {
			if (std::find(candidates.begin(), candidates.end(), p.name) != candidates.end()) {
				votes[p.name]++;
				break;
			}
		}
	}
	std::string best = candidates.front();
	for (auto &name : candidates) {
		if (votes[name] > votes[best]) {
			best = name;
		}
	}
	return best;
}

JoinGroupResponse Coordinator::current_generation(const Group &group, const Member &member) const {
	JoinGroupResponse r;
	r.generation_id = group.generation_id;
	r.protocol_name = group.protocol_name;
	r.leader = group.leader_id;
	r.member_id = member.member_id;
	if (member.member_id == group.leader_id) {
		for (auto &[id, other] : group.members) {
			auto *metadata = other.metadata_for(group.protocol_name);
			r.members.push_back(JoinGroupMember{id, other.group_instance_id, metadata ? *metadata : Bytes{}});
		}
	}
	return r;
}

void Coordinator::complete_join(Group &group, Clock::time_point now) {
	std::vector<std::string> late;
	for (auto &[id, member] : group.members) {
		if (!member.awaiting_join) {
			late.push_back(id);
		}
	}
	for (auto &id : late) {
		spdlog::info("group {}: member {} did not rejoin within the rebalance timeout, removed", group.group_id, id);
		group.members.erase(id);
	}
	group.generation_id++;
	if (group.members.empty()) {
		group.state = GroupState::empty;
		group.protocol_name.clear();
		group.leader_id.clear();
		spdlog::info("group {}: generation {} is empty", group.group_id, group.generation_id);
		return;
	}
	group.protocol_name = select_protocol(group);
	if (!group.members.count(group.leader_id)) {
		group.leader_id = group.members.begin()->first;
	}
	group.state = GroupState::completing_rebalance;
	spdlog::info("group {}: generation {} with {} members, protocol {}, leader {}", group.group_id, group.generation_id,
	             group.members.size(), group.protocol_name, group.leader_id);
	for (auto &[id, member] : group.members) {
		member.is_new = false;
		member.assignment.clear();
		member.session_deadline = now + member.session_timeout;
		answer(member.awaiting_join, current_generation(group, member));
	}
}

void Coordinator::sync_group(SyncGroupRequest request, Clock::time_point now, SyncCallback respond) {
	auto git = groups_.find(request.group_id);
	if (git == groups_.end()) {
		respond(sync_error(error::unknown_member_id));
		return;
	}
	Group &group = git->second;
	if (fenced(group, request.group_instance_id, request.member_id)) {
		respond(sync_error(error::fenced_instance_id));
		return;
	}
	auto it = group.members.find(request.member_id);
	if (it == group.members.end()) {
		respond(sync_error(error::unknown_member_id));
		return;
	}
	Member &member = it->second;
	if (group.state == GroupState::preparing_rebalance) {
		respond(sync_error(error::rebalance_in_progress));
		return;
	}
	if (request.generation_id != group.generation_id) {
		respond(sync_error(error::illegal_generation));
		return;
	}
	member.session_deadline = now + member.session_timeout;
	if (group.state == GroupState::stable) {
		respond(SyncGroupResponse{error::none, member.assignment});
		return;
	}
	if (group.state != GroupState::completing_rebalance) {
		respond(sync_error(error::unknown_member_id));
		return;
	}
	answer(member.awaiting_sync, sync_error(error::rebalance_in_progress));
	member.awaiting_sync = std::move(respond);
	if (member.member_id != group.leader_id) {
		return;
	}
	for (auto &assignment : request.assignments) {
		if (auto target = group.members.find(assignment.member_id); target != group.members.end()) {
			target->second.assignment = std::move(assignment.assignment);
		}
	}
	group.state = GroupState::stable;
	spdlog::debug("group {}: generation {} stable", group.group_id, group.generation_id);
	for (auto &[id, other] : group.members) {
		answer(other.awaiting_sync, SyncGroupResponse{error::none, other.assignment});
	}
}

int16_t Coordinator::heartbeat(const HeartbeatRequest &request, Clock::time_point now) {
	auto git = groups_.find(request.group_id);
	if (git == groups_.end()) {
		return error::unknown_member_id;
	}
	Group &group = git->second;
	if (fenced(group, request.group_instance_id, request.member_id)) {
		return error::fenced_instance_id;
	}
	auto it = group.members.find(request.member_id);
	if (it == group.members.end()) {
		return error::unknown_member_id;
	}
	Member &member = it->second;
	switch (group.state) {
	case GroupState::preparing_rebalance:
		member.session_deadline = now + member.session_timeout;
		return error::rebalance_in_progress;
	case GroupState::completing_rebalance:
	case GroupState::stable:
		if (request.generation_id != group.generation_id) {
			return error::illegal_generation;
		}
		member.session_deadline = now + member.session_timeout;
		return error::none;
	case GroupState::empty:
	case GroupState::dead:
		return error::unknown_member_id;
	}
	return error::unknown_member_id;
}

void Coordinator::remove_member(Group &group, const std::string &member_id, Clock::time_point now) {
	auto it = group.members.find(member_id);
	if (it == group.members.end()) {
		return;
	}
	answer(it->second.awaiting_join, join_error(error::unknown_member_id, member_id));
	answer(it->second.awaiting_sync, sync_error(error::unknown_member_id));
	if (auto &instance = it->second.group_instance_id) {
		if (auto known = group.static_members.find(*instance);
		    known != group.static_members.end() && known->second == member_id) {
			group.static_members.erase(known);
		}
	}
	group.members.erase(it);
	if (group.leader_id == member_id) {
		group.leader_id.clear();
	}
	switch (group.state) {
	case GroupState::stable:
	case GroupState::completing_rebalance:
		prepare_rebalance(group, now);
		try_complete_join(group, now);
		return;
	case GroupState::preparing_rebalance:
		try_complete_join(group, now);
		return;
	case GroupState::empty:
	case GroupState::dead:
		return;
	}
}

LeaveGroupResponse Coordinator::leave_group(const LeaveGroupRequest &request, Clock::time_point now) {
	LeaveGroupResponse response;
	auto git = groups_.find(request.group_id);
	for (auto &leaving : request.members) {
		LeaveGroupMember result = leaving;
		std::string member_id = leaving.member_id;
		if (git != groups_.end() && member_id.empty() && leaving.group_instance_id) {
			// LeaveGroup v3 may name a static member by its instance id only.
			if (auto it = git->second.static_members.find(*leaving.group_instance_id);
			    it != git->second.static_members.end()) {
				member_id = it->second;
			}
		}
		if (git != groups_.end() && fenced(git->second, leaving.group_instance_id, member_id)) {
			result.error_code = error::fenced_instance_id;
		} else if (git == groups_.end() || !git->second.members.count(member_id)) {
			result.error_code = error::unknown_member_id;
		} else {
			spdlog::info("group {}: member {} leaves", request.group_id, member_id);
			remove_member(git->second, member_id, now);
		}
		response.members.push_back(std::move(result));
	}
	return response;
}

void Coordinator::tick(Clock::time_point now) {
	for (auto &[group_id, group] : groups_) {
		std::erase_if(group.pending_members, [&](auto &entry) { return now >= entry.second; });
		std::vector<std::string> expired;
		for (auto &[id, member] : group.members) {
			if (!member.awaiting_join && !member.awaiting_sync && now >= member.session_deadline) {
				expired.push_back(id);
			}
		}
		for (auto &id : expired) {
			spdlog::info("group {}: member {} session expired, removed", group_id, id);
			remove_member(group, id, now);
		}
		try_complete_join(group, now);
	}
}

size_t Coordinator::expire_offsets(int64_t wall_ms, std::chrono::milliseconds retention) {
	auto memberless = [&](const std::string &group_id) {
		auto it = groups_.find(group_id);
		return it == groups_.end() || it->second.members.empty();
	};
	size_t dropped = offsets_.expire(wall_ms - retention.count(), memberless);
	if (dropped > 0) {
		spdlog::info("group offsets: {} committed offsets of groups without members expired (retention {} min)",
		             dropped, std::chrono::duration_cast<std::chrono::minutes>(retention).count());
	}
	std::erase_if(groups_, [&](const auto &entry) {
		const Group &group = entry.second;
		return group.state == GroupState::empty && group.members.empty() && group.pending_members.empty() &&
		       offsets_.group_offsets(entry.first).empty();
	});
	return dropped;
}

void Coordinator::shutdown() {
	for (auto &[group_id, group] : groups_) {
		for (auto &[id, member] : group.members) {
			answer(member.awaiting_join, join_error(error::coordinator_not_available, id));
			answer(member.awaiting_sync, sync_error(error::coordinator_not_available));
		}
	}
}

std::vector<OffsetCommitTopic> Coordinator::commit_offsets(OffsetCommitRequest request, Clock::time_point now,
                                                           int64_t wall_ms) {
	auto fail_all = [&](int16_t code) {
		for (auto &topic : request.topics) {
			for (auto &p : topic.partitions) {
				p.error_code = code;
			}
		}
		return std::move(request.topics);
	};
	if (request.group_id.empty()) {
		return fail_all(error::invalid_group_id);
	}
	auto git = groups_.find(request.group_id);
	bool has_members = git != groups_.end() && !git->second.members.empty();
	if (request.generation_id < 0 && !has_members) {
		// A commit from outside any generation (simple consumer, admin tool).
	} else if (git == groups_.end()) {
		return fail_all(error::unknown_member_id);
	} else {
		Group &group = git->second;
		if (fenced(group, request.group_instance_id, request.member_id)) {
			return fail_all(error::fenced_instance_id);
		}
		auto it = group.members.find(request.member_id);
		if (it == group.members.end()) {
			return fail_all(error::unknown_member_id);
		}
		// PreparingRebalance still accepts the old generation's commits: that
		// is how consumers commit what they processed before giving up their
		// partitions. Between join and sync the generation is not settled.
		if (group.state == GroupState::completing_rebalance) {
			return fail_all(error::rebalance_in_progress);
		}
		if (request.generation_id != group.generation_id) {
			return fail_all(error::illegal_generation);
		}
		it->second.session_deadline = now + it->second.session_timeout;
	}

	std::vector<OffsetEntry> entries;
	for (auto &topic : request.topics) {
		for (auto &p : topic.partitions) {
			if (p.metadata && p.metadata->size() > config_.max_metadata_size) {
				p.error_code = error::offset_metadata_too_large;
				continue;
			}
			entries.push_back(OffsetEntry{request.group_id, topic.name, p.partition,
			                              CommittedOffset{p.offset, p.leader_epoch, p.metadata, wall_ms}});
		}
	}
	try {
		offsets_.commit(entries);
	} catch (const std::exception &e) {
		spdlog::error("group {}: offset commit not persisted: {}", request.group_id, e.what());
		for (auto &topic : request.topics) {
			for (auto &p : topic.partitions) {
				if (p.error_code == error::none) {
					p.error_code = error::unknown_server_error;
				}
			}
		}
	}
	if (git == groups_.end()) {
		group_for(request.group_id);
	}
	return std::move(request.topics);
}

OffsetFetchResponse Coordinator::fetch_offsets(const OffsetFetchRequest &request) const {
	OffsetFetchResponse response;
	if (!request.topics) {
		for (auto &[topic, partition, value] : offsets_.group_offsets(request.group_id)) {
			if (response.topics.empty() || response.topics.back().name != topic) {
				response.topics.push_back(OffsetFetchTopic{topic, {}});
			}
			response.topics.back().partitions.push_back(
			    OffsetFetchPartition{partition, value.offset, value.leader_epoch, value.metadata, error::none});
		}
		return response;
	}
	for (auto &topic : *request.topics) {
		OffsetFetchTopic out{topic.name, {}};
		for (auto &p : topic.partitions) {
			OffsetFetchPartition result{p.partition, -1, -1, std::string(), error::none};
			if (auto *value = offsets_.find(request.group_id, topic.name, p.partition)) {
				result.offset = value->offset;
				result.leader_epoch = value->leader_epoch;
				result.metadata = value->metadata;
			}
			out.partitions.push_back(std::move(result));
		}
		response.topics.push_back(std::move(out));
	}
	return response;
}

DescribedGroup Coordinator::describe_group(const std::string &group_id) const {
	DescribedGroup d;
	d.group_id = group_id;
	const Group *group = find_group(group_id);
	if (!group) {
		// A group known only by its committed offsets is Empty to Kafka, as in ListGroups.
		d.state = state_name(offsets_.group_offsets(group_id).empty() ? GroupState::dead : GroupState::empty);
		return d;
	}
	d.state = state_name(group->state);
	d.protocol_type = group->protocol_type;
	if (group->state == GroupState::stable || group->state == GroupState::completing_rebalance) {
		d.protocol_name = group->protocol_name;
	}
	for (auto &[id, member] : group->members) {
		DescribedMember m{id, member.group_instance_id, member.client_id, member.client_host, {}, {}};
		if (!d.protocol_name.empty()) {
			if (auto *metadata = member.metadata_for(d.protocol_name)) {
				m.metadata = *metadata;
			}
			m.assignment = member.assignment;
		}
		d.members.push_back(std::move(m));
	}
	return d;
}

std::vector<ListedGroup> Coordinator::list_groups() const {
	std::map<std::string, ListedGroup> all;
	for (auto &name : offsets_.groups()) {
		all[name] = ListedGroup{name, "", state_name(GroupState::empty)};
	}
	for (auto &[id, group] : groups_) {
		all[id] = ListedGroup{id, group.protocol_type, state_name(group.state)};
	}
	std::vector<ListedGroup> out;
	for (auto &[id, listed] : all) {
		out.push_back(std::move(listed));
	}
	return out;
}

} // namespace kafkaml::broker::group
