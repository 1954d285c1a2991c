// `kafkaml broker` as a child process: kill -9 and restart keep every
// acknowledged record; a torn tail is cut; retention deletes old segments;
// a second broker on the same data directory is refused; SIGTERM exits cleanly.
#include "broker/tests/cluster.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafkacpp.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include <sys/stat.h>

using namespace kafkaml::broker::testing;
namespace fs = std::filesystem;

namespace {

struct Acked : public RdKafka::DeliveryReportCb {
	void dr_cb(RdKafka::Message &m) override {
		if (m.err()) {
			return;
		}
		std::lock_guard lock(mu);
		records[{m.partition(), m.offset()}] = std::string(static_cast<const char *>(m.payload()), m.len());
	}
	std::mutex mu;
	std::map<std::pair<int, int64_t>, std::string> records;
};

std::unique_ptr<RdKafka::Conf> conf_for(const std::string &bootstrap) {
	std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
	std::string err;
	conf->set("bootstrap.servers", bootstrap, err);
	return conf;
}

std::map<std::pair<int, int64_t>, std::string> read_everything(const std::string &bootstrap, const std::string &topic,
                                                               int partitions, size_t expected) {
	auto conf = conf_for(bootstrap);
	std::string err;
	conf->set("group.id", "verifier", err);
	conf->set("enable.auto.commit", "false", err);
	conf->set("enable.partition.eof", "true", err);
	std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(conf.get(), err));
	std::vector<RdKafka::TopicPartition *> parts;
	for (int p = 0; p < partitions; p++) {
		parts.push_back(RdKafka::TopicPartition::create(topic, p, RdKafka::Topic::OFFSET_BEGINNING));
	}
	consumer->assign(parts);
	RdKafka::TopicPartition::destroy(parts);
	std::map<std::pair<int, int64_t>, std::string> out;
	int eofs = 0;
	auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
	while (std::chrono::steady_clock::now() < deadline && (eofs < partitions || out.size() < expected)) {
		std::unique_ptr<RdKafka::Message> m(consumer->consume(500));
		if (m->err() == RdKafka::ERR__PARTITION_EOF) {
			eofs++;
		} else if (m->err() == RdKafka::ERR_NO_ERROR) {
			out[{m->partition(), m->offset()}] = std::string(static_cast<const char *>(m->payload()), m->len());
		}
	}
	consumer->close();
	return out;
}

} // namespace

TEST(BrokerPersistence, KillNineKeepsEveryAcknowledgedRecordAndTornTailIsCut) {
	kafkaml::testing::TempDir dir;
	const std::string topic = "durable";
	Acked acked;
	{
		BrokerProcess broker(dir.path(), {"--fsync", "never"});
		ASSERT_EQ(admin_create_topic(broker.address(), topic, 3), "");
		auto conf = conf_for(broker.address());
		std::string err;
		conf->set("acks", "all", err);
		conf->set("linger.ms", "1", err);
		conf->set("message.timeout.ms", "3000", err);
		conf->set("dr_cb", &acked, err);
		std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf.get(), err));
		ASSERT_TRUE(producer) << err;
		std::atomic<bool> stop{false};
		std::thread writer([&] {
			for (int i = 0; !stop; i++) {
				std::string v = "record-" + std::to_string(i);
				if (producer->produce(topic, i % 3, RdKafka::Producer::RK_MSG_COPY, v.data(), v.size(), nullptr, 0, 0,
				                      nullptr) != RdKafka::ERR_NO_ERROR) {
					producer->poll(5);
				}
				producer->poll(0);
			}
		});
		// Kill while the producer is busy, once a good number was acknowledged.
		auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
		while (std::chrono::steady_clock::now() < deadline) {
			producer->poll(10);
			std::lock_guard lock(acked.mu);
			if (acked.records.size() >= 20000) {
				break;
			}
		}
		broker.kill9();
		stop = true;
		writer.join();
		producer->flush(4000);
	}
	ASSERT_GE(acked.records.size(), 20000u);

	// Simulate a torn write on top: half a batch header at the end of partition 0.
	{
		std::ofstream out(dir.path() / "durable-0" / "00000000000000000000.log", std::ios::app | std::ios::binary);
		const char junk[37] = {0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 1, 0, 'x'};
		out.write(junk, sizeof(junk));
	}

	BrokerProcess restarted(dir.path());
	auto stored = read_everything(restarted.address(), topic, 3, acked.records.size());
	size_t missing = 0;
	for (const auto &[key, value] : acked.records) {
		auto it = stored.find(key);
		if (it == stored.end() || it->second != value) {
			missing++;
		}
	}
	EXPECT_EQ(missing, 0u) << "of " << acked.records.size() << " acknowledged records";
	EXPECT_EQ(restarted.terminate(), 0); // SIGTERM: clean exit status
}

