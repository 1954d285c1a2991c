#pragma once

#include "operations/control_publisher.h"
#include "stream/kafka_client.h"

#include <mutex>
#include <string>

namespace kafkaml::control {

//! Re-sends a recorded stream's control message for another deployment: the
//! data stays where it is in the log; only this message (tens of bytes) is
//! produced. Thread: any; calls are serialised.
class KafkaControlPublisher final : public operations::ControlPublisher {
public:
	KafkaControlPublisher(stream::KafkaConfig kafka, std::string control_topic);
	void publish(int64_t deployment, const store::Datasource &datasource) override;

private:
	stream::KafkaConfig kafka_;
	std::string control_topic_;
	std::mutex mutex_;
};

} // namespace kafkaml::control
