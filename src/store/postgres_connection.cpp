#include "store/sql_connection.h"
#include "store/store.h"

#include <pqxx/pqxx>

namespace kafkaml::store {
namespace {

// Rewrites `?` placeholders to PostgreSQL's `$1, $2, ...`.
std::string number_placeholders(std::string_view sql) {
	std::string out;
	out.reserve(sql.size() + 16);
	int n = 0;
	for (char c : sql) {
		if (c == '?') {
			out += '$';
			out += std::to_string(++n);
		} else {
			out += c;
		}
	}
	return out;
}

std::string bytea_hex(std::string_view bytes) {
	static const char digits[] = "0123456789abcdef";
	std::string out = "\\x";
	out.reserve(2 + bytes.size() * 2);
	for (unsigned char c : bytes) {
		out += digits[c >> 4];
		out += digits[c & 15];
	}
	return out;
}

constexpr pqxx::oid BYTEA_OID = 17;

// One libpqxx connection. Outside begin()/commit() each statement runs in its
// own implicit transaction (pqxx::nontransaction); inside, all statements go
// through one pqxx::work.
class PostgresConnection final : public SqlConnection {
public:
	explicit PostgresConnection(const std::string &uri) : connection_(uri) {}

	SqlDialect dialect() const override { return SqlDialect::PostgreSQL; }

	std::vector<SqlRow> query(std::string_view sql, const std::vector<SqlValue> &params) override {
		// Parameters go as text (bytea in its hex text form), NULL as a null
		// pointer: one homogeneous list is what pqxx 6's dynamic params take.
		std::vector<std::string> texts;
		texts.reserve(params.size());
		std::vector<const char *> pointers;
		for (const auto &param : params) {
			std::visit(
			    [&](const auto &value) {
				    using T = std::decay_t<decltype(value)>;
				    if constexpr (std::is_same_v<T, std::nullptr_t>) {
					    texts.emplace_back();
				    } else if constexpr (std::is_same_v<T, std::string_view>) {
					    texts.emplace_back(value);
				    } else if constexpr (std::is_same_v<T, SqlBlob>) {
					    texts.push_back(bytea_hex(value.bytes));
				    } else {
					    texts.push_back(pqxx::to_string(value));
				    }
			    },
			    param);
		}
		for (size_t i = 0; i < params.size(); i++) {
			pointers.push_back(std::holds_alternative<std::nullptr_t>(params[i]) ? nullptr : texts[i].c_str());
		}
		std::string statement = number_placeholders(sql);
		pqxx::result result;
		if (work_) {
			result = work_->exec_params(statement, pqxx::prepare::make_dynamic_params(pointers));
		} else {
			pqxx::nontransaction once(connection_);
			result = once.exec_params(statement, pqxx::prepare::make_dynamic_params(pointers));
		}
		std::vector<SqlRow> rows;
		rows.reserve(result.size());
		for (const auto &r : result) {
			SqlRow row;
			row.reserve(r.size());
			for (const auto &field : r) {
				if (field.is_null()) {
					row.emplace_back(std::nullopt);
				} else if (field.type() == BYTEA_OID) {
					row.emplace_back(pqxx::binarystring(field).str());
				} else {
					row.emplace_back(field.c_str());
				}
			}
			rows.push_back(std::move(row));
		}
		return rows;
	}

	void execute_script(std::string_view sql) override {
		if (work_) {
			work_->exec(std::string(sql));
			return;
		}
		pqxx::nontransaction once(connection_);
		once.exec(std::string(sql));
	}

	void begin() override { work_ = std::make_unique<pqxx::work>(connection_); }
	void commit() override {
		auto work = std::move(work_);
		work->commit();
	}
	void rollback() noexcept override {
		try {
			if (work_) {
				work_->abort();
			}
		} catch (...) {
			// The connection is gone; dropping the transaction is all we can do.
		}
		work_.reset();
	}

private:
	pqxx::connection connection_;
	std::unique_ptr<pqxx::work> work_;
};

} // namespace

std::unique_ptr<SqlConnection> open_postgres_connection(const std::string &uri) {
	try {
		return std::make_unique<PostgresConnection>(uri);
	} catch (const std::exception &e) {
		throw StoreError(std::string("cannot connect to the PostgreSQL store: ") + e.what() +
		                 "; check the --store postgresql://USER:PASSWORD@HOST:PORT/DATABASE URL and that the "
		                 "server accepts connections");
	}
}

} // namespace kafkaml::store
