#pragma once

// Small file helpers tests share. Thread: any.

#include <filesystem>
#include <string>

namespace kafkaml::testing {

//! The whole file as bytes; "" when it does not exist or cannot be read
//! (a test then fails on what it expected to find, with the path it names).
std::string read_file(const std::filesystem::path &path);
//! Creates or replaces `path` with `bytes`; throws std::runtime_error on failure.
void write_file(const std::filesystem::path &path, const std::string &bytes);

} // namespace kafkaml::testing
