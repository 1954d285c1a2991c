#include "dataset/column_choice.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <strings.h>

namespace kafkaml::dataset {
namespace {

//! For given schemes, the table column of each schema field (matched by
//! name, case-insensitively, also after Avro name mapping).
std::vector<size_t> columns_of_schema(const formats::AvroSchema &schema, const formats::Table &table,
                                      const char *which) {
	std::vector<size_t> columns;
	for (const auto &field : schema.field_names()) {
		size_t found = table.width();
		for (size_t c = 0; c < table.width(); c++) {
			std::string mapped = avro_name(table.columns[c]);
			if (strcasecmp(field.c_str(), table.columns[c].c_str()) == 0 ||
			    strcasecmp(field.c_str(), mapped.c_str()) == 0) {
				found = c;
				break;
			}
		}
		if (found == table.width()) {
			throw DatasetError(std::string("the ") + which + " scheme's field '" + field +
			                   "' matches no column of the file");
		}
		columns.push_back(found);
	}
	return columns;
}

std::string column_list(const formats::Table &table, const std::vector<size_t> &columns) {
	std::string text;
	for (auto column : columns) {
		text += (text.empty() ? "'" : ", '") + table.columns[column] + "'";
	}
	return text;
}

} // namespace

std::string avro_name(const std::string &column) {
	std::string name;
	for (char c : column) {
		name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
	}
	if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) {
		name = "f_" + name;
	}
	return name;
}

std::string float_record_schema(const std::string &name, const formats::Table &table,
                                const std::vector<size_t> &columns) {
	nlohmann::json fields = nlohmann::json::array();
	for (auto column : columns) {
		fields.push_back({{"name", avro_name(table.columns[column])}, {"type", "float"}});
	}
	return nlohmann::json{{"type", "record"}, {"name", name}, {"namespace", "kafkaml"}, {"fields", fields}}.dump();
}

Columns choose_columns(const ColumnRequest &request, const formats::Table &table,
                       const formats::AvroSchema *data_scheme, const formats::AvroSchema *label_scheme,
                       const formats::Table *labels) {
	auto has = [](const std::vector<size_t> &list, size_t column) {
		return std::find(list.begin(), list.end(), column) != list.end();
	};
	std::vector<size_t> ignored;
	for (const auto &name : request.ignore_columns) {
		ignored.push_back(table.column_index(name));
	}
	Columns out;
	if (labels) {
		for (size_t c = 0; c < labels->width(); c++) {
			out.labels.push_back(c);
		}
	} else if (!request.label_column.empty()) {
		out.labels.push_back(table.column_index(request.label_column));
	} else if (label_scheme) {
		out.labels = columns_of_schema(*label_scheme, table, "label");
	}
	// The columns neither a feature, the label nor ignored.
	auto left = [&] {
		std::vector<size_t> rest;
		for (size_t c = 0; c < table.width(); c++) {
			if (!has(out.features, c) && (labels || !has(out.labels, c)) && !has(ignored, c)) {
				rest.push_back(c);
			}
		}
		return rest;
	};
	bool needs_label = !request.inference && out.labels.empty();
	if (data_scheme) {
		out.features = columns_of_schema(*data_scheme, table, "data");
		for (auto column : labels ? std::vector<size_t>{} : out.labels) {
			if (has(out.features, column)) {
				throw DatasetError("column '" + table.columns[column] +
				                   "' is a field of the data scheme, so it cannot also be the label; name the "
				                   "label with --label-column");
			}
		}
		auto rest = left();
		if (needs_label && rest.size() == 1) {
			out.labels = rest;
		} else if (needs_label && rest.empty()) {
			throw DatasetError("every column of " + request.file +
			                   " is a field of the data scheme, so none is left for the label; add the label "
			                   "column to the file, or name one with --label-column");
		} else if (needs_label) {
			throw DatasetError("the data scheme leaves the columns " + column_list(table, rest) +
			                   "; say which is the label with --label-column (and leave the others out with "
			                   "--ignore-columns)");
		}
	} else {
		auto rest = left();
		if (needs_label && !rest.empty()) {
			out.labels.push_back(rest.back()); // the original's CSVs end with their label
		}
		out.features = left();
	}
	if (auto rest = left(); !rest.empty()) {
		throw DatasetError((rest.size() == 1 ? "the column " + column_list(table, rest) + " is"
		                                     : "the columns " + column_list(table, rest) + " are") +
		                   " neither a field of the data scheme nor the label; name it in the scheme, or "
		                   "leave it out with --ignore-columns");
	}
	if (out.features.empty() && !request.inference) {
		throw DatasetError(request.file + (table.width() == 1 ? " has a single column" : " has no feature column") +
		                   ": training needs feature columns besides the label column; use --inference to "
		                   "send values only");
	}
	if (out.features.empty()) {
		throw DatasetError("no column of " + request.file + " is left to send");
	}
	return out;
}

} // namespace kafkaml::dataset
