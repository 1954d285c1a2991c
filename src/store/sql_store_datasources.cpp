// SqlStore's records of the control topic: the datasources it announced and the records
// refused as control messages, each recorded once per control message.

#include "store/sql_store.h"

#include "store/sql_cells.h"
#include "store/sql_transaction.h"
#include "store/time_text.h"

namespace kafkaml::store {
namespace {

constexpr const char *DATASOURCE_COLUMNS =
    "id, deployment_id, topic, input_format, input_config, description, "
    "validation_rate, test_rate, total_msg, time, control_message, records_deleted_at";

constexpr const char *REFUSED_COLUMNS = "id, control_message, deployment_id, reason, time";

Datasource datasource_from(const SqlRow &row) {
	Datasource d;
	d.id = to_int(row[0]);
	d.deployment = to_int(row[1]);
	d.topic = to_text(row[2]);
	d.input_format = to_text(row[3]);
	d.input_config = to_json(row[4]);
	d.description = to_text(row[5]);
	d.validation_rate = std::stod(to_text(row[6]));
	d.test_rate = std::stod(to_text(row[7]));
	d.total_msg = to_int(row[8]);
	d.time = to_text(row[9]);
	d.control_message = to_text(row[10]);
	if (row[11]) {
		d.records_deleted_at = to_text(row[11]);
	}
	return d;
}

RefusedControlMessage refused_from(const SqlRow &row) {
	RefusedControlMessage r;
	r.id = to_int(row[0]);
	r.control_message = to_text(row[1]);
	if (row[2]) {
		r.deployment = to_int(row[2]);
	}
	r.reason = to_text(row[3]);
	r.time = to_text(row[4]);
	return r;
}

} // namespace

Datasource SqlStore::add_datasource(const Datasource &d) {
	std::lock_guard lock(mutex_);
	std::string config = d.input_config.dump();
	std::string now = d.time.empty() ? now_text() : d.time;
	SqlValue source = nullptr; // NULLs never conflict: datasources from elsewhere
	if (!d.control_message.empty()) {
		source = sv(d.control_message);
	}
	auto rows = q(std::string("INSERT INTO datasources (deployment_id, topic, input_format, input_config, "
	                          "description, validation_rate, test_rate, total_msg, time, control_message) "
	                          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (control_message) DO NOTHING "
	                          "RETURNING ") +
	                  DATASOURCE_COLUMNS,
	              {d.deployment, d.topic, d.input_format, sv(config), d.description, d.validation_rate, d.test_rate,
	               d.total_msg, sv(now), source});
	if (rows.empty()) {
		rows = q(std::string("SELECT ") + DATASOURCE_COLUMNS + " FROM datasources WHERE control_message = ?", {source});
	}
	return datasource_from(rows.at(0));
}

RefusedControlMessage SqlStore::add_refused_control_message(const RefusedControlMessage &refused) {
	std::lock_guard lock(mutex_);
	std::string now = refused.time.empty() ? now_text() : refused.time;
	auto rows = q(std::string("INSERT INTO refused_control_messages (control_message, deployment_id, reason, "
	                          "time) VALUES (?, ?, ?, ?) ON CONFLICT (control_message) DO NOTHING RETURNING ") +
	                  REFUSED_COLUMNS,
	              {sv(refused.control_message), refused.deployment ? SqlValue(*refused.deployment) : SqlValue(nullptr),
	               sv(refused.reason), sv(now)});
	if (rows.empty()) {
		rows = q(std::string("SELECT ") + REFUSED_COLUMNS + " FROM refused_control_messages WHERE control_message = ?",
		         {sv(refused.control_message)});
	}
	return refused_from(rows.at(0));
}

std::vector<RefusedControlMessage> SqlStore::list_refused_control_messages(size_t limit) {
	std::lock_guard lock(mutex_);
	std::vector<RefusedControlMessage> out;
	for (const auto &row :
	     q(std::string("SELECT ") + REFUSED_COLUMNS + " FROM refused_control_messages ORDER BY id DESC LIMIT ?",
	       {static_cast<int64_t>(limit)})) {
		out.push_back(refused_from(row));
	}
	return out;
}

Datasource SqlStore::get_datasource(int64_t id) {
	std::lock_guard lock(mutex_);
	auto rows = q(std::string("SELECT ") + DATASOURCE_COLUMNS + " FROM datasources WHERE id = ?", {id});
	if (rows.empty()) {
		throw NotFound(not_found("datasource", id));
	}
	return datasource_from(rows[0]);
}

void SqlStore::delete_datasource(int64_t id) {
	std::lock_guard lock(mutex_);
	Transaction tx(*db_);
	check_datasource_unused_locked(id);
	q("DELETE FROM datasources WHERE id = ?", {id});
	tx.commit();
}

void SqlStore::check_datasource_unused(int64_t id) {
	std::lock_guard lock(mutex_);
	check_datasource_unused_locked(id);
}

std::vector<Datasource> SqlStore::mark_datasource_records_deleted(const std::vector<int64_t> &ids) {
	std::lock_guard lock(mutex_);
	Transaction tx(*db_);
	std::string now = now_text();
	std::vector<Datasource> out;
	for (int64_t id : ids) {
		q("UPDATE datasources SET records_deleted_at = ? WHERE id = ? AND records_deleted_at IS NULL", {sv(now), id});
		auto rows = q(std::string("SELECT ") + DATASOURCE_COLUMNS + " FROM datasources WHERE id = ?", {id});
		if (rows.empty()) {
			throw NotFound(not_found("datasource", id));
		}
		out.push_back(datasource_from(rows[0]));
	}
	tx.commit();
	return out;
}

void SqlStore::check_datasource_unused_locked(int64_t id) {
	auto rows = q("SELECT deployment_id FROM datasources WHERE id = ?", {id});
	if (rows.empty()) {
		throw NotFound(not_found("datasource", id));
	}
	int64_t deployment = to_int(rows[0][0]);
	auto active = ids("SELECT id FROM results WHERE deployment_id = ? AND status IN ('created', 'deployed', "
	                  "'running') ORDER BY id",
	                  {deployment});
	if (!active.empty()) {
		throw Conflict("datasource " + std::to_string(id) + " is the stream of deployment " +
		               std::to_string(deployment) + ", whose result(s) " + join(active) +
		               " may still read it; stop the deployment first (POST deployments/" + std::to_string(deployment) +
		               "/stop) or wait for it to finish");
	}
}

std::vector<Datasource> SqlStore::list_datasources() {
	std::lock_guard lock(mutex_);
	return select_all<Datasource>(DATASOURCE_COLUMNS, "datasources", datasource_from);
}

std::optional<Datasource> SqlStore::latest_datasource(int64_t deployment) {
	std::lock_guard lock(mutex_);
	auto rows = q(std::string("SELECT ") + DATASOURCE_COLUMNS +
	                  " FROM datasources WHERE deployment_id = ? ORDER BY id DESC LIMIT 1",
	              {deployment});
	if (rows.empty()) {
		return std::nullopt;
	}
	return datasource_from(rows[0]);
}

} // namespace kafkaml::store
