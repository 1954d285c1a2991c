#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace kafkaml::client {

//! The status of a result (`GET /results/{id}`) in one line:
//! `result 3  running  [#####.....] 512/1000  loss 0.41  val_accuracy 0.88`.
//! `width` is the bar's width in characters (0: no bar, for logs).
//! `planned_epochs` comes from the deployment's `kwargs_fit` (0: unknown).
//! Pure.
std::string progress_line(const nlohmann::json &result, long planned_epochs, int width);

//! Whether a result status is final (finished, stopped, failed).
bool is_terminal_status(const std::string &status);

} // namespace kafkaml::client
