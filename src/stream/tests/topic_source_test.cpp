// KafkaTopicSource, the reader of an online stream, against this project's
// broker over TCP (librdkafka's mock cluster answers no offsets-for-times,
// which the source starts from): it reads every partition from the control
// message's time on, skips what came before, starts at the end when told
// to, waits for a topic that does not exist yet, and never ends.

#include "broker/tests/cluster.h"
#include "stream/kafka_group_source.h"
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

// A reader carrying on from where an earlier one got: each partition it
// is given an offset for starts there, the others at the time; what it
// commits is stored in its group, as a member of that group then reads on
// from there.
TEST_F(KafkaTopicSourceTest, GivenOffsetsStartTheirPartitionsAndCommitsGoToTheGroup) {
	cluster->create_topic("resumed", 2);
	produce(config, "resumed", 0, {"p0-0", "p0-1", "p0-2", "p0-3"});
	std::this_thread::sleep_for(20ms);
	int64_t control_time = now_ms();
	std::this_thread::sleep_for(20ms);
	produce(config, "resumed", 1, {"p1-0", "p1-1"});

	KafkaTopicSource::Start start{control_time, {{0, 2}}, "kafkaml-training-test"};
	KafkaTopicSource source(config, "resumed", start);
	auto values = poll_values(source, 4);
	std::sort(values.begin(), values.end());
	EXPECT_EQ(values, (std::vector<std::string>{"p0-2", "p0-3", "p1-0", "p1-1"}))
	    << "partition 0 from its offset, though older than the time; partition 1 from the time";

	source.commit({{"resumed", 0, 3}, {"resumed", 1, 1}});
	KafkaGroupSource member(config, "kafkaml-training-test", {"resumed"});
	std::vector<Record> records;
	auto deadline = std::chrono::steady_clock::now() + 30s;
	while (records.size() < 2 && std::chrono::steady_clock::now() < deadline) {
		member.poll_batch(records, 10, 200ms);
	}
	std::vector<std::string> read;
	for (const auto &record : records) {
		read.push_back(record.value);
	}
	std::sort(read.begin(), read.end());
	EXPECT_EQ(read, (std::vector<std::string>{"p0-3", "p1-1"})) << "the group reads on from the commits";

	// Without a group, commits go nowhere and do not fail.
	KafkaTopicSource plain(config, "resumed", control_time);
	EXPECT_NO_THROW(plain.commit({{"resumed", 0, 4}}));
}

} // namespace