TEST(BrokerPersistence, RetentionDeletesOldSegments) {
	kafkaml::testing::TempDir dir;
	BrokerProcess broker(dir.path(), {"--retention-check-ms", "100"});
	const std::string topic = "short";
	ASSERT_EQ(admin_create_topic(broker.address(), topic, 1, {{"segment.bytes", "2048"}, {"retention.bytes", "4096"}}),
	          "");
	auto conf = conf_for(broker.address());
	std::string err;
	conf->set("linger.ms", "0", err);
	std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf.get(), err));
	std::string v(200, 'r');
	for (int i = 0; i < 200; i++) {
		producer->produce(topic, 0, RdKafka::Producer::RK_MSG_COPY, v.data(), v.size(), nullptr, 0, 0, nullptr);
		producer->flush(5000); // one batch per message: many small segments
	}
	// Retention runs every 100 ms: wait until it has caught up with the last produce.
	int64_t low = 0;
	int64_t high = 0;
	uint64_t bytes = 0;
	int segments = 0;
	auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
	while (std::chrono::steady_clock::now() < deadline) {
		ASSERT_EQ(producer->query_watermark_offsets(topic, 0, &low, &high, 5000), RdKafka::ERR_NO_ERROR);
		bytes = 0;
		segments = 0;
		for (const auto &e : fs::directory_iterator(dir.path() / "short-0")) {
			if (e.path().extension() == ".log") {
				bytes += fs::file_size(e.path());
				segments++;
			}
		}
		if (low > 100 && bytes <= 4096u + 2 * 2048u) {
			break;
		}
		std::this_thread::sleep_for(std::chrono::milliseconds(100));
	}
	EXPECT_EQ(high, 200);
	EXPECT_GT(low, 100);
	EXPECT_LE(bytes, 4096u + 2 * 2048u); // retention keeps >= retention.bytes, plus the active segment
	EXPECT_GE(segments, 2);
}

// retention.ms applies to the active segment too: a topic far smaller than
// one segment (the default segment.bytes is 1 GiB) still expires.
TEST(BrokerPersistence, TimeRetentionExpiresATopicSmallerThanOneSegment) {
	kafkaml::testing::TempDir dir;
	BrokerProcess broker(dir.path(), {"--retention-check-ms", "100"});
	const std::string topic = "brief";
	ASSERT_EQ(admin_create_topic(broker.address(), topic, 1, {{"retention.ms", "1000"}}), "");
	auto conf = conf_for(broker.address());
	std::string err;
	std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf.get(), err));
	ASSERT_TRUE(producer) << err;
	for (int i = 0; i < 10; i++) {
		std::string v = "v" + std::to_string(i);
		producer->produce(topic, 0, RdKafka::Producer::RK_MSG_COPY, v.data(), v.size(), nullptr, 0, 0, nullptr);
	}
	ASSERT_EQ(producer->flush(10000), RdKafka::ERR_NO_ERROR);
	int64_t low = -1;
	int64_t high = -1;
	auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
	while (std::chrono::steady_clock::now() < deadline) {
		ASSERT_EQ(producer->query_watermark_offsets(topic, 0, &low, &high, 5000), RdKafka::ERR_NO_ERROR);
		if (low == 10) {
			break;
		}
		std::this_thread::sleep_for(std::chrono::milliseconds(100));
	}
	EXPECT_EQ(low, 10) << "records older than retention.ms are still there";
	EXPECT_EQ(high, 10);
	// The log goes on where it ended.
	std::string v = "after";
	producer->produce(topic, 0, RdKafka::Producer::RK_MSG_COPY, v.data(), v.size(), nullptr, 0, 0, nullptr);
	ASSERT_EQ(producer->flush(10000), RdKafka::ERR_NO_ERROR);
	ASSERT_EQ(producer->query_watermark_offsets(topic, 0, &low, &high, 5000), RdKafka::ERR_NO_ERROR);
	EXPECT_EQ(high, 11);
}

// A second broker started on a data directory in use would recover and
// rewrite files the first is appending to: it must stop before touching them.
TEST(BrokerPersistence, SecondBrokerOnTheSameDataDirectoryIsRefused) {
	kafkaml::testing::TempDir dir;
	BrokerProcess broker(dir.path());
	ASSERT_EQ(admin_create_topic(broker.address(), "kept", 1), "");
	// The offsets file is rewritten (a new inode) when a broker opens it.
	auto inode_of = [](const fs::path &path) {
		struct stat st {};
		return ::stat(path.c_str(), &st) == 0 ? st.st_ino : ino_t{0};
	};
	auto offsets_file = dir.path() / "__group_offsets" / "offsets.log";
	auto inode_before = inode_of(offsets_file);
	ASSERT_NE(inode_before, ino_t{0});
	std::string output;
	int status = run_command(std::string(std::getenv("KAFKAML_BIN")) + " broker --listen 127.0.0.1:0 --data-dir " +
	                             dir.path().string() + " 2>&1",
	                         &output);
	EXPECT_NE(status, 0);
	EXPECT_NE(output.find("another broker is using the data directory"), std::string::npos) << output;
	EXPECT_EQ(inode_of(offsets_file), inode_before) << "the refused broker rewrote the offsets file";
	// The first broker goes on serving.
	EXPECT_EQ(admin_create_topic(broker.address(), "still-serving", 1), "");
	EXPECT_EQ(broker.terminate(), 0);
	// Once it stopped, the directory is free again.
	BrokerProcess next(dir.path());
	EXPECT_FALSE(next.address().empty());
}
