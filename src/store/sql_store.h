#pragma once

// Store over a SqlConnection: the one implementation of every entity's SQL,
// shared by SQLite and PostgreSQL (they differ only in their connection and
// in the DDL tokens of migrations.h). One class, SqlStore, its methods in
// one file per entity (sql_store_models.cpp, ...; README.md lists them);
// what they share (the connection, the mutex, the statement helpers) is in
// sql_store.cpp.
//
// Thread-safety: one connection guarded by a mutex; every public method takes
// it for its whole duration, so each call is atomic with respect to the
// others in this process. Across processes, transactions do the same work
// (SQLite: BEGIN IMMEDIATE; PostgreSQL: read committed + row checks inside).
// Private methods run with mutex_ held by their caller.

#include "store/sql_connection.h"
#include "store/store.h"

#include <memory>
#include <mutex>

namespace kafkaml::store {

class SqlStore final : public Store {
public:
	//! Applies pending migrations.
	explicit SqlStore(std::unique_ptr<SqlConnection> connection);

	// Models (sql_store_models.cpp).
	Model create_model(const Model &model) override;
	Model get_model(int64_t id) override;
	std::vector<Model> list_models() override;
	Model update_model(const Model &model) override;
	void put_model_module(int64_t id, std::string_view bytes) override;
	std::optional<std::string> get_model_module(int64_t id) override;
	void put_model_weights(int64_t id, std::string_view bytes) override;
	std::optional<std::string> get_model_weights(int64_t id) override;
	void delete_model(int64_t id) override;
	std::vector<Model> submodel_chain(int64_t top) override;

	// Configurations (sql_store_configurations.cpp).
	Configuration create_configuration(const Configuration &configuration) override;
	Configuration get_configuration(int64_t id) override;
	std::vector<Configuration> list_configurations() override;
	Configuration update_configuration(const Configuration &configuration) override;
	void delete_configuration(int64_t id) override;

	// Deployments (sql_store_deployments.cpp).
	std::pair<Deployment, std::vector<Result>> create_deployment(const Deployment &deployment) override;
	Deployment get_deployment(int64_t id) override;
	std::vector<Deployment> list_deployments() override;
	void delete_deployment(int64_t id) override;

	// Results (sql_store_results.cpp).
	Result get_result(int64_t id, const EpochQuery &epochs) override;
	std::vector<Result> list_results(std::optional<int64_t> deployment) override;
	Result update_result_status(int64_t id, ResultStatus to, const ResultReport &report) override;
	void append_epochs(int64_t id, const std::vector<EpochMetrics> &epochs) override;
	void put_trained_model(int64_t id, std::string_view bytes) override;
	std::optional<std::string> get_trained_model(int64_t id) override;
	void delete_result(int64_t id) override;

	// Result versions (sql_store_versions.cpp).
	std::pair<ResultVersion, bool> add_result_version(int64_t id, const ResultVersion &version,
	                                                  std::string_view bytes) override;
	std::vector<ResultVersion> list_result_versions(int64_t id) override;
	std::optional<std::string> get_result_version_model(int64_t id, int64_t version) override;
	std::optional<ResultVersion> get_result_version(int64_t id, int64_t version) override;
	std::optional<std::pair<ResultVersion, bool>> set_result_version_state(int64_t id, int64_t version,
	                                                                       std::string_view bytes) override;
	std::optional<std::string> get_result_version_state(int64_t id, int64_t version) override;
	std::optional<ResultVersion> latest_result_version(int64_t id) override;

	// Result drifts (sql_store_drifts.cpp).
	std::pair<ResultDrift, bool> add_result_drift(int64_t id, const ResultDrift &drift) override;
	std::vector<ResultDrift> list_result_drifts(int64_t id) override;
	std::vector<std::pair<int64_t, int64_t>> count_result_drifts() override;

	// Inferences (sql_store_inferences.cpp).
	Inference create_inference(const Inference &inference) override;
	Inference get_inference(int64_t id) override;
	std::vector<Inference> list_inferences() override;
	Inference update_inference_status(int64_t id, InferenceStatus to, std::string_view detail) override;
	Inference set_inference_replicas(int64_t id, int64_t replicas) override;
	Inference set_inference_served_model(int64_t id, ServedModel served, int64_t pinned_version) override;
	Inference set_inference_thresholds(int64_t id, const std::vector<double> &thresholds) override;
	void delete_inference(int64_t id) override;

	// Datasources and refused control messages (sql_store_datasources.cpp).
	Datasource add_datasource(const Datasource &d) override;
	RefusedControlMessage add_refused_control_message(const RefusedControlMessage &refused) override;
	std::vector<RefusedControlMessage> list_refused_control_messages(size_t limit) override;
	Datasource get_datasource(int64_t id) override;
	void delete_datasource(int64_t id) override;
	void check_datasource_unused(int64_t id) override;
	std::vector<Datasource> mark_datasource_records_deleted(const std::vector<int64_t> &ids) override;
	std::vector<Datasource> list_datasources() override;
	std::optional<Datasource> latest_datasource(int64_t deployment) override;

