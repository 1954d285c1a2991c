#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace kafkaml::formats {

//! A numeric table loaded from a dataset file, row-major in one buffer
//! (what `kafkaml send` streams).
struct Table {
	std::vector<std::string> columns;
	std::vector<float> values; //!< rows x columns.size()
	size_t rows = 0;

	size_t width() const { return columns.size(); }
	float at(size_t row, size_t column) const { return values[row * columns.size() + column]; }
	//! Index of a column by name (case-insensitive) or by number ("2");
	//! throws FormatError listing the columns.
	size_t column_index(std::string_view name) const;
};

//! CSV with a header line; comma-separated numeric cells (true/false give
//! 1/0, an empty cell NaN); quoted header names allowed; CRLF accepted.
//! Throws FormatError naming line and column of a bad cell.
Table read_csv(std::string_view text);

//! A .npy file (format 1.0-3.0) holding a 1-D or 2-D C-order array of
//! f2/f4/f8/i1/i2/i4/i8/u1/u2/b1 (little-endian); columns are named "0".."n-1".
Table read_npy(std::string_view bytes);

} // namespace kafkaml::formats
