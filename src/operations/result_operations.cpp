#include "operations/result_operations.h"

#include <string>

namespace kafkaml::operations {

store::Result stop_result(store::Store &store, executors::JobExecutor &executor, int64_t id) {
	auto result = store.get_result(id, {.which = store::EpochQuery::Which::none});
	if (store::is_terminal(result.status)) {
		throw store::Conflict("result " + std::to_string(id) + " is already " +
		                      std::string(store::to_string(result.status)) + "; there is nothing to stop");
	}
	executor.stop(store::JobKind::Training, id);
	return mark_result_stopped(store, id);
}

store::Result mark_result_stopped(store::Store &store, int64_t id) {
	try {
		return store.update_result_status(id, store::ResultStatus::Stopped, {.detail = "stopped by the user"});
	} catch (const store::Conflict &) {
		auto current = store.get_result(id, {.which = store::EpochQuery::Which::none});
		if (store::is_terminal(current.status)) {
			return current;
		}
		throw;
	}
}

} // namespace kafkaml::operations
