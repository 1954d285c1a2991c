#pragma once

// What the executors' tests share: a stored result for a job to run, and
// waiting for what a monitor thread does.

#include "store/store.h"

#include <chrono>
#include <functional>
#include <thread>

namespace kafkaml::executors::testing {

//! A stored result (model, configuration, deployment) in `status`.
inline store::Result stored_result(store::Store &db, store::ResultStatus status) {
	store::Model model;
	model.name = "m";
	model.code = "model = tf.keras.Sequential([])";
	store::Configuration configuration;
	configuration.name = "c";
	configuration.ml_models = {db.create_model(model).id};
	store::Deployment deployment;
	deployment.configuration = db.create_configuration(configuration).id;
	auto result = db.create_deployment(deployment).second.at(0);
	for (auto step : {store::ResultStatus::Deployed, store::ResultStatus::Running, status}) {
		result = db.update_result_status(result.id, step);
		if (step == status) {
			break;
		}
	}
	return result;
}

//! Whether `condition` holds within `timeout`, asked every `period`.
inline bool eventually(const std::function<bool()> &condition,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10),
                       std::chrono::milliseconds period = std::chrono::milliseconds(10)) {
	auto deadline = std::chrono::steady_clock::now() + timeout;
	while (std::chrono::steady_clock::now() < deadline) {
		if (condition()) {
			return true;
		}
		std::this_thread::sleep_for(period);
	}
	return false;
}

} // namespace kafkaml::executors::testing
