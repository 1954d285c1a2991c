#include "stream/kafka_group_source.h"
#include "stream/kafka_sink.h"
#include "stream/testing/test_cluster.h"

#include <gtest/gtest.h>

using namespace kafkaml::stream;

TEST(KafkaGroupSource, ReadsFromTheStartAndResumesAfterTheCommit) {
	TestCluster cluster;
	auto topic = cluster.create_topic("infer-in", 1);
	{
		KafkaSink sink(cluster.config());
		for (int i = 0; i < 6; i++) {
			std::string value = std::to_string(i);
			sink.produce(OutRecord{topic, 0, std::nullopt, value, {}});
		}
		sink.flush(std::chrono::seconds(30));
	}
	std::string group = topic + "-group";
	auto config = cluster.config();
	config.properties["session.timeout.ms"] = "6000";
	config.properties["heartbeat.interval.ms"] = "500";
	{
		KafkaGroupSource source(config, group, {topic});
		OffsetTracker tracker([&](const auto &offsets) { source.commit(offsets); });
		std::vector<Record> records;
		auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
		while (records.size() < 6 && std::chrono::steady_clock::now() < deadline) {
			source.poll_batch(records, 10, std::chrono::milliseconds(500));
		}
		ASSERT_EQ(records.size(), 6u);
		for (const auto &r : records) {
			tracker.begin(r.topic, r.partition, r.offset);
		}
		for (int i = 0; i < 4; i++) { // 0..3 delivered, 4 and 5 not
			tracker.done(topic, 0, i);
		}
		auto committed = tracker.commit();
		ASSERT_EQ(committed.size(), 1u);
		EXPECT_EQ(committed[0].offset, 4);
	}
	// A new member of the same group starts at the committed offset.
	KafkaGroupSource again(config, group, {topic});
	std::vector<Record> rest;
	auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
	while (rest.size() < 2 && std::chrono::steady_clock::now() < deadline) {
		again.poll_batch(rest, 10, std::chrono::milliseconds(500));
	}
	ASSERT_EQ(rest.size(), 2u);
	EXPECT_EQ(rest[0].value, "4");
}
