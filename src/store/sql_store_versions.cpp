// SqlStore's model versions of continual trainings (result_versions): each
// version's records, prequential metrics, model bytes and training state.

#include "store/sql_store.h"

#include "store/sql_cells.h"
#include "store/sql_transaction.h"
#include "store/time_text.h"

namespace kafkaml::store {
namespace {

constexpr const char *VERSION_COLUMNS =
    "result_id, version, created_at, records, metrics, size, epoch, prequential, training_time, offsets, "
    "COALESCE(length(training_state), 0)";

ResultVersion version_from(const SqlRow &row) {
	ResultVersion v;
	v.result = to_int(row[0]);
	v.version = to_int(row[1]);
	v.created_at = to_text(row[2]);
	v.records = to_int(row[3]);
	v.metrics = to_json(row[4]);
	v.size = to_int(row[5]);
	v.epoch = to_int(row[6]);
	v.prequential = to_json(row[7]);
	v.training_time = row[8] ? std::stod(*row[8]) : 0.0;
	v.offsets = to_json(row[9]);
	v.state_size = to_int(row[10]);
	return v;
}

} // namespace

std::pair<ResultVersion, bool> SqlStore::add_result_version(int64_t id, const ResultVersion &version,
                                                            std::string_view bytes) {
	std::lock_guard lock(mutex_);
	Transaction tx(*db_);
	lock_training_result(id, "versions");
	if (auto stored = result_version_locked(id, version.version)) {
		return {*stored, false};
	}
	std::string now = now_text();
	std::string metrics = version.metrics.dump();
	std::string prequential = version.prequential.dump();
	std::string offsets = version.offsets.dump();
	auto rows = q(std::string("INSERT INTO result_versions (result_id, version, created_at, records, metrics, data, "
	                          "size, epoch, prequential, training_time, offsets) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
	                          "?) RETURNING ") +
	                  VERSION_COLUMNS,
	              {id, version.version, sv(now), version.records, sv(metrics), SqlBlob{bytes}, int64_t(bytes.size()),
	               version.epoch, sv(prequential), version.training_time, sv(offsets)});
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

std::optional<ResultVersion> SqlStore::get_result_version(int64_t id, int64_t version) {
	std::lock_guard lock(mutex_);
	result_locked(id);
	return result_version_locked(id, version);
}

void SqlStore::lock_training_result(int64_t id, std::string_view what) {
	Result current = result_locked(id, nullptr, true);
	if (is_terminal(current.status)) {
		throw Conflict("result " + std::to_string(id) + " is " + std::string(to_string(current.status)) + "; " +
		               std::string(what) + " are accepted only while it trains");
	}
}

std::optional<ResultVersion> SqlStore::result_version_locked(int64_t id, int64_t version) {
	auto rows =
	    q(std::string("SELECT ") + VERSION_COLUMNS + " FROM result_versions WHERE result_id = ? AND version = ?",
	      {id, version});
	if (rows.empty()) {
		return std::nullopt;
	}
	return version_from(rows[0]);
}

std::optional<std::pair<ResultVersion, bool>> SqlStore::set_result_version_state(int64_t id, int64_t version,
                                                                                 std::string_view bytes) {
	std::lock_guard lock(mutex_);
	Transaction tx(*db_);
	lock_training_result(id, "training states");
	// Only where none is stored: the first one sent stays.
	auto updated = q(std::string("UPDATE result_versions SET training_state = ? WHERE result_id = ? AND version = ? "
	                             "AND training_state IS NULL RETURNING ") +
	                     VERSION_COLUMNS,
	                 {SqlBlob{bytes}, id, version});
	if (!updated.empty()) {
		ResultVersion stored = version_from(updated[0]);
		tx.commit();
		return std::pair{stored, true};
	}
	if (auto stored = result_version_locked(id, version)) {
		return std::pair{*stored, false};
	}
	return std::nullopt;
}

std::optional<std::string> SqlStore::get_result_version_state(int64_t id, int64_t version) {
	std::lock_guard lock(mutex_);
	result_locked(id);
	auto rows = q("SELECT training_state FROM result_versions WHERE result_id = ? AND version = ?", {id, version});
	if (rows.empty()) {
		return std::nullopt;
	}
	return rows[0][0] ? to_text(rows[0][0]) : std::string();
}

std::optional<ResultVersion> SqlStore::latest_result_version(int64_t id) {
	std::lock_guard lock(mutex_);
	result_locked(id);
	auto rows = q(std::string("SELECT ") + VERSION_COLUMNS +
	                  " FROM result_versions WHERE result_id = ? ORDER BY version DESC LIMIT 1",
	              {id});
	if (rows.empty()) {
		return std::nullopt;
	}
	return version_from(rows[0]);
}

} // namespace kafkaml::store
