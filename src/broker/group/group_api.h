#pragma once

// Entry point of the consumer-group coordinator, as seen by the broker core.
//
// The core owns sockets, framing and the request header; the group module owns
// the bodies of the group APIs (FindCoordinator 10, JoinGroup 11, Heartbeat 12,
// LeaveGroup 13, SyncGroup 14, DescribeGroups 15, ListGroups 16, OffsetCommit 8,
// OffsetFetch 9) and the committed-offsets store.
//
// Threading: every member function, and every `Respond` callback, runs on the
// broker's network-loop thread. Nothing here takes a lock.

#include "broker/protocol/api_keys.h"
#include "broker/protocol/reader.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace kafkaml::broker::group {

//! What the core parsed from the request header (header v1: the group module
//! advertises only non-flexible versions, so no tagged fields are involved).
struct GroupRequestContext {
	int16_t api_key = 0;
	int16_t api_version = 0;
	int32_t correlation_id = 0;
	std::string client_id;
	//! Peer address as "host" (no port), reported by DescribeGroups.
	std::string client_host;
	//! Endpoint of the listener the client came through, told by
	//! FindCoordinator; port -1 = the one of set_coordinator_address.
	std::string advertised_host;
	int32_t advertised_port = -1;
};

//! Receives the response body: everything after the response header
//! (the core writes the size prefix and the correlation id, header v0).
//! May be called synchronously inside `handle`, or later from `tick` or from
//! another request's `handle` (parked JoinGroup/SyncGroup). The core keeps the
//! connection muted until then so responses stay in request order. It may be
//! called after the connection closed: the core must then drop the bytes.
using Respond = std::function<void(std::vector<uint8_t> body)>;

//! One line of the ApiVersions response.
using protocol::ApiVersionRange;

//! Thrown by `handle` when a request body cannot be decoded (truncated,
//! negative lengths, ...): the broker's own DecodeError. The core logs it and
//! closes the connection; `respond` is then never called for that request.
using GroupProtocolError = protocol::DecodeError;

struct GroupApiConfig {
	//! Broker data directory; committed offsets live in `<data_dir>/__group_offsets/`.
	std::filesystem::path data_dir;
	//! Address FindCoordinator returns (this broker). May also be set later
	//! with `set_coordinator_address`, once the listener knows its port.
	int32_t node_id = 0;
	std::string advertised_host = "127.0.0.1";
	int32_t advertised_port = 9092;
	//! Like Kafka's group.initial.rebalance.delay.ms: an empty group's first
	//! rebalance waits this long for more members, so N members started
	//! together land in one generation.
	std::chrono::milliseconds initial_rebalance_delay{1000};
	//! fsync the offsets file before acknowledging an OffsetCommit.
	bool fsync = false;
	//! Without `fsync`: fsync commits written since the last one this often
	//! (from `tick`); 0 leaves it to the OS (acknowledged commits still survive
	//! `kill -9`, being written before the acknowledgement).
	std::chrono::milliseconds fsync_interval{1000};
	//! Committed offsets of groups without members expire this long after
	//! their commit (Kafka's offsets.retention.minutes, 7 days by default).
	std::chrono::milliseconds offsets_retention{std::chrono::hours(24 * 7)};
	//! How often `tick` looks for expired offsets (offsets.retention.check.interval.ms).
	std::chrono::milliseconds offsets_retention_check{std::chrono::minutes(10)};
	//! Clock; tests inject a fake one.
	std::function<std::chrono::steady_clock::time_point()> clock = [] { return std::chrono::steady_clock::now(); };
	//! Wall clock of commit times and their expiry; tests inject a fake one.
	std::function<std::chrono::system_clock::time_point()> wall_clock = [] { return std::chrono::system_clock::now(); };
};

class GroupCoordinatorService;

class GroupApi {
public:
	//! Opens (and compacts) the offsets store under `config.data_dir`.
	//! Throws std::runtime_error with a message naming the file on I/O errors.
	explicit GroupApi(GroupApiConfig config);
	~GroupApi();
	GroupApi(const GroupApi &) = delete;
	GroupApi &operator=(const GroupApi &) = delete;

	//! True for the nine group API keys above.
	static bool handles(int16_t api_key);
	//! Versions to advertise in ApiVersions for those keys. The core must reply
	//! UNSUPPORTED_VERSION itself (or close) for a version outside these ranges;
	//! `handle` is only called with a supported (key, version).
	static const std::vector<ApiVersionRange> &supported_versions();

	void set_coordinator_address(int32_t node_id, std::string host, int32_t port);

	//! Decodes `body` (the request after its header), acts, and calls `respond`
	//! exactly once, now or later (unless it throws GroupProtocolError).
	void handle(const GroupRequestContext &ctx, std::span<const uint8_t> body, Respond respond);

	//! Expires sessions, ends rebalance waits, and every
	//! `offsets_retention_check` expires old offsets of groups without members.
	//! The core calls it at least every 100 ms (e.g. on each poll timeout).
	void tick();

	//! Drops the committed offsets of a deleted topic (DeleteTopics), so a
	//! topic created again under its name is not read from old positions.
	//! Throws std::runtime_error if the offsets file cannot be rewritten.
	void topic_deleted(const std::string &topic);

	//! Fails every parked request with COORDINATOR_NOT_AVAILABLE so the core can
	//! shut down without leaving clients waiting (SIGTERM path).
	void shutdown();

private:
	std::unique_ptr<GroupCoordinatorService> service_;
};

} // namespace kafkaml::broker::group
