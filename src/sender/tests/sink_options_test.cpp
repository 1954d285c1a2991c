#include "sender/sink_options.h"

#include "memory_cluster.h"
#include "stream/stream_error.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace kafkaml::sender {
namespace {

using testing::MemoryCluster;

SendOptions training() {
	SendOptions options;
	options.bootstrap_servers = "kafka:9093";
	options.topic = "data";
	options.deployment_id = 7;
	options.control_topic = "ctl";
	options.description = "hcopd";
	options.validation_rate = 0.2;
	options.test_rate = 0.1;
	options.timeout_ms = 1234;
	options.properties = {"acks=all", "sasl.password=a=b"};
	return options;
}

//! sink_options' error, or "" when it answers.
std::string refusal(const SendOptions &options, MemoryCluster &cluster) {
	try {
		sink_options(options, cluster);
	} catch (const std::runtime_error &e) {
		return e.what();
	}
	return "";
}

TEST(SinkOptions, SayWhatTheControlMessageWillSayAfterTheClusterAnswered) {
	MemoryCluster cluster;
	auto to = sink_options(training(), cluster);
	EXPECT_EQ(to.kafka.bootstrap_servers, "kafka:9093");
	EXPECT_EQ(to.kafka.properties.at("acks"), "all");
	EXPECT_EQ(to.kafka.properties.at("sasl.password"), "a=b"); // split at the first '='
	EXPECT_EQ(to.topic, "data");
	EXPECT_EQ(to.control_topic, "ctl");
	EXPECT_EQ(to.deployment_id, 7);
	EXPECT_EQ(to.description, "hcopd");
	EXPECT_DOUBLE_EQ(to.validation_rate, 0.2);
	EXPECT_DOUBLE_EQ(to.test_rate, 0.1);
	EXPECT_TRUE(to.partitions.empty()); // a training stream keeps to partition 0
	EXPECT_EQ(cluster.calls, (std::vector<std::string>{"check_reachable"}));
	EXPECT_EQ(cluster.config_seen.properties.at("acks"), "all");
	EXPECT_EQ(cluster.timeout_seen, std::chrono::milliseconds(1234));
}

TEST(SinkOptions, InferenceInputWithoutADeploymentGoesOverEveryPartition) {
	MemoryCluster cluster;
	cluster.partitions["data"] = {0, 1, 2};
	auto options = training();
	options.deployment_id = -1;
	options.inference = true;
	auto to = sink_options(options, cluster);
	EXPECT_EQ(to.deployment_id, 0);
	EXPECT_EQ(to.partitions, (std::vector<int32_t>{0, 1, 2}));
	EXPECT_EQ(cluster.calls, (std::vector<std::string>{"check_reachable", "list_partitions data"}));

	// A topic not made yet: auto-created on the first record, partition 0.
	cluster.partitions.clear();
	EXPECT_TRUE(sink_options(options, cluster).partitions.empty());
}

TEST(SinkOptions, PartitionsAreNumbersOrAllOfAnExistingTopic) {
	MemoryCluster cluster;
	auto options = training();
	options.partitions = "2,0";
	EXPECT_EQ(sink_options(options, cluster).partitions, (std::vector<int32_t>{2, 0}));
	for (std::string bad : {"0,x", "-1", "0,,1", "1.5"}) {
		options.partitions = bad;
		EXPECT_EQ(refusal(options, cluster).rfind("--partitions wants partition numbers like 0,1,2 or 'all', got '", 0),
		          0u)
		    << bad;
	}
	options.partitions = "all";
	EXPECT_EQ(refusal(options, cluster), "topic data does not exist; create it or name --partitions");
	cluster.partitions["data"] = {0, 1};
	EXPECT_EQ(sink_options(options, cluster).partitions, (std::vector<int32_t>{0, 1}));
}

TEST(SinkOptions, ABadPropertyIsRefusedBeforeTheClusterIsAsked) {
	MemoryCluster cluster;
	auto options = training();
	options.properties = {"acks"};
	EXPECT_EQ(refusal(options, cluster), "-X wants a librdkafka property as name=value");
	options.properties = {"acks=maybe"};
	EXPECT_EQ(refusal(options, cluster).rfind("-X acks: Kafka client property acks=maybe is invalid", 0), 0u);
	options.properties = {};
	options.kafka_config = "no-such-kafka.properties";
	EXPECT_EQ(refusal(options, cluster).rfind("cannot read the Kafka client settings no-such-kafka.properties", 0), 0u);
	EXPECT_TRUE(cluster.calls.empty());
}

TEST(SinkOptions, AClusterThatDoesNotAnswerIsAskedNothingElse) {
	MemoryCluster cluster;
	cluster.reachable = false;
	auto options = training();
	options.partitions = "all";
	EXPECT_THROW(sink_options(options, cluster), stream::StreamError);
	EXPECT_EQ(cluster.calls, (std::vector<std::string>{"check_reachable"}));
}

} // namespace
} // namespace kafkaml::sender
