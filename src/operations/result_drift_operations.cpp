#include "operations/result_drift_operations.h"

#include "operations/operation_errors.h"

#include <cmath>
#include <string>

namespace kafkaml::operations {

std::pair<store::ResultDrift, bool> add_result_drift(store::Store &store, int64_t id, const nlohmann::json &body) {
	if (!body.is_object()) {
		throw InvalidField("body", "the body must be a JSON object: {\"records\", \"error_before\", \"error_after\"}");
	}
	store::ResultDrift drift;
	if (!body.contains("records") || !body["records"].is_number_integer() || body["records"].get<int64_t>() < 1) {
		throw InvalidField("records", "field \"records\" must be an integer of at least 1: the records learned from "
		                              "when the drift was detected");
	}
	drift.records = body["records"].get<int64_t>();
	for (auto [name, to] : {std::pair{"error_before", &drift.error_before}, {"error_after", &drift.error_after}}) {
		if (!body.contains(name) || !body[name].is_number() || !std::isfinite(body[name].get<double>())) {
			throw InvalidField(name, std::string("field \"") + name + "\" must be a finite number");
		}
		*to = body[name].get<double>();
	}
	for (auto [name, to] : {std::pair{"measure", &drift.measure}, {"response", &drift.response}}) {
		if (body.contains(name) && !body[name].is_string()) {
			throw InvalidField(name, std::string("field \"") + name + "\" must be text");
		}
		*to = body.value(name, std::string(name == std::string("response") ? "none" : "error"));
	}
	auto result = store.get_result(id, {.which = store::EpochQuery::Which::none});
	if (store.get_deployment(result.deployment).mode == "batch") {
		throw StateConflict("result " + std::to_string(id) + " trains in mode batch, which detects no drift",
		                    {{"deployment", result.deployment}});
	}
	return store.add_result_drift(id, drift);
}

} // namespace kafkaml::operations
