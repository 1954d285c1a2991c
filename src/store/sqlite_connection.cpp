#include "store/sql_connection.h"
#include "store/store.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>

namespace kafkaml::store {
namespace {

constexpr std::chrono::milliseconds kBusyTimeout{5000};

// Switching a new database to WAL takes its exclusive lock. Servers opening
// one new file at once can meet in a lock upgrade, which SQLite answers with
// SQLITE_BUSY at once instead of calling the busy handler (waiting there
// would deadlock), so the switch is retried here until the busy timeout.
void enable_wal(SQLite::Database &db) {
	const auto deadline = std::chrono::steady_clock::now() + kBusyTimeout;
	for (auto pause = std::chrono::milliseconds(1);; pause = std::min(pause * 2, std::chrono::milliseconds(100))) {
		try {
			db.exec("PRAGMA journal_mode=WAL");
			return;
		} catch (const SQLite::Exception &e) {
			if (e.getErrorCode() != SQLITE_BUSY || std::chrono::steady_clock::now() + pause > deadline) {
				throw;
			}
		}
		std::this_thread::sleep_for(pause);
	}
}

// One SQLite connection in WAL mode: readers in other processes (a second
// server, sqlite3 shell) never block our writes for long, and a busy timeout
// turns short lock waits into retries instead of SQLITE_BUSY errors.
class SqliteConnection final : public SqlConnection {
public:
	explicit SqliteConnection(const std::string &path)
	    : db_(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_FULLMUTEX,
	          static_cast<int>(kBusyTimeout.count())) {
		enable_wal(db_);
		db_.exec("PRAGMA synchronous=NORMAL");
		db_.exec("PRAGMA foreign_keys=ON");
		// What is deleted is overwritten, not left in free pages: a secret
		// replaced (a plain admin token by its hash) leaves no copy.
		db_.exec("PRAGMA secure_delete=ON");
	}

	SqlDialect dialect() const override { return SqlDialect::SQLite; }

	std::vector<SqlRow> query(std::string_view sql, const std::vector<SqlValue> &params) override {
		SQLite::Statement statement(db_, std::string(sql));
		for (size_t i = 0; i < params.size(); i++) {
			int index = int(i + 1);
			std::visit(
			    [&](const auto &value) {
				    using T = std::decay_t<decltype(value)>;
				    if constexpr (std::is_same_v<T, std::nullptr_t>) {
					    statement.bind(index);
				    } else if constexpr (std::is_same_v<T, std::string_view>) {
					    statement.bind(index, std::string(value));
				    } else if constexpr (std::is_same_v<T, SqlBlob>) {
					    statement.bind(index, value.bytes.data(), int(value.bytes.size()));
				    } else {
					    statement.bind(index, value);
				    }
			    },
			    params[i]);
		}
		std::vector<SqlRow> rows;
		while (statement.executeStep()) {
			SqlRow row;
			int columns = statement.getColumnCount();
			row.reserve(size_t(columns));
			for (int c = 0; c < columns; c++) {
				SQLite::Column column = statement.getColumn(c);
				if (column.isNull()) {
					row.emplace_back(std::nullopt);
				} else {
					row.emplace_back(column.getString());
				}
			}
			rows.push_back(std::move(row));
		}
		return rows;
	}

	void execute_script(std::string_view sql) override { db_.exec(std::string(sql)); }
	void begin() override { db_.exec("BEGIN IMMEDIATE"); }
	void commit() override { db_.exec("COMMIT"); }
	void rollback() noexcept override {
		try {
			db_.exec("ROLLBACK");
		} catch (...) {
			// Nothing was open (the failure came from BEGIN itself).
		}
	}

private:
	SQLite::Database db_;
};

} // namespace

std::unique_ptr<SqlConnection> open_sqlite_connection(const std::string &path) {
	std::filesystem::path file(path);
	if (file.has_parent_path()) {
		std::error_code ec;
		std::filesystem::create_directories(file.parent_path(), ec);
		if (ec) {
			throw StoreError("cannot create the directory of the SQLite store " + path + ": " + ec.message() +
			                 "; pass --store sqlite:PATH with a writable PATH");
		}
	}
	try {
		return std::make_unique<SqliteConnection>(path);
	} catch (const SQLite::Exception &e) {
		throw StoreError("cannot open the SQLite store " + path + ": " + e.what() +
		                 "; check that the file is a SQLite database and writable");
	}
}

} // namespace kafkaml::store
