// SqlStore's deployments: a deployment is created with one result per model of its
// configuration, and deleted with them.

#include "store/sql_store.h"

#include "store/sql_cells.h"
#include "store/sql_transaction.h"
#include "store/time_text.h"

namespace kafkaml::store {
namespace {

using nlohmann::json;

constexpr const char *DEPLOYMENT_COLUMNS =
    "id, configuration_id, batch, kwargs_fit, kwargs_val, kwargs_fit_parsed, kwargs_val_parsed, created_at, mode, "
    "stream_timeout, window_size, monitoring_metric, monitoring_change, improvement, version_every_records, "
    "drift_detection, drift_threshold, drift_delta, drift_response, resources";

Deployment deployment_from(const SqlRow &row) {
	Deployment d;
	d.id = to_int(row[0]);
	d.configuration = to_int(row[1]);
	d.batch = to_int(row[2]);
	d.kwargs_fit = json::parse(to_text(row[3]));
	d.kwargs_val = json::parse(to_text(row[4]));
	d.kwargs_fit_parsed = to_json(row[5]);
	d.kwargs_val_parsed = to_json(row[6]);
	d.created_at = to_text(row[7]);
	d.mode = to_text(row[8]);
	d.stream_timeout = to_int(row[9]);
	d.window_size = to_int(row[10]);
	d.monitoring_metric = to_text(row[11]);
	d.change = to_text(row[12]);
	d.improvement = std::stod(to_text(row[13]));
	if (row[14]) {
		d.version_every_records = to_int(row[14]);
	}
	d.drift_detection = to_int(row[15]) != 0;
	d.drift_threshold = std::stod(to_text(row[16]));
	d.drift_delta = std::stod(to_text(row[17]));
	d.drift_response = to_text(row[18]);
	d.resources = resources_from_text(to_text(row[19]));
	return d;
}

} // namespace

std::pair<Deployment, std::vector<Result>> SqlStore::create_deployment(const Deployment &deployment) {
	std::lock_guard lock(mutex_);
	Transaction tx(*db_);
	Configuration configuration;
	try {
		configuration = configuration_locked(deployment.configuration);
	} catch (const NotFound &e) {
		throw InvalidArgument(std::string(e.what()) + "; create it first or pick one from GET configurations");
	}
	if (configuration.ml_models.empty()) {
		throw InvalidArgument("configuration " + std::to_string(configuration.id) +
		                      " has no models; add models to it before deploying");
	}
	std::string now = now_text();
	std::string fit = deployment.kwargs_fit.dump(), val = deployment.kwargs_val.dump();
	std::string fit_parsed = deployment.kwargs_fit_parsed.dump(), val_parsed = deployment.kwargs_val_parsed.dump();
	std::string resources = resources_to_text(deployment.resources);
	auto rows =
	    q(std::string("INSERT INTO deployments (configuration_id, batch, kwargs_fit, kwargs_val, "
	                  "kwargs_fit_parsed, kwargs_val_parsed, created_at, mode, stream_timeout, window_size, "
	                  "monitoring_metric, monitoring_change, improvement, version_every_records, drift_detection, "
	                  "drift_threshold, drift_delta, drift_response, resources) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
	                  "?, ?, ?, ?, "
	                  "?, ?, ?, ?, ?) RETURNING ") +
	          DEPLOYMENT_COLUMNS,
	      {deployment.configuration, deployment.batch, sv(fit), sv(val), sv(fit_parsed), sv(val_parsed), sv(now),
	       sv(deployment.mode), deployment.stream_timeout, deployment.window_size, sv(deployment.monitoring_metric),
	       sv(deployment.change), deployment.improvement,
	       deployment.version_every_records ? SqlValue(*deployment.version_every_records) : SqlValue(nullptr),
	       int64_t{deployment.drift_detection ? 1 : 0}, deployment.drift_threshold, deployment.drift_delta,
	       sv(deployment.drift_response), sv(resources)});
	Deployment created = deployment_from(rows.at(0));
	std::vector<Result> results;
	for (int64_t model : configuration.ml_models) {
		auto id = q("INSERT INTO results (deployment_id, model_id, status, status_changed, status_detail, "
		            "train_metrics, val_metrics, test_metrics, created_at) "
		            "VALUES (?, ?, 'created', ?, '', '{}', '{}', '{}', ?) RETURNING id",
		            {created.id, model, sv(now), sv(now)});
		results.push_back(result_locked(to_int(id.at(0)[0])));
	}
	tx.commit();
	return {created, results};
}

Deployment SqlStore::get_deployment(int64_t id) {
	std::lock_guard lock(mutex_);
	return deployment_locked(id);
}

std::vector<Deployment> SqlStore::list_deployments() {
	std::lock_guard lock(mutex_);
	return select_all<Deployment>(DEPLOYMENT_COLUMNS, "deployments", deployment_from);
}

void SqlStore::delete_deployment(int64_t id) {
	std::lock_guard lock(mutex_);
	Transaction tx(*db_);
	deployment_locked(id);
	auto active = ids("SELECT id FROM results WHERE deployment_id = ? AND status IN ('created', 'deployed', "
	                  "'running') ORDER BY id",
	                  {id});
	if (!active.empty()) {
		throw Conflict("deployment " + std::to_string(id) + " still has active results " + join(active) +
		               "; stop the deployment first (POST deployments/" + std::to_string(id) + "/stop)");
	}
	auto used = ids("SELECT i.id FROM inferences i JOIN results r ON r.id = i.model_result_id "
	                "WHERE r.deployment_id = ? ORDER BY i.id",
	                {id});
	if (!used.empty()) {
		throw Conflict("inference(s) " + join(used) + " use results of deployment " + std::to_string(id) +
		               "; delete those inferences first");
	}
	q("DELETE FROM deployments WHERE id = ?", {id});
	tx.commit();
}

Deployment SqlStore::deployment_locked(int64_t id) {
	auto rows = q(std::string("SELECT ") + DEPLOYMENT_COLUMNS + " FROM deployments WHERE id = ?", {id});
	if (rows.empty()) {
		throw NotFound(not_found("deployment", id));
	}
	return deployment_from(rows[0]);
}

} // namespace kafkaml::store
