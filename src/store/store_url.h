#pragma once

// A store URL (`sqlite:PATH`, `postgresql://...`) to a connection to its
// database, for the store itself and for the servers' coordination
// (coordination.h), which keeps a connection of its own. Thread: any.

#include "store/sql_connection.h"

#include <memory>
#include <string_view>

namespace kafkaml::store {

//! Throws StoreError saying which URLs work when `url` is none of them.
std::unique_ptr<SqlConnection> open_connection(std::string_view url);

} // namespace kafkaml::store
