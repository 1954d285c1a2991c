#include "workers/failure_action.h"

#include "common/error.h"

namespace kafkaml::workers {

FailureAction failure_action(const std::exception &error) noexcept {
	return error_kind(error) == ErrorKind::retriable ? FailureAction::restart : FailureAction::report;
}

} // namespace kafkaml::workers
