#pragma once

#include "stream/io.h"
#include "stream/kafka_client.h"

#include <string>
#include <vector>

namespace kafkaml::stream {

//! Sink over a librdkafka producer (idempotent, acks=all, lz4 off by default:
//! small numeric records gain little). Delivery reports are served by
//! poll/flush on the calling thread.
//! Thread: one thread calls every method.
class KafkaSink final : public Sink {
public:
	//! `defaults` are our throughput settings; config.properties override them.
	//! `topics` get their metadata fetched at once: librdkafka otherwise
	//! learns a topic first produced to mid-run only on its next 1 s metadata
	//! scan, which would double the time of a small stream plus control message.
	explicit KafkaSink(const KafkaConfig &config, const std::vector<std::string> &topics = {});
	void set_delivery_callback(DeliveryCallback callback) override { callback_ = std::move(callback); }
	void produce(const OutRecord &record) override;
	void poll(std::chrono::milliseconds timeout) override;
	void flush(std::chrono::milliseconds timeout) override;
	size_t max_record_size() const override { return max_record_size_; }
	rd_kafka_t *handle() const { return rk_.get(); }

private:
	//! Bytes librdkafka adds to a record when it checks message.max.bytes.
	static constexpr size_t kRecordFraming = 512;
	size_t max_record_size_ = 1'000'000 - kRecordFraming;
	static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *message, void *opaque);
	DeliveryCallback callback_;
	KafkaHandle rk_;
};

} // namespace kafkaml::stream
