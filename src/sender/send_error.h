#pragma once

#include "common/error.h"

#include <string>

namespace kafkaml::sender {

//! A send refused before a record leaves: an option, or options that do not
//! go together, or a file that cannot be opened or read. The user's to fix,
//! so the text names the option or file to change. The cluster's own
//! failures (unreachable, a record not delivered) are stream::StreamError,
//! retriable. Immutable; any thread.
class SendError : public UserError {
public:
	using UserError::UserError;
};

} // namespace kafkaml::sender
