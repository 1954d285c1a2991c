// SqlStore's training results: the status machine, per-epoch metrics (result_epochs) and
// the trained model's bytes (trained_models).

#include "store/sql_store.h"

#include "store/sql_cells.h"
#include "store/sql_transaction.h"
#include "store/time_text.h"

namespace kafkaml::store {
namespace {

using nlohmann::json;

constexpr const char *RESULT_COLUMNS =
    "r.id, r.deployment_id, r.model_id, r.status, r.status_changed, r.status_detail, r.train_metrics, "
    "r.val_metrics, r.test_metrics, r.training_time, r.created_at, t.size, r.restarts, r.last_exit, "
    "r.input_format, r.input_config, "
    "(SELECT COUNT(*) FROM result_epochs e WHERE e.result_id = r.id), "
    "(SELECT MAX(e.epoch) FROM result_epochs e WHERE e.result_id = r.id), "
    "(SELECT e.metrics FROM result_epochs e WHERE e.result_id = r.id ORDER BY e.epoch DESC LIMIT 1), "
    "(SELECT e.time FROM result_epochs e WHERE e.result_id = r.id ORDER BY e.epoch DESC LIMIT 1)";
constexpr const char *RESULT_FROM = " FROM results r LEFT JOIN trained_models t ON t.result_id = r.id";

Result result_from(const SqlRow &row) {
	Result r;
	r.id = to_int(row[0]);
	r.deployment = to_int(row[1]);
	r.model = to_int(row[2]);
	r.status = result_status_from_string(to_text(row[3]));
	r.status_changed = to_text(row[4]);
	r.status_detail = to_text(row[5]);
	r.train_metrics = to_json(row[6]);
	r.val_metrics = to_json(row[7]);
	r.test_metrics = to_json(row[8]);
	if (row[9]) {
		r.training_time = std::stod(*row[9]);
	}
	r.created_at = to_text(row[10]);
	r.trained_model_size = row[11] ? to_int(row[11]) : -1;
	r.restarts = to_int(row[12]);
	r.last_exit = to_text(row[13]);
	r.input_format = to_text(row[14]);
	r.input_config = to_text(row[15]).empty() ? json(nullptr) : to_json(row[15]);
	r.epoch_count = to_int(row[16]);
	if (row[17]) {
		r.last_epoch = EpochMetrics{to_int(row[17]), to_json(row[18]), to_text(row[19])};
	}
	return r;
}

} // namespace

Result SqlStore::get_result(int64_t id, const EpochQuery &epochs) {
	std::lock_guard lock(mutex_);
	return result_locked(id, &epochs);
}

std::vector<Result> SqlStore::list_results(std::optional<int64_t> deployment) {
	std::lock_guard lock(mutex_);
	std::string sql = std::string("SELECT ") + RESULT_COLUMNS + RESULT_FROM;
	Params params;
	if (deployment) {
		sql += " WHERE r.deployment_id = ?";
		params.emplace_back(*deployment);
	}
	std::vector<Result> out;
	for (const auto &row : q(sql + " ORDER BY r.id", params)) {
		out.push_back(result_from(row));
	}
	return out;
}

Result SqlStore::update_result_status(int64_t id, ResultStatus to, const ResultReport &report) {
	std::lock_guard lock(mutex_);
	Transaction tx(*db_);
	Result current = result_locked(id, nullptr, true);
	if (!is_valid_transition(current.status, to)) {
		throw Conflict("result " + std::to_string(id) + " is " + std::string(to_string(current.status)) +
		               " and cannot become " + std::string(to_string(to)) +
		               " (allowed: created -> deployed -> running -> finished, or to stopped/failed before the end)");
	}
	std::string now = now_text();
	std::string status(to_string(to));
	std::string changed = current.status == to ? current.status_changed : now;
	std::string detail = report.detail.value_or(current.status_detail);
	std::string train = report.train_metrics.value_or(current.train_metrics).dump();
	std::string val = report.val_metrics.value_or(current.val_metrics).dump();
	std::string test = report.test_metrics.value_or(current.test_metrics).dump();
	auto time = report.training_time ? report.training_time : current.training_time;
	std::string input_format = report.input_format.value_or(current.input_format);
	std::string input_config = report.input_config              ? report.input_config->dump()
	                           : current.input_config.is_null() ? std::string()
	                                                            : current.input_config.dump();
	if (report.new_run && report.resume_version) {
		// A restarted continual training carries on from this version:
		// the windows an earlier run learned after it are learned again.
		auto versions = q("SELECT epoch, records FROM result_versions WHERE result_id = ? AND version = ?",
		                  {id, *report.resume_version});
		if (versions.empty()) {
			throw InvalidArgument("result " + std::to_string(id) + " has no version " +
			                      std::to_string(*report.resume_version) + " to resume from");
		}
		q("DELETE FROM result_epochs WHERE result_id = ? AND epoch > ?", {id, to_int(versions[0][0])});
		// Drifts past it would be detected again (or not) by the resumed run.
		q("DELETE FROM result_drifts WHERE result_id = ? AND records > ?", {id, to_int(versions[0][1])});
	} else if (report.new_run) {
		q("DELETE FROM result_epochs WHERE result_id = ?", {id});
		q("DELETE FROM result_drifts WHERE result_id = ?", {id});
	}
	q("UPDATE results SET status = ?, status_changed = ?, status_detail = ?, train_metrics = ?, val_metrics = ?, "
	  "test_metrics = ?, training_time = ?, input_format = ?, input_config = ? WHERE id = ?",
	  {sv(status), sv(changed), sv(detail), sv(train), sv(val), sv(test), time ? SqlValue(*time) : SqlValue(nullptr),
	   sv(input_format), sv(input_config), id});
	Result out = result_locked(id);
	tx.commit();
	return out;
}

void SqlStore::append_epochs(int64_t id, const std::vector<EpochMetrics> &epochs) {
	std::lock_guard lock(mutex_);
	Transaction tx(*db_);
	Result current = result_locked(id, nullptr, true);
	if (is_terminal(current.status)) {
		throw Conflict("result " + std::to_string(id) + " is " + std::string(to_string(current.status)) +
		               "; epochs are accepted only while it is created, deployed or running");
	}
	std::string now = now_text();
	for (const auto &epoch : epochs) {
		std::string metrics = epoch.metrics.dump();
		std::string time = epoch.time.empty() ? now : epoch.time;
		q("DELETE FROM result_epochs WHERE result_id = ? AND epoch = ?", {id, epoch.epoch});
		q("INSERT INTO result_epochs (result_id, epoch, metrics, time) VALUES (?, ?, ?, ?)",
		  {id, epoch.epoch, sv(metrics), sv(time)});
	}
	tx.commit();
}

void SqlStore::put_trained_model(int64_t id, std::string_view bytes) {
	std::lock_guard lock(mutex_);
	Transaction tx(*db_);
	result_locked(id);
	std::string now = now_text();
	q("DELETE FROM trained_models WHERE result_id = ?", {id});
	q("INSERT INTO trained_models (result_id, data, size, uploaded_at) VALUES (?, ?, ?, ?)",
	  {id, SqlBlob{bytes}, int64_t(bytes.size()), sv(now)});
	tx.commit();
}

std::optional<std::string> SqlStore::get_trained_model(int64_t id) {
	std::lock_guard lock(mutex_);
	result_locked(id);
	auto rows = q("SELECT data FROM trained_models WHERE result_id = ?", {id});
	if (rows.empty()) {
		return std::nullopt;
	}
	return to_text(rows[0][0]);
}

void SqlStore::delete_result(int64_t id) {
	std::lock_guard lock(mutex_);
	Transaction tx(*db_);
	Result current = result_locked(id);
	if (!is_terminal(current.status)) {
		throw Conflict("result " + std::to_string(id) + " is " + std::string(to_string(current.status)) +
		               "; stop it first (POST results/" + std::to_string(id) + "/stop)");
	}
	auto used = ids("SELECT id FROM inferences WHERE model_result_id = ? ORDER BY id", {id});
	if (!used.empty()) {
		throw Conflict("result " + std::to_string(id) + " is used by inference(s) " + join(used) +
		               "; delete those inferences first");
	}
	q("DELETE FROM results WHERE id = ?", {id});
	tx.commit();
}

Result SqlStore::result_locked(int64_t id, const EpochQuery *epochs, bool lock_row) {
	auto rows =
	    q(std::string("SELECT ") + RESULT_COLUMNS + RESULT_FROM + " WHERE r.id = ?" + for_update(lock_row), {id});
	if (rows.empty()) {
		throw NotFound(not_found("result", id));
	}
	Result r = result_from(rows[0]);
	if (!epochs || epochs->which == EpochQuery::Which::none) {
		return r;
	}
	if (epochs->which == EpochQuery::Which::last) {
		if (r.last_epoch && r.last_epoch->epoch > epochs->after) {
			r.epochs.push_back(*r.last_epoch);
		}
		return r;
	}
	for (const auto &row : q("SELECT epoch, metrics, time FROM result_epochs WHERE result_id = ? AND epoch > ? "
	                         "ORDER BY epoch",
	                         {id, epochs->after})) {
		r.epochs.push_back({to_int(row[0]), to_json(row[1]), to_text(row[2])});
	}
	return r;
}

} // namespace kafkaml::store
