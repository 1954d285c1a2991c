#include "postgres_server.h"

#include "child_process.h"
#include "files.h"
#include "network.h"

#include <pqxx/pqxx>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <glob.h>
#include <pwd.h>
#include <stdexcept>
#include <unistd.h>

namespace kafkaml::testing {
namespace {

std::string find_bin_dir() {
	if (const char *env = std::getenv("KAFKAML_PG_BIN"); env && *env) {
		return env;
	}
	glob_t found{};
	std::vector<std::string> dirs;
	if (::glob("/usr/lib/postgresql/*/bin/initdb", 0, nullptr, &found) == 0) {
		for (size_t i = 0; i < found.gl_pathc; i++) {
			dirs.push_back(std::filesystem::path(found.gl_pathv[i]).parent_path().string());
		}
	}
	::globfree(&found);
	if (dirs.empty()) {
		throw std::runtime_error("no PostgreSQL server found under /usr/lib/postgresql/*/bin; install Debian's "
		                         "postgresql package or set KAFKAML_PG_BIN to the directory holding initdb");
	}
	// Newest major version: compare the version directory numerically.
	std::sort(dirs.begin(), dirs.end(), [](const std::string &a, const std::string &b) {
		auto version = [](const std::string &dir) {
			return std::atoi(std::filesystem::path(dir).parent_path().filename().c_str());
		};
		return version(a) < version(b);
	});
	return dirs.back();
}

} // namespace

PostgresServer::PostgresServer() {
	bin_dir_ = find_bin_dir();
	dir_ = dir_holder_.string();
	data_dir_ = dir_ + "/data";
	as_postgres_user_ = ::geteuid() == 0;
	if (as_postgres_user_) {
		passwd *user = ::getpwnam("postgres");
		if (!user) {
			throw std::runtime_error("running as root but there is no `postgres` user to run initdb as");
		}
		if (::chown(dir_.c_str(), user->pw_uid, user->pw_gid) != 0) {
			throw std::runtime_error("cannot hand " + dir_ + " to the postgres user");
		}
	}
	port_ = free_port();
	run("initdb", {"-D", data_dir_, "-A", "trust", "-U", "kafkaml", "-E", "UTF8", "--locale=C", "--no-sync"}, true);
	std::string options = "-p " + std::to_string(port_) + " -k " + dir_ + " -c listen_addresses='' -c fsync=off";
	try {
		run("pg_ctl", {"-D", data_dir_, "-o", options, "-l", dir_ + "/server.log", "-w", "-t", "60", "start"}, true);
	} catch (const std::exception &e) {
		std::string log = read_file(dir_ + "/server.log");
		throw std::runtime_error(std::string(e.what()) + "\nserver log:\n" + log);
	}
	started_ = true;
}

PostgresServer::~PostgresServer() {
	if (started_) {
		try {
			run("pg_ctl", {"-D", data_dir_, "-m", "immediate", "-w", "stop"}, true);
		} catch (...) {
			// Best effort: the directory goes anyway.
		}
	}
}

std::string PostgresServer::url(const std::string &name) const {
	return "postgresql://kafkaml@/" + name + "?host=" + dir_ + "&port=" + std::to_string(port_);
}

std::string PostgresServer::create_database(const std::string &name) {
	pqxx::connection admin(url("postgres"));
	pqxx::nontransaction tx(admin);
	tx.exec("CREATE DATABASE " + tx.quote_name(name));
	return url(name);
}

void PostgresServer::run(const std::string &program, const std::vector<std::string> &args, bool quiet) {
	std::vector<std::string> argv;
	if (as_postgres_user_) {
		argv = {"runuser", "-u", "postgres", "--"};
	}
	argv.push_back(bin_dir_ + "/" + program);
	argv.insert(argv.end(), args.begin(), args.end());
	ProcessOptions options{.argv = argv};
	options.out = quiet ? Output::discard() : Output::inherit();
	auto result = testing::run(std::move(options));
	if (result.status != 0) {
		throw std::runtime_error(program + " failed (status " + std::to_string(result.status) + ")");
	}
}

} // namespace kafkaml::testing
