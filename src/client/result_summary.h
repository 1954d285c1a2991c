#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace kafkaml::client {

//! `kafkaml results get ID` as a reader wants it: status (and why, when it
//! failed or stopped), epochs run, training time, the last epoch's training
//! metrics, validation and test metrics, then a table of the last
//! `last_epochs` epochs (every epoch when `last_epochs` < 0). A result of a
//! thousand epochs prints in a screenful; --json gives everything.
//! Pure.
std::string result_summary(const nlohmann::json &result, long last_epochs = 5);

} // namespace kafkaml::client
