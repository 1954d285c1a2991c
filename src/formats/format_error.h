#pragma once

#include <stdexcept>
#include <string>

namespace kafkaml::formats {

//! A message, schema or config that cannot be decoded. The text says what was
//! wrong; batch decoding prefixes it with the record's offset.
class FormatError : public std::runtime_error {
public:
	using std::runtime_error::runtime_error;
};

} // namespace kafkaml::formats
