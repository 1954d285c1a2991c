// What every entity's methods of SqlStore share: opening (migrations), the
// statement helpers and the schema version. The entities' SQL is in
// sql_store_<entity>.cpp.

#include "store/sql_store.h"

#include "store/migrations.h"
#include "store/sql_cells.h"

namespace kafkaml::store {

SqlStore::SqlStore(std::unique_ptr<SqlConnection> connection) : db_(std::move(connection)) {
	version_ = apply_migrations(*db_);
}

int SqlStore::schema_version() {
	std::lock_guard lock(mutex_);
	return version_;
}

std::string SqlStore::join(const std::vector<int64_t> &values) {
	std::string out;
	for (size_t i = 0; i < values.size(); i++) {
		out += (i ? ", " : "") + std::to_string(values[i]);
	}
	return out;
}

std::string SqlStore::not_found(std::string_view what, int64_t id) {
	return std::string(what) + " " + std::to_string(id) + " does not exist";
}

std::vector<SqlRow> SqlStore::q(const std::string &sql, const Params &params) {
	for (const auto &param : params) {
		if (auto text = std::get_if<std::string_view>(&param); text && text->find('\0') != std::string_view::npos) {
			throw InvalidArgument("a text value holds the NUL character (\\u0000), which is not stored; remove it");
		}
	}
	return db_->query(sql, params);
}

std::vector<int64_t> SqlStore::ids(const std::string &sql, const Params &params) {
	std::vector<int64_t> out;
	for (const auto &row : q(sql, params)) {
		out.push_back(to_int(row.at(0)));
	}
	return out;
}

// PostgreSQL locks the row for the rest of the transaction so that two
// servers cannot both pass the same state check; SQLite's BEGIN IMMEDIATE
// already holds the write lock.
std::string SqlStore::for_update(bool lock) const {
	return lock && db_->dialect() == SqlDialect::PostgreSQL ? " FOR UPDATE OF r" : "";
}

std::unique_ptr<Store> make_sql_store(std::unique_ptr<SqlConnection> connection) {
	return std::make_unique<SqlStore>(std::move(connection));
}

} // namespace kafkaml::store
