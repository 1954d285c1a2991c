#include "store/migrations.h"

#include "store/store.h"
#include "store/time_text.h"

#include <string>

namespace kafkaml::store {
namespace {

const char *const MIGRATION_1 = R"sql(
CREATE TABLE models (
	id {id},
	name TEXT NOT NULL,
	description TEXT NOT NULL,
	imports TEXT NOT NULL,
	code TEXT NOT NULL,
	framework TEXT NOT NULL,
	created_at TEXT NOT NULL
);
CREATE TABLE configurations (
	id {id},
	name TEXT NOT NULL,
	description TEXT NOT NULL,
	created_at TEXT NOT NULL
);
CREATE TABLE configuration_models (
	configuration_id BIGINT NOT NULL REFERENCES configurations(id) ON DELETE CASCADE,
	position BIGINT NOT NULL,
	model_id BIGINT NOT NULL REFERENCES models(id),
	PRIMARY KEY (configuration_id, position)
);
CREATE TABLE deployments (
	id {id},
	configuration_id BIGINT NOT NULL REFERENCES configurations(id),
	batch BIGINT NOT NULL,
	kwargs_fit TEXT NOT NULL,
	kwargs_val TEXT NOT NULL,
	kwargs_fit_parsed TEXT NOT NULL,
	kwargs_val_parsed TEXT NOT NULL,
	created_at TEXT NOT NULL
);
CREATE TABLE results (
	id {id},
	deployment_id BIGINT NOT NULL REFERENCES deployments(id) ON DELETE CASCADE,
	model_id BIGINT NOT NULL REFERENCES models(id),
	status TEXT NOT NULL,
	status_changed TEXT NOT NULL,
	status_detail TEXT NOT NULL,
	train_metrics TEXT NOT NULL,
	val_metrics TEXT NOT NULL,
	test_metrics TEXT NOT NULL,
	training_time {real},
	created_at TEXT NOT NULL
);
CREATE TABLE result_epochs (
	result_id BIGINT NOT NULL REFERENCES results(id) ON DELETE CASCADE,
	epoch BIGINT NOT NULL,
	metrics TEXT NOT NULL,
	time TEXT NOT NULL,
	PRIMARY KEY (result_id, epoch)
);
CREATE TABLE trained_models (
	result_id BIGINT PRIMARY KEY REFERENCES results(id) ON DELETE CASCADE,
	data {blob} NOT NULL,
	size BIGINT NOT NULL,
	uploaded_at TEXT NOT NULL
);
CREATE TABLE inferences (
	id {id},
	model_result_id BIGINT NOT NULL REFERENCES results(id),
	replicas BIGINT NOT NULL,
	input_format TEXT NOT NULL,
	input_config TEXT NOT NULL,
	input_topic TEXT NOT NULL,
	output_topic TEXT NOT NULL,
	dead_letter_topic TEXT NOT NULL,
	status TEXT NOT NULL,
	status_changed TEXT NOT NULL,
	status_detail TEXT NOT NULL,
	created_at TEXT NOT NULL
);
CREATE TABLE datasources (
	id {id},
	deployment_id BIGINT NOT NULL,
	topic TEXT NOT NULL,
	input_format TEXT NOT NULL,
	input_config TEXT NOT NULL,
	description TEXT NOT NULL,
	validation_rate {real} NOT NULL,
	test_rate {real} NOT NULL,
	total_msg BIGINT NOT NULL,
	time TEXT NOT NULL
);
CREATE TABLE settings (
	key TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
CREATE TABLE jobs (
	id {id},
	kind TEXT NOT NULL,
	owner_id BIGINT NOT NULL,
	replica BIGINT NOT NULL,
	desired_state TEXT NOT NULL,
	pid BIGINT,
	host TEXT NOT NULL,
	restarts BIGINT NOT NULL,
	updated_at TEXT NOT NULL,
	UNIQUE (kind, owner_id, replica)
);
)sql";

// Lookups the API does on every page of results and on every inference
// created (its datasource), and the foreign keys checked on delete.
const char *const MIGRATION_2 = R"sql(
CREATE INDEX results_by_deployment ON results (deployment_id);
CREATE INDEX datasources_by_deployment ON datasources (deployment_id, id);
CREATE INDEX configuration_models_by_model ON configuration_models (model_id);
CREATE INDEX inferences_by_result ON inferences (model_result_id);
)sql";

// A datasource remembers the control message it was recorded from, so the
// control logger reading a message again (a crash between recording it and
// committing its offset, a rebalance) does not record the stream twice.
const char *const MIGRATION_3 = R"sql(
ALTER TABLE datasources ADD COLUMN control_message TEXT;
CREATE UNIQUE INDEX datasources_by_control_message ON datasources (control_message);
)sql";

