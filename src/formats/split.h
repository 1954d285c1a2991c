#pragma once

#include <cstdint>

namespace kafkaml::formats {

//! How a training stream of `total` records (in range-list order) divides:
//!
//!     [ train | test | validation ]
//!
//! test = int(test_rate * total), validation = int(validation_rate * total)
//! (truncation, as Python's int() does on a positive float), train = the
//! rest. This is the order of the original's later releases (docs/wire-format.md);
//! its first release had no test share, which is the same with test_rate 0.
//! Indexes are positions in the stream, not Kafka offsets.
struct Split {
	int64_t train = 0;
	int64_t test = 0;
	int64_t validation = 0;

	int64_t test_begin() const { return train; }
	int64_t validation_begin() const { return train + test; }
};

//! Throws FormatError when a rate is outside [0, 1) or the rates sum to 1 or more.
Split compute_split(int64_t total, double validation_rate, double test_rate);

} // namespace kafkaml::formats
