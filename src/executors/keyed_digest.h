#pragma once

#include <string>

namespace kafkaml::executors {

//! HMAC-SHA256 of `text` keyed with `key`, in hex: a fingerprint that says
//! whether two texts differ and, without the key, nothing of what they hold.
//! Jobs carry one of their settings (keyed with the admin token), so that a
//! job started with other settings is replaced, not adopted.
std::string keyed_digest(const std::string &key, const std::string &text);

} // namespace kafkaml::executors