// How often the jobs of a result or inference were restarted and how the
// last one ended, so that a crash loop shows in the API.
const char *const MIGRATION_4 = R"sql(
ALTER TABLE results ADD COLUMN restarts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE results ADD COLUMN last_exit TEXT NOT NULL DEFAULT '';
ALTER TABLE inferences ADD COLUMN restarts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE inferences ADD COLUMN last_exit TEXT NOT NULL DEFAULT '';
)sql";

// What a training job read from its control message, so an inference of its
// result knows its input format whatever the control logger's pace; and
// the control messages that were refused, so users see why a stream did
// not arrive.
const char *const MIGRATION_5 = R"sql(
ALTER TABLE results ADD COLUMN input_format TEXT NOT NULL DEFAULT '';
ALTER TABLE results ADD COLUMN input_config TEXT NOT NULL DEFAULT '';
CREATE TABLE refused_control_messages (
	id {id},
	control_message TEXT NOT NULL UNIQUE,
	deployment_id BIGINT,
	reason TEXT NOT NULL,
	time TEXT NOT NULL
);
)sql";

// The TorchScript module of a model users bring from PyTorch.
const char *const MIGRATION_6 = R"sql(
ALTER TABLE models ADD COLUMN module {blob};
)sql";

// Training modes: a deployment trains once on a bounded stream (batch, every
// deployment made before) or continually on a stream as it arrives.
const char *const MIGRATION_7 = R"sql(
ALTER TABLE deployments ADD COLUMN mode TEXT NOT NULL DEFAULT 'batch';
ALTER TABLE deployments ADD COLUMN stream_timeout BIGINT NOT NULL DEFAULT 60000;
ALTER TABLE deployments ADD COLUMN window_size BIGINT NOT NULL DEFAULT 1000;
ALTER TABLE deployments ADD COLUMN monitoring_metric TEXT NOT NULL DEFAULT 'loss';
ALTER TABLE deployments ADD COLUMN monitoring_change TEXT NOT NULL DEFAULT 'down';
ALTER TABLE deployments ADD COLUMN improvement {real} NOT NULL DEFAULT 0.05;
)sql";

// The Keras weights file (.h5) uploaded with a model whose keras.applications
// base is built with weights='imagenet'.
const char *const MIGRATION_8 = R"sql(
ALTER TABLE models ADD COLUMN weights {blob};
)sql";

// Model versions of continual trainings: each version the job cut, with the
// records it had learned from, its prequential metrics and its model; and
// the deployment's cadence of versions besides improvements.
const char *const MIGRATION_9 = R"sql(
ALTER TABLE deployments ADD COLUMN version_every_records BIGINT;
CREATE TABLE result_versions (
	result_id BIGINT NOT NULL REFERENCES results(id) ON DELETE CASCADE,
	version BIGINT NOT NULL,
	created_at TEXT NOT NULL,
	records BIGINT NOT NULL,
	metrics TEXT NOT NULL,
	data {blob} NOT NULL,
	size BIGINT NOT NULL,
	PRIMARY KEY (result_id, version)
);
)sql";

// '' the result's trained model, 'latest', or a version's number.
const char *const MIGRATION_10 = R"sql(
ALTER TABLE inferences ADD COLUMN model_version TEXT NOT NULL DEFAULT '';
)sql";

// Where the run of a model version stood, so that a restarted continual
// training carries on from its last version: the window it was cut after,
// the prequential metrics over its records, its training time and the
// offsets after the records it learned from.
const char *const MIGRATION_11 = R"sql(
ALTER TABLE result_versions ADD COLUMN epoch BIGINT NOT NULL DEFAULT 0;
ALTER TABLE result_versions ADD COLUMN prequential TEXT NOT NULL DEFAULT '{}';
ALTER TABLE result_versions ADD COLUMN training_time {real} NOT NULL DEFAULT 0;
ALTER TABLE result_versions ADD COLUMN offsets TEXT NOT NULL DEFAULT '[]';
)sql";

