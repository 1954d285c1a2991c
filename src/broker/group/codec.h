#pragma once

// Request decoding and response encoding of the group APIs at every version
// this broker advertises (all non-flexible; see supported_versions() in
// group_api.cpp). Field layouts follow the Kafka protocol's message specs.
//
// Threading: pure functions.

#include "broker/group/messages.h"
#include "broker/protocol/reader.h"

#include <string>
#include <vector>

namespace kafkaml::broker::group::codec {

struct FindCoordinatorRequest {
	std::string key;
	int8_t key_type = 0; //!< 0 group, 1 transaction
};

struct FindCoordinatorResponse {
	int16_t error_code = error::none;
	std::optional<std::string> error_message;
	int32_t node_id = -1;
	std::string host;
	int32_t port = -1;
};

FindCoordinatorRequest decode_find_coordinator(protocol::Reader &r, int16_t version);
JoinGroupRequest decode_join_group(protocol::Reader &r, int16_t version);
SyncGroupRequest decode_sync_group(protocol::Reader &r, int16_t version);
HeartbeatRequest decode_heartbeat(protocol::Reader &r, int16_t version);
LeaveGroupRequest decode_leave_group(protocol::Reader &r, int16_t version);
OffsetCommitRequest decode_offset_commit(protocol::Reader &r, int16_t version);
OffsetFetchRequest decode_offset_fetch(protocol::Reader &r, int16_t version);
std::vector<std::string> decode_describe_groups(protocol::Reader &r, int16_t version);

Bytes encode_find_coordinator(const FindCoordinatorResponse &response, int16_t version);
Bytes encode_join_group(const JoinGroupResponse &response, int16_t version);
Bytes encode_sync_group(const SyncGroupResponse &response, int16_t version);
Bytes encode_heartbeat(int16_t error_code, int16_t version);
Bytes encode_leave_group(const LeaveGroupResponse &response, int16_t version);
Bytes encode_offset_commit(const std::vector<OffsetCommitTopic> &topics, int16_t version);
Bytes encode_offset_fetch(const OffsetFetchResponse &response, int16_t version);
Bytes encode_describe_groups(const std::vector<DescribedGroup> &groups, int16_t version);
Bytes encode_list_groups(int16_t error_code, const std::vector<ListedGroup> &groups, int16_t version);

} // namespace kafkaml::broker::group::codec
