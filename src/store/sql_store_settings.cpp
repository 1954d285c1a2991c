// SqlStore's key/value settings (the admin token's hash among them).

#include "store/sql_store.h"

#include "store/sql_cells.h"

namespace kafkaml::store {

std::optional<std::string> SqlStore::get_setting(std::string_view key) {
	std::lock_guard lock(mutex_);
	auto rows = q("SELECT value FROM settings WHERE key = ?", {key});
	if (rows.empty()) {
		return std::nullopt;
	}
	return to_text(rows[0][0]);
}

void SqlStore::put_setting(std::string_view key, std::string_view value) {
	std::lock_guard lock(mutex_);
	q("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
	  {key, value});
}

std::string SqlStore::put_setting_if_absent(std::string_view key, std::string_view value) {
	std::lock_guard lock(mutex_);
	q("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", {key, value});
	return to_text(q("SELECT value FROM settings WHERE key = ?", {key}).at(0)[0]);
}

void SqlStore::delete_setting(std::string_view key) {
	std::lock_guard lock(mutex_);
	q("DELETE FROM settings WHERE key = ?", {key});
}

} // namespace kafkaml::store
