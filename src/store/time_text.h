#pragma once

#include <string>

namespace kafkaml::store {

//! The current UTC time as ISO 8601 with milliseconds ("2024-05-01T12:00:00.123Z"),
//! the form every timestamp of the store takes. Thread: any.
std::string now_text();

} // namespace kafkaml::store
