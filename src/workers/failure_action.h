#pragma once

// What a job does with the exception that ended its work: the one place
// this is decided, from the error's kind (common/error.h). A training job
// that reported its failure ends with exit status 0, so its supervisor
// does not start it again; one that exits non-zero is restarted with
// back-off. Before this, a user's mistake the job did not recognise
// (thrown by a library as std::invalid_argument, say) restarted the job
// until the crash-loop limit, repeating the same failure each time.

#include <exception>
#include <functional>
#include <string>

namespace kafkaml::workers {

enum class FailureAction {
	report,  //!< the user's, or a fault a restart would repeat: say it once on the result and end
	restart, //!< something was unavailable: exit non-zero and be restarted
};

//! user and fatal errors (and exceptions no module classified): report;
//! retriable ones: restart. Pure; any thread.
FailureAction failure_action(const std::exception &error) noexcept;

//! Runs `work` on the calling thread. An exception whose action is `report`
//! goes to `report` with its message and ends here (returns false); one
//! whose action is `restart`, and a failure of `report` itself, propagate,
//! so the process exits non-zero and is restarted. True when `work`
//! returned. The inference replica's top level; the training job has its
//! own (run_training_job), which also knows cancellation.
bool run_or_report(const std::function<void()> &work, const std::function<void(const std::string &)> &report);

} // namespace kafkaml::workers
