#include "stream/kafka_group_source.h"
#include "stream/kafka_sink.h"
#include "stream/testing/test_cluster.h"

#include <gtest/gtest.h>

using namespace kafkaml::stream;

namespace {

//! A topic holding records "0".."5" at offsets 0..5 of partition 0, and a
//! group to read it in.
struct SixRecords {
	explicit SixRecords(const std::string &name) : topic(cluster.create_topic(name, 1)), group(topic + "-group") {
		KafkaSink sink(cluster.config());
		for (int i = 0; i < 6; i++) {
			std::string value = std::to_string(i);
			sink.produce(OutRecord{topic, 0, std::nullopt, value, {}});
		}
		sink.flush(std::chrono::seconds(30));
		config = cluster.config();
		config.properties["session.timeout.ms"] = "6000";
		config.properties["heartbeat.interval.ms"] = "500";
	}
	TestCluster cluster;
	std::string topic;
	std::string group;
	KafkaConfig config;
};

//! Polls until `count` records arrived or a minute passed.
std::vector<Record> poll_records(KafkaGroupSource &source, size_t count) {
	std::vector<Record> records;
	auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
	while (records.size() < count && std::chrono::steady_clock::now() < deadline) {
		source.poll_batch(records, 10, std::chrono::milliseconds(500));
	}
	return records;
}

} // namespace

TEST(KafkaGroupSource, ReadsFromTheStartAndResumesAfterTheCommit) {
	SixRecords log("infer-in");
	const auto &topic = log.topic;
	{
		KafkaGroupSource source(log.config, log.group, {topic});
		OffsetTracker tracker([&](const auto &offsets) { source.commit(offsets); });
		auto records = poll_records(source, 6);
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
	KafkaGroupSource again(log.config, log.group, {topic});
	auto rest = poll_records(again, 2);
	ASSERT_EQ(rest.size(), 2u);
	EXPECT_EQ(rest[0].value, "4");
}

TEST(KafkaGroupSource, LagOfAMemberThatResumesAtTheCommittedOffsetCountsFromThere) {
	SixRecords log("lag-in");
	{
		KafkaGroupSource source(log.config, log.group, {log.topic});
		ASSERT_EQ(poll_records(source, 6).size(), 6u);
		source.commit({{log.topic, 0, 6}});
	}
	// A restarted replica: assigned the partition, nothing left to consume,
	// so it has no position of its own. Everything was handled: no lag.
	KafkaGroupSource again(log.config, log.group, {log.topic});
	std::optional<int64_t> lag;
	std::vector<Record> none;
	auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
	while (!lag && std::chrono::steady_clock::now() < deadline) {
		again.poll_batch(none, 10, std::chrono::milliseconds(250));
		auto figures = again.lag();
		if (figures.partitions == 1) {
			lag = figures.lag;
		}
	}
	EXPECT_TRUE(none.empty());
	ASSERT_TRUE(lag) << "no lag figure once assigned";
	EXPECT_EQ(*lag, 0) << "counted from the log start instead of the committed offset";
}
