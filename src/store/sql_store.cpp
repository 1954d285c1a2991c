#include "store/sql_store.h"

#include "store/migrations.h"
#include "store/time_text.h"

#include <mutex>

namespace kafkaml::store {
namespace {

using nlohmann::json;
using Params = std::vector<SqlValue>;

int64_t to_int(const std::optional<std::string> &cell) {
	return cell ? std::stoll(*cell) : 0;
}
std::string to_text(const std::optional<std::string> &cell) {
	return cell.value_or("");
}
json to_json(const std::optional<std::string> &cell) {
	if (!cell || cell->empty()) {
		return json::object();
	}
	return json::parse(*cell);
}

// Opens a transaction on construction; rolls it back unless commit() ran.
class Transaction {
public:
	explicit Transaction(SqlConnection &connection) : connection_(connection) { connection_.begin(); }
	~Transaction() {
		if (!done_) {
			connection_.rollback();
		}
	}
	Transaction(const Transaction &) = delete;
	Transaction &operator=(const Transaction &) = delete;
	void commit() {
		done_ = true;
		connection_.commit();
	}

private:
	SqlConnection &connection_;
	bool done_ = false;
};

constexpr const char *MODEL_COLUMNS =
    "id, name, description, imports, code, framework, created_at, COALESCE(length(module), -1)";
constexpr const char *DEPLOYMENT_COLUMNS = "id, configuration_id, batch, kwargs_fit, kwargs_val, kwargs_fit_parsed, "
                                           "kwargs_val_parsed, created_at";
constexpr const char *RESULT_COLUMNS =
    "r.id, r.deployment_id, r.model_id, r.status, r.status_changed, r.status_detail, r.train_metrics, "
    "r.val_metrics, r.test_metrics, r.training_time, r.created_at, t.size, r.restarts, r.last_exit, "
    "r.input_format, r.input_config, "
    "(SELECT COUNT(*) FROM result_epochs e WHERE e.result_id = r.id), "
    "(SELECT MAX(e.epoch) FROM result_epochs e WHERE e.result_id = r.id), "
    "(SELECT e.metrics FROM result_epochs e WHERE e.result_id = r.id ORDER BY e.epoch DESC LIMIT 1), "
    "(SELECT e.time FROM result_epochs e WHERE e.result_id = r.id ORDER BY e.epoch DESC LIMIT 1)";
constexpr const char *RESULT_FROM = " FROM results r LEFT JOIN trained_models t ON t.result_id = r.id";
constexpr const char *INFERENCE_COLUMNS =
    "id, model_result_id, replicas, input_format, input_config, input_topic, output_topic, dead_letter_topic, "
    "status, status_changed, status_detail, created_at, restarts, last_exit";
constexpr const char *DATASOURCE_COLUMNS = "id, deployment_id, topic, input_format, input_config, description, "
                                           "validation_rate, test_rate, total_msg, time, control_message";
constexpr const char *REFUSED_COLUMNS = "id, control_message, deployment_id, reason, time";
constexpr const char *JOB_COLUMNS = "id, kind, owner_id, replica, desired_state, pid, host, restarts, updated_at";

Model model_from(const SqlRow &row) {
	return {to_int(row[0]),  to_text(row[1]), to_text(row[2]), to_text(row[3]),
	        to_text(row[4]), to_text(row[5]), to_text(row[6]), to_int(row[7])};
}

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
	return d;
}

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

Inference inference_from(const SqlRow &row) {
	Inference i;
	i.id = to_int(row[0]);
	i.model_result = to_int(row[1]);
	i.replicas = to_int(row[2]);
	i.input_format = to_text(row[3]);
	i.input_config = to_json(row[4]);
	i.input_topic = to_text(row[5]);
	i.output_topic = to_text(row[6]);
	i.dead_letter_topic = to_text(row[7]);
	i.status = inference_status_from_string(to_text(row[8]));
	i.status_changed = to_text(row[9]);
	i.status_detail = to_text(row[10]);
	i.created_at = to_text(row[11]);
	i.restarts = to_int(row[12]);
	i.last_exit = to_text(row[13]);
	return i;
}

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

std::string not_found(std::string_view what, int64_t id) {
	return std::string(what) + " " + std::to_string(id) + " does not exist";
}

class SqlStore final : public Store {
public:
	explicit SqlStore(std::unique_ptr<SqlConnection> connection) : db_(std::move(connection)) {
		version_ = apply_migrations(*db_);
	}

