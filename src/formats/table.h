#pragma once

#include "formats/dtype.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kafkaml::formats {

//! A numeric table loaded from a dataset file, row-major in one buffer
//! (what `kafkaml send` streams). Thread: plain data.
struct Table {
	std::vector<std::string> columns;
	std::vector<float> values; //!< rows x columns.size(); NaN = missing (an empty cell)
	size_t rows = 0;
	std::vector<size_t> lines; //!< CSV: the line each row is on, for errors; empty for .npy
	//! The element type as stored: a .npy's own dtype, Float32 for CSV.
	DType dtype = DType::Float32;
	//! .npy: the array's bytes as stored (rows x width() little-endian `dtype`
	//! elements), so they can be sent unchanged; empty for CSV.
	std::string elements;
	//! .npy of three or more dimensions: the shape of one row (the dimensions
	//! after the first; width() is their product). Empty for rows of scalars.
	std::vector<int64_t> row_shape;

	size_t width() const { return columns.size(); }
	float at(size_t row, size_t column) const { return values[row * columns.size() + column]; }
	//! Index of a column by name (case-insensitive) or by number ("2");
	//! throws FormatError listing the columns.
	size_t column_index(std::string_view name) const;
};

//! CSV with a header line; comma-separated numeric cells (true/false give
//! 1/0, an empty cell NaN). Cells may be quoted as RFC 4180 says (commas,
//! line breaks and doubled quotes inside); CRLF and a UTF-8 byte order mark
//! are accepted. Throws FormatError naming the line, and the header and
//! 0-based index of the column, of a bad cell.
Table read_csv(std::string_view text);

//! A .npy file (format 1.0-3.0) holding a C-order array of
//! f2/f4/f8/i1/i2/i4/i8/u1/u2/b1 (little-endian), the element types RAW
//! has. 1-D: one column; 2-D: rows x columns; more: each slice along the
//! first axis is a row of `row_shape`. Columns are named "0".."n-1".
Table read_npy(std::string_view bytes);

//! Whether `bytes` begin with the .npy magic ("\x93NUMPY").
bool is_npy(std::string_view bytes);

} // namespace kafkaml::formats
