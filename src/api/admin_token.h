#pragma once

// The admin token: the secret every call that changes data carries.
//
// At rest it is a hash: the store keeps SHA-256 of the token (setting
// "admin_token_sha256"), so whoever can read the database (a backup, a
// shared PostgreSQL) cannot act as the admin. The token itself lives only
// in the token file (owner-only, 0600, in the owner-only data directory)
// and in the memory of the server that read it. A server that finds the
// hash but not the token in its file refuses to start and says how to
// proceed: copy the file, or reset the token.
//
// Thread-safety: pure functions over a thread-safe Store.

#include "store/store.h"

#include <filesystem>
#include <string>
#include <string_view>

namespace kafkaml::api {

//! SHA-256 of `token`, as 64 lowercase hex digits.
std::string token_hash(std::string_view token);

//! A new random token: 32 bytes of the system's random source as hex.
std::string random_token();

//! A token derived from `secret` for `purpose` (HMAC-SHA256, hex): the same
//! on every start with the same secret, and saying nothing of it.
std::string derived_token(std::string_view secret, std::string_view purpose);

//! Writes `token` to `file`, readable by its owner only (0600).
void write_token_file(const std::filesystem::path &file, const std::string &token);

//! Whether `presented` hashes to `hash`, in constant time.
bool token_matches(std::string_view presented, std::string_view hash);

//! The admin token for a server whose token file is `token_file`:
//! - the first start makes one (32 random bytes as hex from the system's
//!   random source), stores its hash and writes the file;
//! - later starts read the file and check it against the stored hash;
//! - `reset` makes a new token, replacing the stored hash and the file;
//! - a store of an earlier version holding the token itself gets its hash
//!   instead (the plain token is removed) and the file.
//! Throws std::runtime_error saying what to do when the file is missing or
//! holds another token than the store's.
std::string ensure_admin_token(store::Store &store, const std::filesystem::path &token_file, bool reset = false);

} // namespace kafkaml::api
