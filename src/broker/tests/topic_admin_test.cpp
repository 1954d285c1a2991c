// Topic administration over TCP with librdkafka's Admin API and consumer:
// the configs CreateTopics takes, and what DeleteTopics leaves behind.
#include "broker/tests/cluster.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafkacpp.h>

#include <memory>

using namespace kafkaml::broker::testing;

namespace {

std::unique_ptr<RdKafka::KafkaConsumer> consumer_of(const std::string &bootstrap, const std::string &group) {
	std::string err;
	std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
	conf->set("bootstrap.servers", bootstrap, err);
	conf->set("group.id", group, err);
	conf->set("enable.auto.commit", "false", err);
	return std::unique_ptr<RdKafka::KafkaConsumer>(RdKafka::KafkaConsumer::create(conf.get(), err));
}

//! The group's committed offset of topic:0, or RdKafka::Topic::OFFSET_INVALID when there is none.
int64_t committed_offset(RdKafka::KafkaConsumer &consumer, const std::string &topic) {
	std::vector<RdKafka::TopicPartition *> parts = {RdKafka::TopicPartition::create(topic, 0)};
	EXPECT_EQ(consumer.committed(parts, 10000), RdKafka::ERR_NO_ERROR);
	int64_t offset = parts[0]->offset();
	RdKafka::TopicPartition::destroy(parts);
	return offset;
}

} // namespace

// Configs Kafka knows are taken (those a single node has no use for are kept
// and described); compaction and unknown names are refused with the reason.
TEST(BrokerTopicAdmin, CreateTopicsTakesKafkasConfigsAndRefusesWhatItCannotHonour) {
	kafkaml::testing::TempDir dir;
	BrokerProcess broker(dir.path());
	EXPECT_EQ(
	    admin_create_topic(broker.address(), "plain", 1,
	                       {{"cleanup.policy", "delete"}, {"min.insync.replicas", "1"}, {"retention.ms", "60000"}}),
	    "");
	auto compact = admin_create_topic(broker.address(), "compacted", 1, {{"cleanup.policy", "compact"}});
	EXPECT_NE(compact.find("not supported"), std::string::npos) << compact;
	auto unknown = admin_create_topic(broker.address(), "typo", 1, {{"retention.msec", "1"}});
	EXPECT_NE(unknown.find("unknown topic config 'retention.msec'"), std::string::npos) << unknown;
	// Neither refused topic exists: creating them without configs works.
	EXPECT_EQ(admin_create_topic(broker.address(), "compacted", 1), "");
	EXPECT_EQ(admin_create_topic(broker.address(), "typo", 1), "");
}

// A topic deleted and created again under its name starts without the old
// topic's committed offsets: a group must not skip the new topic's records.
TEST(BrokerTopicAdmin, DeletingATopicDropsItsCommittedOffsets) {
	kafkaml::testing::TempDir dir;
	BrokerProcess broker(dir.path());
	const std::string topic = "again";
	ASSERT_EQ(admin_create_topic(broker.address(), topic, 1), "");
	auto consumer = consumer_of(broker.address(), "g");
	ASSERT_TRUE(consumer);
	std::vector<RdKafka::TopicPartition *> commit = {RdKafka::TopicPartition::create(topic, 0, 7)};
	ASSERT_EQ(consumer->commitSync(commit), RdKafka::ERR_NO_ERROR);
	RdKafka::TopicPartition::destroy(commit);
	ASSERT_EQ(committed_offset(*consumer, topic), 7);

	ASSERT_EQ(admin_delete_topic(broker.address(), topic), "");
	ASSERT_EQ(admin_create_topic(broker.address(), topic, 1), "");
	EXPECT_EQ(committed_offset(*consumer, topic), RdKafka::Topic::OFFSET_INVALID);
	consumer->close();
}
