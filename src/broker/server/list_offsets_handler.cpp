#include "broker/server/request_handler.h"

namespace kafkaml::broker::server {

using protocol::ErrorCode;
using protocol::ResponseFrame;

// ListOffsets v0..v5: timestamp -2 = log start, -1 = log end, otherwise the
// first offset whose record timestamp is >= the one asked (time index).
void RequestHandler::list_offsets(const Request &request, protocol::Reader &r, Reply &reply) {
	int16_t v = request.header.api_version;
	r.i32(); // replica id
	if (v >= 2) {
		r.i8(); // isolation level
	}
	ResponseFrame frame(request.header.correlation_id);
	auto &w = frame.body();
	if (v >= 2) {
		w.i32(0);
	}
	int32_t topics = r.array_length(2);
	w.array_length(topics < 0 ? 0 : topics);
	for (int32_t t = 0; t < topics; t++) {
		std::string name(r.string());
		w.string(name);
		int32_t partitions = r.array_length(12);
		w.array_length(partitions < 0 ? 0 : partitions);
		for (int32_t p = 0; p < partitions; p++) {
			int32_t index = r.i32();
			if (v >= 4) {
				r.i32(); // current leader epoch
			}
			int64_t timestamp = r.i64();
			if (v == 0) {
				r.i32(); // max number of offsets
			}
			auto *log = logs_.partition(name, index);
			int16_t error = log ? 0 : protocol::code(ErrorCode::UnknownTopicOrPartition);
			int64_t offset = -1;
			int64_t found_ts = -1;
			if (log) {
				if (timestamp == -2) {
					offset = log->log_start_offset();
				} else if (timestamp == -1) {
					offset = log->log_end_offset();
				} else {
					auto match = log->offset_for_timestamp(timestamp);
					offset = match.offset;
					found_ts = match.timestamp;
				}
			}
			w.i32(index);
			w.i16(error);
			if (v == 0) {
				if (offset >= 0) {
					w.array_length(1);
					w.i64(offset);
				} else {
					w.array_length(0);
				}
				continue;
			}
			w.i64(found_ts);
			w.i64(offset);
			if (v >= 4) {
				w.i32(0); // leader epoch
			}
		}
	}
	reply(frame.finish());
}

} // namespace kafkaml::broker::server
