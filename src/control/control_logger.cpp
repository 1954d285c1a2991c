#include "control/control_logger.h"

#include "stream/admin.h"
#include "stream/kafka_group_source.h"
#include "stream/stream_error.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <map>
#include <thread>

namespace kafkaml::control {

namespace {

//! stream::list_partitions with its 10 s, asked in rounds of 1 s: stop()
//! joins the thread that waits here, and must not wait out a cluster that
//! is away.
std::vector<int32_t> list_partitions_unless_stopped(const stream::KafkaConfig &kafka, const std::string &topic,
                                                    const std::atomic<bool> &stopping) {
	auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
	for (;;) {
		auto round_end = std::chrono::steady_clock::now() + std::chrono::seconds(1);
		try {
			return stream::list_partitions(kafka, topic, std::chrono::seconds(1));
		} catch (const stream::StreamError &) {
			if (stopping || std::chrono::steady_clock::now() >= deadline) {
				throw;
			}
			// An error that comes at once is not retried more than once a second.
			std::this_thread::sleep_until(round_end);
		}
	}
}

} // namespace

ControlLogger::ControlLogger(stream::KafkaConfig kafka, std::string control_topic, std::string group_id,
                             store::Store &store)
    : kafka_(std::move(kafka)), control_topic_(std::move(control_topic)), group_id_(std::move(group_id)),
      keeper_(store, [this] { return !stopping_.load(); }) {}

ControlLogger::~ControlLogger() {
	stop();
}

void ControlLogger::start() {
	stopping_ = false;
	thread_ = std::thread([this] { run(); });
}

void ControlLogger::stop() {
	stopping_ = true;
	if (thread_.joinable()) {
		thread_.join();
	}
}

void ControlLogger::run() {
	while (!stopping_) {
		try {
			// The control topic must exist before the subscription: a
			// consumer subscribed to a missing topic notices its creation
			// only at its next metadata refresh, minutes later, and would
			// miss the first streams users send. Mock clusters have no
			// CreateTopics; there the topic is made beforehand.
			try {
				if (list_partitions_unless_stopped(kafka_, control_topic_, stopping_).empty()) {
					stream::create_topic(kafka_, control_topic_, 1);
				}
			} catch (const stream::StreamError &e) {
				spdlog::debug("control logger: cannot create topic {}: {}", control_topic_, e.what());
			}
			stream::KafkaGroupSource source(kafka_, group_id_, {control_topic_});
			std::vector<stream::Record> records;
			while (!stopping_) {
				records.clear();
				source.poll_batch(records, 256, std::chrono::milliseconds(200));
				// Every record ends recorded or refused, and its offset is
				// committed either way: one bad record never stops the
				// logger, nor makes it fail again after a restart. Only a
				// store that takes nothing stops the batch, uncommitted.
				std::map<std::pair<std::string, int32_t>, int64_t> next;
				bool store_away = false;
				for (const auto &record : records) {
					if (keeper_.take(record) == ControlRecordKeeper::Outcome::store_unavailable) {
						store_away = true;
						break;
					}
					next[{record.topic, record.partition}] = record.offset + 1;
				}
				if (!next.empty()) {
					std::vector<stream::TopicPartitionOffset> offsets;
					for (const auto &[partition, offset] : next) {
						offsets.push_back({partition.first, partition.second, offset});
					}
					source.commit(offsets);
				}
				if (store_away) {
					throw std::runtime_error("the store records nothing");
				}
			}
		} catch (const std::exception &e) {
			// Broker or store away: start over from the committed offsets
			// after a pause; nothing recorded is lost.
			spdlog::warn("control logger: {}; retrying in 1 s", e.what());
			for (int i = 0; i < 10 && !stopping_; ++i) {
				std::this_thread::sleep_for(std::chrono::milliseconds(100));
			}
		}
	}
}

} // namespace kafkaml::control
