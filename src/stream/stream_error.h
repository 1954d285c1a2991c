#pragma once

#include "common/error.h"

#include <string>

namespace kafkaml::stream {

//! A Kafka operation that cannot go on; the text says what to do.
//! Retriable (an unreachable cluster, a failed delivery) unless the caller
//! says the request is wrong (a bad client property, no topic given).
class StreamError : public Error {
public:
	explicit StreamError(const std::string &message, ErrorKind kind = ErrorKind::retriable) : Error(kind, message) {}
};

//! A record larger than the producer sends: produce it smaller or not at all.
class RecordTooLarge : public StreamError {
public:
	explicit RecordTooLarge(const std::string &message) : StreamError(message, ErrorKind::user) {}
};

//! The records a range list names are not in the log (the topic or
//! partition does not exist, or the offsets are beyond its end or deleted):
//! reading again will not help, unlike a cluster that is down.
class RangeError : public StreamError {
public:
	explicit RangeError(const std::string &message) : StreamError(message, ErrorKind::user) {}
};

} // namespace kafkaml::stream
