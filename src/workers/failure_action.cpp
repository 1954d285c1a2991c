#include "workers/failure_action.h"

#include "common/error.h"

#include <spdlog/spdlog.h>

namespace kafkaml::workers {

FailureAction failure_action(const std::exception &error) noexcept {
	return error_kind(error) == ErrorKind::retriable ? FailureAction::restart : FailureAction::report;
}

bool run_or_report(const std::function<void()> &work, const std::function<void(const std::string &)> &report) {
	try {
		work();
		return true;
	} catch (const std::exception &e) {
		if (failure_action(e) == FailureAction::restart) {
			spdlog::error("{}; exiting to be restarted", e.what());
			throw;
		}
		spdlog::error("{}", e.what());
		report(e.what());
		return false;
	}
}

} // namespace kafkaml::workers
