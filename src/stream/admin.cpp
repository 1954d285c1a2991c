#include "stream/admin.h"

#include "stream/stream_error.h"

#include <algorithm>

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
