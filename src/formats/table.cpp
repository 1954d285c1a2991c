#include "formats/table.h"

#include "formats/dtype.h"
#include "formats/format_error.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <deque>
#include <limits>

namespace kafkaml::formats {
namespace {

bool iequals(std::string_view a, std::string_view b) {
	return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
		       return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
	       });
}

bool is_blank(char c) {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view trim(std::string_view text) {
	while (!text.empty() && is_blank(text.front())) {
		text.remove_prefix(1);
	}
	while (!text.empty() && is_blank(text.back())) {
		text.remove_suffix(1);
	}
	return text;
}

//! How a cell is named in errors: by header and by the 0-based index that
//! --label-column also takes.
std::string cell_name(const Table &table, size_t line, size_t column) {
	return "line " + std::to_string(line) + ", column '" + table.columns[column] + "' (index " +
	       std::to_string(column) + ")";
}

float parse_cell(std::string_view cell, const Table &table, size_t line, size_t column) {
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
		throw FormatError(cell_name(table, line, column) + ": '" + std::string(cell.substr(0, 40)) +
		                  "' is not a number");
	}
	return value;
}

//! Splits CSV text into records of cells as RFC 4180 has them: a quoted
//! cell may hold commas, line breaks and doubled quotes. Lines holding only
//! blanks are skipped. Cells are views into the text, or into the reader
//! for quoted cells with doubled quotes; they stay valid until the next call.
//! Thread: one thread.
class CsvReader {
public:
	explicit CsvReader(std::string_view text) : text_(text) {}

	//! The next record's cells; false at the end of the text.
	bool next(std::vector<std::string_view> &cells) {
		while (pos_ < text_.size()) {
			cells.clear();
			unquoted_.clear();
			line_ = next_line_;
			if (read_record(cells)) {
				return true;
			}
		}
		return false;
	}
	//! The line the last record began on (1-based).
	size_t line() const { return line_; }

private:
	//! Reads one record; false when it was a blank line.
	bool read_record(std::vector<std::string_view> &cells) {
		bool content = false;
		for (;;) {
			while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t')) {
				pos_++;
			}
			if (pos_ < text_.size() && text_[pos_] == '"') {
				cells.push_back(quoted_cell());
				content = true;
			} else {
				size_t stop = std::min(text_.find_first_of(",\n", pos_), text_.size());
				cells.push_back(trim(text_.substr(pos_, stop - pos_)));
				content = content || !cells.back().empty();
				pos_ = stop;
			}
			if (pos_ == text_.size()) {
				return content || cells.size() > 1;
			}
			if (text_[pos_++] == '\n') {
				next_line_++;
				return content || cells.size() > 1;
			}
		}
	}

	std::string_view quoted_cell() {
		size_t start = ++pos_;
		bool doubled = false;
		size_t close;
		for (;;) {
			close = text_.find('"', pos_);
			if (close == std::string_view::npos) {
				throw FormatError("line " + std::to_string(line_) +
				                  ": a quoted cell is not closed (a '\"' is missing)");
			}
			next_line_ += static_cast<size_t>(std::count(text_.begin() + static_cast<std::ptrdiff_t>(pos_),
			                                             text_.begin() + static_cast<std::ptrdiff_t>(close), '\n'));
			if (close + 1 < text_.size() && text_[close + 1] == '"') {
				doubled = true;
				pos_ = close + 2;
				continue;
			}
			break;
		}
		std::string_view cell = text_.substr(start, close - start);
		pos_ = close + 1;
		while (pos_ < text_.size() && text_[pos_] != '\n' && is_blank(text_[pos_])) {
			pos_++;
		}
		if (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '\n') {
			throw FormatError("line " + std::to_string(next_line_) +
			                  ": text follows the closing quote of a cell; quote the whole cell and double the "
			                  "quotes inside it (\"\")");
		}
		if (!doubled) {
			return cell;
		}
		std::string text;
		for (size_t i = 0; i < cell.size(); i++) {
			text += cell[i];
			i += cell[i] == '"' ? 1 : 0;
		}
		unquoted_.push_back(std::move(text));
		return unquoted_.back();
	}

	std::string_view text_;
	size_t pos_ = 0;
	size_t line_ = 1;
	size_t next_line_ = 1;
	std::deque<std::string> unquoted_; //!< a deque: growing it keeps earlier cells where they are
};

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
	throw FormatError("no column '" + std::string(name) + "'; the columns are: " + known +
	                  " (or give an index from 0 to " + std::to_string(columns.size() - 1) + ")");
}

Table read_csv(std::string_view text) {
	// Spreadsheet programs start UTF-8 files with a byte order mark.
	if (text.starts_with("\xEF\xBB\xBF")) {
		text.remove_prefix(3);
	}
	Table table;
	CsvReader reader(text);
	std::vector<std::string_view> cells;
	if (!reader.next(cells)) {
		throw FormatError("the CSV file is empty; it needs a header line and rows");
	}
	table.columns.assign(cells.begin(), cells.end());
	size_t width = table.columns.size();
	table.values.reserve(width * (text.size() / (width * 4 + 1) + 1));
	while (reader.next(cells)) {
		size_t line = reader.line();
		if (cells.size() != width) {
			throw FormatError("line " + std::to_string(line) + " has " + std::to_string(cells.size()) +
			                  " columns, the header has " + std::to_string(width));
		}
		for (size_t column = 0; column < width; column++) {
			table.values.push_back(parse_cell(cells[column], table, line, column));
		}
		table.lines.push_back(line);
		table.rows++;
	}
	return table;
}

bool is_npy(std::string_view bytes) {
	return bytes.starts_with("\x93NUMPY");
}

Table read_npy(std::string_view bytes) {
	if (bytes.size() < 10 || !is_npy(bytes)) {
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
		throw FormatError(".npy dtype '" + std::string(descr) +
		                  "' is not supported: RAW streams have f2, f4, f8, i1, i2, i4, i8, u1, u2 and b1 (half, "
		                  "float32, double, int8, int16, int32, int64, uint8, uint16, bool); convert it with "
		                  "astype()");
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
	if (dims.empty()) {
		throw FormatError(".npy array is a single scalar; save an array with one row per record");
	}
	Table table;
	size_t rows = dims[0];
	size_t cols = 1;
	for (size_t d = 1; d < dims.size(); d++) {
		if (dims[d] == 0 || cols > (size_t(1) << 40) / dims[d]) {
			throw FormatError(".npy shape is malformed");
		}
		cols *= dims[d];
		if (dims.size() > 2) {
			table.row_shape.push_back(static_cast<int64_t>(dims[d]));
		}
	}
	size_t element = dtype_size(type->second);
	size_t data_offset = offset + header_size;
	if (rows > (bytes.size() - data_offset) / element / cols) {
		throw FormatError(".npy data is shorter than its shape says");
	}
	for (size_t c = 0; c < cols; c++) {
		table.columns.push_back(std::to_string(c));
	}
	table.rows = rows;
	table.dtype = type->second;
	table.elements.assign(bytes.data() + data_offset, rows * cols * element);
	table.values.resize(rows * cols);
	convert_to_float(type->second, table.elements.data(), rows * cols, table.values.data());
	return table;
}

} // namespace kafkaml::formats
