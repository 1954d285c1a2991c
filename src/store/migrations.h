#pragma once

// Versioned schema migrations, applied in order when a store opens.
// Each migration runs in its own transaction together with the row that
// records it in `schema_version`, so a crash leaves the schema at a
// whole version. Migrations are append-only: never edit a published one,
// add the next number instead.

#include "store/sql_connection.h"

#include <string_view>
#include <vector>

namespace kafkaml::store {

struct Migration {
	int version;
	std::string_view description;
	//! SQL for both dialects; `{id}`, `{blob}` and `{real}` are replaced by
	//! each dialect's auto-increment key, binary and floating types.
	std::string_view sql;
};

const std::vector<Migration> &migrations();

//! Brings the schema to the newest version; returns it. Throws StoreError
//! when the database is newer than this program (downgrade).
int apply_migrations(SqlConnection &connection);

} // namespace kafkaml::store
