#pragma once

// Reading the cells of a SqlRow (all text, nullopt for NULL) back into the
// store's types. Thread: any.

#include "store/sql_connection.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace kafkaml::store {

inline int64_t to_int(const std::optional<std::string> &cell) {
	return cell ? std::stoll(*cell) : 0;
}
inline std::string to_text(const std::optional<std::string> &cell) {
	return cell.value_or("");
}
inline nlohmann::json to_json(const std::optional<std::string> &cell) {
	if (!cell || cell->empty()) {
		return nlohmann::json::object();
	}
	return nlohmann::json::parse(*cell);
}

} // namespace kafkaml::store