	// ---- models

	Model create_model(const Model &model) override {
		std::lock_guard lock(mutex_);
		std::string now = now_text();
		auto rows = q(std::string("INSERT INTO models (name, description, imports, code, framework, created_at) "
		                          "VALUES (?, ?, ?, ?, ?, ?) RETURNING ") +
		                  MODEL_COLUMNS,
		              {model.name, model.description, model.imports, model.code, model.framework, sv(now)});
		return model_from(rows.at(0));
	}

	Model get_model(int64_t id) override {
		std::lock_guard lock(mutex_);
		return model_locked(id);
	}

	std::vector<Model> list_models() override {
		std::lock_guard lock(mutex_);
		return select_all<Model>(MODEL_COLUMNS, "models", model_from);
	}

	//! A deployed model's results were trained on the model as it was:
	//! changing it would make them lie about what they are. Holds mutex_.
	void check_not_deployed(int64_t model) {
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

	Model update_model(const Model &model) override {
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

	void put_model_module(int64_t id, std::string_view bytes) override {
		std::lock_guard lock(mutex_);
		Transaction tx(*db_);
		model_locked(id);
		check_not_deployed(id);
		q("UPDATE models SET module = ? WHERE id = ?", {SqlBlob{bytes}, id});
		tx.commit();
	}

	std::optional<std::string> get_model_module(int64_t id) override {
		std::lock_guard lock(mutex_);
		model_locked(id);
		auto rows = q("SELECT module FROM models WHERE id = ?", {id});
		if (rows.empty() || !rows[0][0]) {
			return std::nullopt;
		}
		return to_text(rows[0][0]);
	}

	void delete_model(int64_t id) override {
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

	// ---- configurations

	Configuration create_configuration(const Configuration &configuration) override {
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

	Configuration get_configuration(int64_t id) override {
		std::lock_guard lock(mutex_);
		return configuration_locked(id);
	}

	std::vector<Configuration> list_configurations() override {
		std::lock_guard lock(mutex_);
		std::vector<Configuration> out;
		for (int64_t id : ids("SELECT id FROM configurations ORDER BY id", {})) {
			out.push_back(configuration_locked(id));
		}
		return out;
	}

	Configuration update_configuration(const Configuration &configuration) override {
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

	void delete_configuration(int64_t id) override {
		std::lock_guard lock(mutex_);
		Transaction tx(*db_);
		configuration_locked(id);
		refuse_if_deployed(id, "delete");
		q("DELETE FROM configurations WHERE id = ?", {id});
		tx.commit();
	}

	// ---- deployments

	std::pair<Deployment, std::vector<Result>> create_deployment(const Deployment &deployment) override {
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
		auto rows =
		    q(std::string("INSERT INTO deployments (configuration_id, batch, kwargs_fit, kwargs_val, "
		                  "kwargs_fit_parsed, kwargs_val_parsed, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
		                  "RETURNING ") +
		          DEPLOYMENT_COLUMNS,
		      {deployment.configuration, deployment.batch, sv(fit), sv(val), sv(fit_parsed), sv(val_parsed), sv(now)});
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

	Deployment get_deployment(int64_t id) override {
		std::lock_guard lock(mutex_);
		return deployment_locked(id);
	}

	std::vector<Deployment> list_deployments() override {
		std::lock_guard lock(mutex_);
		return select_all<Deployment>(DEPLOYMENT_COLUMNS, "deployments", deployment_from);
	}

	void delete_deployment(int64_t id) override {
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

	// ---- results

	Result get_result(int64_t id, const EpochQuery &epochs) override {
		std::lock_guard lock(mutex_);
		return result_locked(id, &epochs);
	}

	std::vector<Result> list_results(std::optional<int64_t> deployment) override {
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

	Result update_result_status(int64_t id, ResultStatus to, const ResultReport &report) override {
		std::lock_guard lock(mutex_);
		Transaction tx(*db_);
		Result current = result_locked(id, nullptr, true);
		if (!is_valid_transition(current.status, to)) {
			throw Conflict(
			    "result " + std::to_string(id) + " is " + std::string(to_string(current.status)) +
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
		if (report.new_run) {
			q("DELETE FROM result_epochs WHERE result_id = ?", {id});
		}
		q("UPDATE results SET status = ?, status_changed = ?, status_detail = ?, train_metrics = ?, val_metrics = ?, "
		  "test_metrics = ?, training_time = ?, input_format = ?, input_config = ? WHERE id = ?",
		  {sv(status), sv(changed), sv(detail), sv(train), sv(val), sv(test),
		   time ? SqlValue(*time) : SqlValue(nullptr), sv(input_format), sv(input_config), id});
		Result out = result_locked(id);
		tx.commit();
		return out;
	}

	void append_epochs(int64_t id, const std::vector<EpochMetrics> &epochs) override {
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

	void put_trained_model(int64_t id, std::string_view bytes) override {
		std::lock_guard lock(mutex_);
		Transaction tx(*db_);
		result_locked(id);
		std::string now = now_text();
		q("DELETE FROM trained_models WHERE result_id = ?", {id});
		q("INSERT INTO trained_models (result_id, data, size, uploaded_at) VALUES (?, ?, ?, ?)",
		  {id, SqlBlob{bytes}, int64_t(bytes.size()), sv(now)});
		tx.commit();
	}

	std::optional<std::string> get_trained_model(int64_t id) override {
		std::lock_guard lock(mutex_);
		result_locked(id);
		auto rows = q("SELECT data FROM trained_models WHERE result_id = ?", {id});
		if (rows.empty()) {
			return std::nullopt;
		}
		return to_text(rows[0][0]);
	}

	void delete_result(int64_t id) override {
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

	// ---- inferences

	Inference create_inference(const Inference &inference) override {
		std::lock_guard lock(mutex_);
		Transaction tx(*db_);
		Result result;
		try {
			result = result_locked(inference.model_result);
		} catch (const NotFound &e) {
			throw InvalidArgument(std::string(e.what()) + "; pick a finished one from GET results");
		}
		if (result.status != ResultStatus::Finished) {
			throw Conflict("result " + std::to_string(result.id) + " is " + std::string(to_string(result.status)) +
			               "; only a finished result can be deployed for inference");
		}
		if (inference.replicas < 1) {
			throw InvalidArgument("replicas must be at least 1");
		}
		std::string now = now_text();
		std::string config = inference.input_config.dump();
		auto rows = q(std::string("INSERT INTO inferences (model_result_id, replicas, input_format, input_config, "
		                          "input_topic, output_topic, dead_letter_topic, status, status_changed, "
		                          "status_detail, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'deployed', ?, '', ?) "
		                          "RETURNING ") +
		                  INFERENCE_COLUMNS,
		              {inference.model_result, inference.replicas, inference.input_format, sv(config),
		               inference.input_topic, inference.output_topic, inference.dead_letter_topic, sv(now), sv(now)});
		tx.commit();
		return inference_from(rows.at(0));
	}

	Inference get_inference(int64_t id) override {
		std::lock_guard lock(mutex_);
		return inference_locked(id);
	}

	std::vector<Inference> list_inferences() override {
		std::lock_guard lock(mutex_);
		return select_all<Inference>(INFERENCE_COLUMNS, "inferences", inference_from);
	}

	Inference update_inference_status(int64_t id, InferenceStatus to, std::string_view detail) override {
		std::lock_guard lock(mutex_);
		Transaction tx(*db_);
		Inference current = inference_locked(id, true);
		if (is_terminal(current.status) && current.status != to) {
			throw Conflict("inference " + std::to_string(id) + " is " + std::string(to_string(current.status)) +
			               " and cannot become " + std::string(to_string(to)) + "; create a new inference instead");
		}
		if (to == InferenceStatus::Deployed && current.status != to) {
			throw Conflict("inference " + std::to_string(id) + " is " + std::string(to_string(current.status)) +
			               " and cannot go back to deployed");
		}
		std::string now = now_text();
		std::string status(to_string(to));
		q("UPDATE inferences SET status = ?, status_changed = ?, status_detail = ? WHERE id = ?",
		  {sv(status), current.status == to ? sv(current.status_changed) : sv(now), detail, id});
		Inference out = inference_locked(id);
		tx.commit();
		return out;
	}

	Inference set_inference_replicas(int64_t id, int64_t replicas) override {
		std::lock_guard lock(mutex_);
		Transaction tx(*db_);
		Inference current = inference_locked(id, true);
		if (is_terminal(current.status)) {
			throw Conflict("inference " + std::to_string(id) + " is " + std::string(to_string(current.status)) +
			               "; only a deployed or running inference can be scaled");
		}
		if (replicas < 1) {
			throw InvalidArgument("replicas must be at least 1 (stop the inference to run none)");
		}
		q("UPDATE inferences SET replicas = ? WHERE id = ?", {replicas, id});
		Inference out = inference_locked(id);
		tx.commit();
		return out;
	}

	void delete_inference(int64_t id) override {
		std::lock_guard lock(mutex_);
		Transaction tx(*db_);
		Inference current = inference_locked(id);
		if (!is_terminal(current.status)) {
			throw Conflict("inference " + std::to_string(id) + " is " + std::string(to_string(current.status)) +
			               "; stop it first (POST inferences/" + std::to_string(id) + "/stop)");
		}
		q("DELETE FROM inferences WHERE id = ?", {id});
		tx.commit();
	}

	// ---- datasources

	Datasource add_datasource(const Datasource &d) override {
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
			rows = q(std::string("SELECT ") + DATASOURCE_COLUMNS + " FROM datasources WHERE control_message = ?",
			         {source});
		}
		return datasource_from(rows.at(0));
	}

	RefusedControlMessage add_refused_control_message(const RefusedControlMessage &refused) override {
		std::lock_guard lock(mutex_);
		std::string now = refused.time.empty() ? now_text() : refused.time;
		auto rows =
		    q(std::string("INSERT INTO refused_control_messages (control_message, deployment_id, reason, "
		                  "time) VALUES (?, ?, ?, ?) ON CONFLICT (control_message) DO NOTHING RETURNING ") +
		          REFUSED_COLUMNS,
		      {sv(refused.control_message), refused.deployment ? SqlValue(*refused.deployment) : SqlValue(nullptr),
		       sv(refused.reason), sv(now)});
		if (rows.empty()) {
			rows =
			    q(std::string("SELECT ") + REFUSED_COLUMNS + " FROM refused_control_messages WHERE control_message = ?",
			      {sv(refused.control_message)});
		}
		return refused_from(rows.at(0));
	}

	std::vector<RefusedControlMessage> list_refused_control_messages(size_t limit) override {
		std::lock_guard lock(mutex_);
		std::vector<RefusedControlMessage> out;
		for (const auto &row :
		     q(std::string("SELECT ") + REFUSED_COLUMNS + " FROM refused_control_messages ORDER BY id DESC LIMIT ?",
		       {static_cast<int64_t>(limit)})) {
			out.push_back(refused_from(row));
		}
		return out;
	}

	Datasource get_datasource(int64_t id) override {
		std::lock_guard lock(mutex_);
		auto rows = q(std::string("SELECT ") + DATASOURCE_COLUMNS + " FROM datasources WHERE id = ?", {id});
		if (rows.empty()) {
			throw NotFound(not_found("datasource", id));
		}
		return datasource_from(rows[0]);
	}

	std::vector<Datasource> list_datasources() override {
		std::lock_guard lock(mutex_);
		return select_all<Datasource>(DATASOURCE_COLUMNS, "datasources", datasource_from);
	}

	std::optional<Datasource> latest_datasource(int64_t deployment) override {
		std::lock_guard lock(mutex_);
		auto rows = q(std::string("SELECT ") + DATASOURCE_COLUMNS +
		                  " FROM datasources WHERE deployment_id = ? ORDER BY id DESC LIMIT 1",
		              {deployment});
		if (rows.empty()) {
			return std::nullopt;
		}
		return datasource_from(rows[0]);
	}

	// ---- settings

	std::optional<std::string> get_setting(std::string_view key) override {
		std::lock_guard lock(mutex_);
		auto rows = q("SELECT value FROM settings WHERE key = ?", {key});
		if (rows.empty()) {
			return std::nullopt;
		}
		return to_text(rows[0][0]);
	}

	void put_setting(std::string_view key, std::string_view value) override {
		std::lock_guard lock(mutex_);
		q("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
		  {key, value});
	}

	std::string put_setting_if_absent(std::string_view key, std::string_view value) override {
		std::lock_guard lock(mutex_);
		q("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", {key, value});
		return to_text(q("SELECT value FROM settings WHERE key = ?", {key}).at(0)[0]);
	}

	void delete_setting(std::string_view key) override {
		std::lock_guard lock(mutex_);
		q("DELETE FROM settings WHERE key = ?", {key});
	}

	// ---- jobs

	void record_restart(JobKind kind, int64_t owner, std::string_view last_exit) override {
		std::lock_guard lock(mutex_);
		const char *table = kind == JobKind::Training ? "results" : "inferences";
		auto rows =
		    q(std::string("UPDATE ") + table + " SET restarts = restarts + 1, last_exit = ? WHERE id = ? RETURNING id",
		      {last_exit, owner});
		if (rows.empty()) {
			throw NotFound(not_found(kind == JobKind::Training ? "result" : "inference", owner));
		}
	}

	Job upsert_job(const Job &job) override {
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

	std::vector<Job> list_jobs() override {
		std::lock_guard lock(mutex_);
		return select_all<Job>(JOB_COLUMNS, "jobs", job_from);
	}

	void delete_job(int64_t id) override {
		std::lock_guard lock(mutex_);
		q("DELETE FROM jobs WHERE id = ?", {id});
	}

	int schema_version() override {
		std::lock_guard lock(mutex_);
		return version_;
	}

private:
	static SqlValue sv(const std::string &text) { return std::string_view(text); }

	static std::string join(const std::vector<int64_t> &values) {
		std::string out;
		for (size_t i = 0; i < values.size(); i++) {
			out += (i ? ", " : "") + std::to_string(values[i]);
		}
		return out;
	}

	// Strings in Params are views: callers keep the texts alive for the call.
	//! Every statement goes through here. Text holding NUL is refused for
	//! both databases: PostgreSQL cannot store it (every attempt would fail
	//! again, e.g. a control message read after each restart) and SQLite
	//! would hand it back cut short.
	std::vector<SqlRow> q(const std::string &sql, const Params &params) {
		for (const auto &param : params) {
			if (auto text = std::get_if<std::string_view>(&param); text && text->find('\0') != std::string_view::npos) {
				throw InvalidArgument("a text value holds the NUL character (\\u0000), which is not stored; remove it");
			}
		}
		return db_->query(sql, params);
	}

	// Every row of `table`, oldest first.
	template <typename T>
	std::vector<T> select_all(const char *columns, const char *table, T (*from)(const SqlRow &)) {
		std::vector<T> out;
		for (const auto &row : q(std::string("SELECT ") + columns + " FROM " + table + " ORDER BY id", {})) {
			out.push_back(from(row));
		}
		return out;
	}

	std::vector<int64_t> ids(const std::string &sql, const Params &params) {
		std::vector<int64_t> out;
		for (const auto &row : q(sql, params)) {
			out.push_back(to_int(row.at(0)));
		}
		return out;
	}

	// PostgreSQL locks the row for the rest of the transaction so that two
	// servers cannot both pass the same state check; SQLite's BEGIN IMMEDIATE
	// already holds the write lock.
	std::string for_update(bool lock) const {
		return lock && db_->dialect() == SqlDialect::PostgreSQL ? " FOR UPDATE OF r" : "";
	}

	Model model_locked(int64_t id) {
		auto rows = q(std::string("SELECT ") + MODEL_COLUMNS + " FROM models WHERE id = ?", {id});
		if (rows.empty()) {
			throw NotFound(not_found("model", id));
		}
		return model_from(rows[0]);
	}

	Configuration configuration_locked(int64_t id) {
		auto rows = q("SELECT id, name, description, created_at FROM configurations WHERE id = ?", {id});
		if (rows.empty()) {
			throw NotFound(not_found("configuration", id));
		}
		Configuration c{to_int(rows[0][0]), to_text(rows[0][1]), to_text(rows[0][2]), {}, to_text(rows[0][3])};
		c.ml_models =
		    ids("SELECT model_id FROM configuration_models WHERE configuration_id = ? ORDER BY position", {id});
		return c;
	}

	void insert_configuration_models(int64_t configuration, const std::vector<int64_t> &models) {
		int64_t position = 0;
		for (int64_t model : models) {
			if (q("SELECT id FROM models WHERE id = ?", {model}).empty()) {
				throw InvalidArgument("ml_models names model " + std::to_string(model) +
				                      ", which does not exist; create it first or pick one from GET models");
			}
			q("INSERT INTO configuration_models (configuration_id, position, model_id) VALUES (?, ?, ?)",
			  {configuration, position++, model});
		}
	}

	void refuse_if_deployed(int64_t configuration, std::string_view verb) {
		auto deployments = ids("SELECT id FROM deployments WHERE configuration_id = ? ORDER BY id", {configuration});
		if (!deployments.empty()) {
			throw Conflict("configuration " + std::to_string(configuration) + " is deployed (deployment(s) " +
			               join(deployments) + "); to " + std::string(verb) +
			               " it, delete those deployments first or create a new configuration");
		}
	}

	Deployment deployment_locked(int64_t id) {
		auto rows = q(std::string("SELECT ") + DEPLOYMENT_COLUMNS + " FROM deployments WHERE id = ?", {id});
		if (rows.empty()) {
			throw NotFound(not_found("deployment", id));
		}
		return deployment_from(rows[0]);
	}

	//! `epochs`: which to fill in; none when null.
	Result result_locked(int64_t id, const EpochQuery *epochs = nullptr, bool lock_row = false) {
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

	Inference inference_locked(int64_t id, bool lock_row = false) {
		std::string lock = lock_row && db_->dialect() == SqlDialect::PostgreSQL ? " FOR UPDATE" : "";
		auto rows = q(std::string("SELECT ") + INFERENCE_COLUMNS + " FROM inferences WHERE id = ?" + lock, {id});
		if (rows.empty()) {
			throw NotFound(not_found("inference", id));
		}
		return inference_from(rows[0]);
	}

	std::mutex mutex_;
	std::unique_ptr<SqlConnection> db_;
	int version_ = 0;
};

} // namespace

std::unique_ptr<Store> make_sql_store(std::unique_ptr<SqlConnection> connection) {
	return std::make_unique<SqlStore>(std::move(connection));
}

} // namespace kafkaml::store
