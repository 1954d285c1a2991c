#pragma once
// What a test or benchmark needs to reach a `kafkaml broker` on a SASL_SSL
// listener: a SCRAM user added the way an operator adds one (`kafkaml
// broker users add`, the password on standard input), the librdkafka
// properties of a client logging in as that user and trusting the test's
// CA (see certificates.h), and those properties as a private file for
// `--kafka-config` or `--kafka-cluster`.
//
// Thread: any; add_broker_user() blocks while `kafkaml` runs.
#include <filesystem>
#include <map>
#include <string>

namespace kafkaml::testing {

//! Adds `user` with `password` to the broker data directory `data_dir`
//! (made when missing) with `kafkaml broker users add`. The password
//! reaches it on stdin from a 0600 file next to `data_dir`, removed
//! afterwards: on a command line every user of the machine could read it.
//! Throws std::runtime_error with the command's output when it fails.
void add_broker_user(const std::filesystem::path &data_dir, const std::string &user, const std::string &password,
                     const std::string &mechanism = "SCRAM-SHA-256");

//! librdkafka properties of a SASL_SSL client logging in as `user` with
//! `mechanism`; it trusts `ca_file`, or the system's CAs when that is empty.
std::map<std::string, std::string> sasl_ssl_properties(const std::string &user, const std::string &password,
                                                       const std::filesystem::path &ca_file,
                                                       const std::string &mechanism = "SCRAM-SHA-256");

//! Writes `properties` as `key=value` lines into `file` with mode 0600, as
//! the server requires of files holding credentials. Throws
//! std::runtime_error when it cannot.
void write_properties_file(const std::filesystem::path &file, const std::map<std::string, std::string> &properties);

} // namespace kafkaml::testing
