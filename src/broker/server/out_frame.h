#pragma once

#include "broker/storage/file_range.h"

#include <cstdint>
#include <utility>
#include <variant>
#include <vector>

namespace kafkaml::broker::server {

//! Part of a response: bytes built in memory, or a range of a log file that
//! the network loop sends with sendfile, so fetched records go from the page
//! cache to the socket without a copy through the broker.
using OutChunk = std::variant<std::vector<uint8_t>, storage::FileRange>;

inline size_t chunk_size(const OutChunk &chunk) {
	if (const auto *bytes = std::get_if<std::vector<uint8_t>>(&chunk)) {
		return bytes->size();
	}
	return std::get<storage::FileRange>(chunk).length();
}

//! One complete response frame (size prefix included) as chunks written
//! back to back. Most responses are one buffer: a frame converts from it.
//! No chunks means "no response" (Produce with acks=0).
class OutFrame {
public:
	OutFrame() = default;
	OutFrame(std::vector<uint8_t> bytes) { // NOLINT: a buffer is a one-chunk frame
		if (!bytes.empty()) {
			chunks_.emplace_back(std::move(bytes));
		}
	}
	void add(OutChunk chunk) {
		if (chunk_size(chunk) > 0) {
			chunks_.push_back(std::move(chunk));
		}
	}
	bool empty() const { return chunks_.empty(); }
	size_t size() const {
		size_t total = 0;
		for (const auto &chunk : chunks_) {
			total += chunk_size(chunk);
		}
		return total;
	}
	std::vector<OutChunk> &chunks() { return chunks_; }

private:
	std::vector<OutChunk> chunks_;
};

} // namespace kafkaml::broker::server
