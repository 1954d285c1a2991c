#pragma once

// Store over a SqlConnection: the one implementation of every entity's SQL,
// shared by SQLite and PostgreSQL (they differ only in their connection and
// in the DDL tokens of migrations.h).
//
// Thread-safety: one connection guarded by a mutex; every public method takes
// it for its whole duration, so each call is atomic with respect to the
// others in this process. Across processes, transactions do the same work
// (SQLite: BEGIN IMMEDIATE; PostgreSQL: read committed + row checks inside).

#include "store/sql_connection.h"
#include "store/store.h"

#include <memory>

namespace kafkaml::store {

//! Takes ownership of `connection` and applies pending migrations.
std::unique_ptr<Store> make_sql_store(std::unique_ptr<SqlConnection> connection);

} // namespace kafkaml::store
