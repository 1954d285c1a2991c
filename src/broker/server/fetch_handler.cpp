#include "broker/server/request_handler.h"

#include <algorithm>

namespace kafkaml::broker::server {

using protocol::ErrorCode;
using protocol::ResponseFrame;

// Fetch v4..v11 with long-poll. A Fetch that finds fewer than min_bytes is
// parked (its connection stays muted meanwhile) until enough bytes were
// appended to the partitions it asks for, or max_wait_ms passed. Fetch
// sessions are not kept: session id 0 tells clients to send full requests.
void RequestHandler::fetch(const Request &request, protocol::Reader &r, Reply &reply) {
	int16_t v = request.header.api_version;
	FetchRequest req;
	req.header = request.header;
	r.i32(); // replica id
	req.max_wait_ms = r.i32();
	req.min_bytes = r.i32();
	req.max_bytes = r.i32();
	r.i8(); // isolation level: there are no transactions, both levels read the same
	if (v >= 7) {
		r.i32(); // session id
		r.i32(); // session epoch
	}
	int32_t topics = r.array_length(2);
	for (int32_t t = 0; t < topics; t++) {
		FetchTopic ft;
		ft.name = std::string(r.string());
		int32_t partitions = r.array_length(16);
		for (int32_t p = 0; p < partitions; p++) {
			FetchPartition fp;
			fp.partition = r.i32();
			if (v >= 9) {
				r.i32(); // current leader epoch
			}
			fp.fetch_offset = r.i64();
			if (v >= 5) {
				r.i64(); // follower log start offset
			}
			fp.max_bytes = r.i32();
			ft.partitions.push_back(fp);
		}
		req.topics.push_back(std::move(ft));
	}
	// forgotten topics (v7+) and rack id (v11) need no action.

	size_t record_bytes = 0;
	bool partition_error = false;
	auto frame = encode_fetch(req, record_bytes, partition_error);
	// As Kafka does, an error on any partition (unknown topic, offset out of
	// range) is answered at once: the client has to act on it, waiting helps nobody.
	if (partition_error || record_bytes >= static_cast<size_t>(std::max(req.min_bytes, 1)) || req.max_wait_ms <= 0) {
		reply(std::move(frame));
		return;
	}
	ParkedFetch parked;
	parked.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(req.max_wait_ms);
	parked.bytes_at_park = record_bytes;
	parked.appended_at_park = appended_sum(req);
	parked.request = std::move(req);
	parked.reply = std::move(reply);
	parked_.push_back(std::move(parked));
}

uint64_t RequestHandler::appended_sum(const FetchRequest &request) {
	uint64_t sum = 0;
	for (const auto &t : request.topics) {
		for (const auto &p : t.partitions) {
			if (auto *log = logs_.partition(t.name, p.partition)) {
				sum += log->appended_bytes();
			}
		}
	}
	return sum;
}

OutFrame RequestHandler::encode_fetch(const FetchRequest &req, size_t &record_bytes, bool &partition_error) {
	int16_t v = req.header.api_version;
	ResponseFrame frame(req.header.correlation_id);
	OutFrame out;
	auto &w = frame.body();
	w.i32(0); // throttle
	if (v >= 7) {
		w.i16(0);
		w.i32(0); // session id: none
	}
	size_t budget = req.max_bytes > 0 ? static_cast<size_t>(req.max_bytes) : 0;
	record_bytes = 0;
	partition_error = false;
	w.array_length(static_cast<int32_t>(req.topics.size()));
	for (const auto &t : req.topics) {
		w.string(t.name);
		w.array_length(static_cast<int32_t>(t.partitions.size()));
		for (const auto &p : t.partitions) {
			auto *log = logs_.partition(t.name, p.partition);
			int16_t error = 0;
			int64_t hw = -1;
			int64_t start = -1;
			if (!log) {
				error = protocol::code(ErrorCode::UnknownTopicOrPartition);
			} else {
				hw = log->log_end_offset();
				start = log->log_start_offset();
				if (p.fetch_offset < start || p.fetch_offset > hw) {
					error = protocol::code(ErrorCode::OffsetOutOfRange);
				}
			}
			partition_error = partition_error || error != 0;
			w.i32(p.partition);
			w.i16(error);
			w.i64(hw);
			w.i64(hw); // last stable offset
			if (v >= 5) {
				w.i64(start);
			}
			w.array_length(0); // aborted transactions
			if (v >= 11) {
				w.i32(-1); // preferred read replica
			}
			storage::FileRange records;
			if (error == 0 && p.fetch_offset < hw) {
				size_t limit = std::min<size_t>(static_cast<size_t>(std::max(p.max_bytes, 0)), budget);
				// The first partition with data always gets at least one whole batch.
				if (record_bytes == 0 && limit == 0) {
					limit = 1;
				}
				if (limit > 0) {
					records = log->slice(p.fetch_offset, limit);
				}
			}
			w.i32(static_cast<int32_t>(records.length()));
			if (!records.empty()) {
				// The records go from the log file to the socket (sendfile);
				// the frame goes on in a new buffer after them.
				out.add(w.take());
				w = protocol::Writer();
				record_bytes += records.length();
				budget = records.length() >= budget ? 0 : budget - records.length();
				out.add(std::move(records));
			}
		}
	}
	out.add(w.take());
	// The size prefix (the frame's first 4 bytes) counts every chunk.
	auto &head = std::get<std::vector<uint8_t>>(out.chunks().front());
	protocol::store_be32(head.data(), static_cast<uint32_t>(out.size() - 4));
	return out;
}

void RequestHandler::poll(std::chrono::steady_clock::time_point now) {
	for (auto it = parked_.begin(); it != parked_.end();) {
		uint64_t arrived = appended_sum(it->request) - it->appended_at_park;
		bool enough = it->bytes_at_park + arrived >= static_cast<uint64_t>(std::max(it->request.min_bytes, 1));
		if (!enough && now < it->deadline) {
			++it;
			continue;
		}
		size_t record_bytes = 0;
		bool partition_error = false;
		auto frame = encode_fetch(it->request, record_bytes, partition_error);
		auto reply = std::move(it->reply);
		it = parked_.erase(it);
		reply(std::move(frame));
	}
}

std::chrono::steady_clock::time_point RequestHandler::next_deadline() const {
	auto earliest = std::chrono::steady_clock::time_point::max();
	for (const auto &p : parked_) {
		earliest = std::min(earliest, p.deadline);
	}
	return earliest;
}

void RequestHandler::flush_parked() {
	poll(std::chrono::steady_clock::time_point::max());
}

} // namespace kafkaml::broker::server
