#include "dataset/standardization.h"

#include "common/json_input.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <strings.h>

namespace kafkaml::dataset {

Standardization Standardization::of(const formats::Table &table, const std::vector<size_t> &features) {
	Standardization out{std::vector<double>(table.width(), 0.0), std::vector<double>(table.width(), 1.0)};
	for (auto c : features) {
		double sum = 0, sum_sq = 0;
		size_t count = 0;
		for (size_t r = 0; r < table.rows; r++) {
			double v = table.at(r, c);
			if (std::isnan(v)) {
				continue;
			}
			sum += v;
			sum_sq += v * v;
			count++;
		}
		if (count == 0) {
			throw DatasetError("column '" + table.columns[c] + "' has no value to standardize");
		}
		out.mean[c] = sum / static_cast<double>(count);
		double variance = sum_sq / static_cast<double>(count) - out.mean[c] * out.mean[c];
		out.scale[c] = variance > 1e-24 ? std::sqrt(variance) : 1.0;
	}
	return out;
}

void Standardization::save(const std::string &path, const formats::Table &table,
                           const std::vector<size_t> &features) const {
	nlohmann::json columns = nlohmann::json::object();
	for (auto c : features) {
		columns[table.columns[c]] = {{"mean", mean[c]}, {"std", scale[c]}};
	}
	std::ofstream out(path);
	out << nlohmann::json{{"columns", columns}}.dump(2) << "\n";
	if (!out) {
		throw DatasetError("cannot write " + path + " (--save-standardization): check the path");
	}
}

Standardization Standardization::load(const std::string &path, const formats::Table &table,
                                      const std::vector<size_t> &features) {
	std::ifstream in(path, std::ios::binary);
	if (!in) {
		throw DatasetError("cannot open " + path + " (--standardize-from): check the path");
	}
	std::ostringstream text;
	text << in.rdbuf();
	nlohmann::json saved;
	try {
		saved = parse_json(text.str()).at("columns");
	} catch (const JsonInputError &e) {
		throw DatasetError(path + " (--standardize-from) is not what --save-standardization writes: " + e.what());
	} catch (const nlohmann::json::exception &e) {
		throw DatasetError(path + " (--standardize-from) is not what --save-standardization writes: " + e.what());
	}
	Standardization out{std::vector<double>(table.width(), 0.0), std::vector<double>(table.width(), 1.0)};
	for (auto c : features) {
		auto column = std::find_if(saved.items().begin(), saved.items().end(), [&](const auto &item) {
			return strcasecmp(item.key().c_str(), table.columns[c].c_str()) == 0;
		});
		if (column == saved.items().end()) {
			throw DatasetError(path + " (--standardize-from) has no statistics of column '" + table.columns[c] +
			                   "'; save them from a file with the same feature columns");
		}
		const auto &stats = column.value();
		if (!stats.contains("mean") || !stats["mean"].is_number() || !stats.contains("std") ||
		    !stats["std"].is_number() || !(stats["std"].get<double>() > 0)) {
			throw DatasetError(path + " (--standardize-from): column '" + column.key() +
			                   "' needs a number \"mean\" and a positive \"std\"");
		}
		out.mean[c] = stats["mean"].get<double>();
		out.scale[c] = stats["std"].get<double>();
	}
	return out;
}

} // namespace kafkaml::dataset
