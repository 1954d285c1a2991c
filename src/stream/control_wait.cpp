#include "stream/control_wait.h"

#include "formats/format_error.h"
#include "stream/admin.h"
#include "stream/stream_error.h"

#include <spdlog/spdlog.h>

#include <thread>

namespace kafkaml::stream {

formats::ControlMessage wait_for_control_message(const KafkaConfig &config, const std::string &control_topic,
                                                 int64_t deployment_id, std::chrono::milliseconds timeout,
                                                 const std::function<bool()> &cancelled) {
	auto deadline = std::chrono::steady_clock::now() + timeout;
	auto rk = make_client(RD_KAFKA_CONSUMER, config,
	                      {{"group.id", "kafkaml-control-reader"},
	                       {"enable.auto.commit", "false"},
	                       {"enable.auto.offset.store", "false"},
	                       {"auto.offset.reset", "earliest"},
	                       {"fetch.wait.max.ms", "100"},
	                       {"topic.metadata.refresh.interval.ms", "1000"}});
	rd_kafka_poll_set_consumer(rk.get());
	auto check_time = [&] {
		if (cancelled && cancelled()) {
			throw StreamError("stopped while waiting for the control message of deployment " +
			                  std::to_string(deployment_id));
		}
		if (std::chrono::steady_clock::now() >= deadline) {
			throw StreamError("no control message for deployment " + std::to_string(deployment_id) + " on topic " +
			                  control_topic + " within " + std::to_string(timeout.count() / 1000) +
			                  " s: send the data stream (kafkaml send) or re-send its control message");
		}
	};
	size_t assigned = 0;
	for (;;) {
		check_time();
		// New partitions of the control topic may appear; re-list now and then.
		auto partitions = list_partitions(rk.get(), control_topic, std::chrono::milliseconds(2000));
		if (partitions.size() > assigned) {
			// Incremental: partitions already assigned keep their positions.
			PartitionList fresh(rd_kafka_topic_partition_list_new(1));
			for (size_t i = assigned; i < partitions.size(); i++) {
				rd_kafka_topic_partition_list_add(fresh.get(), control_topic.c_str(), partitions[i])->offset =
				    RD_KAFKA_OFFSET_BEGINNING;
			}
			if (rd_kafka_error_t *error = rd_kafka_incremental_assign(rk.get(), fresh.get())) {
				std::string reason = rd_kafka_error_string(error);
				rd_kafka_error_destroy(error);
				throw StreamError("cannot read control topic " + control_topic + ": " + reason);
			}
			assigned = partitions.size();
		}
		if (assigned == 0) {
			std::this_thread::sleep_for(std::chrono::milliseconds(200));
			continue;
		}
		auto relist_at = std::chrono::steady_clock::now() + std::chrono::seconds(5);
		while (std::chrono::steady_clock::now() < relist_at) {
			check_time();
			rd_kafka_message_t *message = rd_kafka_consumer_poll(rk.get(), 200);
			if (!message) {
				continue;
			}
			std::unique_ptr<rd_kafka_message_t, void (*)(rd_kafka_message_t *)> guard(message,
			                                                                          rd_kafka_message_destroy);
			if (message->err) {
				continue;
			}
			std::optional<std::string_view> key;
			if (message->key) {
				key = std::string_view(static_cast<const char *>(message->key), message->key_len);
			}
			std::string_view value(message->payload ? static_cast<const char *>(message->payload) : "", message->len);
			try {
				auto control = formats::decode_control_message(key, value);
				if (control.deployment_id == deployment_id) {
					rd_kafka_timestamp_type_t type;
					control.timestamp_ms = rd_kafka_message_timestamp(message, &type);
					return control;
				}
			} catch (const formats::FormatError &e) {
				spdlog::warn("skipping control record at {}:{}:{}: {}", control_topic, message->partition,
				             message->offset, e.what());
			}
		}
	}
}

} // namespace kafkaml::stream
