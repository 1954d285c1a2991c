#include "server/control_logger.h"
#include "server/kafka_control_publisher.h"
#include "stream/kafka_sink.h"
#include "stream/testing/test_cluster.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

namespace kafkaml::server {
namespace {

using namespace std::chrono_literals;

struct TempStore {
	std::filesystem::path dir;
	std::unique_ptr<store::Store> store;
	TempStore() {
		std::string pattern = (std::filesystem::temp_directory_path() / "kafkaml-logger-XXXXXX").string();
		dir = ::mkdtemp(pattern.data());
		store = store::open_store("sqlite:" + (dir / "kafkaml.db").string());
	}
	~TempStore() {
		store.reset();
		std::filesystem::remove_all(dir);
	}
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

} // namespace
} // namespace kafkaml::server
