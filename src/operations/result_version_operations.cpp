#include "operations/result_version_operations.h"

#include "operations/operation_errors.h"

#include <string>

namespace kafkaml::operations {
namespace {

void check_metrics(const char *field, const nlohmann::json &metrics) {
	if (!metrics.is_object()) {
		throw InvalidField(field,
		                   std::string(field) + " must be a JSON object of numbers, like {\"prequential_loss\": 0.3}");
	}
	for (const auto &[name, value] : metrics.items()) {
		if (!value.is_number()) {
			throw InvalidField(field, "metric \"" + name + "\" must be a number");
		}
	}
}

void check_offsets(const nlohmann::json &offsets) {
	auto refuse = [] {
		throw InvalidField("offsets", "offsets must be a JSON list of {\"topic\": name, \"partition\": n, "
		                              "\"offset\": n} with n 0 or more");
	};
	if (!offsets.is_array()) {
		refuse();
	}
	for (const auto &offset : offsets) {
		if (!offset.is_object() || !offset.contains("topic") || !offset["topic"].is_string() ||
		    !offset.contains("partition") || !offset["partition"].is_number_integer() ||
		    offset["partition"].get<int64_t>() < 0 || !offset.contains("offset") ||
		    !offset["offset"].is_number_integer() || offset["offset"].get<int64_t>() < 0) {
			refuse();
		}
	}
}

//! What a NotFound says of a version result `id` does not have: which
//! versions it has.
std::string no_such_version(store::Store &store, int64_t id, int64_t version) {
	auto versions = store.list_result_versions(id);
	std::string has =
	    versions.empty() ? "no versions (yet)" : "versions 1 to " + std::to_string(versions.back().version);
	if (!versions.empty() && static_cast<int64_t>(versions.size()) != versions.back().version) {
		has = std::to_string(versions.size()) + " versions, the last " + std::to_string(versions.back().version);
	}
	return "result " + std::to_string(id) + " has no version " + std::to_string(version) + "; it has " + has +
	       " (GET results/" + std::to_string(id) + "/versions)";
}

} // namespace

std::pair<store::ResultVersion, bool> add_result_version(store::Store &store, int64_t id, const VersionUpload &upload,
                                                         std::string_view bytes) {
	if (bytes.empty()) {
		throw InvalidField("body", "the request body is empty; send the version's model bytes");
	}
	if (upload.version < 1) {
		throw InvalidField("version", "a version number is 1 or more, not " + std::to_string(upload.version));
	}
	if (upload.records < 0) {
		throw InvalidField("records", "records must be 0 or more, not " + std::to_string(upload.records));
	}
	check_metrics("metrics", upload.metrics);
	check_metrics("prequential", upload.prequential);
	if (upload.epoch < 0) {
		throw InvalidField("epoch", "epoch must be 0 or more, not " + std::to_string(upload.epoch));
	}
	if (!(upload.training_time >= 0)) {
		throw InvalidField("training_time", "training_time must be 0 or more seconds");
	}
	check_offsets(upload.offsets);
	auto result = store.get_result(id, {.which = store::EpochQuery::Which::none});
	auto mode = store.get_deployment(result.deployment).mode;
	if (mode == "batch") {
		throw StateConflict("result " + std::to_string(id) + " trains in mode batch, which has no model versions",
		                    {{"deployment", result.deployment}});
	}
	store::ResultVersion version;
	version.version = upload.version;
	version.records = upload.records;
	version.metrics = upload.metrics;
	version.epoch = upload.epoch;
	version.prequential = upload.prequential;
	version.training_time = upload.training_time;
	version.offsets = upload.offsets;
	return store.add_result_version(id, version, bytes);
}

std::pair<store::ResultVersion, bool> set_result_version_state(store::Store &store, int64_t id, int64_t version,
                                                               std::string_view bytes) {
	if (bytes.empty()) {
		throw InvalidField("body", "the request body is empty; send the version's training state");
	}
	if (auto stored = store.set_result_version_state(id, version, bytes)) {
		return std::move(*stored);
	}
	throw store::NotFound(no_such_version(store, id, version));
}

std::string result_version_state(store::Store &store, int64_t id, int64_t version) {
	auto state = store.get_result_version_state(id, version);
	if (!state) {
		throw store::NotFound(no_such_version(store, id, version));
	}
	if (state->empty()) {
		throw store::NotFound("version " + std::to_string(version) + " of result " + std::to_string(id) +
		                      " has no training state (its job stored none, or not yet)");
	}
	return std::move(*state);
}

std::vector<store::ResultVersion> list_result_versions(store::Store &store, int64_t id) {
	return store.list_result_versions(id);
}

std::string result_version_model(store::Store &store, int64_t id, int64_t version) {
	if (auto bytes = store.get_result_version_model(id, version)) {
		return std::move(*bytes);
	}
	throw store::NotFound(no_such_version(store, id, version));
}

ModelDownload download_result_version(store::Store &store, int64_t id, int64_t version, ModelFormat format,
                                      const PytorchExporter &export_pytorch) {
	return model_download(store, id, result_version_model(store, id, version), format, export_pytorch,
	                      "result-" + std::to_string(id) + "-v" + std::to_string(version));
}

} // namespace kafkaml::operations
