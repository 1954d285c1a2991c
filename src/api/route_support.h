// What the resource handlers of the REST API (openapi.json) share. Each
// handler runs on an HTTP worker thread; it reads and writes through the
// Store (atomic per call) and asks the JobExecutor to start or stop
// processes. When the store and the executor must both change, the executor
// goes first on stop (so nothing keeps running under a "stopped" status)
// and the store first on start (so a job that starts at once finds its
// record). One file per resource: model_routes.cpp, configuration_routes.cpp,
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

// A job that gets SIGTERM reports "stopped" itself before it ends, so by the
// time the executor returned the result may already be where the user
// wanted it (or finished or failed in the meantime): that is the answer, not
// a conflict.
//! Thread: any (one store call, or two on a conflict).
store::Result mark_result_stopped(store::Store &db, int64_t id);

//! ASCII upper case, for format names ("raw" -> "RAW").
std::string upper(std::string text);

} // namespace kafkaml::api
