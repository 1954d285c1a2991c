#pragma once

#include "stream/kafka_client.h"

#include <librdkafka/rdkafka_mock.h>

#include <memory>
#include <string>

namespace kafkaml::stream {

//! A Kafka cluster for tests. By default librdkafka's in-process mock
//! cluster (random loopback port, one broker; topics made with
//! rd_kafka_mock_topic_create since it lacks CreateTopics). With the
//! environment variable KAFKAML_TEST_BOOTSTRAP=host:port the same tests run
//! against that real cluster instead (e.g. `kafkaml broker`), topics made
//! with CreateTopics under a unique name.
//! Thread: construct and use from the test's main thread; the mock broker
//! runs its own threads.
class TestCluster {
public:
	TestCluster();
	~TestCluster();
	TestCluster(const TestCluster &) = delete;
	TestCluster &operator=(const TestCluster &) = delete;

	const std::string &bootstrap() const { return bootstrap_; }
	KafkaConfig config() const { return KafkaConfig{bootstrap_, {}}; }
	bool is_mock() const { return mock_ != nullptr; }
	//! Creates a topic with a name unique to this process and returns it.
	//! Thread: any.
	std::string create_topic(const std::string &base, int32_t partitions);

private:
	rd_kafka_t *owner_ = nullptr;
	rd_kafka_mock_cluster_t *mock_ = nullptr;
	std::string bootstrap_;
};

} // namespace kafkaml::stream
