// SqlStore's models: their rows, their TorchScript module or weights file, and the checks that keep a
// deployed model unchanged.

#include "store/sql_store.h"

#include "store/sql_cells.h"
#include "store/sql_transaction.h"
#include "store/time_text.h"

#include <algorithm>

namespace kafkaml::store {
namespace {

constexpr const char *MODEL_COLUMNS =
    "id, name, description, imports, code, framework, created_at, COALESCE(length(module), -1), "
    "COALESCE(length(weights), -1), distributed, father";

Model model_from(const SqlRow &row) {
	Model m{to_int(row[0]),  to_text(row[1]), to_text(row[2]), to_text(row[3]), to_text(row[4]),
	        to_text(row[5]), to_text(row[6]), to_int(row[7]),  to_int(row[8])};
	m.distributed = to_int(row[9]) != 0;
	if (row[10]) {
		m.father = to_int(row[10]);
	}
	return m;
}

SqlValue father_value(const Model &model) {
	return model.father ? SqlValue(*model.father) : SqlValue(nullptr);
}

} // namespace

Model SqlStore::create_model(const Model &model) {
	std::lock_guard lock(mutex_);
	std::string now = now_text();
	Transaction tx(*db_);
	check_father_locked(model);
	auto rows = q(std::string("INSERT INTO models (name, description, imports, code, framework, created_at, "
	                          "distributed, father) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING ") +
	                  MODEL_COLUMNS,
	              {model.name, model.description, model.imports, model.code, model.framework, sv(now),
	               int64_t{model.distributed}, father_value(model)});
	Model out = model_from(rows.at(0));
	tx.commit();
	return out;
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
	// A sub-model of a distributed chain was trained as part of its top's
	// deployments: it is frozen with them.
	auto top = chain_top_locked(model);
	if (top != model) {
		auto deployed = ids("SELECT DISTINCT d.id FROM deployments d JOIN configuration_models c "
		                    "ON c.configuration_id = d.configuration_id WHERE c.model_id = ? ORDER BY d.id",
		                    {top});
		if (!deployed.empty()) {
			throw Conflict("model " + std::to_string(model) + " is a sub-model of the distributed chain under model " +
			               std::to_string(top) + ", which is deployed (deployment(s) " + join(deployed) +
			               "); create new models with the changes instead, or delete those deployments first");
		}
	}
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
	check_father_locked(model);
	if (model.father) {
		auto users = ids("SELECT DISTINCT configuration_id FROM configuration_models WHERE model_id = ? "
		                 "ORDER BY configuration_id",
		                 {model.id});
		if (!users.empty()) {
			throw Conflict("model " + std::to_string(model.id) + " is in configuration(s) " + join(users) +
			               ", which hold the top of a chain, never a sub-model below it; remove it from those "
			               "configurations before giving it an upper model");
		}
	}
	if (!model.distributed) {
		auto children = ids("SELECT id FROM models WHERE father = ? ORDER BY id", {model.id});
		if (!children.empty()) {
			throw InvalidArgument("model " + std::to_string(model.id) + " is the upper model of model " +
			                      join(children) + ", so it stays distributed; change that model's father first");
		}
	}
	auto rows = q(std::string("UPDATE models SET name = ?, description = ?, imports = ?, code = ?, framework = ?, "
	                          "distributed = ?, father = ? WHERE id = ? RETURNING ") +
	                  MODEL_COLUMNS,
	              {model.name, model.description, model.imports, model.code, model.framework,
	               int64_t{model.distributed}, father_value(model), model.id});
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
	auto children = ids("SELECT id FROM models WHERE father = ? ORDER BY id", {id});
	if (!children.empty()) {
		throw Conflict("model " + std::to_string(id) + " is the upper model (father) of model " + join(children) +
		               "; delete that sub-model first, or give it another father");
	}
	auto results = ids("SELECT id FROM results WHERE model_id = ? ORDER BY id", {id});
	if (!results.empty()) {
		throw Conflict("model " + std::to_string(id) + " has training results " + join(results) +
		               "; delete their deployments first");
	}
	q("DELETE FROM models WHERE id = ?", {id});
	tx.commit();
}

std::vector<Model> SqlStore::submodel_chain(int64_t top) {
	std::lock_guard lock(mutex_);
	std::vector<Model> chain{model_locked(top)};
	// father is unique among models (check_father_locked), so each step has
	// at most one child; the length bound guards a cycle written by hand.
	for (size_t step = 0; chain.back().distributed; ++step) {
		auto rows =
		    q(std::string("SELECT ") + MODEL_COLUMNS + " FROM models WHERE father = ? ORDER BY id", {chain.back().id});
		if (rows.empty() || step > 1000) {
			break;
		}
		chain.push_back(model_from(rows[0]));
	}
	std::reverse(chain.begin(), chain.end());
	return chain;
}

void SqlStore::check_father_locked(const Model &model) {
	if (!model.father) {
		return;
	}
	const int64_t father = *model.father;
	auto name = model.id ? "model " + std::to_string(model.id) : std::string("the model");
	if (!model.distributed) {
		throw InvalidArgument(name + " names an upper model (father " + std::to_string(father) +
		                      ") but is not distributed; set \"distributed\": true, or drop \"father\"");
	}
	if (father == model.id) {
		throw InvalidArgument(name + " cannot be its own upper model (father)");
	}
	auto rows = q("SELECT distributed, father FROM models WHERE id = ?", {father});
	if (rows.empty()) {
		throw InvalidArgument("father names model " + std::to_string(father) +
		                      ", which does not exist; create the upper model first");
	}
	if (to_int(rows[0][0]) == 0) {
		throw InvalidArgument("father names model " + std::to_string(father) +
		                      ", which is not distributed; only a distributed model can be an upper model");
	}
	// A chain that trained is frozen: nothing is added below it either.
	check_not_deployed(father);
	auto siblings = ids("SELECT id FROM models WHERE father = ? AND id <> ? ORDER BY id", {father, model.id});
	if (!siblings.empty()) {
		throw InvalidArgument("model " + std::to_string(father) + " is already the upper model of model " +
		                      join(siblings) + "; a chain has one sub-model below each upper model");
	}
	// Up from the father: reaching this model again would close a cycle.
	std::optional<int64_t> up = father;
	for (size_t step = 0; up && step <= 1000; ++step) {
		if (*up == model.id) {
			throw InvalidArgument("father " + std::to_string(father) + " would make a cycle: model " +
			                      std::to_string(model.id) + " is above it in its chain");
		}
		auto above = q("SELECT father FROM models WHERE id = ?", {*up});
		up = above.empty() || !above[0][0] ? std::nullopt : std::optional<int64_t>(to_int(above[0][0]));
	}
}

int64_t SqlStore::chain_top_locked(int64_t id) {
	int64_t top = id;
	for (size_t step = 0; step < 1000; ++step) {
		auto above = q("SELECT father FROM models WHERE id = ?", {top});
		if (above.empty() || !above[0][0]) {
			break;
		}
		top = to_int(above[0][0]);
	}
	return top;
}

Model SqlStore::model_locked(int64_t id) {
	auto rows = q(std::string("SELECT ") + MODEL_COLUMNS + " FROM models WHERE id = ?", {id});
	if (rows.empty()) {
		throw NotFound(not_found("model", id));
	}
	return model_from(rows[0]);
}

} // namespace kafkaml::store
