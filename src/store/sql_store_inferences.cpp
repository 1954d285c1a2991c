// SqlStore's inferences: deployed from a finished result; their status and replicas.

#include "store/sql_store.h"

#include "store/sql_cells.h"
#include "store/sql_transaction.h"
#include "store/time_text.h"

namespace kafkaml::store {
namespace {

constexpr const char *INFERENCE_COLUMNS =
    "id, model_result_id, replicas, input_format, input_config, input_topic, output_topic, dead_letter_topic, "
    "status, status_changed, status_detail, created_at, restarts, last_exit, model_version, "
    "input_kafka_broker, output_kafka_broker, resources, exits";

//! The model_version column: '' (the trained model), 'latest', or the
//! pinned version's number.
std::string served_text(ServedModel served, int64_t pinned_version) {
	switch (served) {
	case ServedModel::Trained:
		return "";
	case ServedModel::Latest:
		return "latest";
	case ServedModel::Pinned:
		return std::to_string(pinned_version);
	}
	return "";
}

std::string exits_to_text(const std::vector<InferenceExit> &exits) {
	auto array = nlohmann::json::array();
	for (const auto &exit : exits) {
		array.push_back({{"threshold", exit.threshold},
		                 {"confidence", exit.confidence},
		                 {"replicas", exit.replicas},
		                 {"input_topic", exit.input_topic},
		                 {"kafka_broker", exit.kafka_broker}});
	}
	return array.dump();
}

std::vector<InferenceExit> exits_from_text(const std::string &text) {
	std::vector<InferenceExit> exits;
	for (const auto &item : nlohmann::json::parse(text.empty() ? "[]" : text)) {
		InferenceExit exit;
		exit.threshold = item.value("threshold", 0.0);
		exit.confidence = item.value("confidence", "top_probability");
		exit.replicas = item.value("replicas", int64_t(1));
		exit.input_topic = item.value("input_topic", "");
		exit.kafka_broker = item.value("kafka_broker", "default");
		exits.push_back(std::move(exit));
	}
	return exits;
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
	std::string served = to_text(row[14]);
	if (served == "latest") {
		i.served = ServedModel::Latest;
	} else if (!served.empty()) {
		i.served = ServedModel::Pinned;
		i.pinned_version = std::stoll(served);
	}
	i.input_kafka_broker = to_text(row[15]);
	i.output_kafka_broker = to_text(row[16]);
	i.resources = resources_from_text(to_text(row[17]));
	i.exits = exits_from_text(to_text(row[18]));
	return i;
}

} // namespace

Inference SqlStore::create_inference(const Inference &inference) {
	std::lock_guard lock(mutex_);
	Transaction tx(*db_);
	Result result;
	try {
		result = result_locked(inference.model_result);
	} catch (const NotFound &e) {
		throw InvalidArgument(std::string(e.what()) + "; pick a finished one from GET results");
	}
	check_served_model_locked(result, inference.served, inference.pinned_version);
	if (inference.replicas < 1) {
		throw InvalidArgument("replicas must be at least 1");
	}
	std::string now = now_text();
	std::string config = inference.input_config.dump();
	std::string served = served_text(inference.served, inference.pinned_version);
	std::string resources = resources_to_text(inference.resources);
	std::string exits = exits_to_text(inference.exits);
	auto rows =
	    q(std::string("INSERT INTO inferences (model_result_id, replicas, input_format, input_config, "
	                  "input_topic, output_topic, dead_letter_topic, status, status_changed, "
	                  "status_detail, created_at, model_version, input_kafka_broker, output_kafka_broker, resources, "
	                  "exits) VALUES (?, ?, ?, ?, ?, ?, ?, 'deployed', ?, '', ?, ?, ?, ?, ?, ?) "
	                  "RETURNING ") +
	          INFERENCE_COLUMNS,
	      {inference.model_result, inference.replicas, inference.input_format, sv(config), inference.input_topic,
	       inference.output_topic, inference.dead_letter_topic, sv(now), sv(now), sv(served),
	       inference.input_kafka_broker, inference.output_kafka_broker, sv(resources), sv(exits)});
	tx.commit();
	return inference_from(rows.at(0));
}

Inference SqlStore::get_inference(int64_t id) {
	std::lock_guard lock(mutex_);
	return inference_locked(id);
}

std::vector<Inference> SqlStore::list_inferences() {
	std::lock_guard lock(mutex_);
	return select_all<Inference>(INFERENCE_COLUMNS, "inferences", inference_from);
}

Inference SqlStore::update_inference_status(int64_t id, InferenceStatus to, std::string_view detail) {
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

Inference SqlStore::set_inference_replicas(int64_t id, int64_t replicas) {
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

Inference SqlStore::set_inference_served_model(int64_t id, ServedModel served, int64_t pinned_version) {
	std::lock_guard lock(mutex_);
	Transaction tx(*db_);
	Inference current = inference_locked(id, true);
	if (is_terminal(current.status)) {
		throw Conflict("inference " + std::to_string(id) + " is " + std::string(to_string(current.status)) +
		               "; only a deployed or running inference can change the model version it serves");
	}
	if (current.served == ServedModel::Trained) {
		throw Conflict("inference " + std::to_string(id) + " serves the trained model of result " +
		               std::to_string(current.model_result) +
		               ", which has no versions: only an inference of an incremental or indefinite training "
		               "follows or pins versions");
	}
	if (served == ServedModel::Trained) {
		throw InvalidArgument("an inference of a continual training serves \"latest\" or a version's number");
	}
	check_served_model_locked(result_locked(current.model_result), served, pinned_version);
	std::string text = served_text(served, pinned_version);
	q("UPDATE inferences SET model_version = ? WHERE id = ?", {sv(text), id});
	Inference out = inference_locked(id);
	tx.commit();
	return out;
}

Inference SqlStore::set_inference_thresholds(int64_t id, const std::vector<double> &thresholds) {
	std::lock_guard lock(mutex_);
	Transaction tx(*db_);
	Inference current = inference_locked(id, true);
	// Checked in this order: an ended chain's thresholds are moot.
	if (is_terminal(current.status)) {
		throw Conflict("inference " + std::to_string(id) + " is " + std::string(to_string(current.status)) +
		               "; only a deployed or running inference can change its thresholds");
	} else if (current.exits.empty()) {
		throw InvalidArgument("inference " + std::to_string(id) +
		                      " serves its model whole: it has no exits whose thresholds could change");
	}
	if (thresholds.size() != current.exits.size()) {
		throw InvalidArgument("inference " + std::to_string(id) + " has " + std::to_string(current.exits.size()) +
		                      " exits: give one threshold per exit, not " + std::to_string(thresholds.size()));
	}
	for (size_t k = 0; k < thresholds.size(); ++k) {
		current.exits[k].threshold = thresholds[k];
	}
	std::string text = exits_to_text(current.exits);
	q("UPDATE inferences SET exits = ? WHERE id = ?", {sv(text), id});
	tx.commit();
	return current;
}

void SqlStore::check_served_model_locked(const Result &result, ServedModel served, int64_t pinned_version) {
	std::string name = "result " + std::to_string(result.id);
	switch (served) {
	case ServedModel::Trained: {
		// A stopped result serves when it kept a model: an indefinite training
		// ends only by being stopped, and uploads what it learned first.
		bool servable = result.status == ResultStatus::Finished ||
		                (result.status == ResultStatus::Stopped && result.trained_model_size > 0);
		if (!servable) {
			throw Conflict(name + " is " + std::string(to_string(result.status)) +
			               (result.status == ResultStatus::Stopped ? " without a trained model" : "") +
			               "; only a finished result, or a stopped one that kept its trained model (as a stopped "
			               "incremental or indefinite training does), can be deployed for inference");
		}
		return;
	}
	case ServedModel::Latest: {
		// Replicas of a training that has no version yet wait for its first.
		bool has_version = !q("SELECT 1 FROM result_versions WHERE result_id = ? LIMIT 1", {result.id}).empty();
		bool ended_without = (result.status == ResultStatus::Failed || result.status == ResultStatus::Stopped) &&
		                     !has_version && result.trained_model_size <= 0;
		if (ended_without) {
			throw Conflict(name + " is " + std::string(to_string(result.status)) +
			               " without any model version; deploy a result that learned from its stream");
		}
		return;
	}
	case ServedModel::Pinned: {
		if (q("SELECT 1 FROM result_versions WHERE result_id = ? AND version = ?", {result.id, pinned_version})
		        .empty()) {
			auto newest = q("SELECT MAX(version) FROM result_versions WHERE result_id = ?", {result.id});
			std::string have =
			    newest.empty() || !newest[0][0] ? "it has none yet" : "it has versions 1 to " + to_text(newest[0][0]);
			throw InvalidArgument(name + " has no model version " + std::to_string(pinned_version) + "; " + have +
			                      " (GET /api/v1/results/" + std::to_string(result.id) + "/versions)");
		}
		return;
	}
	}
}

void SqlStore::delete_inference(int64_t id) {
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

Inference SqlStore::inference_locked(int64_t id, bool lock_row) {
	std::string lock = lock_row && db_->dialect() == SqlDialect::PostgreSQL ? " FOR UPDATE" : "";
	auto rows = q(std::string("SELECT ") + INFERENCE_COLUMNS + " FROM inferences WHERE id = ?" + lock, {id});
	if (rows.empty()) {
		throw NotFound(not_found("inference", id));
	}
	return inference_from(rows[0]);
}

} // namespace kafkaml::store
