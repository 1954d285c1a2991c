#include "formats/table.h"

#include "formats/dtype.h"
#include "formats/format_error.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

namespace kafkaml::formats {
namespace {

bool iequals(std::string_view a, std::string_view b) {
	return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
		       return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
	       });
}

std::string_view trim(std::string_view text) {
	while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\r')) {
		text.remove_prefix(1);
	}
	while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
		text.remove_suffix(1);
	}
	if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
		text = text.substr(1, text.size() - 2);
	}
	return text;
}

float parse_cell(std::string_view cell, size_t line, size_t column) {
	cell = trim(cell);
	if (cell.empty()) {
		return std::numeric_limits<float>::quiet_NaN();
	}
	if (iequals(cell, "true")) {
		return 1.0f;
	}
	if (iequals(cell, "false")) {
		return 0.0f;
	}
	float value = 0;
	const char *begin = cell.data();
	if (*begin == '+') {
		begin++;
	}
	auto [end, ec] = std::from_chars(begin, cell.data() + cell.size(), value);
	if (ec != std::errc() || end != cell.data() + cell.size()) {
		throw FormatError("line " + std::to_string(line) + ", column " + std::to_string(column + 1) + ": '" +
		                  std::string(cell.substr(0, 40)) + "' is not a number");
	}
	return value;
}

} // namespace

size_t Table::column_index(std::string_view name) const {
	for (size_t i = 0; i < columns.size(); i++) {
		if (iequals(columns[i], name)) {
			return i;
		}
	}
	size_t index = 0;
	auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), index);
	if (ec == std::errc() && end == name.data() + name.size() && index < columns.size()) {
		return index;
	}
	std::string known;
	for (const auto &column : columns) {
		known += (known.empty() ? "" : ", ") + column;
	}
	throw FormatError("no column '" + std::string(name) + "'; the columns are: " + known);
}

Table read_csv(std::string_view text) {
	Table table;
	size_t pos = 0;
	size_t line = 0;
	auto next_line = [&](std::string_view &out) {
		while (pos < text.size()) {
			size_t end = text.find('\n', pos);
			if (end == std::string_view::npos) {
				end = text.size();
			}
			out = text.substr(pos, end - pos);
			pos = end + 1;
			line++;
			if (!trim(out).empty()) {
				return true;
			}
		}
		return false;
	};
	std::string_view header;
	if (!next_line(header)) {
		throw FormatError("the CSV file is empty; it needs a header line and rows");
	}
	size_t start = 0;
	for (;;) {
		size_t comma = header.find(',', start);
		table.columns.emplace_back(
		    trim(header.substr(start, comma == std::string_view::npos ? header.npos : comma - start)));
		if (comma == std::string_view::npos) {
			break;
		}
		start = comma + 1;
	}
	size_t width = table.columns.size();
	table.values.reserve(width * (text.size() / (width * 4 + 1) + 1));
	std::string_view row;
	while (next_line(row)) {
		size_t column = 0;
		size_t cell_start = 0;
		for (;;) {
			size_t comma = row.find(',', cell_start);
			if (column >= width) {
				throw FormatError("line " + std::to_string(line) + " has more than the header's " +
				                  std::to_string(width) + " columns");
			}
			auto cell = row.substr(cell_start, comma == std::string_view::npos ? row.npos : comma - cell_start);
			table.values.push_back(parse_cell(cell, line, column));
			column++;
			if (comma == std::string_view::npos) {
				break;
			}
			cell_start = comma + 1;
		}
		if (column != width) {
			throw FormatError("line " + std::to_string(line) + " has " + std::to_string(column) +
			                  " columns, the header has " + std::to_string(width));
		}
		table.rows++;
	}
	return table;
}

