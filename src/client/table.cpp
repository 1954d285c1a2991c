#include "client/table.h"

#include <algorithm>

namespace kafkaml::client {

using nlohmann::json;

std::string cell_text(const json &value) {
	if (value.is_null()) {
		return "-";
	}
	if (value.is_string()) {
		std::string text = value.get<std::string>();
		std::replace(text.begin(), text.end(), '\n', ' ');
		return text;
	}
	if (value.is_array() && std::all_of(value.begin(), value.end(), [](const json &v) { return v.is_primitive(); })) {
		std::string out;
		for (const auto &v : value) {
			out += (out.empty() ? "" : ",") + cell_text(v);
		}
		return out;
	}
	return value.dump();
}

std::string format_table(const std::vector<Column> &columns, const json &rows) {
	std::vector<std::vector<std::string>> cells;
	std::vector<size_t> width;
	std::vector<std::string> header;
	for (const auto &c : columns) {
		header.push_back(c.header);
		width.push_back(c.header.size());
	}
	cells.push_back(header);
	for (const auto &row : rows) {
		std::vector<std::string> line;
		for (size_t i = 0; i < columns.size(); i++) {
			std::string text =
			    row.is_object() && row.contains(columns[i].field) ? cell_text(row[columns[i].field]) : "-";
			width[i] = std::max(width[i], text.size());
			line.push_back(std::move(text));
		}
		cells.push_back(std::move(line));
	}
	std::string out;
	for (const auto &line : cells) {
		std::string text;
		for (size_t i = 0; i < line.size(); i++) {
			text += line[i];
			if (i + 1 < line.size()) {
				text += std::string(width[i] - line[i].size() + 2, ' ');
			}
		}
		out += text + "\n";
	}
	return out;
}

} // namespace kafkaml::client
