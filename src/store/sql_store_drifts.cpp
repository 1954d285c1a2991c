// SqlStore's drifts of continual trainings (result_drifts): where each was
// detected and the error before and after it.

#include "store/sql_store.h"

#include "store/sql_cells.h"
#include "store/sql_transaction.h"
#include "store/time_text.h"

namespace kafkaml::store {
namespace {

constexpr const char *DRIFT_COLUMNS = "result_id, records, created_at, error_before, error_after, measure, response";

ResultDrift drift_from(const SqlRow &row) {
	ResultDrift d;
	d.result = to_int(row[0]);
	d.records = to_int(row[1]);
	d.created_at = to_text(row[2]);
	d.error_before = std::stod(to_text(row[3]));
	d.error_after = std::stod(to_text(row[4]));
	d.measure = to_text(row[5]);
	d.response = to_text(row[6]);
	return d;
}

} // namespace

std::pair<ResultDrift, bool> SqlStore::add_result_drift(int64_t id, const ResultDrift &drift) {
	std::lock_guard lock(mutex_);
	Transaction tx(*db_);
	// The row lock orders two servers storing drifts of one result.
	Result current = result_locked(id, nullptr, true);
	if (is_terminal(current.status)) {
		throw Conflict("result " + std::to_string(id) + " is " + std::string(to_string(current.status)) +
		               "; drifts are accepted only while it trains");
	}
	auto stored = q(std::string("SELECT ") + DRIFT_COLUMNS + " FROM result_drifts WHERE result_id = ? AND records = ?",
	                {id, drift.records});
	if (!stored.empty()) {
		return {drift_from(stored[0]), false};
	}
	std::string now = now_text();
	auto rows =
	    q(std::string("INSERT INTO result_drifts (result_id, records, created_at, error_before, error_after, "
	                  "measure, response) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING ") +
	          DRIFT_COLUMNS,
	      {id, drift.records, sv(now), drift.error_before, drift.error_after, sv(drift.measure), sv(drift.response)});
	ResultDrift created = drift_from(rows.at(0));
	tx.commit();
	return {created, true};
}

std::vector<ResultDrift> SqlStore::list_result_drifts(int64_t id) {
	std::lock_guard lock(mutex_);
	result_locked(id);
	std::vector<ResultDrift> out;
	for (const auto &row :
	     q(std::string("SELECT ") + DRIFT_COLUMNS + " FROM result_drifts WHERE result_id = ? ORDER BY records", {id})) {
		out.push_back(drift_from(row));
	}
	return out;
}

std::vector<std::pair<int64_t, int64_t>> SqlStore::count_result_drifts() {
	std::lock_guard lock(mutex_);
	std::vector<std::pair<int64_t, int64_t>> out;
	for (const auto &row :
	     q("SELECT result_id, COUNT(*) FROM result_drifts GROUP BY result_id ORDER BY result_id", {})) {
		out.emplace_back(to_int(row[0]), to_int(row[1]));
	}
	return out;
}

} // namespace kafkaml::store
