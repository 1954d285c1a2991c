#pragma once

// The little a store needs from a SQL database, so that one SqlStore serves
// both SQLite and PostgreSQL. Statements use `?` placeholders (the PostgreSQL
// connection rewrites them to $n); no statement of the store has a `?` inside
// a string literal.
//
// Thread-safety: none; the owner (SqlStore) serialises every call.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace kafkaml::store {

//! Bytes bound as a BLOB (SQLite) or bytea (PostgreSQL).
struct SqlBlob {
	std::string_view bytes;
};
using SqlValue = std::variant<std::nullptr_t, int64_t, double, std::string_view, SqlBlob>;
//! Result cells as text (blobs as their raw bytes); nullopt for NULL.
using SqlRow = std::vector<std::optional<std::string>>;

enum class SqlDialect { SQLite, PostgreSQL };

class SqlConnection {
public:
	virtual ~SqlConnection() = default;
	virtual SqlDialect dialect() const = 0;
	//! Runs one statement with parameters; returns its rows (if any).
	virtual std::vector<SqlRow> query(std::string_view sql, const std::vector<SqlValue> &params) = 0;
	//! Runs several `;`-separated statements without parameters (migrations).
	virtual void execute_script(std::string_view sql) = 0;
	virtual void begin() = 0;
	virtual void commit() = 0;
	virtual void rollback() noexcept = 0;
};

std::unique_ptr<SqlConnection> open_sqlite_connection(const std::string &path);
std::unique_ptr<SqlConnection> open_postgres_connection(const std::string &uri);

} // namespace kafkaml::store
