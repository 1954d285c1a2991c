#include "store/sql_store.h"
#include "store/store_url.h"

namespace kafkaml::store {

std::unique_ptr<SqlConnection> open_connection(std::string_view url) {
	if (url.starts_with("sqlite:")) {
		std::string path(url.substr(7));
		if (path.starts_with("//")) {
			path = path.substr(2); // sqlite://relative or sqlite:///absolute
		}
		if (path.empty()) {
			throw StoreError(
			    "the store URL sqlite: names no file; use sqlite:PATH, e.g. sqlite:./kafkaml-data/kafkaml.db");
		}
		return open_sqlite_connection(path);
	}
	if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
		return open_postgres_connection(std::string(url));
	}
	throw StoreError("unknown store URL \"" + std::string(url) +
	                 "\"; use sqlite:PATH or postgresql://USER:PASSWORD@HOST:PORT/DATABASE");
}

std::unique_ptr<Store> open_store(std::string_view url) {
	return make_sql_store(open_connection(url));
}

} // namespace kafkaml::store
