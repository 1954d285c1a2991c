#pragma once

#include "broker/broker_config.h"
#include "broker/protocol/api_keys.h"
#include "broker/protocol/reader.h"
#include "broker/protocol/request_header.h"
#include "broker/protocol/writer.h"
#include "broker/server/out_frame.h"
#include "broker/storage/log_manager.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace kafkaml::broker::group {
class GroupApi;
}

namespace kafkaml::broker::server {

//! Delivers one complete response frame (size prefix included) for the
//! request it was given with; an empty frame means "no response" (Produce
//! with acks=0). Called exactly once per request, possibly later (parked
//! Fetch, group waits); after the connection closed it must be a no-op.
using Reply = std::function<void(OutFrame frame)>;

//! A request as framed by the network loop: header parsed, body still raw.
struct Request {
	protocol::RequestHeader header;
	bool flexible = false;
	//! Mutable: Produce rewrites base offsets in place before appending.
	std::span<uint8_t> body;
	std::string client_host;
	//! Index of the listener (BrokerConfig::listeners) the client came through.
	size_t listener = 0;
};

//! Parses the header of one frame (size prefix already removed); the body
//! stays a view into `frame`. Throws protocol::DecodeError when truncated.
Request decode_request(std::span<uint8_t> frame, std::string client_host);

//! Decodes requests, acts on the logs and encodes responses for every API
//! the broker core serves; group APIs go to group::GroupApi.
//!
//! Threading: everything, including parked Fetch completion in `poll()`, runs
//! on the network-loop thread; there are no locks.
class RequestHandler {
public:
	RequestHandler(const BrokerConfig &config, storage::LogManager &logs, group::GroupApi *groups);

	//! Address this broker advertises to clients of listener `index` (set
	//! once the listeners are bound).
	void set_advertised(size_t index, std::string host, int32_t port);

	//! Decodes and serves `request`; calls `reply` now or later. Throws
	//! protocol::DecodeError (or group::GroupProtocolError) when the body is
	//! malformed: the caller logs it and closes the connection.
	void handle(const Request &request, Reply reply);

	//! True when the version of a known API is served (flexible versions
	//! are not, except ApiVersions' fallback answer).
	static bool supported(int16_t api_key, int16_t api_version);
	//! ApiVersions list: core APIs plus the group module's.
	static std::vector<protocol::ApiVersionRange> api_versions();

	//! Completes parked Fetches whose data arrived or whose wait expired.
	void poll(std::chrono::steady_clock::time_point now);
	//! Earliest deadline of a parked Fetch (time_point::max() when none).
	std::chrono::steady_clock::time_point next_deadline() const;
	//! Answers every parked Fetch now (shutdown).
	void flush_parked();

private:
	struct FetchPartition {
		int32_t partition = 0;
		int64_t fetch_offset = 0;
		int32_t max_bytes = 0;
	};
	struct FetchTopic {
		std::string name;
		std::vector<FetchPartition> partitions;
	};
	struct FetchRequest {
		protocol::RequestHeader header;
		int32_t max_wait_ms = 0;
		int32_t min_bytes = 0;
		int32_t max_bytes = 0;
		std::vector<FetchTopic> topics;
	};
	struct ParkedFetch {
		FetchRequest request;
		Reply reply;
		std::chrono::steady_clock::time_point deadline;
		uint64_t bytes_at_park = 0;    //!< bytes already available when parked
		uint64_t appended_at_park = 0; //!< sum of appended_bytes() then
	};

	void api_versions(const Request &request, Reply &reply);
	void metadata(const Request &request, protocol::Reader &r, Reply &reply);
	void produce(const Request &request, protocol::Reader &r, Reply &reply);
	void fetch(const Request &request, protocol::Reader &r, Reply &reply);
	void list_offsets(const Request &request, protocol::Reader &r, Reply &reply);
	void create_topics(const Request &request, protocol::Reader &r, Reply &reply);
	void delete_topics(const Request &request, protocol::Reader &r, Reply &reply);
	void delete_records(const Request &request, protocol::Reader &r, Reply &reply);
	void describe_configs(const Request &request, protocol::Reader &r, Reply &reply);
	void init_producer_id(const Request &request, protocol::Reader &r, Reply &reply);
	void unsupported(const Request &request, Reply &reply);

	//! Encodes a Fetch response; sets the record bytes it carries and whether a
	//! partition is answered with an error.
	OutFrame encode_fetch(const FetchRequest &request, size_t &record_bytes, bool &partition_error);
	uint64_t appended_sum(const FetchRequest &request);
	//! Auto-creates `name` when allowed; returns the topic or nullptr.
	storage::Topic *topic_or_create(const std::string &name, bool allow_create);

	const BrokerConfig &config_;
	storage::LogManager &logs_;
	group::GroupApi *groups_;
	struct Advertised {
		std::string host = "127.0.0.1";
		int32_t port = 9092;
	};
	const Advertised &advertised(size_t listener) const;
	std::vector<Advertised> advertised_;
	int64_t next_producer_id_;
	std::list<ParkedFetch> parked_;
};

} // namespace kafkaml::broker::server
