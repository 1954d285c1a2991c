// Leases and asked-for job records (coordination.h). Every expiry is
// computed by the database's clock, so servers whose clocks disagree still
// agree on who holds a lease.

#include "store/coordination.h"

#include "store/sql_cells.h"
#include "store/store_url.h"
#include "store/time_text.h"

namespace kafkaml::store {

Coordination::Coordination(std::string_view url) : db_(open_connection(url)) {}

std::string Coordination::now_ms() const {
	return db_->dialect() == SqlDialect::PostgreSQL ? "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)"
	                                                : "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)";
}

Lease Coordination::acquire_lease(std::string_view name, std::string_view holder, std::string_view address,
                                  int64_t ttl_ms) {
	std::lock_guard lock(mutex_);
	auto now = now_ms();
	// The compare-and-set is this one statement: the row is taken only when
	// it is ours already or has expired, and the database serialises two
	// servers' statements on the row. A new holder raises the term.
	db_->query("INSERT INTO leases (name, holder, address, term, expires_at) VALUES (?, ?, ?, 1, " + now +
	               " + CAST(? AS BIGINT)) ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, address = "
	               "excluded.address, term = CASE WHEN leases.holder = excluded.holder THEN leases.term ELSE "
	               "leases.term + 1 END, expires_at = excluded.expires_at WHERE leases.holder = excluded.holder OR "
	               "leases.expires_at <= " +
	               now,
	           {name, holder, address, ttl_ms});
	return lease_locked(name);
}

Lease Coordination::get_lease(std::string_view name) {
	std::lock_guard lock(mutex_);
	return lease_locked(name);
}

Lease Coordination::lease_locked(std::string_view name) {
	auto rows =
	    db_->query("SELECT holder, address, term, expires_at - " + now_ms() + " FROM leases WHERE name = ?", {name});
	Lease lease;
	if (rows.empty()) {
		return lease;
	}
	lease.holder = to_text(rows[0][0]);
	lease.address = to_text(rows[0][1]);
	lease.term = to_int(rows[0][2]);
	lease.expires_in_ms = to_int(rows[0][3]);
	return lease;
}

void Coordination::release_lease(std::string_view name, std::string_view holder) {
	std::lock_guard lock(mutex_);
	db_->query("UPDATE leases SET expires_at = " + now_ms() + " WHERE name = ? AND holder = ?", {name, holder});
}

bool Coordination::add_job_if_absent(const Job &job) {
	std::lock_guard lock(mutex_);
	std::string now = now_text();
	std::string kind(to_string(job.kind));
	auto rows =
	    db_->query("INSERT INTO jobs (kind, owner_id, replica, desired_state, pid, host, restarts, updated_at) "
	               "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kind, owner_id, replica) DO NOTHING RETURNING id",
	               {std::string_view(kind), job.owner, job.replica, std::string_view(job.desired_state),
	                job.pid ? SqlValue(*job.pid) : SqlValue(nullptr), std::string_view(job.host), job.restarts,
	                std::string_view(now)});
	return !rows.empty();
}

} // namespace kafkaml::store
