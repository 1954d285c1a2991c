#pragma once

#include "common/error.h"

#include <string>

namespace kafkaml::dataset {

//! A dataset that cannot be sent as asked (a column that is not there or is
//! claimed twice, a cell without a value, statistics that do not fit the
//! file): the user's to fix, so the text names the file, the line, the
//! column and the option to change. Immutable; any thread.
class DatasetError : public UserError {
public:
	using UserError::UserError;
};

} // namespace kafkaml::dataset
