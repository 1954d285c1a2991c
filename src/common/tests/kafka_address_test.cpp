#include "common/kafka_address.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kafkaml {
namespace {

TEST(KafkaAddress, BootstrapListsOfHostAndPort) {
	for (auto text : {"127.0.0.1:9092", "kafka-0.edge.example:9093,kafka-1.edge.example:9093", "broker_a:1",
	                  "[::1]:9092", "[fe80::1]:65535,host:2"}) {
		EXPECT_TRUE(is_bootstrap_list(text)) << text;
	}
	for (auto text : {"", "host", "host:", ":9092", "host:0", "host:65536", "host:90a2", "host:9092,", ",host:9092",
	                  "host:9092, other:9092", "ho st:1", "PLAINTEXT://host:9092", "[zz]:1", "edge"}) {
		EXPECT_FALSE(is_bootstrap_list(text)) << text;
	}
}

TEST(KafkaAddress, ClusterNamesAreSafeFileNamesAndNeverAddresses) {
	for (auto text : {"default", "edge", "cloud-eu.1", "A_b"}) {
		EXPECT_TRUE(is_kafka_cluster_name(text)) << text;
		EXPECT_FALSE(is_bootstrap_list(text)) << text;
	}
	// Strings, not pointers: a pointer into a temporary string would dangle.
	for (const std::string &text :
	     std::vector<std::string>{"", ".", "..", ".hidden", "-x", "a/b", "a:1", "edge cluster", std::string(65, 'a')}) {
		EXPECT_FALSE(is_kafka_cluster_name(text)) << text;
	}
	EXPECT_TRUE(is_kafka_cluster_name(std::string(64, 'a')));
}

} // namespace
} // namespace kafkaml
