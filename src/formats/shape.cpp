#include "formats/shape.h"

#include "formats/format_error.h"

#include <charconv>

namespace kafkaml::formats {

int64_t Shape::elements() const {
	int64_t n = 1;
	for (auto d : dims) {
		n *= d;
	}
	return n;
}

std::string Shape::to_string() const {
	std::string out;
	for (auto d : dims) {
		if (!out.empty()) {
			out += ' ';
		}
		out += std::to_string(d);
	}
	return out;
}

Shape parse_shape(std::string_view text) {
	Shape shape;
	size_t i = 0;
	auto separator = [](char c) {
		return c == ' ' || c == ',' || c == '(' || c == ')' || c == '[' || c == ']' || c == '\t';
	};
	while (i < text.size()) {
		if (separator(text[i])) {
			i++;
			continue;
		}
		int64_t value = 0;
		auto [end, ec] = std::from_chars(text.data() + i, text.data() + text.size(), value);
		size_t stop = static_cast<size_t>(end - text.data());
		if (ec != std::errc() || value <= 0 || (stop < text.size() && !separator(text[stop]))) {
			throw FormatError("bad reshape '" + std::string(text) +
			                  "': expected positive integers separated by spaces, like \"28 28\"");
		}
		if (value > (int64_t(1) << 31) || shape.elements() > (int64_t(1) << 31) / value) {
			throw FormatError("reshape '" + std::string(text) + "' is too large");
		}
		shape.dims.push_back(value);
		i = stop;
	}
	return shape;
}

} // namespace kafkaml::formats
