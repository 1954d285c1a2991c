#include "broker/group/group_api.h"

#include "broker/group/codec.h"
#include "broker/group/coordinator.h"
#include "broker/group/offset_store.h"
#include "broker/group/wire.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace kafkaml::broker::group {

using protocol::ApiKey;

namespace {
constexpr const char *kNoTransactions =
    "kafkaml broker does not support Kafka transactions: unset transactional.id (an idempotent producer, "
    "enable.idempotence=true, already writes each batch once), or use a Kafka cluster";

constexpr int16_t key(ApiKey k) {
	return static_cast<int16_t>(k);
}
} // namespace

//! Everything behind GroupApi: the offsets store, the coordinator and the
//! coordinator's address. Network-loop thread only.
class GroupCoordinatorService {
public:
	explicit GroupCoordinatorService(GroupApiConfig config)
	    : config(std::move(config)), offsets(this->config.data_dir / "__group_offsets", this->config.fsync),
	      coordinator(CoordinatorConfig{this->config.initial_rebalance_delay}, offsets) {}

	GroupApiConfig config;
	OffsetStore offsets;
	Coordinator coordinator;
	std::chrono::steady_clock::time_point last_sync = config.clock();
	std::chrono::steady_clock::time_point last_expiry = config.clock();

	int64_t wall_ms() const {
		return std::chrono::duration_cast<std::chrono::milliseconds>(config.wall_clock().time_since_epoch()).count();
	}
};

GroupApi::GroupApi(GroupApiConfig config) : service_(std::make_unique<GroupCoordinatorService>(std::move(config))) {}

GroupApi::~GroupApi() = default;

// Highest non-flexible version of each API: flexible versions (compact
// strings, tagged fields) would need header v2 and buy nothing the supported
// clients need; librdkafka 2.0, kafka-python 2.0 and confluent-kafka 1.7 all
// negotiate down to these.
const std::vector<ApiVersionRange> &GroupApi::supported_versions() {
	static const std::vector<ApiVersionRange> versions = {
	    {key(ApiKey::OffsetCommit), 0, 7}, {key(ApiKey::OffsetFetch), 0, 5},    {key(ApiKey::FindCoordinator), 0, 2},
	    {key(ApiKey::JoinGroup), 0, 5},    {key(ApiKey::Heartbeat), 0, 3},      {key(ApiKey::LeaveGroup), 0, 3},
	    {key(ApiKey::SyncGroup), 0, 3},    {key(ApiKey::DescribeGroups), 0, 4}, {key(ApiKey::ListGroups), 0, 2},
	};
	return versions;
}

bool GroupApi::handles(int16_t api_key) {
	auto &v = supported_versions();
	return std::any_of(v.begin(), v.end(), [&](auto &range) { return range.api_key == api_key; });
}

void GroupApi::set_coordinator_address(int32_t node_id, std::string host, int32_t port) {
	service_->config.node_id = node_id;
	service_->config.advertised_host = std::move(host);
	service_->config.advertised_port = port;
}

void GroupApi::tick() {
	auto &s = *service_;
	auto now = s.config.clock();
	s.coordinator.tick(now);
	if (s.config.fsync_interval.count() > 0 && now - s.last_sync >= s.config.fsync_interval) {
		s.last_sync = now;
		try {
			s.offsets.sync();
		} catch (const std::exception &e) {
			spdlog::error("group offsets: periodic fsync failed: {}", e.what());
		}
	}
	if (now - s.last_expiry >= s.config.offsets_retention_check) {
		s.last_expiry = now;
		try {
			s.coordinator.expire_offsets(s.wall_ms(), s.config.offsets_retention);
		} catch (const std::exception &e) {
			spdlog::error("group offsets: expiry failed: {}", e.what());
		}
	}
}

void GroupApi::topic_deleted(const std::string &topic) {
	service_->offsets.forget_topic(topic);
}

void GroupApi::shutdown() {
	service_->coordinator.shutdown();
}

void GroupApi::handle(const GroupRequestContext &ctx, std::span<const uint8_t> body, Respond respond) {
	Reader r(body);
	int16_t version = ctx.api_version;
	auto &coordinator = service_->coordinator;
	auto now = service_->config.clock();
	switch (static_cast<ApiKey>(ctx.api_key)) {
	case ApiKey::FindCoordinator: {
		auto req = codec::decode_find_coordinator(r, version);
		codec::FindCoordinatorResponse resp;
		if (req.key_type != 0) {
			// COORDINATOR_NOT_AVAILABLE would be retried until the client's
			// transaction timeout; this one ends init_transactions() at once
			// (librdkafka makes it fatal) and the message says why.
			resp.error_code = error::transactional_id_authorization_failed;
			resp.error_message = kNoTransactions;
		} else {
			resp.node_id = service_->config.node_id;
			resp.host = ctx.advertised_port >= 0 ? ctx.advertised_host : service_->config.advertised_host;
			resp.port = ctx.advertised_port >= 0 ? ctx.advertised_port : service_->config.advertised_port;
		}
		respond(codec::encode_find_coordinator(resp, version));
		return;
	}
	case ApiKey::JoinGroup: {
		auto req = codec::decode_join_group(r, version);
		req.client_id = ctx.client_id;
		req.client_host = ctx.client_host;
		coordinator.join_group(std::move(req), now, [respond = std::move(respond), version](JoinGroupResponse resp) {
			respond(codec::encode_join_group(resp, version));
		});
		return;
	}
	case ApiKey::SyncGroup: {
		auto req = codec::decode_sync_group(r, version);
		coordinator.sync_group(std::move(req), now, [respond = std::move(respond), version](SyncGroupResponse resp) {
			respond(codec::encode_sync_group(resp, version));
		});
		return;
	}
	case ApiKey::Heartbeat: {
		auto req = codec::decode_heartbeat(r, version);
		respond(codec::encode_heartbeat(coordinator.heartbeat(req, now), version));
		return;
	}
	case ApiKey::LeaveGroup: {
		auto req = codec::decode_leave_group(r, version);
		respond(codec::encode_leave_group(coordinator.leave_group(req, now), version));
		return;
	}
	case ApiKey::OffsetCommit: {
		auto req = codec::decode_offset_commit(r, version);
		respond(
		    codec::encode_offset_commit(coordinator.commit_offsets(std::move(req), now, service_->wall_ms()), version));
		return;
	}
	case ApiKey::OffsetFetch: {
		auto req = codec::decode_offset_fetch(r, version);
		respond(codec::encode_offset_fetch(coordinator.fetch_offsets(req), version));
		return;
	}
	case ApiKey::DescribeGroups: {
		std::vector<DescribedGroup> groups;
		for (auto &id : codec::decode_describe_groups(r, version)) {
			groups.push_back(coordinator.describe_group(id));
		}
		respond(codec::encode_describe_groups(groups, version));
		return;
	}
	case ApiKey::ListGroups:
		respond(codec::encode_list_groups(error::none, coordinator.list_groups(), version));
		return;
	default:
		throw GroupProtocolError("api key " + std::to_string(ctx.api_key) + " is not a group API");
	}
}

} // namespace kafkaml::broker::group
