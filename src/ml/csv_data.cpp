#include "ml/csv_data.h"

#include "formats/format_error.h"
#include "formats/table.h"
#include "ml/rng.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace kafkaml::ml {

namespace {

formats::Table read_table(const std::string &bytes, const std::string &what) {
	try {
		return formats::is_npy(bytes) ? formats::read_npy(bytes) : formats::read_csv(bytes);
	} catch (const formats::FormatError &e) {
		throw std::invalid_argument(what + ": " + e.what());
	}
}

//! The row `r` of `table` without the column `skip` (npos: none) appended to
//! `out`; a missing value is an error naming where it is.
void append_row(const formats::Table &table, size_t r, size_t skip, std::vector<float> &out) {
	for (size_t c = 0; c < table.width(); c++) {
		if (c == skip) {
			continue;
		}
		float v = table.at(r, c);
		if (std::isnan(v)) {
			std::string where =
			    table.lines.empty() ? "row " + std::to_string(r) : "line " + std::to_string(table.lines[r]);
			throw std::invalid_argument(where + ", column '" + table.columns[c] +
			                            "' has no value; fill or drop the rows with missing values");
		}
		out.push_back(v);
	}
}

//! The feature shape of one row: a .npy's own row shape, else its width.
std::vector<int64_t> row_shape(const formats::Table &table, size_t skipped) {
	if (!table.row_shape.empty()) {
		return table.row_shape;
	}
	return {static_cast<int64_t>(table.width() - skipped)};
}

//! Every row of `table` but its column `skip` (npos: none), shaped
//! [N, F] or [N, row shape...].
Array features_from(const formats::Table &table, size_t skip) {
	Array features;
	features.data.reserve(table.rows * table.width());
	for (size_t r = 0; r < table.rows; r++) {
		append_row(table, r, skip, features.data);
	}
	features.shape = {static_cast<int64_t>(table.rows)};
	auto shape = row_shape(table, skip == std::string::npos ? 0 : 1);
	features.shape.insert(features.shape.end(), shape.begin(), shape.end());
	return features;
}

} // namespace

LabeledData read_labeled_csv(const std::string &text, const std::string &label_column) {
	auto table = read_table(text, "the data file");
	size_t label = 0;
	try {
		label = table.column_index(label_column);
	} catch (const formats::FormatError &e) {
		throw std::invalid_argument(e.what());
	}
	LabeledData data;
	for (size_t c = 0; c < table.width(); c++) {
		if (c != label) {
			data.feature_names.push_back(table.columns[c]);
		}
	}
	data.features.data.reserve(table.rows * (table.width() - 1));
	data.labels.data.reserve(table.rows);
	for (size_t r = 0; r < table.rows; r++) {
		append_row(table, r, label, data.features.data);
		float y = table.at(r, label);
		if (std::isnan(y)) {
			throw std::invalid_argument(
			    "the label of " +
			    (table.lines.empty() ? "row " + std::to_string(r) : "line " + std::to_string(table.lines[r])) +
			    " is missing");
		}
		data.labels.data.push_back(y);
	}
	data.features.shape = {static_cast<int64_t>(table.rows), static_cast<int64_t>(table.width() - 1)};
	data.labels.shape = {static_cast<int64_t>(table.rows)};
	return data;
}

LabeledData read_labeled_arrays(const std::string &features_bytes, const std::string &labels_bytes) {
	auto x = read_table(features_bytes, "the features file");
	auto y = read_table(labels_bytes, "the labels file");
	if (x.rows != y.rows) {
		throw std::invalid_argument("the features file has " + std::to_string(x.rows) + " rows but the labels file " +
		                            std::to_string(y.rows));
	}
	LabeledData data;
	data.features = features_from(x, std::string::npos);
	for (size_t r = 0; r < y.rows; r++) {
		append_row(y, r, std::string::npos, data.labels.data);
	}
	data.labels.shape = {static_cast<int64_t>(y.rows)};
	if (y.width() > 1) {
		data.labels.shape.push_back(static_cast<int64_t>(y.width()));
	}
	for (const auto &name : x.columns) {
		data.feature_names.push_back(name);
	}
	return data;
}

Array read_features(const std::string &bytes, const std::string &skip_column) {
	auto table = read_table(bytes, "the data file");
	size_t skip = std::string::npos;
	if (!skip_column.empty()) {
		try {
			skip = table.column_index(skip_column);
		} catch (const formats::FormatError &e) {
			throw std::invalid_argument(e.what());
		}
	}
	return features_from(table, skip);
}

void standardize(Array &features) {
	const int64_t rows = features.rows(), cols = features.row_size();
	for (int64_t c = 0; c < cols; c++) {
		double sum = 0, sq = 0;
		for (int64_t r = 0; r < rows; r++) {
			double v = features.data[static_cast<size_t>(r * cols + c)];
			sum += v;
			sq += v * v;
		}
		double mean = rows ? sum / static_cast<double>(rows) : 0.0;
		double stddev = rows ? std::sqrt(std::max(0.0, sq / static_cast<double>(rows) - mean * mean)) : 0.0;
		for (int64_t r = 0; r < rows; r++) {
			float &v = features.data[static_cast<size_t>(r * cols + c)];
			v = static_cast<float>(stddev > 0 ? (v - mean) / stddev : 0.0);
		}
	}
}

void shuffle_rows(LabeledData &data, uint64_t seed) {
	Rng rng(seed);
	const int64_t fw = data.features.row_size(), lw = data.labels.row_size();
	auto &f = data.features.data;
	auto &l = data.labels.data;
	for (int64_t i = data.features.rows() - 1; i > 0; i--) {
		auto j = static_cast<int64_t>(rng.below(static_cast<uint64_t>(i + 1)));
		std::swap_ranges(f.begin() + i * fw, f.begin() + (i + 1) * fw, f.begin() + j * fw);
		std::swap_ranges(l.begin() + i * lw, l.begin() + (i + 1) * lw, l.begin() + j * lw);
	}
}

std::pair<LabeledData, LabeledData> split_tail(const LabeledData &data, double rate) {
	const int64_t rows = data.features.rows();
	const int64_t tail = static_cast<int64_t>(rate * static_cast<double>(rows));
	const int64_t head = rows - tail;
	auto slice = [&](int64_t from, int64_t to) {
		LabeledData part;
		part.feature_names = data.feature_names;
		int64_t fw = data.features.row_size(), lw = data.labels.row_size();
		part.features.shape = data.features.shape;
		part.features.shape[0] = to - from;
		part.features.data.assign(data.features.data.begin() + from * fw, data.features.data.begin() + to * fw);
		part.labels.shape = data.labels.shape;
		part.labels.shape[0] = to - from;
		part.labels.data.assign(data.labels.data.begin() + from * lw, data.labels.data.begin() + to * lw);
		return part;
	};
	return {slice(0, head), slice(head, rows)};
}

} // namespace kafkaml::ml
