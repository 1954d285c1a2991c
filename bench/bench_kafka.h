#pragma once

// The raw librdkafka clients that benchmarks time predictions with: a
// producer that sends each record at once and a reader of one partition
// from its beginning that fetches without waiting, both with TCP_NODELAY
// as every client of `kafkaml` has it (stream::make_client). Header-only,
// as bench_support.h.
//
// Thread: the functions, any; the clients they make, as librdkafka says.

#include "stream/kafka_client.h"

#include <librdkafka/rdkafka.h>

#include <initializer_list>
#include <stdexcept>
#include <string>
#include <utility>

namespace kafkaml::bench {

//! `kafka`'s bootstrap and properties (security settings), then `extra`.
inline rd_kafka_conf_t *kafka_conf(const stream::KafkaConfig &kafka,
                                   std::initializer_list<std::pair<const char *, const char *>> extra) {
	char error[512];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	auto set = [&](const char *key, const char *value) {
		if (rd_kafka_conf_set(conf, key, value, error, sizeof(error)) != RD_KAFKA_CONF_OK) {
			rd_kafka_conf_destroy(conf);
			throw std::runtime_error(error);
		}
	};
	set("bootstrap.servers", kafka.bootstrap_servers.c_str());
	set("socket.nagle.disable", "true");
	for (const auto &[key, value] : kafka.properties) {
		set(key.c_str(), value.c_str());
	}
	for (auto [key, value] : extra) {
		set(key, value);
	}
	return conf;
}

//! A producer with linger.ms 0: a timed record leaves when produced.
inline rd_kafka_t *eager_producer(const stream::KafkaConfig &kafka) {
	char error[512];
	rd_kafka_t *producer =
	    rd_kafka_new(RD_KAFKA_PRODUCER, kafka_conf(kafka, {{"linger.ms", "0"}}), error, sizeof(error));
	if (!producer) {
		throw std::runtime_error(error);
	}
	return producer;
}

//! A consumer in group `group` assigned partition 0 of `topic` from its
//! beginning, fetching every 5 ms at most; polled with
//! rd_kafka_consumer_poll.
inline rd_kafka_t *partition_reader(const stream::KafkaConfig &kafka, const std::string &group,
                                    const std::string &topic) {
	char error[512];
	rd_kafka_t *consumer = rd_kafka_new(RD_KAFKA_CONSUMER,
	                                    kafka_conf(kafka, {{"group.id", group.c_str()},
	                                                       {"auto.offset.reset", "earliest"},
	                                                       {"enable.auto.commit", "false"},
	                                                       {"fetch.wait.max.ms", "5"}}),
	                                    error, sizeof(error));
	if (!consumer) {
		throw std::runtime_error(error);
	}
	rd_kafka_poll_set_consumer(consumer);
	auto *list = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(list, topic.c_str(), 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
	rd_kafka_assign(consumer, list);
	rd_kafka_topic_partition_list_destroy(list);
	return consumer;
}

} // namespace kafkaml::bench
