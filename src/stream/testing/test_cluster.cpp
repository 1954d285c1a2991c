#include "stream/testing/test_cluster.h"

#include "stream/admin.h"
#include "stream/stream_error.h"

#include <librdkafka/rdkafka_mock.h>

#include <atomic>
#include <cstdlib>
#include <unistd.h>

namespace kafkaml::stream {

TestCluster::TestCluster() {
	if (const char *external = std::getenv("KAFKAML_TEST_BOOTSTRAP"); external && *external) {
		bootstrap_ = external;
		return;
	}
	char error[512];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_conf_set(conf, "log_level", "3", error, sizeof(error));
	owner_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof(error));
	if (!owner_) {
		throw StreamError(std::string("cannot create the mock cluster's client: ") + error);
	}
	mock_ = rd_kafka_mock_cluster_new(owner_, 1);
	if (!mock_) {
		throw StreamError("cannot create librdkafka's mock cluster");
	}
	bootstrap_ = rd_kafka_mock_cluster_bootstraps(mock_);
}

TestCluster::~TestCluster() {
	if (mock_) {
		rd_kafka_mock_cluster_destroy(mock_);
	}
	if (owner_) {
		rd_kafka_destroy(owner_);
	}
}

std::string TestCluster::create_topic(const std::string &base, int32_t partitions) {
	// Counted per process, not per cluster object: on a real cluster the
	// topics of every test of the process share one namespace.
	static std::atomic<int> counter{0};
	std::string name = base + "-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
	if (mock_) {
		if (auto err = rd_kafka_mock_topic_create(mock_, name.c_str(), partitions, 1)) {
			throw StreamError("mock cluster cannot create " + name + ": " + rd_kafka_err2str(err));
		}
		return name;
	}
	stream::create_topic(config(), name, partitions);
	return name;
}

} // namespace kafkaml::stream
