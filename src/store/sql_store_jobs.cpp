// SqlStore's orchestrator records: the jobs it keeps running or stopped, and the restarts
// it counts on results and inferences.

#include "store/sql_store.h"

#include "store/sql_cells.h"
#include "store/time_text.h"

namespace kafkaml::store {
namespace {

constexpr const char *JOB_COLUMNS = "id, kind, owner_id, replica, desired_state, pid, host, restarts, updated_at";

Job job_from(const SqlRow &row) {
	Job j;
	j.id = to_int(row[0]);
	j.kind = job_kind_from_string(to_text(row[1]));
	j.owner = to_int(row[2]);
	j.replica = to_int(row[3]);
	j.desired_state = to_text(row[4]);
	if (row[5]) {
		j.pid = to_int(row[5]);
	}
	j.host = to_text(row[6]);
	j.restarts = to_int(row[7]);
	j.updated_at = to_text(row[8]);
	return j;
}

} // namespace

void SqlStore::record_restart(JobKind kind, int64_t owner, std::string_view last_exit) {
	std::lock_guard lock(mutex_);
	const char *table = kind == JobKind::Training ? "results" : "inferences";
	auto rows =
	    q(std::string("UPDATE ") + table + " SET restarts = restarts + 1, last_exit = ? WHERE id = ? RETURNING id",
	      {last_exit, owner});
	if (rows.empty()) {
		throw NotFound(not_found(kind == JobKind::Training ? "result" : "inference", owner));
	}
}

Job SqlStore::upsert_job(const Job &job) {
	std::lock_guard lock(mutex_);
	std::string now = now_text();
	std::string kind(to_string(job.kind));
	auto rows = q(std::string("INSERT INTO jobs (kind, owner_id, replica, desired_state, pid, host, restarts, "
	                          "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kind, owner_id, replica) "
	                          "DO UPDATE SET desired_state = excluded.desired_state, pid = excluded.pid, "
	                          "host = excluded.host, restarts = excluded.restarts, "
	                          "updated_at = excluded.updated_at RETURNING ") +
	                  JOB_COLUMNS,
	              {sv(kind), job.owner, job.replica, job.desired_state, job.pid ? SqlValue(*job.pid) : nullptr,
	               job.host, job.restarts, sv(now)});
	return job_from(rows.at(0));
}

std::vector<Job> SqlStore::list_jobs() {
	std::lock_guard lock(mutex_);
	return select_all<Job>(JOB_COLUMNS, "jobs", job_from);
}

void SqlStore::delete_job(int64_t id) {
	std::lock_guard lock(mutex_);
	q("DELETE FROM jobs WHERE id = ?", {id});
}

} // namespace kafkaml::store
