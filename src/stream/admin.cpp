#include "stream/admin.h"

#include "stream/stream_error.h"

#include <algorithm>
#include <mutex>

namespace kafkaml::stream {

bool create_topic(const KafkaConfig &config, const std::string &topic, int32_t partitions, int16_t replication_factor,
                  std::chrono::milliseconds timeout) {
	auto rk = make_client(RD_KAFKA_PRODUCER, config, {});
	char error[512];
	rd_kafka_NewTopic_t *new_topic =
	    rd_kafka_NewTopic_new(topic.c_str(), partitions, replication_factor, error, sizeof(error));
	if (!new_topic) {
		throw StreamError("cannot create topic " + topic + ": " + error);
	}
	rd_kafka_queue_t *queue = rd_kafka_queue_new(rk.get());
	rd_kafka_AdminOptions_t *options = rd_kafka_AdminOptions_new(rk.get(), RD_KAFKA_ADMIN_OP_CREATETOPICS);
	rd_kafka_AdminOptions_set_operation_timeout(options, static_cast<int>(timeout.count()), error, sizeof(error));
	rd_kafka_CreateTopics(rk.get(), &new_topic, 1, options, queue);
	rd_kafka_event_t *event = rd_kafka_queue_poll(queue, static_cast<int>(timeout.count()) + 1000);
	std::string failure;
	bool created = false;
	if (!event) {
		failure = "no answer from the cluster within " + std::to_string(timeout.count()) + " ms";
	} else if (rd_kafka_event_error(event)) {
		failure = rd_kafka_event_error_string(event);
	} else {
		size_t count = 0;
		const rd_kafka_topic_result_t **results =
		    rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count);
		auto err = count > 0 ? rd_kafka_topic_result_error(results[0]) : RD_KAFKA_RESP_ERR_NO_ERROR;
		if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
			created = true;
		} else if (err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
			const char *message = rd_kafka_topic_result_error_string(results[0]);
			failure = message ? message : rd_kafka_err2str(err);
		}
	}
	if (event) {
		rd_kafka_event_destroy(event);
	}
	rd_kafka_AdminOptions_destroy(options);
	rd_kafka_NewTopic_destroy(new_topic);
	rd_kafka_queue_destroy(queue);
	if (!failure.empty()) {
		throw StreamError("cannot create topic " + topic + ": " + failure);
	}
	return created;
}

namespace {

//! What librdkafka last said of a failed connection; its threads write it.
struct QuietLog {
	std::mutex mutex;
	std::string last;

	static void on_log(const rd_kafka_t *rk, int level, const char *, const char *message) {
		auto *self = static_cast<QuietLog *>(rd_kafka_opaque(rk));
		if (level > 4) { // warnings and worse say why a connection failed
			return;
		}
		std::lock_guard<std::mutex> lock(self->mutex);
		self->last = essence(message);
		// A TLS handshake's failure reaches the error callback only once
		// every broker is down (if at all): its log line says it first.
		std::string_view text(message);
		if (text.find("SASL authentication error") != std::string_view::npos) {
			self->refused = RD_KAFKA_RESP_ERR__AUTHENTICATION;
			self->refusal = self->last;
		} else if (text.find("SSL handshake failed") != std::string_view::npos ||
		           text.find("certificate verify failed") != std::string_view::npos) {
			self->refused = RD_KAFKA_RESP_ERR__SSL;
			self->refusal = self->last;
		}
	}

	//! "[thrd:b/bootstrap]: b/bootstrap: Connect to ... failed: Connection
	//! refused (after 0ms in state CONNECT)" -> "Connect to ... failed:
	//! Connection refused": the address is in our message already.
	static std::string essence(std::string_view message) {
		if (message.starts_with("[thrd:")) {
			message.remove_prefix(std::min(message.size(), message.find("]: ") + 3));
		}
		auto colon = message.find(": ");
		if (colon != std::string_view::npos && message.substr(0, colon).find('/') != std::string_view::npos) {
			message.remove_prefix(colon + 2);
		}
		auto after = message.rfind(" (after ");
		if (after != std::string_view::npos && message.ends_with(")")) {
			message = message.substr(0, after);
		}
		return std::string(message);
	}
	//! Served by rd_kafka_poll() only: check_credentials() polls, the
	//! others leave these errors (the same as the logs) unread.
	static void on_error(rd_kafka_t *rk, int err, const char *reason, void *) {
		auto *self = static_cast<QuietLog *>(rd_kafka_opaque(rk));
		std::lock_guard<std::mutex> lock(self->mutex);
		if (err == RD_KAFKA_RESP_ERR__AUTHENTICATION || err == RD_KAFKA_RESP_ERR__SSL) {
			self->refused = static_cast<rd_kafka_resp_err_t>(err);
			self->refusal = essence(reason);
		} else {
			self->failed = true;
		}
	}
	rd_kafka_resp_err_t refused = RD_KAFKA_RESP_ERR_NO_ERROR; // guarded by mutex
	std::string refusal;                                      // guarded by mutex
	bool failed = false;                                      // guarded by mutex
};

//! A client whose logs and errors go to `log`.
KafkaHandle quiet_client(const KafkaConfig &config, QuietLog &log) {
	return make_client(
	    RD_KAFKA_PRODUCER, config, {},
	    [](rd_kafka_conf_t *conf, void *opaque) {
		    rd_kafka_conf_set_opaque(conf, opaque);
		    rd_kafka_conf_set_log_cb(conf, &QuietLog::on_log);
		    rd_kafka_conf_set_error_cb(conf, &QuietLog::on_error);
	    },
	    &log);
}

} // namespace