// Drift detection of continual trainings: the deployment's Page-Hinkley
// test and what a drift does, and each drift a result's job detected (one
// per record count, so that a job's retried report adds none).
const char *const MIGRATION_12 = R"sql(
ALTER TABLE deployments ADD COLUMN drift_detection BIGINT NOT NULL DEFAULT 1;
ALTER TABLE deployments ADD COLUMN drift_threshold {real} NOT NULL DEFAULT 100;
ALTER TABLE deployments ADD COLUMN drift_delta {real} NOT NULL DEFAULT 0.005;
ALTER TABLE deployments ADD COLUMN drift_response TEXT NOT NULL DEFAULT 'none';
CREATE TABLE result_drifts (
	result_id BIGINT NOT NULL REFERENCES results(id) ON DELETE CASCADE,
	records BIGINT NOT NULL,
	created_at TEXT NOT NULL,
	error_before {real} NOT NULL,
	error_after {real} NOT NULL,
	measure TEXT NOT NULL,
	response TEXT NOT NULL,
	PRIMARY KEY (result_id, records)
);
)sql";

// The training state of each model version (the optimizer's moments and
// step count, ...), stored by the job after the version: a restarted job
// carries on with it. NULL for versions stored before.
const char *const MIGRATION_13 = R"sql(
ALTER TABLE result_versions ADD COLUMN training_state {blob};
)sql";

// Users and their tokens. A token is kept as the SHA-256 of its secret
// (hex), never the secret. Times are the store's ISO 8601 text, so they
// compare as text.
const char *const MIGRATION_14 = R"sql(
CREATE TABLE users (
	id {id},
	name TEXT NOT NULL UNIQUE,
	role TEXT NOT NULL,
	builtin BIGINT NOT NULL DEFAULT 0,
	created_at TEXT NOT NULL
);
CREATE TABLE tokens (
	id {id},
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	hash TEXT NOT NULL UNIQUE,
	created_at TEXT NOT NULL,
	expires_at TEXT,
	last_used_at TEXT,
	revoked_at TEXT
);
CREATE INDEX tokens_by_user ON tokens (user_id);
)sql";

// The audit log: every call that changed data and every refused call.
// The user's name is copied, so an entry outlives its user.
const char *const MIGRATION_15 = R"sql(
CREATE TABLE audit (
	id {id},
	at TEXT NOT NULL,
	user_name TEXT,
	token_id BIGINT,
	method TEXT NOT NULL,
	path TEXT NOT NULL,
	status BIGINT NOT NULL,
	remote_address TEXT NOT NULL
);
)sql";

// The Kafka clusters an inference reads its input from and writes its
// predictions to: a cluster the server configures by name ("default": its
// own) or a bootstrap list reached with the default cluster's settings.
// Inferences made before read and wrote the server's own cluster.
const char *const MIGRATION_16 = R"sql(
ALTER TABLE inferences ADD COLUMN input_kafka_broker TEXT NOT NULL DEFAULT 'default';
ALTER TABLE inferences ADD COLUMN output_kafka_broker TEXT NOT NULL DEFAULT 'default';
)sql";

// When a datasource's records were deleted from the log (DeleteRecords):
// NULL while they are there.
const char *const MIGRATION_17 = R"sql(
ALTER TABLE datasources ADD COLUMN records_deleted_at TEXT;
)sql";

// CPU and memory limits of the containers of a deployment's training jobs
// and of an inference's replicas (store/resources.h); '{}': none.
const char *const MIGRATION_18 = R"sql(
ALTER TABLE deployments ADD COLUMN resources TEXT NOT NULL DEFAULT '{}';
ALTER TABLE inferences ADD COLUMN resources TEXT NOT NULL DEFAULT '{}';
)sql";

// The stages of an early-exit inference (store::InferenceExit) as a JSON
// array; '[]' for an inference of a whole model, as all were before.
const char *const MIGRATION_19 = R"sql(
ALTER TABLE inferences ADD COLUMN exits TEXT NOT NULL DEFAULT '[]';
)sql";

// One row per lease; expires_at in milliseconds since the epoch by the
// database's clock (every statement computes it there).
const char *const MIGRATION_20 = R"sql(
CREATE TABLE leases (
	name TEXT PRIMARY KEY,
	holder TEXT NOT NULL,
	address TEXT NOT NULL,
	term BIGINT NOT NULL,
	expires_at BIGINT NOT NULL
);
)sql";

// The original Kafka-ML's distributed sub-models (store::Model): whether a
// model is one, and its upper model (NULL at the top of a chain).
const char *const MIGRATION_21 = R"sql(
ALTER TABLE models ADD COLUMN distributed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE models ADD COLUMN father BIGINT;
)sql";

