// fuzz-libs: kafkaml_broker kafkaml_test_support
//
// Feeds the broker's request path (frame header decoding, every core API's
// body decoder and handler, the group module's codec) with a stream of
// size-prefixed frames, as a client would send them on one connection.
// Seeds in fuzz/corpus/broker_request/ are requests librdkafka, kcat and the
// Python clients sent to the broker.
#include "broker/group/group_api.h"
#include "broker/protocol/reader.h"
#include "broker/server/request_handler.h"
#include "broker/storage/log_manager.h"
#include "support/temp_dir.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <memory>
#include <vector>

using namespace kafkaml::broker;

namespace {

struct Harness {
	Harness() {
		spdlog::set_level(spdlog::level::off);
		config.data_dir = dir;
		config.auto_create_topics = false;
		logs = std::make_unique<storage::LogManager>(dir, config.log);
		logs->set_max_partitions(8);
		int16_t error = 0;
		logs->create("fuzz", 2, {}, error);
		group::GroupApiConfig gc;
		gc.data_dir = dir;
		groups = std::make_unique<group::GroupApi>(gc);
		handler = std::make_unique<server::RequestHandler>(config, *logs, groups.get());
	}
	// Destroyed in reverse order: the handler before what it uses, the
	// directory last.
	kafkaml::testing::TempDir temp{"fuzz"};
	std::filesystem::path dir = temp.path();
	BrokerConfig config;
	std::unique_ptr<storage::LogManager> logs;
	std::unique_ptr<group::GroupApi> groups;
	std::unique_ptr<server::RequestHandler> handler;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	static Harness h;
	// The handler may rewrite Produce payloads in place: work on a copy.
	std::vector<uint8_t> input(data, data + size);
	size_t pos = 0;
	while (pos + 4 <= input.size()) {
		auto frame_size = static_cast<int32_t>(protocol::load_be32(input.data() + pos));
		pos += 4;
		if (frame_size < 0 || static_cast<size_t>(frame_size) > input.size() - pos) {
			break;
		}
		std::span<uint8_t> frame(input.data() + pos, static_cast<size_t>(frame_size));
		pos += static_cast<size_t>(frame_size);
		try {
			auto request = server::decode_request(frame, "fuzz");
			h.handler->handle(request, [](server::OutFrame out) {
				// Every response must be a well-formed frame: its size prefix,
				// in the first chunk, counts every chunk.
				if (out.empty()) {
					return;
				}
				const auto *head = std::get_if<std::vector<uint8_t>>(&out.chunks().front());
				if (!head || head->size() < 8 || protocol::load_be32(head->data()) + 4 != out.size()) {
					__builtin_trap();
				}
			});
		} catch (const std::exception &) {
			break; // the network loop closes the connection here
		}
	}
	h.handler->flush_parked();
	// Keep the data directory small: drop topics a CreateTopics request made.
	std::vector<std::string> extra;
	for (const auto &[name, topic] : h.logs->topics()) {
		if (name != "fuzz") {
			extra.push_back(name);
		}
	}
	for (const auto &name : extra) {
		h.logs->remove(name);
	}
	return 0;
}