void check_reachable(const KafkaConfig &config, std::chrono::milliseconds timeout) {
	QuietLog log;
	auto rk = quiet_client(config, log);
	const rd_kafka_metadata_t *metadata = nullptr;
	auto err = rd_kafka_metadata(rk.get(), 0, nullptr, &metadata, static_cast<int>(timeout.count()));
	if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
		rd_kafka_metadata_destroy(metadata);
		return;
	}
	std::string reason;
	{
		std::lock_guard<std::mutex> lock(log.mutex);
		reason = log.last.empty() ? std::string("no answer within ") + std::to_string(timeout.count()) + " ms (" +
		                                rd_kafka_err2str(err) + ")"
		                          : log.last;
	}
	throw StreamError("cannot reach Kafka at " + config.bootstrap_servers + ": " + reason +
	                  "; is it running? (kafkaml up prints its bootstrap address)");
}

void check_credentials(const KafkaConfig &config, std::chrono::milliseconds timeout) {
	QuietLog log;
	auto rk = quiet_client(config, log);
	auto deadline = std::chrono::steady_clock::now() + timeout;
	// Metadata in short rounds, polling the errors between them: a refusal
	// comes as an error event, not as the metadata request's result.
	while (std::chrono::steady_clock::now() < deadline) {
		const rd_kafka_metadata_t *metadata = nullptr;
		auto round = std::min(250, remaining_ms(deadline));
		if (rd_kafka_metadata(rk.get(), 0, nullptr, &metadata, round) == RD_KAFKA_RESP_ERR_NO_ERROR) {
			rd_kafka_metadata_destroy(metadata);
			return;
		}
		rd_kafka_poll(rk.get(), 0);
		std::lock_guard<std::mutex> lock(log.mutex);
		if (log.refused == RD_KAFKA_RESP_ERR__AUTHENTICATION) {
			throw StreamError("Kafka at " + config.bootstrap_servers + " refused authentication: " + log.refusal +
			                  "; check sasl.mechanism, sasl.username and sasl.password in the Kafka client "
			                  "settings (--kafka-config, -X)");
		}
		if (log.refused == RD_KAFKA_RESP_ERR__SSL) {
			throw StreamError("the TLS handshake with Kafka at " + config.bootstrap_servers +
			                  " failed: " + log.refusal +
			                  "; check security.protocol and ssl.ca.location (the CA that signed the "
			                  "brokers' certificates) in the Kafka client settings (--kafka-config, -X)");
		}
		if (log.failed) {
			return; // not reachable: nothing said of the settings yet
		}
	}
}

std::vector<int32_t> list_partitions(rd_kafka_t *rk, const std::string &topic, std::chrono::milliseconds timeout) {
	rd_kafka_topic_t *handle = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
	const rd_kafka_metadata_t *metadata = nullptr;
	auto err = rd_kafka_metadata(rk, 0, handle, &metadata, static_cast<int>(timeout.count()));
	rd_kafka_topic_destroy(handle);
	if (err) {
		throw StreamError("cannot read metadata of topic " + topic + ": " + rd_kafka_err2str(err) +
		                  " (is the cluster reachable?)");
	}
	std::vector<int32_t> partitions;
	for (int t = 0; t < metadata->topic_cnt; t++) {
		const auto &info = metadata->topics[t];
		if (topic != info.topic || info.err) {
			continue;
		}
		for (int p = 0; p < info.partition_cnt; p++) {
			partitions.push_back(info.partitions[p].id);
		}
	}
	rd_kafka_metadata_destroy(metadata);
	std::sort(partitions.begin(), partitions.end());
	return partitions;
}

std::vector<int32_t> list_partitions(const KafkaConfig &config, const std::string &topic,
                                     std::chrono::milliseconds timeout) {
	// A consumer handle, because consumers never auto-create the topic they ask about.
	auto rk = make_client(RD_KAFKA_CONSUMER, config, {{"group.id", "kafkaml-admin"}});
	return list_partitions(rk.get(), topic, timeout);
}

} // namespace kafkaml::stream
