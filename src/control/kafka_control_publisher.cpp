#include "control/kafka_control_publisher.h"

#include "control/datasource_mapping.h"
#include "stream/kafka_sink.h"

#include <stdexcept>

namespace kafkaml::control {

KafkaControlPublisher::KafkaControlPublisher(stream::KafkaConfig kafka, std::string control_topic)
    : kafka_(std::move(kafka)), control_topic_(std::move(control_topic)) {}

void KafkaControlPublisher::publish(int64_t deployment, const store::Datasource &datasource) {
	auto message = control_message_from(datasource, deployment);
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

} // namespace kafkaml::control
