// What the resource handlers of the REST API (openapi.json) share. Each
// handler runs on an HTTP worker thread; it parses the request, reads
// through the Store (atomic per call) or calls the use case of
// src/operations that starts, scales or stops jobs, and renders the answer.
// One file per resource: model_routes.cpp, configuration_routes.cpp,
// deployment_routes.cpp, result_routes.cpp, inference_routes.cpp,
// datasource_routes.cpp.

#pragma once

#include "api/entity_json.h"
#include "store/store.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace kafkaml::api {

//! The JSON array of `items`, each as to_json writes it.
template <typename T>
nlohmann::json json_list(const std::vector<T> &items) {
	nlohmann::json out = nlohmann::json::array();
	for (const auto &item : items) {
		out.push_back(to_json(item));
	}
	return out;
}

} // namespace kafkaml::api
