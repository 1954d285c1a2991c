#include "broker/server/request_handler.h"

#include "broker/group/group_api.h"

#include <spdlog/spdlog.h>

#include <map>

namespace kafkaml::broker::server {

using protocol::ErrorCode;
using protocol::ResponseFrame;

// CreateTopics v0..v4. There is one broker, so a replication factor above 1
// cannot be honoured and is refused; -1 and 1 are accepted.
void RequestHandler::create_topics(const Request &request, protocol::Reader &r, Reply &reply) {
	int16_t v = request.header.api_version;
	struct Result {
		std::string name;
		int16_t error;
		std::string message;
	};
	struct Wanted {
		std::string name;
		int32_t partitions;
		int16_t replication;
		int32_t assignments;
		std::map<std::string, std::string> configs;
	};
	std::vector<Wanted> wanted;
	int32_t topics = r.array_length(2);
	for (int32_t t = 0; t < topics; t++) {
		Wanted want;
		want.name = std::string(r.string());
		want.partitions = r.i32();
		want.replication = r.i16();
		want.assignments = r.array_length(8);
		for (int32_t a = 0; a < want.assignments; a++) {
			r.i32();
			int32_t brokers = r.array_length(4);
			for (int32_t b = 0; b < brokers; b++) {
				r.i32();
			}
		}
		int32_t configs = r.array_length(2);
		for (int32_t c = 0; c < configs; c++) {
			std::string key(r.string());
			auto value = r.nullable_string();
			if (value) {
				want.configs[key] = std::string(*value);
			}
		}
		wanted.push_back(std::move(want));
	}
	r.i32(); // timeout
	bool validate_only = v >= 1 ? r.boolean() : false;

	std::vector<Result> results;
	for (const auto &want : wanted) {
		Result res{want.name, 0, {}};
		int32_t partitions = want.assignments > 0 ? want.assignments : want.partitions;
		if (partitions == -1) {
			partitions = config_.num_partitions;
		}
		if (want.replication > 1) {
			res.error = protocol::code(ErrorCode::InvalidReplicationFactor);
			res.message = "replication factor " + std::to_string(want.replication) +
			              " is larger than the number of brokers (1); use 1 or -1";
		} else if (validate_only) {
			if (logs_.find(want.name)) {
				res.error = protocol::code(ErrorCode::TopicAlreadyExists);
				res.message = "topic '" + want.name + "' already exists";
			}
		} else {
			res.message = logs_.create(want.name, partitions, want.configs, res.error);
		}
		if (res.error != 0) {
			spdlog::info("CreateTopics {}: {}", want.name, res.message);
		}
		results.push_back(std::move(res));
	}
	ResponseFrame frame(request.header.correlation_id);
	auto &w = frame.body();
	if (v >= 2) {
		w.i32(0);
	}
	w.array_length(static_cast<int32_t>(results.size()));
	for (const auto &res : results) {
		w.string(res.name);
		w.i16(res.error);
		if (v >= 1) {
			w.nullable_string(res.error ? std::optional<std::string_view>(res.message) : std::nullopt);
		}
	}
	reply(frame.finish());
}

void RequestHandler::delete_topics(const Request &request, protocol::Reader &r, Reply &reply) {
	int16_t v = request.header.api_version;
	std::vector<std::pair<std::string, int16_t>> results;
	int32_t topics = r.array_length(2);
	for (int32_t t = 0; t < topics; t++) {
		std::string name(r.string());
		bool removed = logs_.remove(name);
		if (removed && groups_) {
			try {
				groups_->topic_deleted(name);
			} catch (const std::exception &e) {
				spdlog::error("topic {} deleted, but its committed offsets could not be dropped: {}", name, e.what());
			}
		}
		results.emplace_back(name, removed ? 0 : protocol::code(ErrorCode::UnknownTopicOrPartition));
	}
	r.i32(); // timeout
	ResponseFrame frame(request.header.correlation_id);
	auto &w = frame.body();
	if (v >= 1) {
		w.i32(0);
	}
	w.array_length(static_cast<int32_t>(results.size()));
	for (const auto &[name, error] : results) {
		w.string(name);
		w.i16(error);
	}
	reply(frame.finish());
}

// DescribeConfigs v0..v2 for topics (resource type 2): the three configs this
// broker knows. Broker resources (type 4) get an empty list.
void RequestHandler::describe_configs(const Request &request, protocol::Reader &r, Reply &reply) {
	int16_t v = request.header.api_version;
	constexpr int8_t kTopic = 2;
	constexpr int8_t kBroker = 4;
	ResponseFrame frame(request.header.correlation_id);
	auto &w = frame.body();
	w.i32(0);
	int32_t resources = r.array_length(3);
	struct Resource {
		int8_t type;
		std::string name;
		std::vector<std::string> keys;
		bool all;
	};
	std::vector<Resource> list;
	for (int32_t i = 0; i < resources; i++) {
		Resource res;
		res.type = r.i8();
		res.name = std::string(r.string());
		int32_t keys = r.array_length(2);
		res.all = keys < 0;
		for (int32_t k = 0; k < keys; k++) {
			res.keys.emplace_back(r.string());
		}
		list.push_back(std::move(res));
	}
	if (v >= 1) {
		r.boolean(); // include synonyms: there are none to report
	}
	w.array_length(static_cast<int32_t>(list.size()));
	for (const auto &res : list) {
		std::map<std::string, std::string> values;
		int16_t error = 0;
		std::optional<std::string> message;
		if (res.type == kTopic) {
			if (auto *topic = logs_.find(res.name)) {
				values = logs_.describe(*topic);
			} else {
				error = protocol::code(ErrorCode::UnknownTopicOrPartition);
				message = "topic '" + res.name + "' does not exist";
			}
		} else if (res.type != kBroker) {
			error = protocol::code(ErrorCode::InvalidRequest);
			message = "resource type " + std::to_string(res.type) + " is not supported";
		}
		if (!res.all) {
			std::map<std::string, std::string> picked;
			for (const auto &k : res.keys) {
				if (auto it = values.find(k); it != values.end()) {
					picked.insert(*it);
				}
			}
			values = std::move(picked);
		}
		w.i16(error);
		w.nullable_string(message);
		w.i8(res.type);
		w.string(res.name);
		w.array_length(static_cast<int32_t>(values.size()));
		for (const auto &[k, val] : values) {
			w.string(k);
			w.nullable_string(val);
			w.boolean(false); // read only
			if (v == 0) {
				w.boolean(false); // is default
			} else {
				w.i8(1); // source: dynamic topic config
			}
			w.boolean(false); // sensitive
			if (v >= 1) {
				w.array_length(0); // synonyms
			}
		}
	}
	reply(frame.finish());
}

} // namespace kafkaml::broker::server
