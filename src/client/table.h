#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace kafkaml::client {

//! One column of a list table: its header and the JSON field shown in it.
struct Column {
	std::string header;
	std::string field;
};

//! Text of a JSON value in a table cell: strings as is, null as "-",
//! arrays of scalars comma-separated, other values as compact JSON.
std::string cell_text(const nlohmann::json &value);

//! Aligned table: headers, then one row per element of `rows` (an array of
//! objects); columns separated by two spaces, the last one not padded.
//! Pure function.
std::string format_table(const std::vector<Column> &columns, const nlohmann::json &rows);

} // namespace kafkaml::client
