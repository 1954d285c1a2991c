#pragma once

// Where a test finds the built `kafkaml` and the source tree. kafkaml_test()
// (cmake/kafkaml_target.cmake) runs every test with KAFKAML_BIN and
// KAFKAML_SOURCE_DIR set; run by hand, a test needs them set the same way.
//
// Thread: any.

#include "support/child_process.h"

#include <filesystem>
#include <string>
#include <vector>

namespace kafkaml::testing {

//! $KAFKAML_BIN. Throws std::runtime_error saying what to do when it is unset
//! or names no file (the `kafkaml` target is not built).
std::filesystem::path kafkaml_binary();

//! Options to run `kafkaml args...`: stdout captured, stderr inherited (so a
//! failing test's log shows what the process said), as ProcessOptions has it.
ProcessOptions kafkaml_command(const std::vector<std::string> &args);

//! $KAFKAML_SOURCE_DIR, else the source tree this library was built from.
std::filesystem::path source_dir();

} // namespace kafkaml::testing
