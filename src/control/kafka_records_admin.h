#pragma once

#include "operations/records_admin.h"
#include "stream/kafka_client.h"

#include <chrono>
#include <mutex>

namespace kafkaml::control {

//! DeleteRecords through librdkafka's admin API, a client per call (a rare
//! user action; no connection stays open). Thread: any; calls are
//! serialised.
class KafkaRecordsAdmin final : public operations::RecordsAdmin {
public:
	explicit KafkaRecordsAdmin(stream::KafkaConfig kafka, std::chrono::milliseconds timeout = std::chrono::seconds(30))
	    : kafka_(std::move(kafka)), timeout_(timeout) {}
	std::vector<operations::RecordsCutResult> delete_records(const std::vector<operations::RecordsCut> &cuts) override;

private:
	stream::KafkaConfig kafka_;
	std::chrono::milliseconds timeout_;
	std::mutex mutex_;
};

} // namespace kafkaml::control
