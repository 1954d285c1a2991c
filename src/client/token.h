#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace kafkaml::client {

//! Where the admin token comes from, first match wins:
//!  1. `--token` (`flag`), 2. env `KAFKAML_TOKEN` (`env`),
//!  3. the file `<data_dir>/admin-token` (`kafkaml up`'s default data dir is
//!     `./kafkaml-data`), whitespace trimmed. A relative `data_dir` is looked
//!     for in `from` and then in each of its parents, so commands run in a
//!     directory below the one `kafkaml up` runs in (examples/hcopd) find it.
//! Returns "" when none is found (read-only calls still work). Pure but for
//! reading the file.
std::string resolve_token(const std::optional<std::string> &flag, const char *env, const std::string &data_dir,
                          const std::filesystem::path &from = std::filesystem::current_path());

} // namespace kafkaml::client
