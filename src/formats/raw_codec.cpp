#include "formats/raw_codec.h"

#include "formats/format_error.h"

#include <charconv>
#include <cmath>

namespace kafkaml::formats {
namespace {

float parse_text_number(std::string_view text) {
	while (!text.empty() && (text.front() == ' ' || text.front() == '\n' || text.front() == '\t')) {
		text.remove_prefix(1);
	}
	while (!text.empty() && (text.back() == ' ' || text.back() == '\n' || text.back() == '\t')) {
		text.remove_suffix(1);
	}
	if (text == "true" || text == "True") {
		return 1.0f;
	}
	if (text == "false" || text == "False") {
		return 0.0f;
	}
	float value = 0;
	auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
	if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
		std::string shown(text.substr(0, 40));
		throw FormatError("RAW string '" + shown + "' is not a number");
	}
	return value;
}

} // namespace

RawDecoder::RawDecoder(DType type, Shape shape) : type_(type), shape_(std::move(shape)) {
	if (type_ == DType::String && shape_.elements() != 1) {
		throw FormatError("RAW string data is one text value per message; its reshape must be empty");
	}
}

size_t RawDecoder::width() const {
	if (type_ == DType::String) {
		return 1;
	}
	return shape_.empty() ? 0 : static_cast<size_t>(shape_.elements());
}

std::string RawDecoder::describe() const {
	std::string text = "RAW " + std::string(dtype_name(type_));
	if (!shape_.empty()) {
		text += " [" + shape_.to_string() + "]";
	}
	return text;
}

void RawDecoder::decode(std::string_view bytes, std::vector<float> &out) const {
	if (type_ == DType::String) {
		out.push_back(parse_text_number(bytes));
		return;
	}
	size_t element = dtype_size(type_);
	size_t count = bytes.size() / element;
	if (bytes.size() % element != 0 || count == 0) {
		throw FormatError(describe() + ": " + std::to_string(bytes.size()) + " bytes is not a whole number of " +
		                  std::to_string(element) + "-byte elements");
	}
	if (!shape_.empty() && count != static_cast<size_t>(shape_.elements())) {
		throw FormatError(describe() + ": message has " + std::to_string(bytes.size()) + " bytes, expected " +
		                  std::to_string(shape_.elements() * static_cast<int64_t>(element)));
	}
	size_t old = out.size();
	out.resize(old + count);
	convert_to_float(type_, bytes.data(), count, out.data() + old);
}

void encode_raw(DType type, std::span<const float> values, std::string &out) {
	if (type == DType::String) {
		// Several numbers as one text would run together ("12" for 1, 2):
		// the decoder reads one value per string message.
		if (values.size() != 1) {
			throw FormatError("a RAW string message carries exactly one value, got " + std::to_string(values.size()) +
			                  "; use a numeric type for rows of several values");
		}
		char buffer[32];
		auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), values[0]);
		out.append(buffer, end);
		return;
	}
	size_t old = out.size();
	out.resize(old + values.size() * dtype_size(type));
	convert_from_float(type, values.data(), values.size(), out.data() + old);
}

} // namespace kafkaml::formats
