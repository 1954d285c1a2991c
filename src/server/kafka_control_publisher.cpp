#include "server/kafka_control_publisher.h"

#include "formats/control_message.h"
#include "formats/range_list.h"
#include "stream/kafka_sink.h"

#include <stdexcept>

namespace kafkaml::server {

KafkaControlPublisher::KafkaControlPublisher(stream::KafkaConfig kafka, std::string control_topic)
    : kafka_(std::move(kafka)), control_topic_(std::move(control_topic)) {
}

void KafkaControlPublisher::publish(int64_t deployment, const store::Datasource &datasource) {
	formats::ControlMessage message;
	message.deployment_id = deployment;
	message.ranges = formats::parse_range_list(datasource.topic);
	message.input_format = datasource.input_format;
	message.input_config = datasource.input_config;
	message.description = datasource.description;
	message.validation_rate = datasource.validation_rate;
	message.test_rate = datasource.test_rate;
	message.total_msg = datasource.total_msg;
	auto key = message.encode_key();
	auto value = message.encode_value();

	std::lock_guard lock(mutex_);
	// A producer per call: reuse is rare (a user action) and this keeps no
	// connection open between calls.
	stream::KafkaSink sink(kafka_);
	std::string error;
	sink.set_delivery_callback([&error](const stream::Delivery &delivery) {
		if (!delivery.ok()) {
			error = delivery.error;
		}
	});
	stream::OutRecord record;
	record.topic = control_topic_;
	record.key = key;
	record.value = value;
	sink.produce(record);
	sink.flush(std::chrono::seconds(15));
	if (!error.empty()) {
		throw std::runtime_error("the control message for deployment " + std::to_string(deployment) +
		                         " was not delivered to topic '" + control_topic_ + "': " + error);
	}
}

} // namespace kafkaml::server
