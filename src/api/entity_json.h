#pragma once

// The JSON form of each stored entity as the REST API returns it; field
// names follow the original Kafka-ML API. Thread: any (pure functions).

#include "store/store.h"

#include <nlohmann/json.hpp>

namespace kafkaml::api {

nlohmann::json to_json(const store::Model &model);
nlohmann::json to_json(const store::Configuration &configuration);
nlohmann::json to_json(const store::Deployment &deployment, const std::vector<store::Result> &results);
nlohmann::json to_json(const store::EpochMetrics &epoch);
//! `epochs` holds what the store was asked for; `epoch_count` and
//! `last_epoch` are always there.
nlohmann::json to_json(const store::Result &result);
//! Without the model's bytes (their size only).
nlohmann::json to_json(const store::ResultVersion &version);
//! A drift of a continual training, as an element of its result's "drifts".
nlohmann::json to_json(const store::ResultDrift &drift);
nlohmann::json to_json(const store::Inference &inference);
nlohmann::json to_json(const store::Datasource &datasource);
nlohmann::json to_json(const store::RefusedControlMessage &refused);

} // namespace kafkaml::api
