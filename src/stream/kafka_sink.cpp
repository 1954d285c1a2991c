#include "stream/kafka_sink.h"

#include "stream/stream_error.h"

#include <cstdlib>

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
	// What librdkafka will refuse, minus room for its own per-record
	// framing, so that a record we let through is not refused there.
	char text[32];
	size_t length = sizeof(text);
	if (rd_kafka_conf_get(rd_kafka_conf(rk_.get()), "message.max.bytes", text, &length) == RD_KAFKA_CONF_OK) {
		auto configured = std::strtoull(text, nullptr, 10);
		max_record_size_ = configured > kRecordFraming ? configured - kRecordFraming : configured;
	}
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
		delivery.too_large = message->err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE ||
		                     message->err == RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE;
	}
	self->callback_(delivery);
}

// Built as an array for rd_kafka_produceva, with each header its own
// entry: librdkafka copies them and owns the copies whatever happens, so no
// failure path leaves a headers object whose owner is in doubt (with
// RD_KAFKA_V_HEADERS, librdkafka 2.0 frees the caller's headers on some
// failures and not on others).
void KafkaSink::produce(const OutRecord &record) {
	if (auto size = record_size(record); size > max_record_size_) {
		throw RecordTooLarge("a record of " + std::to_string(size) + " bytes to " + std::string(record.topic) +
		                     " is larger than the " + std::to_string(max_record_size_) +
		                     " bytes the producer sends (message.max.bytes)");
	}
	std::string topic(record.topic);
	std::vector<rd_kafka_vu_t> fields;
	fields.reserve(6 + record.headers.size());
	auto add = [&fields](rd_kafka_vtype_t type) -> rd_kafka_vu_t & {
		fields.push_back(rd_kafka_vu_t{});
		fields.back().vtype = type;
		return fields.back();
	};
	add(RD_KAFKA_VTYPE_TOPIC).u.cstr = topic.c_str();
	add(RD_KAFKA_VTYPE_PARTITION).u.i32 = record.partition;
	add(RD_KAFKA_VTYPE_MSGFLAGS).u.i = RD_KAFKA_MSG_F_COPY;
	auto &value = add(RD_KAFKA_VTYPE_VALUE).u.mem;
	value.ptr = const_cast<char *>(record.value.data());
	value.size = record.value.size();
	if (record.key) {
		auto &key = add(RD_KAFKA_VTYPE_KEY).u.mem;
		key.ptr = const_cast<char *>(record.key->data());
		key.size = record.key->size();
	}
	add(RD_KAFKA_VTYPE_OPAQUE).u.ptr = reinterpret_cast<void *>(static_cast<uintptr_t>(record.tag));
	for (const auto &header : record.headers) {
		auto &entry = add(RD_KAFKA_VTYPE_HEADER).u.header;
		entry.name = header.key.c_str();
		entry.val = header.value ? header.value->data() : nullptr;
		entry.size = header.value ? static_cast<ssize_t>(header.value->size()) : -1;
	}
	for (;;) {
		rd_kafka_error_t *error = rd_kafka_produceva(rk_.get(), fields.data(), fields.size());
		if (!error) {
			return;
		}
		auto code = rd_kafka_error_code(error);
		std::string reason = rd_kafka_error_string(error);
		rd_kafka_error_destroy(error);
		if (code == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
			rd_kafka_poll(rk_.get(), 10);
			continue;
		}
		if (code == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE) {
			throw RecordTooLarge("cannot produce to " + topic + ": " + reason);
		}
		throw StreamError("cannot produce to " + topic + ": " + reason);
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
