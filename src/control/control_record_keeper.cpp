#include "control/control_record_keeper.h"

#include "common/json_input.h"
#include "control/datasource_mapping.h"
#include "formats/control_message.h"
#include "formats/format_error.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <thread>

namespace kafkaml::control {

std::string control_position(const stream::Record &record) {
	return record.topic + "/" + std::to_string(record.partition) + "@" + std::to_string(record.offset) + " t" +
	       std::to_string(record.timestamp_ms);
}

ControlRecordKeeper::ControlRecordKeeper(store::Store &store, std::function<bool()> keep_going)
    : store_(store), keep_going_(std::move(keep_going)) {}

ControlRecordKeeper::Outcome ControlRecordKeeper::take(const stream::Record &record) {
	auto position = control_position(record);
	std::optional<std::string_view> key;
	if (record.key) {
		key = *record.key;
	}
	formats::ControlMessage message;
	try {
		message = formats::decode_control_message(key, record.value);
	} catch (const formats::FormatError &e) {
		return refuse(position, std::nullopt, e.what());
	}
	auto datasource = datasource_from(message);
	datasource.control_message = position;
	std::string failure;
	// A store error may be passing (a busy database): try again a few times
	// before deciding whether the message or the store is at fault.
	for (int attempt = 0; attempt < kStoreAttempts && (!keep_going_ || keep_going_()); attempt++) {
		try {
			store_.add_datasource(datasource);
			recorded_.fetch_add(1);
			spdlog::info("control logger: deployment {} gets stream {} ({} records)", message.deployment_id,
			             printable(datasource.topic, 200), message.total_msg);
			return Outcome::recorded;
		} catch (const store::InvalidArgument &e) {
			return refuse(position, message.deployment_id, std::string("the store cannot hold it: ") + e.what());
		} catch (const std::exception &e) {
			failure = e.what();
			std::this_thread::sleep_for(std::chrono::milliseconds(100 << attempt));
		}
	}
	// Still failing: if the store takes the refusal, it was this message.
	return refuse(position, message.deployment_id, "the store failed to record it: " + failure);
}

ControlRecordKeeper::Outcome ControlRecordKeeper::refuse(const std::string &position, std::optional<int64_t> deployment,
                                                         const std::string &reason) {
	store::RefusedControlMessage refused;
	refused.control_message = position;
	refused.deployment = deployment;
	refused.reason = printable(reason, 1000);
	try {
		store_.add_refused_control_message(refused);
	} catch (const std::exception &e) {
		spdlog::warn("control logger: cannot record that {} was refused ({}): {}", position, refused.reason, e.what());
		return Outcome::store_unavailable;
	}
	refused_.fetch_add(1);
	spdlog::warn("control logger: refused {}: {}", position, refused.reason);
	return Outcome::refused;
}

} // namespace kafkaml::control
