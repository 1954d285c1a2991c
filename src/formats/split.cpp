#include "formats/split.h"

#include "formats/format_error.h"

#include <charconv>
#include <cmath>
#include <string>

namespace kafkaml::formats {
namespace {

//! Shortest text that reads back as `rate` ("1.2", not "1.200000").
std::string rate_text(double rate) {
	char buffer[32];
	auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), rate);
	return std::string(buffer, end);
}

} // namespace

Split compute_split(int64_t total, double validation_rate, double test_rate) {
	auto check = [](double rate, const char *name) {
		if (!(rate >= 0.0 && rate < 1.0)) {
			throw FormatError(std::string(name) + " must be in [0, 1), got " + rate_text(rate));
		}
	};
	check(validation_rate, "validation_rate");
	check(test_rate, "test_rate");
	if (validation_rate + test_rate >= 1.0) {
		throw FormatError("validation_rate + test_rate is " + rate_text(validation_rate + test_rate) +
		                  "; the sum must be below 1 to leave records for training");
	}
	if (total < 0) {
		throw FormatError("total_msg must not be negative");
	}
	Split split;
	split.test = static_cast<int64_t>(std::trunc(test_rate * static_cast<double>(total)));
	split.validation = static_cast<int64_t>(std::trunc(validation_rate * static_cast<double>(total)));
	split.train = total - split.test - split.validation;
	return split;
}

} // namespace kafkaml::formats
