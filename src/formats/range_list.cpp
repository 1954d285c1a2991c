#include "formats/range_list.h"

#include "formats/format_error.h"

#include <charconv>
#include <limits>

namespace kafkaml::formats {
namespace {

template <typename T>
T parse_number(std::string_view text, std::string_view item, const char *what) {
	T value{};
	auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
	if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < 0) {
		throw FormatError("range '" + std::string(item) + "': " + what + " '" + std::string(text) +
		                  "' is not a non-negative integer");
	}
	return value;
}

Range parse_item(std::string_view item) {
	while (!item.empty() && item.front() == ' ') {
		item.remove_prefix(1);
	}
	while (!item.empty() && item.back() == ' ') {
		item.remove_suffix(1);
	}
	size_t cut[3];
	size_t pos = item.size();
	for (int i = 2; i >= 0; i--) {
		pos = pos == 0 ? std::string_view::npos : item.rfind(':', pos - 1);
		if (pos == std::string_view::npos) {
			throw FormatError("range '" + std::string(item) + "' is not topic:partition:start:end");
		}
		cut[i] = pos;
	}
	Range range;
	range.topic = std::string(item.substr(0, cut[0]));
	if (range.topic.empty()) {
		throw FormatError("range '" + std::string(item) + "' has an empty topic name");
	}
	range.partition = parse_number<int32_t>(item.substr(cut[0] + 1, cut[1] - cut[0] - 1), item, "partition");
	range.start = parse_number<int64_t>(item.substr(cut[1] + 1, cut[2] - cut[1] - 1), item, "start offset");
	range.end = parse_number<int64_t>(item.substr(cut[2] + 1), item, "end offset");
	if (range.end < range.start) {
		throw FormatError("range '" + std::string(item) +
		                  "': end offset is before start (end is the absolute offset after the last record)");
	}
	return range;
}

} // namespace

std::vector<Range> parse_range_list(std::string_view text) {
	std::vector<Range> ranges;
	size_t begin = 0;
	while (begin <= text.size()) {
		size_t comma = text.find(',', begin);
		auto item = text.substr(begin, comma == std::string_view::npos ? std::string_view::npos : comma - begin);
		ranges.push_back(parse_item(item));
		if (comma == std::string_view::npos) {
			break;
		}
		begin = comma + 1;
	}
	return ranges;
}

std::string format_range_list(const std::vector<Range> &ranges) {
	std::string out;
	for (const auto &range : ranges) {
		if (!out.empty()) {
			out += ',';
		}
		out += range.topic + ':' + std::to_string(range.partition) + ':' + std::to_string(range.start) + ':' +
		       std::to_string(range.end);
	}
	return out;
}

int64_t total_messages(const std::vector<Range> &ranges) {
	int64_t total = 0;
	for (const auto &range : ranges) {
		total += range.size();
	}
	return total;
}

} // namespace kafkaml::formats
