// fuzz-libs: kafkaml_control_records kafkaml_api
// One record of the control topic through what the control logger does
// with it: kept as a datasource or as a refusal, never a crash, never "the
// store is away" (the store here always is there), and whatever was kept
// can be shown by the API. Input: the first byte is the key length (0 = no
// key, up to 9), then the key, then the value.
#include "api/entity_json.h"
#include "common/json_input.h"
#include "control/control_record_keeper.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

using namespace kafkaml;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	static std::unique_ptr<store::Store> db;
	static int uses = 0;
	// A fresh in-memory database now and then, so that it does not grow
	// over millions of inputs.
	if (!db || ++uses % 1000 == 0) {
		db.reset();
		db = store::open_store("sqlite::memory:");
	}
	if (size < 1) {
		return 0;
	}
	size_t key_size = data[0] % 10;
	if (size < 1 + key_size) {
		return 0;
	}
	stream::Record record;
	record.topic = "control";
	record.offset = uses;
	record.timestamp_ms = 1;
	if (key_size > 0) {
		record.key = std::string(reinterpret_cast<const char *>(data + 1), key_size);
	}
	record.value.assign(reinterpret_cast<const char *>(data + 1 + key_size), size - 1 - key_size);

	control::ControlRecordKeeper keeper(*db);
	switch (keeper.take(record)) {
	case control::ControlRecordKeeper::Outcome::recorded: {
		auto shown = dump_json(api::to_json(db->list_datasources().back()));
		if (!parse_json(shown).is_object()) {
			std::abort();
		}
		break;
	}
	case control::ControlRecordKeeper::Outcome::refused: {
		auto refused = db->list_refused_control_messages(1);
		if (refused.empty() || !parse_json(dump_json(api::to_json(refused.front()))).is_object()) {
			std::abort();
		}
		break;
	}
	case control::ControlRecordKeeper::Outcome::store_unavailable:
		std::abort();
	}
	return 0;
}