std::string for_dialect(std::string_view sql, SqlDialect dialect) {
	bool lite = dialect == SqlDialect::SQLite;
	std::string out(sql);
	auto replace_all = [&out](std::string_view token, std::string_view with) {
		for (size_t at = out.find(token); at != std::string::npos; at = out.find(token, at + with.size())) {
			out.replace(at, token.size(), with);
		}
	};
	replace_all("{id}", lite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY");
	replace_all("{blob}", lite ? "BLOB" : "BYTEA");
	replace_all("{real}", lite ? "REAL" : "DOUBLE PRECISION");
	return out;
}

int current_version(SqlConnection &connection) {
	auto rows = connection.query("SELECT MAX(version) FROM schema_version", {});
	if (rows.empty() || !rows[0][0]) {
		return 0;
	}
	return std::stoi(*rows[0][0]);
}

} // namespace

const std::vector<Migration> &migrations() {
	static const std::vector<Migration> all = {
	    {1, "tables of every entity", MIGRATION_1},
	    {2, "indexes for lookups by deployment, model and result", MIGRATION_2},
	    {3, "datasources keyed by the control message they came from", MIGRATION_3},
	    {4, "restarts and last exit of the jobs of results and inferences", MIGRATION_4},
	    {5, "the input format a result trained on; refused control messages", MIGRATION_5},
	    {6, "TorchScript modules of models", MIGRATION_6},
	    {7, "training modes of deployments", MIGRATION_7},
	    {8, "weights files of models", MIGRATION_8},
	    {9, "model versions of results; the deployment's version cadence", MIGRATION_9},
	    {10, "the model version an inference serves", MIGRATION_10},
	    {11, "where the run of each model version stood, to resume from it", MIGRATION_11},
	    {12, "drift detection of deployments; drifts of results", MIGRATION_12},
	    {13, "the training state of each model version, to resume with it", MIGRATION_13},
	    {14, "users and their tokens (hashed)", MIGRATION_14},
	    {15, "the audit log of changes and refused calls", MIGRATION_15},
	    {16, "the Kafka clusters of each inference's input and output", MIGRATION_16},
	    {17, "when a datasource's records were deleted from the log", MIGRATION_17},
	    {18, "CPU and memory limits of the containers of deployments and inferences", MIGRATION_18},
	    {19, "the stages (early exits) of inferences", MIGRATION_19},
	    {20, "leases: which of several servers on one store orchestrates", MIGRATION_20},
	    {21, "the original's distributed sub-models: distributed and father", MIGRATION_21},
	};
	return all;
}

namespace {

//! Holds PostgreSQL's advisory lock on migrations while alive, so servers
//! starting together on one new database migrate it one after the other
//! instead of racing on CREATE TABLE. SQLite needs none: BEGIN IMMEDIATE
//! and its busy timeout already serialise them.
class MigrationLock {
public:
	explicit MigrationLock(SqlConnection &connection) : connection_(connection) {
		if (connection_.dialect() == SqlDialect::PostgreSQL) {
			connection_.query("SELECT pg_advisory_lock(?)", {kKey});
			held_ = true;
		}
	}
	~MigrationLock() {
		if (!held_) {
			return;
		}
		try {
			connection_.query("SELECT pg_advisory_unlock(?)", {kKey});
		} catch (const std::exception &) {
			// The lock is the session's: it goes when the connection closes.
		}
	}
	MigrationLock(const MigrationLock &) = delete;
	MigrationLock &operator=(const MigrationLock &) = delete;

private:
	static constexpr int64_t kKey = 0x6b61666b616d6c; // "kafkaml"
	SqlConnection &connection_;
	bool held_ = false;
};

} // namespace

int apply_migrations(SqlConnection &connection) {
	MigrationLock lock(connection);
	connection.execute_script(
	    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL, "
	    "applied_at TEXT NOT NULL)");
	int version = current_version(connection);
	int newest = migrations().back().version;
	if (version > newest) {
		throw StoreError("the store's schema is version " + std::to_string(version) + " but this kafkaml knows only " +
		                 std::to_string(newest) + "; run a newer kafkaml or use another store");
	}
	for (const auto &migration : migrations()) {
		if (migration.version <= version) {
			continue;
		}
		connection.begin();
		try {
			// Re-check inside the transaction: another server may have just
			// applied it (PostgreSQL; SQLite's BEGIN IMMEDIATE already excludes it).
			if (current_version(connection) >= migration.version) {
				connection.commit();
				continue;
			}
			connection.execute_script(for_dialect(migration.sql, connection.dialect()));
			std::string now = now_text();
			connection.query("INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)",
			                 {int64_t(migration.version), migration.description, std::string_view(now)});
			connection.commit();
		} catch (const std::exception &e) {
			connection.rollback();
			throw StoreError("schema migration " + std::to_string(migration.version) + " (" +
			                 std::string(migration.description) + ") failed: " + e.what());
		}
		version = migration.version;
	}
	return version;
}

} // namespace kafkaml::store
