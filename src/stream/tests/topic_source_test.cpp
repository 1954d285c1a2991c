// KafkaTopicSource, the reader of an online stream, against this project's
// broker over TCP (librdkafka's mock cluster answers no offsets-for-times,
// which the source starts from): it reads every partition from the control
// message's time on, skips what came before, starts at the end when told
// to, waits for a topic that does not exist yet, and never ends.

#include "broker/tests/cluster.h"
#include "stream/kafka_sink.h"
#include "stream/kafka_topic_source.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <thread>

using namespace kafkaml::stream;
using namespace std::chrono_literals;

namespace {

int64_t now_ms() {
	return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
	    .count();
}

void produce(const KafkaConfig &config, const std::string &topic, int32_t partition,
             const std::vector<std::string> &values) {
	KafkaSink sink(config);
	for (const auto &value : values) {
		sink.produce(OutRecord{topic, partition, std::nullopt, value, {}});
	}
	sink.flush(30s);
}

//! Polls until `count` records arrived or `patience` passed; each poll must
//! answer true (the stream has no end).
std::vector<std::string> poll_values(KafkaTopicSource &source, size_t count, std::chrono::seconds patience = 30s) {
	std::vector<Record> records;
	auto deadline = std::chrono::steady_clock::now() + patience;
	while (records.size() < count && std::chrono::steady_clock::now() < deadline) {
		EXPECT_TRUE(source.poll_batch(records, 10, 200ms));
	}
	std::vector<std::string> values;
	for (const auto &record : records) {
		values.push_back(record.value);
	}
	return values;
}

class KafkaTopicSourceTest : public ::testing::Test {
protected:
	void SetUp() override {
		cluster = kafkaml::broker::testing::make_cluster("embedded");
		config = KafkaConfig{cluster->bootstrap(), {}};
	}
	std::unique_ptr<kafkaml::broker::testing::TestCluster> cluster;
	KafkaConfig config;
};

TEST_F(KafkaTopicSourceTest, ReadsEveryPartitionFromTheControlMessagesTimeOn) {
	cluster->create_topic("online", 2);
	produce(config, "online", 0, {"before-0"});
	produce(config, "online", 1, {"before-1"});
	std::this_thread::sleep_for(20ms); // timestamps are milliseconds
	int64_t control_time = now_ms();
	std::this_thread::sleep_for(20ms);
	produce(config, "online", 0, {"a", "b"});
	produce(config, "online", 1, {"c"});

	KafkaTopicSource source(config, "online", control_time);
	auto values = poll_values(source, 3);
	std::sort(values.begin(), values.end());
	EXPECT_EQ(values, (std::vector<std::string>{"a", "b", "c"})) << "what came before the control message is not read";

	// Later records keep coming: the stream has no end.
	produce(config, "online", 1, {"d"});
	EXPECT_EQ(poll_values(source, 1), std::vector<std::string>{"d"});
	std::vector<Record> none;
	EXPECT_TRUE(source.poll_batch(none, 10, 100ms)) << "an idle stream answers true with nothing";
	EXPECT_TRUE(none.empty());
}

TEST_F(KafkaTopicSourceTest, FromMinusOneStartsAtTheEnd) {
	cluster->create_topic("tail", 1);
	produce(config, "tail", 0, {"old-1", "old-2"});
	KafkaTopicSource source(config, "tail", -1);
	// The source lists and assigns on its first poll: nothing old comes.
	EXPECT_TRUE(poll_values(source, 1, 2s).empty());
	produce(config, "tail", 0, {"new"});
	EXPECT_EQ(poll_values(source, 1), std::vector<std::string>{"new"});
}

TEST_F(KafkaTopicSourceTest, WaitsForATopicThatAnOnlineSourceCreatesLater) {
	int64_t control_time = now_ms();
	KafkaTopicSource source(config, "later", control_time);
	EXPECT_TRUE(poll_values(source, 1, 1s).empty()) << "no topic yet: nothing, and no error";
	std::this_thread::sleep_for(20ms);
	produce(config, "later", 0, {"first"}); // the broker creates the topic with its first record
	EXPECT_EQ(poll_values(source, 1, 60s), std::vector<std::string>{"first"});
}

} // namespace
