#include "formats/split.h"

#include "formats/format_error.h"

#include <cmath>
#include <string>

namespace kafkaml::formats {

Split compute_split(int64_t total, double validation_rate, double test_rate) {
	auto check = [](double rate, const char *name) {
		if (!(rate >= 0.0 && rate < 1.0)) {
			throw FormatError(std::string(name) + " must be in [0, 1), got " + std::to_string(rate));
		}
	};
	check(validation_rate, "validation_rate");
	check(test_rate, "test_rate");
	if (validation_rate + test_rate >= 1.0) {
		throw FormatError("validation_rate + test_rate must leave records for training (sum is below 1)");
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
