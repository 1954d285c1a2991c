#include "broker/server/request_handler.h"

#include <spdlog/spdlog.h>

namespace kafkaml::broker::server {

using protocol::ErrorCode;
using protocol::ResponseFrame;

// Produce v3..v7. Every batch is written to its segment file before the
// response is built, and with --fsync always also fdatasync'ed. There is a
// single replica, so acks=1 and acks=-1 mean the same.
void RequestHandler::produce(const Request &request, protocol::Reader &r, Reply &reply) {
	int16_t v = request.header.api_version;
	r.nullable_string(); // transactional id
	int16_t acks = r.i16();
	r.i32(); // timeout
	struct PartitionResult {
		int32_t index;
		storage::AppendResult result;
	};
	struct TopicResult {
		std::string name;
		std::vector<PartitionResult> partitions;
	};
	std::vector<TopicResult> results;
	std::vector<storage::PartitionLog *> touched;
	bool bad_acks = acks != 0 && acks != 1 && acks != -1;
	int32_t topics = r.array_length(2);
	for (int32_t t = 0; t < topics; t++) {
		TopicResult tr;
		tr.name = std::string(r.string());
		auto *topic = bad_acks ? nullptr : topic_or_create(tr.name, true);
		int32_t partitions = r.array_length(8);
		for (int32_t p = 0; p < partitions; p++) {
			PartitionResult pr;
			pr.index = r.i32();
			auto records = r.bytes();
			if (bad_acks) {
				pr.result.error = protocol::code(ErrorCode::InvalidRequiredAcks);
			} else if (!topic || pr.index < 0 || static_cast<size_t>(pr.index) >= topic->partitions.size()) {
				pr.result.error = protocol::code(ErrorCode::UnknownTopicOrPartition);
			} else if (!records) {
				pr.result.error = protocol::code(ErrorCode::InvalidRecord);
			} else {
				auto *log = topic->partitions[static_cast<size_t>(pr.index)].get();
				// The records live in the connection's frame buffer, which is ours to modify.
				std::span<uint8_t> mutable_records(request.body.data() + (records->data() - request.body.data()),
				                                   records->size());
				try {
					pr.result = log->append(mutable_records);
				} catch (const std::exception &e) {
					// Disk full, out of file descriptors, ...: the client is told
					// and retries; the connection and every other partition go on.
					spdlog::error("produce to {}-{}: storage error: {}", tr.name, pr.index, e.what());
					pr.result = {};
					pr.result.error = protocol::code(ErrorCode::KafkaStorageError);
					pr.result.message = e.what();
				}
				if (pr.result.error != 0) {
					spdlog::warn("produce to {}-{} from {} rejected: {}", tr.name, pr.index, request.client_host,
					             pr.result.message);
				} else {
					touched.push_back(log);
				}
			}
			tr.partitions.push_back(std::move(pr));
		}
		results.push_back(std::move(tr));
	}
	if (config_.fsync == FsyncPolicy::Always) {
		for (auto *log : touched) {
			log->sync();
		}
	}
	if (acks == 0) {
		reply({});
		return;
	}
	ResponseFrame frame(request.header.correlation_id);
	auto &w = frame.body();
	w.array_length(static_cast<int32_t>(results.size()));
	for (const auto &tr : results) {
		w.string(tr.name);
		w.array_length(static_cast<int32_t>(tr.partitions.size()));
		for (const auto &pr : tr.partitions) {
			w.i32(pr.index);
			w.i16(pr.result.error);
			w.i64(pr.result.base_offset);
			w.i64(-1); // log append time: topics use CreateTime
			if (v >= 5) {
				w.i64(pr.result.log_start_offset);
			}
		}
	}
	w.i32(0); // throttle time
	reply(frame.finish());
}

} // namespace kafkaml::broker::server
