#include "api/route_support.h"

#include <algorithm>
#include <cctype>

namespace kafkaml::api {

using store::ResultStatus;

store::Result mark_result_stopped(store::Store &db, int64_t id) {
	try {
		return db.update_result_status(id, ResultStatus::Stopped, {.detail = "stopped by the user"});
	} catch (const store::Conflict &) {
		auto current = db.get_result(id, {.which = store::EpochQuery::Which::none});
		if (store::is_terminal(current.status)) {
			return current;
		}
		throw;
	}
}

std::string upper(std::string text) {
	std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return char(std::toupper(c)); });
	return text;
}

} // namespace kafkaml::api
