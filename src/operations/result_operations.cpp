#include "operations/result_operations.h"

#include "operations/inference_operations.h"
#include "operations/operation_errors.h"

#include <algorithm>
#include <string>

namespace kafkaml::operations {

store::Result stop_result(store::Store &store, executors::JobExecutor &executor, int64_t id) {
	auto result = store.get_result(id, {.which = store::EpochQuery::Which::none});
	if (store::is_terminal(result.status)) {
		throw store::Conflict("result " + std::to_string(id) + " is already " +
		                      std::string(store::to_string(result.status)) + "; there is nothing to stop");
	}
	executor.stop(store::JobKind::Training, id);
	return mark_result_stopped(store, id);
}

store::Result mark_result_stopped(store::Store &store, int64_t id) {
	try {
		return store.update_result_status(id, store::ResultStatus::Stopped, {.detail = "stopped by the user"});
	} catch (const store::Conflict &) {
		auto current = store.get_result(id, {.which = store::EpochQuery::Which::none});
		if (store::is_terminal(current.status)) {
			return current;
		}
		throw;
	}
}

store::Result report_result_status(store::Store &store, int64_t id, store::ResultStatus to,
                                   store::ResultReport report) {
	if (report.input_format) {
		report.input_format = format_name(*report.input_format);
	}
	return store.update_result_status(id, to, report);
}

std::optional<double> record_epochs(store::Store &store, int64_t id, const std::vector<store::EpochMetrics> &epochs) {
	if (epochs.empty()) {
		return std::nullopt;
	}
	store.append_epochs(id, epochs);
	int64_t last = 0;
	for (const auto &epoch : epochs) {
		last = std::max(last, epoch.epoch);
	}
	auto result = store.get_result(id, {.which = store::EpochQuery::Which::none});
	auto planned = store.get_deployment(result.deployment).kwargs_fit_parsed.value("epochs", nlohmann::json(1));
	if (!planned.is_number() || planned.get<double>() <= 0) {
		return std::nullopt;
	}
	return std::min(1.0, double(last) / planned.get<double>());
}

void upload_trained_model(store::Store &store, int64_t id, std::string_view bytes) {
	// A model of no bytes would read as one to download, and fail only in
	// whoever loads it.
	if (bytes.empty()) {
		throw UserError("the request body is empty; send the trained model's bytes");
	}
	store.put_trained_model(id, bytes);
}

ModelDownload model_download(store::Store &store, int64_t id, std::string bytes, ModelFormat format,
                             const PytorchExporter &export_pytorch, const std::string &name) {
	// File names say what the file is: ours is no PyTorch file, and a
	// PyTorch user tells torch.load's dict of weights from a module
	// torch.jit.load runs.
	if (format == ModelFormat::kafkaml) {
		return {std::move(bytes), name + ".kafkaml"};
	}
	if (!export_pytorch) {
		throw NotSupported("this server has no model engine to convert models with; download format=kafkaml instead");
	}
	std::string converted;
	try {
		converted = export_pytorch(bytes);
	} catch (const std::exception &e) {
		throw FatalError("result " + std::to_string(id) + "'s model could not be converted for PyTorch: " + e.what());
	}
	auto result = store.get_result(id, {.which = store::EpochQuery::Which::none});
	bool module = store.get_model(result.model).framework == "pytorch";
	return {std::move(converted), name + (module ? "-torchscript.pt" : "-weights.pt")};
}

ModelDownload download_trained_model(store::Store &store, int64_t id, ModelFormat format,
                                     const PytorchExporter &export_pytorch) {
	auto bytes = store.get_trained_model(id);
	if (!bytes) {
		auto status = store.get_result(id, {.which = store::EpochQuery::Which::none}).status;
		throw store::NotFound("result " + std::to_string(id) + " has no trained model yet (it is " +
		                      std::string(store::to_string(status)) + "); download it once it is finished");
	}
	return model_download(store, id, std::move(*bytes), format, export_pytorch, "result-" + std::to_string(id));
}

} // namespace kafkaml::operations
