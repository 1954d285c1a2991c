// SqlStore's model versions of continual trainings (result_versions): each
// version's records, prequential metrics and model bytes.

#include "store/sql_store.h"

#include "store/sql_cells.h"
#include "store/sql_transaction.h"
#include "store/time_text.h"

namespace kafkaml::store {
namespace {

constexpr const char *VERSION_COLUMNS = "result_id, version, created_at, records, metrics, size";

ResultVersion version_from(const SqlRow &row) {
	ResultVersion v;
	v.result = to_int(row[0]);
	v.version = to_int(row[1]);
	v.created_at = to_text(row[2]);
	v.records = to_int(row[3]);
	v.metrics = to_json(row[4]);
	v.size = to_int(row[5]);
	return v;
}

} // namespace

std::pair<ResultVersion, bool> SqlStore::add_result_version(int64_t id, const ResultVersion &version,
                                                            std::string_view bytes) {
	std::lock_guard lock(mutex_);
	Transaction tx(*db_);
	// The row lock orders two servers storing versions of one result.
	Result current = result_locked(id, nullptr, true);
	if (is_terminal(current.status)) {
		throw Conflict("result " + std::to_string(id) + " is " + std::string(to_string(current.status)) +
		               "; versions are accepted only while it trains");
	}
	auto stored =
	    q(std::string("SELECT ") + VERSION_COLUMNS + " FROM result_versions WHERE result_id = ? AND version = ?",
	      {id, version.version});
	if (!stored.empty()) {
		return {version_from(stored[0]), false};
	}
	std::string now = now_text();
	std::string metrics = version.metrics.dump();
	auto rows = q(std::string("INSERT INTO result_versions (result_id, version, created_at, records, metrics, data, "
	                          "size) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING ") +
	                  VERSION_COLUMNS,
	              {id, version.version, sv(now), version.records, sv(metrics), SqlBlob{bytes}, int64_t(bytes.size())});
	ResultVersion created = version_from(rows.at(0));
	tx.commit();
	return {created, true};
}

std::vector<ResultVersion> SqlStore::list_result_versions(int64_t id) {
	std::lock_guard lock(mutex_);
	result_locked(id);
	std::vector<ResultVersion> out;
	for (const auto &row :
	     q(std::string("SELECT ") + VERSION_COLUMNS + " FROM result_versions WHERE result_id = ? ORDER BY version",
	       {id})) {
		out.push_back(version_from(row));
	}
	return out;
}

std::optional<std::string> SqlStore::get_result_version_model(int64_t id, int64_t version) {
	std::lock_guard lock(mutex_);
	result_locked(id);
	auto rows = q("SELECT data FROM result_versions WHERE result_id = ? AND version = ?", {id, version});
	if (rows.empty()) {
		return std::nullopt;
	}
	return to_text(rows[0][0]);
}

} // namespace kafkaml::store
