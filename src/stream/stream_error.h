#pragma once

#include <stdexcept>

namespace kafkaml::stream {

//! A Kafka operation that cannot go on (bad config, unreachable cluster,
//! range beyond the log end, delivery failure); the text says what to do.
class StreamError : public std::runtime_error {
public:
	using std::runtime_error::runtime_error;
};

} // namespace kafkaml::stream
