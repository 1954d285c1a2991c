#include "stream/kafka_sink.h"
#include "stream/stream_error.h"
#include "stream/testing/test_cluster.h"

#include <gtest/gtest.h>

using namespace kafkaml::stream;

// A 1,000,000-byte input dead-lettered with its headers once aborted the
// replica: librdkafka refused the record as too large and freed the headers
// it had been handed, which were freed again after. Now a record over the
// producer's limit never reaches librdkafka, headers belong to no one but
// librdkafka's own copies, and the sink goes on.
TEST(KafkaSink, ARecordOverTheLimitIsRefusedAndTheSinkGoesOn) {
	TestCluster cluster;
	auto topic = cluster.create_topic("sink-limit", 1);
	KafkaSink sink(cluster.config(), {topic});
	EXPECT_GT(sink.max_record_size(), 900'000u);
	EXPECT_LT(sink.max_record_size(), 1'000'000u);
	std::string value(1'000'000, 'x');
	std::vector<Header> headers = {{"kafkaml.error", std::string(200, 'e')}, {"kafkaml.source", "in/0@7"}};
	for (int attempt = 0; attempt < 3; attempt++) {
		EXPECT_THROW(sink.produce(OutRecord{topic, 0, std::string_view("key"), value, headers}), RecordTooLarge);
	}
	// Just under the limit, headers included, goes through.
	std::string fits(sink.max_record_size() - record_size(OutRecord{topic, 0, std::nullopt, "", headers}), 'y');
	std::vector<std::string> errors;
	int delivered = 0;
	sink.set_delivery_callback([&](const Delivery &delivery) {
		if (delivery.ok()) {
			delivered++;
		} else {
			errors.push_back(delivery.error);
		}
	});
	sink.produce(OutRecord{topic, 0, std::nullopt, fits, headers});
	sink.produce(OutRecord{topic, 0, std::nullopt, "small", headers});
	sink.flush(std::chrono::seconds(30));
	EXPECT_TRUE(errors.empty()) << errors.front();
	EXPECT_EQ(delivered, 2);
}
