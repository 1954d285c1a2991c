#pragma once

#include "common/error.h"

#include <string>

namespace kafkaml::formats {

//! A message, schema or config that cannot be decoded. The text says what was
//! wrong; batch decoding prefixes it with the record's offset.
class FormatError : public UserError {
public:
	using UserError::UserError;
};

} // namespace kafkaml::formats
