#pragma once

// The one error type of the system and what a failure means for whoever
// meets it. After DuckDB's Exception (one base class whose subclasses set a
// type) and librdkafka's rd_kafka_error_t (is_retriable / is_fatal): every
// module's error class derives from Error and says, once, which of three
// kinds its failures are. Callers decide by kind, not by class:
//
//   kind       what it means                          training job / replica      REST API    CLI
//   user       the input is wrong (a model, a         reports it once on the      4xx         exit 1
//              stream, a request, an option): the     result and ends; no restart
//              same call fails the same way until
//              someone fixes it
//   retriable  something needed is not there now     exits non-zero; its         503         exit 1
//              (the server, Kafka, the database):     supervisor restarts it
//              the same call may work later           with back-off
//   fatal      a broken invariant, a bug, an          reports it once, as an      500         exit 1
//              exception no module classified:        internal error, and ends
//              a retry would repeat it
//
// The job's decision is workers::failure_action(); the API's is its status
// mapping in api_http.cpp (error_answer). An exception that is not an Error
// (libtorch's, the standard library's) counts as fatal: reported once,
// never a crash loop.

#include <cstdint>
#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>

namespace kafkaml {

enum class ErrorKind : uint8_t { user, retriable, fatal };

//! "user", "retriable", "fatal".
std::string_view to_string(ErrorKind kind);

//! Base of every error class of the system. `what()` is the full message
//! for a person: what was wrong and what to do. Immutable; any thread.
class Error : public std::runtime_error {
public:
	Error(ErrorKind kind, const std::string &message) : std::runtime_error(message), kind_(kind) {}
	ErrorKind kind() const noexcept { return kind_; }
	bool is_retriable() const noexcept { return kind_ == ErrorKind::retriable; }
	bool is_fatal() const noexcept { return kind_ == ErrorKind::fatal; }

private:
	ErrorKind kind_;
};

//! The input is wrong; the message says what to change.
class UserError : public Error {
public:
	explicit UserError(const std::string &message) : Error(ErrorKind::user, message) {}
};

//! Something needed is unavailable now; the message says what.
class RetriableError : public Error {
public:
	explicit RetriableError(const std::string &message) : Error(ErrorKind::retriable, message) {}
};

//! A broken invariant; retrying would repeat it.
class FatalError : public Error {
public:
	explicit FatalError(const std::string &message) : Error(ErrorKind::fatal, message) {}
};

//! The kind of any exception: an Error's own, fatal for anything else.
ErrorKind error_kind(const std::exception &error) noexcept;

} // namespace kafkaml
