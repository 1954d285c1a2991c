#pragma once

// Data directories are their owner's only: the database, the broker's log,
// job logs and the token file hold what other users of the machine must
// not read (model code, streams, results, the admin token).
//
// Thread-safety: private_files_from_now_on() changes the process umask; call
// it on the main thread before other threads create files.

#include <filesystem>

namespace kafkaml {

//! Files and directories this process creates from now on are its owner's
//! only (umask 077). The server, the broker and `kafkaml up` call it at start.
void private_files_from_now_on();

//! Creates `dir` (and its parents) if missing and makes it owner-only
//! (0700), tightening a directory an earlier version left open. Throws
//! std::filesystem::filesystem_error.
void make_private_directory(const std::filesystem::path &dir);

} // namespace kafkaml
