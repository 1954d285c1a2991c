#include "stream/admin.h"
#include "stream/control_wait.h"
#include "stream/data_sink.h"
#include "stream/kafka_range_reader.h"
#include "stream/kafka_sink.h"
#include "stream/stream_error.h"
#include "stream/testing/test_cluster.h"

#include <gtest/gtest.h>

#include <thread>

using namespace kafkaml;
using namespace kafkaml::stream;
using formats::Range;

namespace {

void produce(const KafkaConfig &config, const std::string &topic, int32_t partition, int count,
             const std::string &prefix) {
	KafkaSink sink(config);
	int delivered = 0;
	sink.set_delivery_callback([&](const Delivery &d) { delivered += d.ok() ? 1 : 0; });
	for (int i = 0; i < count; i++) {
		std::string value = prefix + std::to_string(i);
		Header header{"h", "v" + std::to_string(i)};
		sink.produce(OutRecord{topic, partition, std::string_view("k"), value, std::span<const Header>(&header, 1)});
	}
	sink.flush(std::chrono::seconds(30));
	ASSERT_EQ(delivered, count);
}

std::vector<Record> read_all(Source &source) {
	std::vector<Record> all;
	auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
	while (source.poll_batch(all, 7, std::chrono::milliseconds(500))) {
		if (std::chrono::steady_clock::now() > deadline) {
			ADD_FAILURE() << "range reader did not finish";
			break;
		}
	}
	return all;
}

} // namespace

TEST(KafkaRangeReader, ReadsExactlyTheRangesInRangeListOrder) {
	TestCluster cluster;
	auto topic = cluster.create_topic("ranges", 2);
	produce(cluster.config(), topic, 0, 20, "a");
	produce(cluster.config(), topic, 1, 10, "b");
	KafkaRangeReader reader(cluster.config(), {Range{topic, 1, 2, 5}, Range{topic, 0, 15, 20}, Range{topic, 0, 0, 0}});
	auto records = read_all(reader);
	std::vector<std::string> values;
	for (const auto &r : records) {
		values.push_back(r.value);
	}
	EXPECT_EQ(values, (std::vector<std::string>{"b2", "b3", "b4", "a15", "a16", "a17", "a18", "a19"}));
	ASSERT_FALSE(records.empty());
	EXPECT_EQ(records[0].offset, 2);
	EXPECT_EQ(records[0].partition, 1);
	EXPECT_EQ(records[0].key, "k");
	ASSERT_EQ(records[0].headers.size(), 1u);
	EXPECT_EQ(records[0].headers[0], (Header{"h", "v2"}));
	EXPECT_GT(records[0].timestamp_ms, 0);
}

TEST(KafkaRangeReader, RangesEndingOnTransactionMarkersFinish) {
	TestCluster cluster;
	auto topic = cluster.create_topic("txn", 1);
	auto config = cluster.config();
	config.properties["transactional.id"] = topic + "-producer";
	KafkaSink sink(config);
	if (rd_kafka_error_t *error = rd_kafka_init_transactions(sink.handle(), 15000)) {
		std::string reason = rd_kafka_error_string(error);
		rd_kafka_error_destroy(error);
		// The mock supports transactions, so there a failure is a failure; a
		// cluster without them (e.g. `kafkaml broker`) cannot run this test.
		ASSERT_FALSE(cluster.is_mock()) << "init_transactions failed on the mock cluster: " << reason;
		GTEST_SKIP() << "the cluster at " << cluster.bootstrap()
		             << " does not support transactions (init_transactions: " << reason << ")";
	}
	for (int txn = 0; txn < 2; txn++) {
		ASSERT_EQ(rd_kafka_begin_transaction(sink.handle()), nullptr);
		for (int i = 0; i < 3; i++) {
			std::string value = "t" + std::to_string(txn * 3 + i);
			sink.produce(OutRecord{topic, 0, std::nullopt, value, {}});
		}
		ASSERT_EQ(rd_kafka_commit_transaction(sink.handle(), 30000), nullptr);
	}
	// A real broker writes a commit marker after each transaction (offsets
	// 3 and 7 here), so the log end is a gap; librdkafka's mock stores no
	// markers (log end 6). Either way [0, log end) holds the 6 records.
	int64_t low = 0, high = 0;
	ASSERT_EQ(rd_kafka_query_watermark_offsets(sink.handle(), topic.c_str(), 0, &low, &high, 10000), 0);
	KafkaRangeReader reader(cluster.config(), {Range{topic, 0, 0, high}}, std::chrono::seconds(5));
	auto records = read_all(reader);
	ASSERT_EQ(records.size(), 6u);
	EXPECT_EQ(records[5].value, "t5");
}

