#include "broker/server/request_handler.h"

#include <spdlog/spdlog.h>

namespace kafkaml::broker::server {

using protocol::ErrorCode;
using protocol::ResponseFrame;

// DeleteRecords v0..v1 (the same layout; v1 only allows throttling after the
// response). Each partition's log start offset moves to the offset asked
// (-1: the high watermark); the answer is the new low watermark. There is
// one replica, so the timeout has nothing to wait for.
void RequestHandler::delete_records(const Request &request, protocol::Reader &r, Reply &reply) {
	ResponseFrame frame(request.header.correlation_id);
	auto &w = frame.body();
	w.i32(0); // throttle_time_ms
	int32_t topics = r.array_length(2);
	w.array_length(topics < 0 ? 0 : topics);
	for (int32_t t = 0; t < topics; t++) {
		std::string name(r.string());
		w.string(name);
		int32_t partitions = r.array_length(12);
		w.array_length(partitions < 0 ? 0 : partitions);
		for (int32_t p = 0; p < partitions; p++) {
			int32_t index = r.i32();
			int64_t offset = r.i64();
			storage::PartitionLog::DeleteRecordsResult result;
			if (auto *log = logs_.partition(name, index)) {
				result = log->delete_records(offset);
			} else {
				result.error = protocol::code(ErrorCode::UnknownTopicOrPartition);
				result.message = "no partition " + std::to_string(index) + " of topic '" + name + "'";
			}
			if (result.error != 0) {
				spdlog::info("DeleteRecords {}-{} before {} from client {}: {}", name, index, offset,
				             request.header.client_id.value_or(""), result.message);
			}
			w.i32(index);
			w.i64(result.low_watermark);
			w.i16(result.error);
		}
	}
	r.i32(); // timeout_ms
	reply(frame.finish());
}

} // namespace kafkaml::broker::server
