#pragma once

#include <string_view>

namespace kafkaml {

//! Configures the process-wide spdlog logger: stderr, one line per event,
//! level from `level` ("trace", "debug", "info", "warn", "error", "off").
//! Unknown levels fall back to "info".
//! Thread: main thread, before other threads start.
void init_logging(std::string_view level);

} // namespace kafkaml
