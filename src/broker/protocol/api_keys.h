#pragma once

#include <cstdint>

namespace kafkaml::broker::protocol {

//! Kafka API keys the broker knows by name (see the Kafka protocol guide).
enum class ApiKey : int16_t {
	Produce = 0,
	Fetch = 1,
	ListOffsets = 2,
	Metadata = 3,
	OffsetCommit = 8,
	OffsetFetch = 9,
	FindCoordinator = 10,
	JoinGroup = 11,
	Heartbeat = 12,
	LeaveGroup = 13,
	SyncGroup = 14,
	DescribeGroups = 15,
	ListGroups = 16,
	SaslHandshake = 17,
	ApiVersions = 18,
	CreateTopics = 19,
	DeleteTopics = 20,
	DeleteRecords = 21,
	InitProducerId = 22,
	DescribeConfigs = 32,
	SaslAuthenticate = 36,
};

//! Supported version range of one API, as advertised in ApiVersions.
struct ApiVersionRange {
	int16_t api_key;
	int16_t min_version;
	int16_t max_version;
};

//! Kafka error codes the broker returns.
enum class ErrorCode : int16_t {
	None = 0,
	OffsetOutOfRange = 1,
	CorruptMessage = 2,
	UnknownTopicOrPartition = 3,
	InvalidFetchSize = 4,
	LeaderNotAvailable = 5,
	NotLeaderForPartition = 6,
	RequestTimedOut = 7,
	MessageTooLarge = 10,
	CoordinatorNotAvailable = 15,
	NotCoordinator = 16,
	InvalidTopicException = 17,
	RecordListTooLarge = 18,
	InvalidRequiredAcks = 21,
	IllegalGeneration = 22,
	InconsistentGroupProtocol = 23,
	InvalidGroupId = 24,
	UnknownMemberId = 25,
	InvalidSessionTimeout = 26,
	RebalanceInProgress = 27,
	InvalidCommitOffsetSize = 28,
	UnsupportedVersion = 35,
	TopicAlreadyExists = 36,
	InvalidPartitions = 37,
	InvalidReplicationFactor = 38,
	InvalidRequest = 42,
	UnsupportedForMessageFormat = 43,
	OutOfOrderSequenceNumber = 45,
	DuplicateSequenceNumber = 46,
	InvalidProducerEpoch = 47,
	TransactionalIdAuthorizationFailed = 53,
	InvalidConfig = 40,
	KafkaStorageError = 56,
	UnsupportedSaslMechanism = 33,
	IllegalSaslState = 34,
	SaslAuthenticationFailed = 58,
	UnknownServerError = -1,
	InvalidRecord = 87,
};

inline int16_t code(ErrorCode e) {
	return static_cast<int16_t>(e);
}

} // namespace kafkaml::broker::protocol