TEST(KafkaRangeReader, ARangeBeyondTheLogEndFailsClearly) {
	TestCluster cluster;
	auto topic = cluster.create_topic("short", 1);
	produce(cluster.config(), topic, 0, 3, "x");
	KafkaRangeReader reader(cluster.config(), {Range{topic, 0, 0, 10}}, std::chrono::milliseconds(1500));
	std::vector<Record> out;
	try {
		while (reader.poll_batch(out, 100, std::chrono::milliseconds(200))) {
		}
		FAIL() << "no error";
	} catch (const RangeError &e) {
		EXPECT_NE(std::string(e.what()).find("beyond the end of the log"), std::string::npos) << e.what();
	}
	EXPECT_EQ(out.size(), 3u);
}

TEST(KafkaRangeReader, ARangeOnAPartitionOrTopicThatDoesNotExistFailsWithinItsTimeout) {
	TestCluster cluster;
	auto topic = cluster.create_topic("missing", 1);
	produce(cluster.config(), topic, 0, 3, "x");
	auto expect_failure = [&](const Range &range, const std::string &expected) {
		KafkaRangeReader reader(cluster.config(), {range}, std::chrono::milliseconds(1500));
		std::vector<Record> out;
		auto started = std::chrono::steady_clock::now();
		try {
			while (reader.poll_batch(out, 100, std::chrono::milliseconds(200))) {
				if (std::chrono::steady_clock::now() - started > std::chrono::seconds(20)) {
					FAIL() << "still waiting on " << expected;
				}
			}
			FAIL() << "no error for " << expected;
		} catch (const RangeError &e) {
			EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
		}
		EXPECT_TRUE(out.empty());
	};
	expect_failure(Range{topic, 5, 0, 3}, "topic:partition " + topic + ":5 does not exist");
	if (!cluster.is_mock()) { // the mock creates every topic it is asked about
		expect_failure(Range{"no-such-topic-" + topic, 0, 0, 3}, "no-such-topic-" + topic + ":0 does not exist");
	}
}

TEST(ControlWait, FindsAMessageSentBeforeOrAfterItStarted) {
	TestCluster cluster;
	auto control_topic = cluster.create_topic("control", 1);
	auto data_topic = cluster.create_topic("data", 1);
	DataSinkOptions options;
	options.kafka = cluster.config();
	options.topic = data_topic;
	options.control_topic = control_topic;
	options.deployment_id = 7;
	{
		RawSink early(options, formats::DType::Float32, {}, formats::DType::Float32, {});
		float v = 1;
		early.send(std::span<const float>(&v, 1), std::span<const float>(&v, 1));
		early.send_control();
	}
	auto found = wait_for_control_message(cluster.config(), control_topic, 7, std::chrono::seconds(30));
	EXPECT_EQ(formats::format_range_list(found.ranges), data_topic + ":0:0:1");

	std::thread later([&] {
		std::this_thread::sleep_for(std::chrono::milliseconds(500));
		auto late_options = options;
		late_options.deployment_id = 300;
		RawSink sink(late_options, formats::DType::Float32, {}, formats::DType::Float32, {});
		float v = 2;
		sink.send(std::span<const float>(&v, 1), std::span<const float>(&v, 1));
		sink.send_control();
	});
	auto second = wait_for_control_message(cluster.config(), control_topic, 300, std::chrono::seconds(30));
	later.join();
	EXPECT_EQ(formats::format_range_list(second.ranges), data_topic + ":0:1:2");
	EXPECT_THROW(wait_for_control_message(cluster.config(), control_topic, 99, std::chrono::milliseconds(1500)),
	             StreamError);
}

TEST(Admin, ListsPartitions) {
	TestCluster cluster;
	auto topic = cluster.create_topic("listed", 3);
	EXPECT_EQ(list_partitions(cluster.config(), topic), (std::vector<int32_t>{0, 1, 2}));
	if (!cluster.is_mock()) { // the mock creates every topic it is asked about
		EXPECT_TRUE(list_partitions(cluster.config(), "no-such-topic-here").empty());
	}
}
