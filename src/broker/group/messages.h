#pragma once

// Plain request/response structs of the group APIs, independent of wire
// versions: the codec fills them from any supported version and writes them
// back at the request's version. Fields a version lacks keep their defaults.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace kafkaml::broker::group {

//! Kafka error codes the coordinator returns.
namespace error {
constexpr int16_t none = 0;
constexpr int16_t unknown_server_error = -1;
constexpr int16_t unknown_topic_or_partition = 3;
constexpr int16_t offset_metadata_too_large = 12;
constexpr int16_t coordinator_not_available = 15;
constexpr int16_t illegal_generation = 22;
constexpr int16_t inconsistent_group_protocol = 23;
constexpr int16_t invalid_group_id = 24;
constexpr int16_t unknown_member_id = 25;
constexpr int16_t invalid_session_timeout = 26;
constexpr int16_t rebalance_in_progress = 27;
constexpr int16_t transactional_id_authorization_failed = 53;
constexpr int16_t member_id_required = 79;
constexpr int16_t fenced_instance_id = 82;
} // namespace error

using Bytes = std::vector<uint8_t>;

struct JoinProtocol {
	std::string name;
	Bytes metadata;
};

struct JoinGroupRequest {
	std::string group_id;
	int32_t session_timeout_ms = 0;
	int32_t rebalance_timeout_ms = -1; //!< -1: v0, same as the session timeout
	std::string member_id;
	std::optional<std::string> group_instance_id;
	std::string protocol_type;
	std::vector<JoinProtocol> protocols;
	//! v4+: an empty member id is answered with MEMBER_ID_REQUIRED and a fresh id.
	bool require_known_member_id = false;
	std::string client_id;
	std::string client_host;
};

struct JoinGroupMember {
	std::string member_id;
	std::optional<std::string> group_instance_id;
	Bytes metadata;
};

struct JoinGroupResponse {
	int16_t error_code = error::none;
	int32_t generation_id = -1;
	std::string protocol_name;
	std::string leader;
	std::string member_id;
	std::vector<JoinGroupMember> members; //!< only for the leader
};

struct SyncGroupAssignment {
	std::string member_id;
	Bytes assignment;
};

struct SyncGroupRequest {
	std::string group_id;
	int32_t generation_id = -1;
	std::string member_id;
	std::optional<std::string> group_instance_id;
	std::vector<SyncGroupAssignment> assignments;
};

struct SyncGroupResponse {
	int16_t error_code = error::none;
	Bytes assignment;
};

struct HeartbeatRequest {
	std::string group_id;
	int32_t generation_id = -1;
	std::string member_id;
	std::optional<std::string> group_instance_id; //!< v3+
};

struct LeaveGroupMember {
	std::string member_id;
	std::optional<std::string> group_instance_id;
	int16_t error_code = error::none; //!< response only
};

struct LeaveGroupRequest {
	std::string group_id;
	std::vector<LeaveGroupMember> members;
};

struct LeaveGroupResponse {
	int16_t error_code = error::none;
	std::vector<LeaveGroupMember> members;
};

struct OffsetCommitPartition {
	int32_t partition = 0;
	int64_t offset = -1;
	int32_t leader_epoch = -1;
	std::optional<std::string> metadata;
	int16_t error_code = error::none; //!< response only
};

struct OffsetCommitTopic {
	std::string name;
	std::vector<OffsetCommitPartition> partitions;
};

struct OffsetCommitRequest {
	std::string group_id;
	int32_t generation_id = -1;
	std::string member_id;
	std::vector<OffsetCommitTopic> topics;
	std::optional<std::string> group_instance_id; //!< v7+
};

struct OffsetFetchPartition {
	int32_t partition = 0;
	int64_t offset = -1;
	int32_t leader_epoch = -1;
	std::optional<std::string> metadata;
	int16_t error_code = error::none;
};

struct OffsetFetchTopic {
	std::string name;
	std::vector<OffsetFetchPartition> partitions;
};

struct OffsetFetchRequest {
	std::string group_id;
	//! nullopt (v2+): every committed partition of the group.
	std::optional<std::vector<OffsetFetchTopic>> topics;
};

struct OffsetFetchResponse {
	int16_t error_code = error::none;
	std::vector<OffsetFetchTopic> topics;
};

struct DescribedMember {
	std::string member_id;
	std::optional<std::string> group_instance_id;
	std::string client_id;
	std::string client_host;
	Bytes metadata;
	Bytes assignment;
};

struct DescribedGroup {
	int16_t error_code = error::none;
	std::string group_id;
	std::string state;
	std::string protocol_type;
	std::string protocol_name;
	std::vector<DescribedMember> members;
};

struct ListedGroup {
	std::string group_id;
	std::string protocol_type;
	std::string state;
};

using JoinCallback = std::function<void(JoinGroupResponse)>;
using SyncCallback = std::function<void(SyncGroupResponse)>;

} // namespace kafkaml::broker::group
