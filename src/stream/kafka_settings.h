#pragma once

// librdkafka properties as users give them: a properties file (one
// `name=value` a line) and `-X name=value` options, checked against
// librdkafka as they are read so that a mistake is named where it was made
// (FILE:LINE, or the option) before any client starts. Secret values
// (passwords, keys) are never shown: every message and listing masks them.
//
// Thread: everything here is a pure function or touches only its own file;
// any thread.

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace kafkaml::stream {

using KafkaProperties = std::map<std::string, std::string>;

//! Whether a property's value is a secret: passwords, client secrets,
//! private keys, OAUTHBEARER configs (which may hold secrets).
bool is_secret_property(std::string_view name);

//! `name=value`, or `name=***` for a secret property.
std::string shown_property(const std::string &name, const std::string &value);

//! `text` with the value of a secret property replaced by *** wherever it
//! occurs (librdkafka's messages may quote the value they refused); `text`
//! itself for any other property.
std::string without_secret(std::string text, const std::string &name, const std::string &value);

//! Every property as shown_property, comma-separated, in name order; for logs.
std::string describe_properties(const KafkaProperties &properties);

//! Checks that librdkafka takes `name=value` and that it is not one of the
//! properties the system sets itself (group.id, group.instance.id, the
//! auto-commit and idempotence ones, transactional.id, isolation.level).
//! Throws StreamError (user) starting with `where`, naming the property and
//! masking a secret value.
void check_property(const std::string &name, const std::string &value, const std::string &where);

//! Parses properties text: one `name=value` a line, whitespace around the
//! name and the value ignored, `#` comment lines and blank lines skipped.
//! Each property is checked with check_property. A malformed line throws
//! StreamError (user) "WHERE:LINE: ..." without echoing the line (it may
//! hold a secret).
KafkaProperties parse_properties(std::string_view text, const std::string &where);

//! parse_properties of a file; a file that cannot be read throws
//! StreamError (user) naming it. Warns (log) when the file holds a secret
//! and other users may read it.
KafkaProperties read_properties_file(const std::filesystem::path &file);

//! The file (when not empty), then each `name=value` of `overrides` (the
//! `-X` options) over it. Throws StreamError (user) naming the file and line
//! or the option. Warns (log) of a secret given as an option: it is on the
//! process's command line.
KafkaProperties load_properties(const std::string &file, const std::vector<std::string> &overrides);

//! Writes `properties` to `file` readable and writable by its owner only
//! (0600), through a temporary file renamed over it, so that a reader never
//! sees half a file. Throws StreamError (fatal) when it cannot.
void write_properties_file(const std::filesystem::path &file, const KafkaProperties &properties);

//! The text write_properties_file writes: a header comment and one
//! `name=value` a line, in name order.
std::string format_properties(const KafkaProperties &properties);

} // namespace kafkaml::stream