	// Users and tokens (sql_store_users.cpp).
	User create_user(std::string_view name, std::string_view role, bool builtin) override;
	User get_user(int64_t id) override;
	std::optional<User> find_user(std::string_view name) override;
	std::vector<User> list_users() override;
	User set_user_role(int64_t id, std::string_view role) override;
	void delete_user(int64_t id) override;
	AuthToken create_token(int64_t user_id, std::string_view name, std::string_view hash,
	                       std::optional<std::string> expires_at) override;
	std::optional<AuthToken> find_token_by_hash(std::string_view hash) override;
	AuthToken get_token(int64_t id) override;
	std::vector<AuthToken> list_tokens() override;
	AuthToken revoke_token(int64_t id) override;
	void unrevoke_token(int64_t id) override;
	void touch_token(int64_t id, std::string_view at) override;

	// Audit log (sql_store_audit.cpp).
	void add_audit_entries(const std::vector<AuditEntry> &entries) override;
	std::vector<AuditEntry> list_audit(size_t limit, std::optional<int64_t> before) override;

	// Settings (sql_store_settings.cpp).
	std::optional<std::string> get_setting(std::string_view key) override;
	void put_setting(std::string_view key, std::string_view value) override;
	std::string put_setting_if_absent(std::string_view key, std::string_view value) override;
	void delete_setting(std::string_view key) override;

	// Jobs (sql_store_jobs.cpp).
	void record_restart(JobKind kind, int64_t owner, std::string_view last_exit) override;
	Job upsert_job(const Job &job) override;
	std::vector<Job> list_jobs() override;
	void delete_job(int64_t id) override;

	int schema_version() override;

private:
	// Strings in Params are views: callers keep the texts alive for the call.
	using Params = std::vector<SqlValue>;

	static SqlValue sv(const std::string &text) { return std::string_view(text); }
	static std::string join(const std::vector<int64_t> &values);
	static std::string not_found(std::string_view what, int64_t id);

	//! Every statement goes through here. Text holding NUL is refused for
	//! both databases: PostgreSQL cannot store it (every attempt would fail
	//! again, e.g. a control message read after each restart) and SQLite
	//! would hand it back cut short.
	std::vector<SqlRow> q(const std::string &sql, const Params &params);

	// Every row of `table`, oldest first.
	template <typename T>
	std::vector<T> select_all(const char *columns, const char *table, T (*from)(const SqlRow &)) {
		std::vector<T> out;
		for (const auto &row : q(std::string("SELECT ") + columns + " FROM " + table + " ORDER BY id", {})) {
			out.push_back(from(row));
		}
		return out;
	}

	std::vector<int64_t> ids(const std::string &sql, const Params &params);
	std::string for_update(bool lock) const;

	// Models.
	Model model_locked(int64_t id);
	//! A deployed model's results were trained on the model as it was:
	//! changing it would make them lie about what they are.
	void check_not_deployed(int64_t model);
	//! The top of the distributed chain `id` is in: itself when it has no
	//! father. Lock held.
	int64_t chain_top_locked(int64_t id);
	//! Throws InvalidArgument unless `model`'s distributed/father may be stored (Store::create_model).
	void check_father_locked(const Model &model);
	//! A model's file column (module, weights): replaced while not deployed; read whole.
	void put_model_file(int64_t id, const char *column, std::string_view bytes);
	std::optional<std::string> get_model_file(int64_t id, const char *column);

	// Configurations.
	Configuration configuration_locked(int64_t id);
	void insert_configuration_models(int64_t configuration, const std::vector<int64_t> &models);
	void refuse_if_deployed(int64_t configuration, std::string_view verb);

	// Deployments.
	Deployment deployment_locked(int64_t id);

	// Results.
	//! `epochs`: which to fill in; none when null.
	Result result_locked(int64_t id, const EpochQuery *epochs = nullptr, bool lock_row = false);

	// Result versions.
	//! Result `id`, its row locked (ordering two servers writing versions
	//! of it); Conflict naming `what` once it ended.
	void lock_training_result(int64_t id, std::string_view what);
	std::optional<ResultVersion> result_version_locked(int64_t id, int64_t version);

	// Users.
	User user_locked(int64_t id);
	//! Conflict unless another user than `id` is an admin.
	void keep_an_admin(int64_t id, std::string_view what);

	// Inferences.
	Inference inference_locked(int64_t id, bool lock_row = false);
	//! Throws unless `result` has the model `served` names (Store::create_inference).
	void check_served_model_locked(const Result &result, ServedModel served, int64_t pinned_version);
	//! check_datasource_unused() with the mutex held.
	void check_datasource_unused_locked(int64_t id);

	std::mutex mutex_;
	std::unique_ptr<SqlConnection> db_;
	int version_ = 0;
};

//! Takes ownership of `connection` and applies pending migrations.
std::unique_ptr<Store> make_sql_store(std::unique_ptr<SqlConnection> connection);

} // namespace kafkaml::store
