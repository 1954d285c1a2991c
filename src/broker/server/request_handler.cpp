#include "broker/server/request_handler.h"

#include "broker/group/group_api.h"

#include <spdlog/spdlog.h>

#include <chrono>

namespace kafkaml::broker::server {

using protocol::ApiKey;
using protocol::ApiVersionRange;
using protocol::ErrorCode;
using protocol::ResponseFrame;

namespace {

// Non-flexible version ranges that librdkafka 2.0, kafka-python 2.0 and
// confluent-kafka negotiate. Produce starts at v3 (record batch v2 only).
// kafka-python infers the broker version from these: Fetch v11 makes it
// assume >= 2.3 and so use record batches v2.
const std::vector<ApiVersionRange> kCoreVersions = {
    {static_cast<int16_t>(ApiKey::Produce), 3, 7},
    {static_cast<int16_t>(ApiKey::Fetch), 4, 11},
    {static_cast<int16_t>(ApiKey::ListOffsets), 0, 5},
    {static_cast<int16_t>(ApiKey::Metadata), 0, 8},
    {static_cast<int16_t>(ApiKey::ApiVersions), 0, 3},
    {static_cast<int16_t>(ApiKey::CreateTopics), 0, 4},
    {static_cast<int16_t>(ApiKey::DeleteTopics), 0, 3},
    {static_cast<int16_t>(ApiKey::InitProducerId), 0, 1},
    {static_cast<int16_t>(ApiKey::DescribeConfigs), 0, 2},
    {static_cast<int16_t>(ApiKey::DeleteRecords), 0, 1},
    // Answered by the network loop's SaslGate before requests get here.
    {static_cast<int16_t>(ApiKey::SaslHandshake), 0, 1},
    {static_cast<int16_t>(ApiKey::SaslAuthenticate), 0, 2},
};

} // namespace

Request decode_request(std::span<uint8_t> frame, std::string client_host) {
	Request request;
	request.client_host = std::move(client_host);
	protocol::Reader r(frame);
	request.header = protocol::parse_request_header(r);
	// Header v2 (tagged fields) only accompanies flexible versions; of those,
	// this broker only meets ApiVersions v3+, whose body it ignores.
	request.body = frame.subspan(r.position());
	return request;
}

RequestHandler::RequestHandler(const BrokerConfig &config, storage::LogManager &logs, group::GroupApi *groups)
    : config_(config), logs_(logs), groups_(groups) {
	// Producer ids stay unique across restarts without a persisted counter:
	// start from the wall clock in milliseconds.
	next_producer_id_ =
	    std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
	        .count();
}

void RequestHandler::set_advertised(size_t index, std::string host, int32_t port) {
	if (advertised_.size() <= index) {
		advertised_.resize(index + 1);
	}
	advertised_[index] = {std::move(host), port};
}

const RequestHandler::Advertised &RequestHandler::advertised(size_t listener) const {
	static const Advertised fallback;
	if (listener < advertised_.size()) {
		return advertised_[listener];
	}
	return advertised_.empty() ? fallback : advertised_.front();
}

std::vector<ApiVersionRange> RequestHandler::api_versions() {
	auto all = kCoreVersions;
	for (const auto &g : group::GroupApi::supported_versions()) {
		all.push_back({g.api_key, g.min_version, g.max_version});
	}
	return all;
}

bool RequestHandler::supported(int16_t api_key, int16_t api_version) {
	for (const auto &v : kCoreVersions) {
		if (v.api_key == api_key) {
			return api_version >= v.min_version && api_version <= v.max_version;
		}
	}
	for (const auto &g : group::GroupApi::supported_versions()) {
		if (g.api_key == api_key) {
			return api_version >= g.min_version && api_version <= g.max_version;
		}
	}
	return false;
}

void RequestHandler::handle(const Request &request, Reply reply) {
	const auto &h = request.header;
	if (h.api_key == static_cast<int16_t>(ApiKey::ApiVersions)) {
		api_versions(request, reply);
		return;
	}
	if (!supported(h.api_key, h.api_version)) {
		unsupported(request, reply);
		return;
	}
	if (group::GroupApi::handles(h.api_key)) {
		group::GroupRequestContext ctx;
		ctx.api_key = h.api_key;
		ctx.api_version = h.api_version;
		ctx.correlation_id = h.correlation_id;
		ctx.client_id = h.client_id.value_or("");
		ctx.client_host = request.client_host;
		ctx.advertised_host = advertised(request.listener).host;
		ctx.advertised_port = advertised(request.listener).port;
		int32_t correlation_id = h.correlation_id;
		groups_->handle(ctx, request.body, [reply = std::move(reply), correlation_id](std::vector<uint8_t> body) {
			ResponseFrame frame(correlation_id);
			frame.body().raw(body);
			reply(frame.finish());
		});
		return;
	}
	protocol::Reader r(request.body);
	switch (static_cast<ApiKey>(h.api_key)) {
	case ApiKey::Metadata:
		return metadata(request, r, reply);
	case ApiKey::Produce:
		return produce(request, r, reply);
	case ApiKey::Fetch:
		return fetch(request, r, reply);
	case ApiKey::ListOffsets:
		return list_offsets(request, r, reply);
	case ApiKey::CreateTopics:
		return create_topics(request, r, reply);
	case ApiKey::DeleteTopics:
		return delete_topics(request, r, reply);
	case ApiKey::DeleteRecords:
		return delete_records(request, r, reply);
	case ApiKey::DescribeConfigs:
		return describe_configs(request, r, reply);
	case ApiKey::InitProducerId:
		return init_producer_id(request, r, reply);
	default:
		return unsupported(request, reply);
	}
}

void RequestHandler::api_versions(const Request &request, Reply &reply) {
	// v3 is the first flexible version (what librdkafka 2.0 and Java clients
	// ask first): compact array and tagged fields in the body, but the
	// response header stays v0, as for every ApiVersions answer. A version
	// we do not serve gets the v0 layout with UNSUPPORTED_VERSION and the
	// full list, so the client retries with one we advertise.
	int16_t version = request.header.api_version;
	bool fallback = version > 3 || version < 0;
	bool flexible = version == 3;
	ResponseFrame frame(request.header.correlation_id);
	auto &w = frame.body();
	w.i16(fallback ? protocol::code(ErrorCode::UnsupportedVersion) : 0);
	auto versions = api_versions();
	if (flexible) {
		w.compact_array_length(static_cast<int32_t>(versions.size()));
	} else {
		w.array_length(static_cast<int32_t>(versions.size()));
	}
	for (const auto &v : versions) {
		w.i16(v.api_key);
		w.i16(v.min_version);
		w.i16(v.max_version);
		if (flexible) {
			w.empty_tagged_fields();
		}
	}
	if (!fallback && version >= 1) {
		w.i32(0); // throttle_time_ms
	}
	if (flexible) {
		w.empty_tagged_fields();
	}
	reply(frame.finish());
}

void RequestHandler::unsupported(const Request &request, Reply &reply) {
	// No schema is shared by every API, but each response starts with the
	// correlation id; an error code right after it is what clients that sent
	// a version we never advertised can best make sense of.
	spdlog::warn("client {} ({}) sent API key {} version {}, which this broker does not support", request.client_host,
	             request.header.client_id.value_or(""), request.header.api_key, request.header.api_version);
	ResponseFrame frame(request.header.correlation_id);
	frame.body().i16(protocol::code(ErrorCode::UnsupportedVersion));
	reply(frame.finish());
}

storage::Topic *RequestHandler::topic_or_create(const std::string &name, bool allow_create) {
	if (auto *t = logs_.find(name)) {
		return t;
	}
	if (!allow_create || !config_.auto_create_topics) {
		return nullptr;
	}
	int16_t error = 0;
	auto message = logs_.create(name, config_.num_partitions, {}, error);
	if (error == protocol::code(ErrorCode::KafkaStorageError)) {
		spdlog::error("auto-creation of topic '{}' failed: {}", name, message);
		return nullptr;
	}
	if (error != 0) {
		spdlog::warn("auto-creation of topic '{}' failed: {}", name, message);
		return nullptr;
	}
	return logs_.find(name);
}

void RequestHandler::metadata(const Request &request, protocol::Reader &r, Reply &reply) {
	int16_t v = request.header.api_version;
	int32_t count = r.array_length(2);
	bool all_topics = count < 0 || (v == 0 && count == 0);
	std::vector<std::string> names;
	for (int32_t i = 0; i < count; i++) {
		names.emplace_back(r.string());
	}
	bool allow_create = true;
	if (v >= 4) {
		allow_create = r.boolean();
	}
	if (all_topics) {
		names.clear();
		for (const auto &[name, topic] : logs_.topics()) {
			names.push_back(name);
		}
	}

	ResponseFrame frame(request.header.correlation_id);
	auto &w = frame.body();
	if (v >= 3) {
		w.i32(0);
	}
	w.array_length(1);
	w.i32(config_.node_id);
	// As Kafka does, the endpoint of the listener this client came through.
	const auto &endpoint = advertised(request.listener);
	w.string(endpoint.host);
	w.i32(endpoint.port);
	if (v >= 1) {
		w.nullable_string(std::nullopt); // rack
	}
	if (v >= 2) {
		w.nullable_string("kafkaml-embedded");
	}
	if (v >= 1) {
		w.i32(config_.node_id); // controller
	}
	w.array_length(static_cast<int32_t>(names.size()));
	for (const auto &name : names) {
		storage::Topic *topic = nullptr;
		int16_t error = 0;
		if (!storage::LogManager::valid_topic_name(name)) {
			error = protocol::code(ErrorCode::InvalidTopicException);
		} else {
			topic = topic_or_create(name, allow_create);
			if (!topic) {
				error = protocol::code(ErrorCode::UnknownTopicOrPartition);
			}
		}
		w.i16(error);
		w.string(name);
		if (v >= 1) {
			w.boolean(false);
		}
		int32_t partitions = topic ? static_cast<int32_t>(topic->partitions.size()) : 0;
		w.array_length(partitions);
		for (int32_t p = 0; p < partitions; p++) {
			w.i16(0);
			w.i32(p);
			w.i32(config_.node_id);
			if (v >= 7) {
				w.i32(0); // leader epoch
			}
			w.array_length(1);
			w.i32(config_.node_id);
			w.array_length(1);
			w.i32(config_.node_id);
			if (v >= 5) {
				w.array_length(0);
			}
		}
		if (v >= 8) {
			w.i32(INT32_MIN); // topic authorized operations: not computed
		}
	}
	if (v >= 8) {
		w.i32(INT32_MIN);
	}
	reply(frame.finish());
}

void RequestHandler::init_producer_id(const Request &request, protocol::Reader &r, Reply &reply) {
	auto transactional_id = r.nullable_string();
	r.i32(); // transaction timeout
	ResponseFrame frame(request.header.correlation_id);
	auto &w = frame.body();
	w.i32(0);
	if (transactional_id) {
		// Transactions need APIs this broker does not offer; the error is the
		// one FindCoordinator gives (with its reason there), which clients
		// treat as fatal instead of retrying.
		spdlog::warn("client {} ({}) asked for a transactional producer id ({}): transactions are not supported",
		             request.client_host, request.header.client_id.value_or(""), *transactional_id);
		w.i16(protocol::code(ErrorCode::TransactionalIdAuthorizationFailed));
		w.i64(-1);
		w.i16(-1);
	} else {
		w.i16(0);
		w.i64(next_producer_id_++);
		w.i16(0);
	}
	reply(frame.finish());
}

} // namespace kafkaml::broker::server
