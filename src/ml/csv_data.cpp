#include "ml/csv_data.h"
#include "ml/rng.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace kafkaml::ml {

namespace {

std::vector<std::string> split_line(const std::string &line) {
	std::vector<std::string> cells;
	std::string cell;
	std::istringstream in(line);
	while (std::getline(in, cell, ',')) {
		while (!cell.empty() && (cell.back() == '\r' || cell.back() == ' ' || cell.back() == '"')) {
			cell.pop_back();
		}
		size_t start = cell.find_first_not_of(" \"");
		cells.push_back(start == std::string::npos ? std::string() : cell.substr(start));
	}
	if (!line.empty() && line.back() == ',') {
		cells.emplace_back();
	}
	return cells;
}

} // namespace

LabeledData read_labeled_csv(const std::string &text, const std::string &label_column) {
	std::istringstream in(text);
	std::string line;
	if (!std::getline(in, line)) {
		throw std::invalid_argument("the CSV file is empty; expected a header row");
	}
	auto header = split_line(line);
	int64_t label_index = -1;
	LabeledData data;
	for (size_t i = 0; i < header.size(); i++) {
		if (header[i] == label_column) {
			label_index = static_cast<int64_t>(i);
		} else {
			data.feature_names.push_back(header[i]);
		}
	}
	if (label_index < 0) {
		throw std::invalid_argument("the CSV header has no column '" + label_column + "' (columns: " + line + ")");
	}
	int64_t rows = 0, line_number = 1;
	while (std::getline(in, line)) {
		line_number++;
		if (line.empty() || line == "\r") {
			continue;
		}
		auto cells = split_line(line);
		if (cells.size() != header.size()) {
			throw std::invalid_argument("CSV line " + std::to_string(line_number) + " has " +
			                            std::to_string(cells.size()) + " values, the header " +
			                            std::to_string(header.size()));
		}
		for (size_t i = 0; i < cells.size(); i++) {
			float v = 0.0f;
			auto [end, ec] = std::from_chars(cells[i].data(), cells[i].data() + cells[i].size(), v);
			if (ec != std::errc() || end != cells[i].data() + cells[i].size()) {
				throw std::invalid_argument("CSV line " + std::to_string(line_number) + ", column '" + header[i] +
				                            "': '" + cells[i] + "' is not a number");
			}
			(static_cast<int64_t>(i) == label_index ? data.labels.data : data.features.data).push_back(v);
		}
		rows++;
	}
	data.features.shape = {rows, static_cast<int64_t>(data.feature_names.size())};
	data.labels.shape = {rows};
	return data;
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
