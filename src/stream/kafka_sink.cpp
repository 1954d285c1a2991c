#include "stream/kafka_sink.h"

#include "stream/stream_error.h"

namespace kafkaml::stream {
KafkaSink::KafkaSink(const KafkaConfig &config, const std::vector<std::string> &topics) {
	rk_ = make_client(
	    RD_KAFKA_PRODUCER, config,
	    {{"enable.idempotence", "true"},
	     {"acks", "all"},
	     {"linger.ms", "5"},
	     {"batch.size", "1000000"},
	     {"queue.buffering.max.messages", "1000000"},
	     {"queue.buffering.max.kbytes", "1048576"},
	     {"compression.type", "none"}},
	    [](rd_kafka_conf_t *conf, void *opaque) {
		    rd_kafka_conf_set_opaque(conf, opaque);
		    rd_kafka_conf_set_dr_msg_cb(conf, &KafkaSink::on_delivery);
	    },
	    this);
	for (const auto &topic : topics) {
		// Errors are left to produce(), which reports them per record.
		rd_kafka_topic_t *handle = rd_kafka_topic_new(rk_.get(), topic.c_str(), nullptr);
		const rd_kafka_metadata_t *metadata = nullptr;
		if (rd_kafka_metadata(rk_.get(), 0, handle, &metadata, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
			rd_kafka_metadata_destroy(metadata);
		}
		rd_kafka_topic_destroy(handle);
	}
}

void KafkaSink::on_delivery(rd_kafka_t *, const rd_kafka_message_t *message, void *opaque) {
	auto *self = static_cast<KafkaSink *>(opaque);
	if (!self->callback_) {
		return;
	}
	Delivery delivery;
	delivery.topic = message->rkt ? rd_kafka_topic_name(message->rkt) : "";
	delivery.partition = message->partition;
	delivery.offset = message->offset;
	delivery.tag = reinterpret_cast<uintptr_t>(message->_private);
	if (message->err) {
		delivery.error = rd_kafka_err2str(message->err);
	}
	self->callback_(delivery);
}

void KafkaSink::produce(const OutRecord &record) {
	rd_kafka_headers_t *headers = nullptr;
	if (!record.headers.empty()) {
		headers = rd_kafka_headers_new(record.headers.size());
		for (const auto &header : record.headers) {
			rd_kafka_header_add(headers, header.key.data(), static_cast<ssize_t>(header.key.size()),
			                    header.value ? header.value->data() : nullptr,
			                    header.value ? static_cast<ssize_t>(header.value->size()) : 0);
		}
	}
	std::string topic(record.topic);
	const void *key = record.key ? record.key->data() : nullptr;
	size_t key_size = record.key ? record.key->size() : 0;
	void *value = const_cast<char *>(record.value.data());
	size_t value_size = record.value.size();
	void *tag = reinterpret_cast<void *>(static_cast<uintptr_t>(record.tag));
	for (;;) {
		rd_kafka_resp_err_t err = rd_kafka_producev(
		    rk_.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(record.partition),
		    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_VALUE(value, value_size),
		    RD_KAFKA_V_KEY(key, key_size), RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_OPAQUE(tag), RD_KAFKA_V_END);
		if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
			return; // librdkafka owns the headers now
		}
		if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
			rd_kafka_poll(rk_.get(), 10);
			continue;
		}
		if (headers) {
			rd_kafka_headers_destroy(headers);
		}
		throw StreamError("cannot produce to " + topic + ": " + rd_kafka_err2str(err));
	}
}

void KafkaSink::poll(std::chrono::milliseconds timeout) {
	rd_kafka_poll(rk_.get(), static_cast<int>(timeout.count()));
}

void KafkaSink::flush(std::chrono::milliseconds timeout) {
	auto err = rd_kafka_flush(rk_.get(), static_cast<int>(timeout.count()));
	if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		throw StreamError("not every record was delivered within " + std::to_string(timeout.count()) + " ms (" +
		                  rd_kafka_err2str(err) + "): is the cluster reachable?");
	}
	rd_kafka_poll(rk_.get(), 0);
}

} // namespace kafkaml::stream