Table read_npy(std::string_view bytes) {
	if (bytes.size() < 10 || bytes.substr(0, 6) != "\x93NUMPY") {
		throw FormatError("not a .npy file (no \\x93NUMPY magic)");
	}
	auto major = static_cast<unsigned char>(bytes[6]);
	size_t header_size;
	size_t offset;
	if (major == 1) {
		header_size =
		    static_cast<unsigned char>(bytes[8]) | (static_cast<size_t>(static_cast<unsigned char>(bytes[9])) << 8);
		offset = 10;
	} else {
		if (bytes.size() < 12) {
			throw FormatError(".npy header is truncated");
		}
		header_size = 0;
		for (int i = 3; i >= 0; i--) {
			header_size = (header_size << 8) | static_cast<unsigned char>(bytes[8 + static_cast<size_t>(i)]);
		}
		offset = 12;
	}
	if (offset + header_size > bytes.size()) {
		throw FormatError(".npy header is truncated");
	}
	std::string_view header = bytes.substr(offset, header_size);
	auto field = [&](std::string_view name) {
		size_t at = header.find(name);
		if (at == std::string_view::npos) {
			throw FormatError(".npy header has no " + std::string(name));
		}
		size_t colon = header.find(':', at);
		return header.substr(colon + 1);
	};
	auto descr_text = field("'descr'");
	size_t q1 = descr_text.find('\'');
	size_t q2 = descr_text.find('\'', q1 + 1);
	if (q1 == std::string_view::npos || q2 == std::string_view::npos) {
		throw FormatError(".npy descr is not a simple type string");
	}
	auto descr = descr_text.substr(q1 + 1, q2 - q1 - 1);
	if (field("'fortran_order'").substr(0, 6).find("True") != std::string_view::npos) {
		throw FormatError(".npy array is in Fortran order; save it with np.ascontiguousarray");
	}
	if (descr.size() < 3 || descr[0] == '>') {
		throw FormatError(".npy dtype '" + std::string(descr) + "' is not little-endian numeric");
	}
	static const std::pair<std::string_view, DType> kTypes[] = {
	    {"f2", DType::Half},   {"f4", DType::Float32}, {"f8", DType::Float64}, {"i1", DType::Int8},
	    {"i2", DType::Int16},  {"i4", DType::Int32},   {"i8", DType::Int64},   {"u1", DType::UInt8},
	    {"u2", DType::UInt16}, {"b1", DType::Bool}};
	auto code = descr.substr(1);
	auto type = std::find_if(std::begin(kTypes), std::end(kTypes), [&](const auto &t) { return t.first == code; });
	if (type == std::end(kTypes)) {
		throw FormatError(".npy dtype '" + std::string(descr) + "' is not supported; use a numeric array");
	}
	auto shape_text = field("'shape'");
	size_t open = shape_text.find('(');
	size_t close = shape_text.find(')');
	if (open == std::string_view::npos || close == std::string_view::npos) {
		throw FormatError(".npy shape is malformed");
	}
	std::vector<size_t> dims;
	auto inner = shape_text.substr(open + 1, close - open - 1);
	size_t i = 0;
	while (i < inner.size()) {
		if (inner[i] == ' ' || inner[i] == ',') {
			i++;
			continue;
		}
		size_t value = 0;
		auto [end, ec] = std::from_chars(inner.data() + i, inner.data() + inner.size(), value);
		if (ec != std::errc()) {
			throw FormatError(".npy shape is malformed");
		}
		dims.push_back(value);
		i = static_cast<size_t>(end - inner.data());
	}
	if (dims.empty() || dims.size() > 2) {
		throw FormatError(".npy array must be 1-D or 2-D (rows x columns), it has " + std::to_string(dims.size()) +
		                  " dimensions");
	}
	size_t rows = dims[0];
	size_t cols = dims.size() == 2 ? dims[1] : 1;
	size_t element = dtype_size(type->second);
	size_t data_offset = offset + header_size;
	if (cols == 0 || rows > (bytes.size() - data_offset) / element / cols) {
		throw FormatError(".npy data is shorter than its shape says");
	}
	Table table;
	for (size_t c = 0; c < cols; c++) {
		table.columns.push_back(std::to_string(c));
	}
	table.rows = rows;
	table.values.resize(rows * cols);
	convert_to_float(type->second, bytes.data() + data_offset, rows * cols, table.values.data());
	return table;
}

} // namespace kafkaml::formats
