#include "stream/memory_log.h"
#include "stream/stream_error.h"

#include <gtest/gtest.h>

using namespace kafkaml::stream;
using kafkaml::formats::Range;

namespace {

void append(MemoryLog &log, const std::string &topic, int32_t partition, const std::string &value) {
	Record record;
	record.topic = topic;
	record.partition = partition;
	record.value = value;
	log.append(std::move(record));
}

std::vector<std::string> read_all(Source &source, size_t max) {
	std::vector<std::string> values;
	std::vector<Record> batch;
	bool more = true;
	while (more) {
		batch.clear();
		more = source.poll_batch(batch, max, std::chrono::milliseconds(0));
		for (auto &record : batch) {
			values.push_back(record.value);
		}
	}
	return values;
}

} // namespace

TEST(MemoryRangeReader, ReadsExactlyTheRangesInOrderAcrossGaps) {
	MemoryLog log;
	for (int i = 0; i < 5; i++) {
		append(log, "t", 0, "a" + std::to_string(i));
	}
	log.skip_offsets("t", 0, 2); // offsets 5 and 6 are markers
	append(log, "t", 0, "a7");
	append(log, "t", 1, "b0");
	append(log, "t", 1, "b1");
	log.skip_offsets("t", 1, 1);
	for (size_t max : {1u, 2u, 100u}) {
		MemoryRangeReader reader(log, {Range{"t", 1, 0, 3}, Range{"t", 0, 3, 8}});
		EXPECT_EQ(read_all(reader, max), (std::vector<std::string>{"b0", "b1", "a3", "a4", "a7"})) << max;
	}
	MemoryRangeReader beyond(log, {Range{"t", 0, 0, 20}});
	std::vector<Record> batch;
	EXPECT_THROW(beyond.poll_batch(batch, 10, std::chrono::milliseconds(0)), StreamError);
}

TEST(MemorySink, DeliversFromPollAndFailsWhenAsked) {
	MemoryLog log;
	MemorySink sink(log);
	std::vector<Delivery> deliveries;
	std::vector<std::string> topics;
	sink.set_delivery_callback([&](const Delivery &d) {
		deliveries.push_back(d);
		topics.emplace_back(d.topic);
	});
	sink.produce(OutRecord{"t", 0, std::nullopt, "x", {}, 7});
	sink.fail_next(1);
	sink.produce(OutRecord{"t", 0, std::nullopt, "y", {}, 8});
	EXPECT_TRUE(deliveries.empty());
	sink.flush(std::chrono::milliseconds(0));
	ASSERT_EQ(deliveries.size(), 2u);
	EXPECT_TRUE(deliveries[0].ok());
	EXPECT_EQ(deliveries[0].offset, 0);
	EXPECT_EQ(deliveries[0].tag, 7u);
	EXPECT_FALSE(deliveries[1].ok());
	EXPECT_EQ(log.end_offset("t", 0), 1);
}

TEST(MemoryTopicSource, StartsAtTheCommittedOffset) {
	MemoryLog log;
	for (int i = 0; i < 4; i++) {
		append(log, "in", 0, std::to_string(i));
	}
	log.commit({{"in", 0, 2}});
	MemoryTopicSource source(log, "in", {0});
	std::vector<Record> batch;
	source.poll_batch(batch, 10, std::chrono::milliseconds(0));
	ASSERT_EQ(batch.size(), 2u);
	EXPECT_EQ(batch[0].value, "2");
	source.commit({{"in", 0, 4}});
	EXPECT_EQ(log.committed("in", 0), 4);
}
