#pragma once

#include <stdexcept>

namespace kafkaml::stream {

//! A Kafka operation that cannot go on (bad config, unreachable cluster,
//! range beyond the log end, delivery failure); the text says what to do.
class StreamError : public std::runtime_error {
public:
	using std::runtime_error::runtime_error;
};

//! A record larger than the producer sends: produce it smaller or not at all.
class RecordTooLarge : public StreamError {
public:
	using StreamError::StreamError;
};

//! The records a range list names are not in the log (the topic or
//! partition does not exist, or the offsets are beyond its end or deleted):
//! reading again will not help, unlike a cluster that is down.
class RangeError : public StreamError {
public:
	using StreamError::StreamError;
};

} // namespace kafkaml::stream
