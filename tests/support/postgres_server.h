#pragma once

// A private PostgreSQL server for tests: initdb into a fresh temporary
// directory, `postgres` on a free port listening only on a unix socket inside
// that directory, torn down (and the directory removed) by the destructor.
// The server binaries are found under /usr/lib/postgresql/<version>/bin (the
// newest version wins) or in $KAFKAML_PG_BIN. initdb refuses to run as root,
// so as root every server command runs as the `postgres` user (runuser) and
// the directory is handed to it.
//
// Thread: construct and destroy on one thread; url()/create_database() from any.

#include "temp_dir.h"

#include <string>
#include <vector>

namespace kafkaml::testing {

class PostgresServer {
public:
	//! Starts the server; throws std::runtime_error with the server's log on failure.
	PostgresServer();
	~PostgresServer();
	PostgresServer(const PostgresServer &) = delete;
	PostgresServer &operator=(const PostgresServer &) = delete;

	//! Creates an empty database and returns its libpq URI.
	std::string create_database(const std::string &name);
	//! URI of database `name` (which must exist).
	std::string url(const std::string &name) const;

private:
	void run(const std::string &program, const std::vector<std::string> &args, bool quiet);

	std::string bin_dir_;
	TempDir dir_holder_{"pg"};
	std::string dir_;
	std::string data_dir_;
	int port_ = 0;
	bool as_postgres_user_ = false;
	bool started_ = false;
};

} // namespace kafkaml::testing
