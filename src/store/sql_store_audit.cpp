// SqlStore's audit log: appended in batches (the API's writer thread hands
// over what gathered since its last write), read newest first by pages.

#include "store/sql_store.h"

#include "store/sql_cells.h"
#include "store/sql_transaction.h"

namespace kafkaml::store {

void SqlStore::add_audit_entries(const std::vector<AuditEntry> &entries) {
	if (entries.empty()) {
		return;
	}
	std::lock_guard lock(mutex_);
	Transaction tx(*db_);
	for (const auto &e : entries) {
		SqlValue user = e.user ? SqlValue(std::string_view(*e.user)) : SqlValue(nullptr);
		SqlValue token = e.token_id ? SqlValue(*e.token_id) : SqlValue(nullptr);
		q("INSERT INTO audit (at, user_name, token_id, method, path, status, remote_address) VALUES (?, ?, ?, ?, ?, "
		  "?, ?)",
		  {sv(e.at), user, token, sv(e.method), sv(e.path), e.status, sv(e.remote_address)});
	}
	tx.commit();
}

std::vector<AuditEntry> SqlStore::list_audit(size_t limit, std::optional<int64_t> before) {
	std::lock_guard lock(mutex_);
	std::string sql = "SELECT id, at, user_name, token_id, method, path, status, remote_address FROM audit";
	Params params;
	if (before) {
		sql += " WHERE id < ?";
		params.push_back(*before);
	}
	sql += " ORDER BY id DESC LIMIT ?";
	params.push_back(int64_t(limit));
	std::vector<AuditEntry> out;
	for (const auto &row : q(sql, params)) {
		AuditEntry e;
		e.id = to_int(row[0]);
		e.at = to_text(row[1]);
		e.user = row[2];
		if (row[3]) {
			e.token_id = to_int(row[3]);
		}
		e.method = to_text(row[4]);
		e.path = to_text(row[5]);
		e.status = to_int(row[6]);
		e.remote_address = to_text(row[7]);
		out.push_back(std::move(e));
	}
	return out;
}

} // namespace kafkaml::store
