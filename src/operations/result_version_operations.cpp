#include "operations/result_version_operations.h"

#include "operations/operation_errors.h"

#include <string>

namespace kafkaml::operations {

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
	if (!upload.metrics.is_object()) {
		throw InvalidField("metrics", "metrics must be a JSON object of numbers, like {\"prequential_loss\": 0.3}");
	}
	for (const auto &[name, value] : upload.metrics.items()) {
		if (!value.is_number()) {
			throw InvalidField("metrics", "metric \"" + name + "\" must be a number");
		}
	}
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
	return store.add_result_version(id, version, bytes);
}

std::vector<store::ResultVersion> list_result_versions(store::Store &store, int64_t id) {
	return store.list_result_versions(id);
}

std::string result_version_model(store::Store &store, int64_t id, int64_t version) {
	if (auto bytes = store.get_result_version_model(id, version)) {
		return std::move(*bytes);
	}
	auto versions = store.list_result_versions(id);
	std::string has =
	    versions.empty() ? "no versions (yet)" : "versions 1 to " + std::to_string(versions.back().version);
	if (!versions.empty() && static_cast<int64_t>(versions.size()) != versions.back().version) {
		has = std::to_string(versions.size()) + " versions, the last " + std::to_string(versions.back().version);
	}
	throw store::NotFound("result " + std::to_string(id) + " has no version " + std::to_string(version) + "; it has " +
	                      has + " (GET results/" + std::to_string(id) + "/versions)");
}

ModelDownload download_result_version(store::Store &store, int64_t id, int64_t version, ModelFormat format,
                                      const PytorchExporter &export_pytorch) {
	return model_download(store, id, result_version_model(store, id, version), format, export_pytorch,
	                      "result-" + std::to_string(id) + "-v" + std::to_string(version));
}

} // namespace kafkaml::operations
