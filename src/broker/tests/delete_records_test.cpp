// DeleteRecords through librdkafka's Admin API against `kafkaml broker` as a
// child process: the log start offset moves, consumers from the beginning
// (librdkafka, kcat) see only the later records, segments wholly below it
// are deleted, and the start survives kill -9 and a restart.
#include "broker/tests/cluster.h"
#include "support/child_process.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafkacpp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

using namespace kafkaml::broker::testing;
namespace fs = std::filesystem;

namespace {

const std::string kTopic = "dr";

std::unique_ptr<RdKafka::Conf> conf_for(const std::string &bootstrap) {
	std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
	std::string err;
	conf->set("bootstrap.servers", bootstrap, err);
	return conf;
}

//! Produces `count` records "r-<i>" (one batch each) to partition 0 and waits for them.
void produce(const std::string &bootstrap, int first, int count) {
	auto conf = conf_for(bootstrap);
	std::string err;
	conf->set("linger.ms", "0", err);
	conf->set("batch.num.messages", "1", err);
	std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf.get(), err));
	ASSERT_TRUE(producer) << err;
	for (int i = first; i < first + count; i++) {
		std::string v = "r-" + std::to_string(i) + std::string(60, '.');
		ASSERT_EQ(
		    producer->produce(kTopic, 0, RdKafka::Producer::RK_MSG_COPY, v.data(), v.size(), nullptr, 0, 0, nullptr),
		    RdKafka::ERR_NO_ERROR);
		producer->poll(0);
	}
	ASSERT_EQ(producer->flush(30000), RdKafka::ERR_NO_ERROR);
}

//! Offsets a consumer starting at `start` (an offset or OFFSET_BEGINNING) of
//! partition 0 reads up to the end, with auto.offset.reset=earliest.
std::vector<int64_t> consume_offsets(const std::string &bootstrap, int64_t start) {
	auto conf = conf_for(bootstrap);
	std::string err;
	conf->set("group.id", "dr-reader", err);
	conf->set("enable.auto.commit", "false", err);
	conf->set("enable.partition.eof", "true", err);
	conf->set("auto.offset.reset", "earliest", err);
	std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(conf.get(), err));
	EXPECT_TRUE(consumer) << err;
	std::vector<RdKafka::TopicPartition *> parts{RdKafka::TopicPartition::create(kTopic, 0, start)};
	consumer->assign(parts);
	RdKafka::TopicPartition::destroy(parts);
	std::vector<int64_t> out;
	auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
	while (std::chrono::steady_clock::now() < deadline) {
		std::unique_ptr<RdKafka::Message> m(consumer->consume(500));
		if (m->err() == RdKafka::ERR__PARTITION_EOF) {
			break;
		}
		if (m->err() == RdKafka::ERR_NO_ERROR) {
			out.push_back(m->offset());
		}
	}
	consumer->close();
	return out;
}

using Watermarks = std::pair<int64_t, int64_t>;

//! Low and high watermark through ListOffsets.
Watermarks watermarks(const std::string &bootstrap) {
	auto conf = conf_for(bootstrap);
	std::string err;
	std::unique_ptr<RdKafka::Producer> client(RdKafka::Producer::create(conf.get(), err));
	int64_t low = -1;
	int64_t high = -1;
	EXPECT_EQ(client->query_watermark_offsets(kTopic, 0, &low, &high, 10000), RdKafka::ERR_NO_ERROR);
	return {low, high};
}

std::vector<int64_t> segment_bases(const fs::path &partition_dir) {
	std::vector<int64_t> bases;
	for (const auto &entry : fs::directory_iterator(partition_dir)) {
		if (entry.path().extension() == ".log") {
			bases.push_back(std::stoll(entry.path().stem().string()));
		}
	}
	std::sort(bases.begin(), bases.end());
	return bases;
}

std::vector<int64_t> range(int64_t from, int64_t to) {
	std::vector<int64_t> out;
	for (int64_t i = from; i < to; i++) {
		out.push_back(i);
	}
	return out;
}

} // namespace

