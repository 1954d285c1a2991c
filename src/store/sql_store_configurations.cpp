// SqlStore's configurations: a name and an ordered list of models (configuration_models).

#include "store/sql_store.h"

#include "store/sql_cells.h"
#include "store/sql_transaction.h"
#include "store/time_text.h"

namespace kafkaml::store {

Configuration SqlStore::create_configuration(const Configuration &configuration) {
	std::lock_guard lock(mutex_);
	Transaction tx(*db_);
	std::string now = now_text();
	auto rows = q("INSERT INTO configurations (name, description, created_at) VALUES (?, ?, ?) RETURNING id",
	              {configuration.name, configuration.description, sv(now)});
	int64_t id = to_int(rows.at(0)[0]);
	insert_configuration_models(id, configuration.ml_models);
	Configuration out = configuration_locked(id);
	tx.commit();
	return out;
}

Configuration SqlStore::get_configuration(int64_t id) {
	std::lock_guard lock(mutex_);
	return configuration_locked(id);
}

std::vector<Configuration> SqlStore::list_configurations() {
	std::lock_guard lock(mutex_);
	std::vector<Configuration> out;
	for (int64_t id : ids("SELECT id FROM configurations ORDER BY id", {})) {
		out.push_back(configuration_locked(id));
	}
	return out;
}

Configuration SqlStore::update_configuration(const Configuration &configuration) {
	std::lock_guard lock(mutex_);
	Transaction tx(*db_);
	configuration_locked(configuration.id);
	refuse_if_deployed(configuration.id, "change");
	q("UPDATE configurations SET name = ?, description = ? WHERE id = ?",
	  {configuration.name, configuration.description, configuration.id});
	q("DELETE FROM configuration_models WHERE configuration_id = ?", {configuration.id});
	insert_configuration_models(configuration.id, configuration.ml_models);
	Configuration out = configuration_locked(configuration.id);
	tx.commit();
	return out;
}

void SqlStore::delete_configuration(int64_t id) {
	std::lock_guard lock(mutex_);
	Transaction tx(*db_);
	configuration_locked(id);
	refuse_if_deployed(id, "delete");
	q("DELETE FROM configurations WHERE id = ?", {id});
	tx.commit();
}

Configuration SqlStore::configuration_locked(int64_t id) {
	auto rows = q("SELECT id, name, description, created_at FROM configurations WHERE id = ?", {id});
	if (rows.empty()) {
		throw NotFound(not_found("configuration", id));
	}
	Configuration c{to_int(rows[0][0]), to_text(rows[0][1]), to_text(rows[0][2]), {}, to_text(rows[0][3])};
	c.ml_models = ids("SELECT model_id FROM configuration_models WHERE configuration_id = ? ORDER BY position", {id});
	return c;
}

void SqlStore::insert_configuration_models(int64_t configuration, const std::vector<int64_t> &models) {
	int64_t position = 0;
	for (int64_t model : models) {
		auto found = q("SELECT father FROM models WHERE id = ?", {model});
		if (found.empty()) {
			throw InvalidArgument("ml_models names model " + std::to_string(model) +
			                      ", which does not exist; create it first or pick one from GET models");
		}
		if (found[0][0]) {
			// The chain trains from its top model, as the original's configurations hold it.
			int64_t top = to_int(found[0][0]);
			for (size_t step = 0; step < 1000; ++step) {
				auto above = q("SELECT father FROM models WHERE id = ?", {top});
				if (above.empty() || !above[0][0]) {
					break;
				}
				top = to_int(above[0][0]);
			}
			throw InvalidArgument("ml_models names model " + std::to_string(model) +
			                      ", a distributed sub-model below model " + to_text(found[0][0]) +
			                      "; put the top of its chain, model " + std::to_string(top) +
			                      ", in the configuration: it trains the whole chain");
		}
		q("INSERT INTO configuration_models (configuration_id, position, model_id) VALUES (?, ?, ?)",
		  {configuration, position++, model});
	}
}

void SqlStore::refuse_if_deployed(int64_t configuration, std::string_view verb) {
	auto deployments = ids("SELECT id FROM deployments WHERE configuration_id = ? ORDER BY id", {configuration});
	if (!deployments.empty()) {
		throw Conflict("configuration " + std::to_string(configuration) + " is deployed (deployment(s) " +
		               join(deployments) + "); to " + std::string(verb) +
		               " it, delete those deployments first or create a new configuration");
	}
}

} // namespace kafkaml::store
