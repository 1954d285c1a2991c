#pragma once

// What the use cases' tests share: a real SQLite store in a temporary
// directory, a recording executor, and shortcuts that put entities in the
// store in a given state (through the store, not the use cases under test).

#include "executors/tests/recording_executor.h"
#include "operations/operation_errors.h"
#include "store/store.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace kafkaml::operations {

//! The InvalidField `call` throws; nullopt when it throws none.
template <typename Call>
std::optional<InvalidField> invalid_field(Call &&call) {
	try {
		call();
	} catch (const InvalidField &e) {
		return e;
	}
	return std::nullopt;
}

class OperationsTest : public ::testing::Test {
protected:
	void SetUp() override { db = store::open_store("sqlite:" + dir.string() + "/kafkaml.db"); }

	int64_t stored_model(const std::string &name, const std::string &framework = "keras") {
		store::Model model;
		model.name = name;
		model.code = framework == "keras" ? "model = tf.keras.Sequential([tf.keras.layers.Dense(1)])"
		                                  : "loss='mse', optimizer='adam'";
		model.framework = framework;
		return db->create_model(model).id;
	}

	int64_t stored_configuration(const std::vector<int64_t> &models) {
		store::Configuration configuration;
		configuration.name = "c";
		configuration.ml_models = models;
		return db->create_configuration(configuration).id;
	}

	//! A deployment of `models` new Keras models, recorded by the store
	//! alone: its results are created and no job runs.
	std::pair<store::Deployment, std::vector<store::Result>> recorded_deployment(int models) {
		std::vector<int64_t> ids;
		for (int i = 0; i < models; i++) {
			ids.push_back(stored_model("m" + std::to_string(i)));
		}
		store::Deployment deployment;
		deployment.configuration = stored_configuration(ids);
		return db->create_deployment(deployment);
	}

	//! Moves result `id` along created -> deployed -> running -> `to`;
	//! `running` carries the report of the running step (the stream's format).
	store::Result advance(int64_t id, store::ResultStatus to, const store::ResultReport &running = {}) {
		auto result = db->update_result_status(id, store::ResultStatus::Deployed);
		if (to == store::ResultStatus::Deployed) {
			return result;
		}
		result = db->update_result_status(id, store::ResultStatus::Running, running);
		if (to == store::ResultStatus::Running) {
			return result;
		}
		return db->update_result_status(id, to);
	}

	//! A finished result of a deployment of one model; `running` as above.
	store::Result finished_result(const store::ResultReport &running = {}) {
		auto [deployment, results] = recorded_deployment(1);
		return advance(results.at(0).id, store::ResultStatus::Finished, running);
	}

	// First, so that it is removed after the store is closed.
	kafkaml::testing::TempDir dir{"operations"};
	std::unique_ptr<store::Store> db;
	executors::RecordingExecutor executor;
};

} // namespace kafkaml::operations
