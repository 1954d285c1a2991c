#pragma once

// What a job does with the exception that ended its work: the one place
// this is decided, from the error's kind (common/error.h). A training job
// that reported its failure ends with exit status 0, so its supervisor
// does not start it again; one that exits non-zero is restarted with
// back-off. Before this, a user's mistake the job did not recognise
// (thrown by a library as std::invalid_argument, say) restarted the job
// until the crash-loop limit, repeating the same failure each time.

#include <exception>
#include <string>

namespace kafkaml::workers {

enum class FailureAction {
	report,  //!< the user's, or a fault a restart would repeat: say it once on the result and end
	restart, //!< something was unavailable: exit non-zero and be restarted
};

//! user and fatal errors (and exceptions no module classified): report;
//! retriable ones: restart. Pure; any thread.
FailureAction failure_action(const std::exception &error) noexcept;

} // namespace kafkaml::workers
