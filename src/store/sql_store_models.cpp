// SqlStore's models: their rows, their TorchScript module or weights file, and the checks that keep a
// deployed model unchanged.

#include "store/sql_store.h"

#include "store/sql_cells.h"
#include "store/sql_transaction.h"
#include "store/time_text.h"

namespace kafkaml::store {
namespace {

constexpr const char *MODEL_COLUMNS =
    "id, name, description, imports, code, framework, created_at, COALESCE(length(module), -1), "
    "COALESCE(length(weights), -1)";

Model model_from(const SqlRow &row) {
	return {to_int(row[0]),  to_text(row[1]), to_text(row[2]), to_text(row[3]), to_text(row[4]),
	        to_text(row[5]), to_text(row[6]), to_int(row[7]),  to_int(row[8])};
}

} // namespace

Model SqlStore::create_model(const Model &model) {
	std::lock_guard lock(mutex_);
	std::string now = now_text();
	auto rows = q(std::string("INSERT INTO models (name, description, imports, code, framework, created_at) "
	                          "VALUES (?, ?, ?, ?, ?, ?) RETURNING ") +
	                  MODEL_COLUMNS,
	              {model.name, model.description, model.imports, model.code, model.framework, sv(now)});
	return model_from(rows.at(0));
}

Model SqlStore::get_model(int64_t id) {
	std::lock_guard lock(mutex_);
	return model_locked(id);
}

std::vector<Model> SqlStore::list_models() {
	std::lock_guard lock(mutex_);
	return select_all<Model>(MODEL_COLUMNS, "models", model_from);
}

void SqlStore::check_not_deployed(int64_t model) {
	auto deployments = ids("SELECT DISTINCT d.id FROM deployments d JOIN configuration_models c "
	                       "ON c.configuration_id = d.configuration_id WHERE c.model_id = ? ORDER BY d.id",
	                       {model});
	if (!deployments.empty()) {
		throw Conflict("model " + std::to_string(model) + " is in a deployed configuration (deployment(s) " +
		               join(deployments) +
		               "); create a new model with the changes instead (POST models), or delete those "
		               "deployments first");
	}
}

Model SqlStore::update_model(const Model &model) {
	std::lock_guard lock(mutex_);
	Transaction tx(*db_);
	model_locked(model.id);
	check_not_deployed(model.id);
	auto rows = q(std::string("UPDATE models SET name = ?, description = ?, imports = ?, code = ?, framework = ? "
	                          "WHERE id = ? RETURNING ") +
	                  MODEL_COLUMNS,
	              {model.name, model.description, model.imports, model.code, model.framework, model.id});
	Model out = model_from(rows.at(0));
	tx.commit();
	return out;
}

void SqlStore::put_model_file(int64_t id, const char *column, std::string_view bytes) {
	std::lock_guard lock(mutex_);
	Transaction tx(*db_);
	model_locked(id);
	check_not_deployed(id);
	q(std::string("UPDATE models SET ") + column + " = ? WHERE id = ?", {SqlBlob{bytes}, id});
	tx.commit();
}

std::optional<std::string> SqlStore::get_model_file(int64_t id, const char *column) {
	std::lock_guard lock(mutex_);
	model_locked(id);
	auto rows = q(std::string("SELECT ") + column + " FROM models WHERE id = ?", {id});
	if (rows.empty() || !rows[0][0]) {
		return std::nullopt;
	}
	return to_text(rows[0][0]);
}

void SqlStore::put_model_module(int64_t id, std::string_view bytes) {
	put_model_file(id, "module", bytes);
}

std::optional<std::string> SqlStore::get_model_module(int64_t id) {
	return get_model_file(id, "module");
}

void SqlStore::put_model_weights(int64_t id, std::string_view bytes) {
	put_model_file(id, "weights", bytes);
}

std::optional<std::string> SqlStore::get_model_weights(int64_t id) {
	return get_model_file(id, "weights");
}

void SqlStore::delete_model(int64_t id) {
	std::lock_guard lock(mutex_);
	Transaction tx(*db_);
	model_locked(id);
	auto users = ids("SELECT DISTINCT configuration_id FROM configuration_models WHERE model_id = ? "
	                 "ORDER BY configuration_id",
	                 {id});
	if (!users.empty()) {
		throw Conflict("model " + std::to_string(id) + " is used by configuration(s) " + join(users) +
		               "; delete those configurations first");
	}
	auto results = ids("SELECT id FROM results WHERE model_id = ? ORDER BY id", {id});
	if (!results.empty()) {
		throw Conflict("model " + std::to_string(id) + " has training results " + join(results) +
		               "; delete their deployments first");
	}
	q("DELETE FROM models WHERE id = ?", {id});
	tx.commit();
}

Model SqlStore::model_locked(int64_t id) {
	auto rows = q(std::string("SELECT ") + MODEL_COLUMNS + " FROM models WHERE id = ?", {id});
	if (rows.empty()) {
		throw NotFound(not_found("model", id));
	}
	return model_from(rows[0]);
}

} // namespace kafkaml::store