TEST(BrokerDeleteRecords, StartMovesForConsumersAndSurvivesKillNineAndRestart) {
	kafkaml::testing::TempDir dir;
	auto partition_dir = dir.path() / (kTopic + "-0");
	std::string address;
	auto broker = std::make_unique<BrokerProcess>(dir.path());
	address = broker->address();
	ASSERT_EQ(admin_create_topic(address, kTopic, 1, {{"segment.bytes", "1024"}}), "");
	produce(address, 0, 200);
	auto before = segment_bases(partition_dir);
	ASSERT_GT(before.size(), 5u);

	// Errors as Kafka gives them: past the high watermark, unknown partition.
	EXPECT_EQ(admin_delete_records(address, kTopic, 0, 201), "OFFSET_OUT_OF_RANGE");
	// librdkafka asks Metadata for the leaders first and fails an unknown
	// partition itself (the broker's own UNKNOWN_TOPIC_OR_PARTITION answer is
	// checked in robustness_test.cpp with a raw request).
	EXPECT_NE(admin_delete_records(address, "no-such-topic", 0, 5), "");
	EXPECT_NE(admin_delete_records(address, kTopic, 7, 5), "");
	EXPECT_EQ(watermarks(address), (Watermarks{0, 200}));

	int64_t low = -1;
	ASSERT_EQ(admin_delete_records(address, kTopic, 0, 120, &low), "");
	EXPECT_EQ(low, 120);
	EXPECT_EQ(watermarks(address), (Watermarks{120, 200}));
	EXPECT_EQ(consume_offsets(address, RdKafka::Topic::OFFSET_BEGINNING), range(120, 200));
	// A fetch below the start gets OFFSET_OUT_OF_RANGE; auto.offset.reset=earliest moves it to the start.
	EXPECT_EQ(consume_offsets(address, 5), range(120, 200));
	auto kcat = kafkaml::testing::run_shell("kcat -b " + address + " -C -t " + kTopic +
	                                        " -p 0 -o beginning -e -q -f '%o\\n' 2>&1 | head -1");
	EXPECT_EQ(kcat.out, "120\n");
	auto after = segment_bases(partition_dir);
	EXPECT_LT(after.size(), before.size());
	EXPECT_LE(after.front(), 120) << "the segment holding offset 120 stays";
	ASSERT_GT(after.size(), 2u);
	EXPECT_GT(after[1], 120) << "every segment wholly below 120 is deleted";

	// kill -9 while a producer appends: the start offset answered is kept.
	{
		std::atomic<bool> stop{false};
		std::thread writer([&] {
			auto conf = conf_for(address);
			std::string err;
			conf->set("message.timeout.ms", "2000", err);
			std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf.get(), err));
			for (int i = 0; !stop; i++) {
				std::string v = "busy-" + std::to_string(i);
				producer->produce(kTopic, 0, RdKafka::Producer::RK_MSG_COPY, v.data(), v.size(), nullptr, 0, 0,
				                  nullptr);
				producer->poll(1);
			}
			producer->flush(2000);
		});
		std::this_thread::sleep_for(std::chrono::milliseconds(300));
		ASSERT_EQ(admin_delete_records(address, kTopic, 0, 150, &low), "");
		EXPECT_EQ(low, 150);
		broker->kill9();
		stop = true;
		writer.join();
	}
	broker = std::make_unique<BrokerProcess>(dir.path());
	address = broker->address();
	auto [restarted_low, restarted_high] = watermarks(address);
	EXPECT_EQ(restarted_low, 150);
	EXPECT_GE(restarted_high, 200);
	auto offsets = consume_offsets(address, RdKafka::Topic::OFFSET_BEGINNING);
	ASSERT_FALSE(offsets.empty());
	EXPECT_EQ(offsets.front(), 150);

	// Exactly at a segment boundary: the segment before goes, the one at
	// the boundary stays whole.
	auto bases = segment_bases(partition_dir);
	ASSERT_GT(bases.size(), 3u);
	int64_t boundary = bases[2];
	ASSERT_EQ(admin_delete_records(address, kTopic, 0, boundary, &low), "");
	EXPECT_EQ(low, boundary);
	auto cut = segment_bases(partition_dir);
	EXPECT_EQ(cut.front(), boundary);
	EXPECT_EQ(consume_offsets(address, RdKafka::Topic::OFFSET_BEGINNING).front(), boundary);

	// -1: up to the high watermark; a consumer from the beginning sees only
	// what is produced afterwards, also after a clean restart.
	int64_t high = watermarks(address).second;
	ASSERT_EQ(admin_delete_records(address, kTopic, 0, -1, &low), "");
	EXPECT_EQ(low, high);
	EXPECT_TRUE(consume_offsets(address, RdKafka::Topic::OFFSET_BEGINNING).empty());
	EXPECT_EQ(broker->terminate(), 0);
	broker = std::make_unique<BrokerProcess>(dir.path());
	address = broker->address();
	EXPECT_EQ(watermarks(address), (Watermarks{high, high}));
	produce(address, 1000, 3);
	EXPECT_EQ(consume_offsets(address, RdKafka::Topic::OFFSET_BEGINNING), range(high, high + 3));
	EXPECT_EQ(broker->terminate(), 0);
}
