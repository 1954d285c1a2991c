#include "server/kafka_prediction_feed.h"

#include "stream/admin.h"

#include <librdkafka/rdkafka.h>

#include <thread>

namespace kafkaml::server {
namespace {

class KafkaPredictionSubscription final : public control::PredictionSubscription {
public:
	KafkaPredictionSubscription(const stream::KafkaConfig &kafka, std::string topic)
	    : topic_(std::move(topic)),
	      // group.id only satisfies librdkafka: assign() never joins the group.
	      rk_(stream::make_client(RD_KAFKA_CONSUMER, kafka,
	                              {{"group.id", "kafkaml-live-predictions"},
	                               {"enable.auto.commit", "false"},
	                               {"enable.partition.eof", "false"}})) {
		rd_kafka_poll_set_consumer(rk_.get());
	}

	std::optional<std::string> next(std::chrono::milliseconds timeout) override {
		if (!assigned_ && !assign()) {
			// The topic appears with the first prediction; until then, wait.
			topic_was_missing_ = true;
			std::this_thread::sleep_for(timeout);
			return std::nullopt;
		}
		rd_kafka_message_t *message = rd_kafka_consumer_poll(rk_.get(), static_cast<int>(timeout.count()));
		if (!message) {
			return std::nullopt;
		}
		std::optional<std::string> value;
		if (!message->err && message->payload) {
			value.emplace(static_cast<const char *>(message->payload), message->len);
		}
		rd_kafka_message_destroy(message);
		return value;
	}

private:
	bool assign() {
		auto partitions = stream::list_partitions(rk_.get(), topic_, std::chrono::seconds(2));
		if (partitions.empty()) {
			return false;
		}
		stream::PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
		for (auto partition : partitions) {
			// A topic made after the subscription holds only new predictions:
			// read it all. Otherwise start at its end.
			rd_kafka_topic_partition_list_add(list.get(), topic_.c_str(), partition)->offset =
			    topic_was_missing_ ? RD_KAFKA_OFFSET_BEGINNING : RD_KAFKA_OFFSET_END;
		}
		if (rd_kafka_assign(rk_.get(), list.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
			return false;
		}
		assigned_ = true;
		return true;
	}

	std::string topic_;
	stream::KafkaHandle rk_;
	bool assigned_ = false;
	bool topic_was_missing_ = false;
};

} // namespace

std::unique_ptr<control::PredictionSubscription> KafkaPredictionFeed::subscribe(const std::string &topic) {
	return std::make_unique<KafkaPredictionSubscription>(kafka_, topic);
}

} // namespace kafkaml::server
