#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kafkaml::formats {

//! Records [start, end) of one partition: `end` is the absolute offset one
//! past the last record (exclusive), as in the control message (§3).
struct Range {
	std::string topic;
	int32_t partition = 0;
	int64_t start = 0;
	int64_t end = 0;

	int64_t size() const { return end - start; }
	bool operator==(const Range &) const = default;
};

//! Parses "t:0:0:239,t:1:10:20". Topic names cannot contain ':' in Kafka,
//! so each item splits on its last three colons. Throws FormatError naming
//! the bad item (empty topic, non-numeric parts, negative offsets, end < start).
std::vector<Range> parse_range_list(std::string_view text);

//! The inverse of parse_range_list.
std::string format_range_list(const std::vector<Range> &ranges);

//! Sum of sizes: the stream's total_msg.
int64_t total_messages(const std::vector<Range> &ranges);

} // namespace kafkaml::formats
