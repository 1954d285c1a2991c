#include "control/control_logger.h"
#include "control/kafka_control_publisher.h"
#include "stream/kafka_sink.h"
#include "stream/testing/test_cluster.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace kafkaml::control {
namespace {

using namespace std::chrono_literals;

// A SQLite store in its own directory; members go in reverse order, so the
// store is closed before its directory is removed.
struct TempStore {
	kafkaml::testing::TempDir dir{"logger"};
	std::unique_ptr<store::Store> store = store::open_store("sqlite:" + (dir / "kafkaml.db").string());
};

bool wait_until(const std::function<bool()> &done, std::chrono::seconds timeout) {
	auto deadline = std::chrono::steady_clock::now() + timeout;
	while (!done()) {
		if (std::chrono::steady_clock::now() > deadline) {
			return false;
		}
		std::this_thread::sleep_for(20ms);
	}
	return true;
}

store::Datasource hcopd_stream() {
	store::Datasource d;
	d.topic = "hcopd:0:0:239";
	d.input_format = "AVRO";
	d.input_config = {{"data_scheme", "{}"}, {"label_scheme", "{}"}};
	d.description = "paper data";
	d.validation_rate = 0.1;
	d.total_msg = 239;
	return d;
}

TEST(ControlLoggerTest, AControlMessageReadTwiceIsRecordedOnce) {
	// Two loggers in different groups stand for one logger reading the same
	// message again (a crash before its commit, a rebalance).
	stream::TestCluster cluster;
	auto topic = cluster.create_topic("control", 1);
	TempStore store;
	{
		// Not a control message: skipped, and the logger goes on.
		stream::KafkaSink sink(cluster.config(), {topic});
		stream::OutRecord junk;
		junk.topic = topic;
		junk.value = "not json";
		sink.produce(junk);
		sink.flush(10s);
	}
	KafkaControlPublisher publisher(cluster.config(), topic);
	publisher.publish(7, hcopd_stream());

	ControlLogger first(cluster.config(), topic, "logger-a", *store.store);
	ControlLogger second(cluster.config(), topic, "logger-b", *store.store);
	first.start();
	second.start();
	ASSERT_TRUE(wait_until([&] { return first.recorded() >= 1 && second.recorded() >= 1; }, 60s));
	first.stop();
	second.stop();

	auto recorded = store.store->list_datasources();
	ASSERT_EQ(recorded.size(), 1u);
	EXPECT_EQ(recorded[0].deployment, 7);
	EXPECT_EQ(recorded[0].topic, "hcopd:0:0:239");
	EXPECT_EQ(recorded[0].total_msg, 239);
	EXPECT_EQ(recorded[0].control_message.rfind(topic + "/0@1 t", 0), 0u) << recorded[0].control_message;
}

std::string deeply_nested_control_message(size_t levels) {
	std::string config;
	for (size_t i = 0; i < levels; i++) {
		config += "{\"a\":";
	}
	config += "1" + std::string(levels, '}');
	return R"({"topic": "data:0:0:10", "input_format": "RAW", "input_config": )" + config + R"(, "total_msg": 10})";
}

TEST(ControlLoggerTest, HostileRecordsAreRefusedCommittedAndNeverReadAgain) {
	// What once crashed the server on every start: 100,000 nested objects
	// (dumping them overflowed the stack). And a message whose text the
	// store cannot hold (NUL), which once stopped the logger for good.
	stream::TestCluster cluster;
	auto topic = cluster.create_topic("control", 1);
	TempStore store;
	{
		stream::KafkaSink sink(cluster.config(), {topic});
		std::string key(1, '\x03');
		auto deep = deeply_nested_control_message(100000);
		std::string nul =
		    R"({"topic": "data:0:0:10", "input_format": "RAW", "description": "a\u0000b", "total_msg": 10})";
		for (const auto *value : {&deep, &nul}) {
			stream::OutRecord record;
			record.topic = topic;
			record.key = key;
			record.value = *value;
			sink.produce(record);
		}
		sink.flush(10s);
	}
	KafkaControlPublisher publisher(cluster.config(), topic);
	publisher.publish(7, hcopd_stream());

	// The mock cluster holds a rejoining member for a session timeout.
	auto config = cluster.config();
	config.properties["session.timeout.ms"] = "6000";
	config.properties["heartbeat.interval.ms"] = "500";
	{
		ControlLogger logger(config, topic, "logger", *store.store);
		logger.start();
		ASSERT_TRUE(wait_until([&] { return logger.recorded() >= 1 && logger.refused() >= 2; }, 60s));
		logger.stop();
	}
	auto refused = store.store->list_refused_control_messages();
	ASSERT_EQ(refused.size(), 2u);
	// Newest first: the NUL one, then the deep one.
	EXPECT_EQ(refused[0].deployment, 3);
	EXPECT_NE(refused[0].reason.find("NUL"), std::string::npos) << refused[0].reason;
	EXPECT_FALSE(refused[1].deployment) << "the deep message could not be read at all";
	EXPECT_NE(refused[1].reason.find("deeper than 64 levels"), std::string::npos) << refused[1].reason;
	EXPECT_EQ(refused[1].control_message.rfind(topic + "/0@0 t", 0), 0u) << refused[1].control_message;
	ASSERT_EQ(store.store->list_datasources().size(), 1u);

	// A restart resumes after them: the next stream is recorded and
	// nothing is refused again.
	ControlLogger restarted(config, topic, "logger", *store.store);
	restarted.start();
	publisher.publish(8, hcopd_stream());
	ASSERT_TRUE(wait_until([&] { return restarted.recorded() >= 1; }, 60s));
	restarted.stop();
	EXPECT_EQ(restarted.recorded(), 1u);
	EXPECT_EQ(restarted.refused(), 0u);
	EXPECT_EQ(store.store->list_refused_control_messages().size(), 2u);
	EXPECT_EQ(store.store->list_datasources().size(), 2u);
}

TEST(ControlLoggerTest, AnOnlineStreamIsRecordedAndCanBeAnnouncedAgain) {
	// The original's online sources name a bare topic, without a total.
	stream::TestCluster cluster;
	auto topic = cluster.create_topic("control", 1);
	TempStore store;
	{
		stream::KafkaSink sink(cluster.config(), {topic});
		stream::OutRecord online;
		online.topic = topic;
		online.key = std::string_view("\x04", 1);
		online.value = R"({"topic": "mnist", "input_format": "RAW", "description": "camera", "input_config":
		  {"data_type": "uint8", "label_type": "uint8"}, "validation_rate": 0, "test_rate": 0, "total_msg": null,
		  "incremental": true})";
		sink.produce(online);
		sink.flush(10s);
	}
	ControlLogger logger(cluster.config(), topic, "logger-online", *store.store);
	logger.start();
	ASSERT_TRUE(wait_until([&] { return logger.recorded() >= 1; }, 60s));
	auto recorded = store.store->list_datasources();
	ASSERT_EQ(recorded.size(), 1u);
	EXPECT_EQ(recorded[0].deployment, 4);
	EXPECT_EQ(recorded[0].topic, "mnist");
	EXPECT_EQ(recorded[0].total_msg, 0);

	// Announced to another deployment, it is the same online stream.
	KafkaControlPublisher publisher(cluster.config(), topic);
	publisher.publish(9, recorded[0]);
	ASSERT_TRUE(wait_until([&] { return logger.recorded() >= 2; }, 60s));
	logger.stop();
	EXPECT_EQ(logger.refused(), 0u);
	auto again = store.store->list_datasources();
	ASSERT_EQ(again.size(), 2u);
	auto republished = again[0].deployment == 9 ? again[0] : again[1];
	EXPECT_EQ(republished.deployment, 9);
	EXPECT_EQ(republished.topic, "mnist");
	EXPECT_EQ(republished.description, "camera");
}

} // namespace
} // namespace kafkaml::control
