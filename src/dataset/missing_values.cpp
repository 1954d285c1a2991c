#include "dataset/missing_values.h"

#include <cmath>

namespace kafkaml::dataset {

void refuse_missing_values(const formats::Table &table, const std::vector<size_t> &features,
                           const std::vector<bool> &nullable, const formats::Table &label_table,
                           const std::vector<size_t> &label_columns, const std::string &file) {
	auto refuse = [&](const formats::Table &where_table, size_t r, size_t c, const std::string &what) {
		std::string where =
		    where_table.lines.empty() ? "row " + std::to_string(r) : "line " + std::to_string(where_table.lines[r]);
		throw DatasetError(file + ": " + where + ", column '" + where_table.columns[c] + "' (index " +
		                   std::to_string(c) + ") has no value (empty or NaN); " + what);
	};
	for (size_t r = 0; r < table.rows; r++) {
		for (size_t i = 0; i < features.size(); i++) {
			size_t c = features[i];
			if (std::isnan(table.at(r, c)) && !nullable[i]) {
				refuse(table, r, c,
				       "every feature needs one: fill it in or drop the row, or give the field a type of "
				       "[\"null\", ...] in the data scheme to send it as null");
			}
		}
	}
	for (size_t r = 0; r < label_table.rows; r++) {
		for (size_t c : label_columns) {
			if (std::isnan(label_table.at(r, c))) {
				refuse(label_table, r, c, "a training record needs its label: fill it in or drop the row");
			}
		}
	}
}

} // namespace kafkaml::dataset
