#include "broker/group/codec.h"

#include "broker/group/wire.h"

namespace kafkaml::broker::group::codec {

namespace {

//! Responses of these versions start with throttle_time_ms.
void throttle(Writer &w, int16_t version, int16_t first_version) {
	if (version >= first_version) {
		w.i32(0);
	}
}

} // namespace

FindCoordinatorRequest decode_find_coordinator(Reader &r, int16_t version) {
	FindCoordinatorRequest req;
	req.key = read_string(r);
	if (version >= 1) {
		req.key_type = r.i8();
	}
	return req;
}

Bytes encode_find_coordinator(const FindCoordinatorResponse &response, int16_t version) {
	Writer w;
	throttle(w, version, 1);
	w.i16(response.error_code);
	if (version >= 1) {
		write_nullable_string(w, response.error_message);
	}
	w.i32(response.node_id);
	w.string(response.host);
	w.i32(response.port);
	return w.take();
}

JoinGroupRequest decode_join_group(Reader &r, int16_t version) {
	JoinGroupRequest req;
	req.group_id = read_string(r);
	req.session_timeout_ms = r.i32();
	if (version >= 1) {
		req.rebalance_timeout_ms = r.i32();
	}
	req.member_id = read_string(r);
	if (version >= 5) {
		req.group_instance_id = read_nullable_string(r);
	}
	req.protocol_type = read_string(r);
	int32_t n = read_array_length(r);
	for (int32_t i = 0; i < n; i++) {
		JoinProtocol p;
		p.name = read_string(r);
		p.metadata = read_bytes(r);
		req.protocols.push_back(std::move(p));
	}
	req.require_known_member_id = version >= 4;
	return req;
}

Bytes encode_join_group(const JoinGroupResponse &response, int16_t version) {
	Writer w;
	throttle(w, version, 2);
	w.i16(response.error_code);
	w.i32(response.generation_id);
	w.string(response.protocol_name);
	w.string(response.leader);
	w.string(response.member_id);
	w.array_length(static_cast<int32_t>(response.members.size()));
	for (auto &m : response.members) {
		w.string(m.member_id);
		if (version >= 5) {
			write_nullable_string(w, m.group_instance_id);
		}
		w.bytes(m.metadata);
	}
	return w.take();
}

SyncGroupRequest decode_sync_group(Reader &r, int16_t version) {
	SyncGroupRequest req;
	req.group_id = read_string(r);
	req.generation_id = r.i32();
	req.member_id = read_string(r);
	if (version >= 3) {
		req.group_instance_id = read_nullable_string(r);
	}
	int32_t n = read_array_length(r);
	for (int32_t i = 0; i < n; i++) {
		SyncGroupAssignment a;
		a.member_id = read_string(r);
		a.assignment = read_bytes(r);
		req.assignments.push_back(std::move(a));
	}
	return req;
}

Bytes encode_sync_group(const SyncGroupResponse &response, int16_t version) {
	Writer w;
	throttle(w, version, 1);
	w.i16(response.error_code);
	w.bytes(response.assignment);
	return w.take();
}

HeartbeatRequest decode_heartbeat(Reader &r, int16_t version) {
	HeartbeatRequest req;
	req.group_id = read_string(r);
	req.generation_id = r.i32();
	req.member_id = read_string(r);
	if (version >= 3) {
		req.group_instance_id = read_nullable_string(r);
	}
	return req;
}

Bytes encode_heartbeat(int16_t error_code, int16_t version) {
	Writer w;
	throttle(w, version, 1);
	w.i16(error_code);
	return w.take();
}

LeaveGroupRequest decode_leave_group(Reader &r, int16_t version) {
	LeaveGroupRequest req;
	req.group_id = read_string(r);
	if (version < 3) {
		req.members.push_back(LeaveGroupMember{read_string(r), std::nullopt, error::none});
		return req;
	}
	int32_t n = read_array_length(r);
	for (int32_t i = 0; i < n; i++) {
		LeaveGroupMember m;
		m.member_id = read_string(r);
		m.group_instance_id = read_nullable_string(r);
		req.members.push_back(std::move(m));
	}
	return req;
}

Bytes encode_leave_group(const LeaveGroupResponse &response, int16_t version) {
	Writer w;
	throttle(w, version, 1);
	if (version < 3) {
		// One member per request: its error is the response's error.
		int16_t code = response.error_code;
		if (code == error::none && !response.members.empty()) {
			code = response.members.front().error_code;
		}
		w.i16(code);
		return w.take();
	}
	w.i16(response.error_code);
	w.array_length(static_cast<int32_t>(response.members.size()));
	for (auto &m : response.members) {
		w.string(m.member_id);
		write_nullable_string(w, m.group_instance_id);
		w.i16(m.error_code);
	}
	return w.take();
}

OffsetCommitRequest decode_offset_commit(Reader &r, int16_t version) {
	OffsetCommitRequest req;
	req.group_id = read_string(r);
	if (version >= 1) {
		req.generation_id = r.i32();
		req.member_id = read_string(r);
	}
	if (version >= 7) {
		req.group_instance_id = read_nullable_string(r);
	}
	if (version >= 2 && version <= 4) {
		r.i64();
	}
	int32_t topics = read_array_length(r);
	for (int32_t t = 0; t < topics; t++) {
		OffsetCommitTopic topic;
		topic.name = read_string(r);
		int32_t partitions = read_array_length(r);
		for (int32_t p = 0; p < partitions; p++) {
			OffsetCommitPartition part;
			part.partition = r.i32();
			part.offset = r.i64();
			if (version >= 6) {
				part.leader_epoch = r.i32();
			}
			if (version == 1) {
				r.i64();
			}
			part.metadata = read_nullable_string(r);
			topic.partitions.push_back(std::move(part));
		}
		req.topics.push_back(std::move(topic));
	}
	return req;
}

Bytes encode_offset_commit(const std::vector<OffsetCommitTopic> &topics, int16_t version) {
	Writer w;
	throttle(w, version, 3);
	w.array_length(static_cast<int32_t>(topics.size()));
	for (auto &topic : topics) {
		w.string(topic.name);
		w.array_length(static_cast<int32_t>(topic.partitions.size()));
		for (auto &p : topic.partitions) {
			w.i32(p.partition);
			w.i16(p.error_code);
		}
	}
	return w.take();
}

OffsetFetchRequest decode_offset_fetch(Reader &r, int16_t version) {
	OffsetFetchRequest req;
	req.group_id = read_string(r);
	int32_t topics = read_array_length(r, version >= 2);
	if (topics < 0) {
		return req;
	}
	req.topics.emplace();
	for (int32_t t = 0; t < topics; t++) {
		OffsetFetchTopic topic;
		topic.name = read_string(r);
		int32_t partitions = read_array_length(r);
		for (int32_t p = 0; p < partitions; p++) {
			OffsetFetchPartition part;
			part.partition = r.i32();
			topic.partitions.push_back(part);
		}
		req.topics->push_back(std::move(topic));
	}
	return req;
}

Bytes encode_offset_fetch(const OffsetFetchResponse &response, int16_t version) {
	Writer w;
	throttle(w, version, 3);
	w.array_length(static_cast<int32_t>(response.topics.size()));
	for (auto &topic : response.topics) {
		w.string(topic.name);
		w.array_length(static_cast<int32_t>(topic.partitions.size()));
		for (auto &p : topic.partitions) {
			w.i32(p.partition);
			w.i64(p.offset);
			if (version >= 5) {
				w.i32(p.leader_epoch);
			}
			write_nullable_string(w, p.metadata);
			w.i16(p.error_code);
		}
	}
	if (version >= 2) {
		w.i16(response.error_code);
	}
	return w.take();
}

std::vector<std::string> decode_describe_groups(Reader &r, int16_t version) {
	std::vector<std::string> groups;
	int32_t n = read_array_length(r);
	for (int32_t i = 0; i < n; i++) {
		groups.push_back(read_string(r));
	}
	if (version >= 3) {
		r.i8();
	}
	return groups;
}

Bytes encode_describe_groups(const std::vector<DescribedGroup> &groups, int16_t version) {
	Writer w;
	throttle(w, version, 1);
	w.array_length(static_cast<int32_t>(groups.size()));
	for (auto &g : groups) {
		w.i16(g.error_code);
		w.string(g.group_id);
		w.string(g.state);
		w.string(g.protocol_type);
		w.string(g.protocol_name);
		w.array_length(static_cast<int32_t>(g.members.size()));
		for (auto &m : g.members) {
			w.string(m.member_id);
			if (version >= 4) {
				write_nullable_string(w, m.group_instance_id);
			}
			w.string(m.client_id);
			w.string(m.client_host);
			w.bytes(m.metadata);
			w.bytes(m.assignment);
		}
		if (version >= 3) {
			w.i32(INT32_MIN); // authorized_operations not computed
		}
	}
	return w.take();
}

Bytes encode_list_groups(int16_t error_code, const std::vector<ListedGroup> &groups, int16_t version) {
	Writer w;
	throttle(w, version, 1);
	w.i16(error_code);
	w.array_length(static_cast<int32_t>(groups.size()));
	for (auto &g : groups) {
		w.string(g.group_id);
		w.string(g.protocol_type);
	}
	return w.take();
}

} // namespace kafkaml::broker::group::codec
