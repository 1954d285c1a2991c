#include "store_test.h"

#include "support/postgres_server.h"

namespace kafkaml::store {
namespace {

// One server for the whole test process (started on first use, stopped at
// exit), a new database per test.
kafkaml::testing::PostgresServer &server() {
	static kafkaml::testing::PostgresServer instance;
	return instance;
}

std::string fresh_postgres_url() {
	static int counter = 0;
	return server().create_database("store_" + std::to_string(++counter));
}

} // namespace

INSTANTIATE_TEST_SUITE_P(PostgreSQL, StoreTest, ::testing::Values(StoreBackend{"postgresql", fresh_postgres_url}),
                         backend_name);

} // namespace kafkaml::store
