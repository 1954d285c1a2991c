// librdkafka C++ clients against a cluster: our broker over TCP, and the same
// expectations against librdkafka's mock cluster.
#include "broker/tests/cluster.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafkacpp.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>

using namespace kafkaml::broker::testing;

namespace {

std::unique_ptr<RdKafka::Conf> make_conf(const std::string &bootstrap,
                                         const std::map<std::string, std::string> &extra = {}) {
	std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
	std::string err;
	conf->set("bootstrap.servers", bootstrap, err);
	for (const auto &[k, v] : extra) {
		if (conf->set(k, v, err) != RdKafka::Conf::CONF_OK) {
			throw std::runtime_error(k + ": " + err);
		}
	}
	return conf;
}

struct Expected {
	std::string key;
	std::string value;
	int64_t timestamp;
	int seq;
};

class DeliveryCounter : public RdKafka::DeliveryReportCb {
public:
	void dr_cb(RdKafka::Message &m) override {
		if (m.err()) {
			failed++;
			last_error = m.errstr();
		} else {
			delivered++;
		}
	}
	int delivered = 0;
	int failed = 0;
	std::string last_error;
};

class ClientTest : public ::testing::TestWithParam<std::string> {
protected:
	void SetUp() override { cluster_ = make_cluster(GetParam()); }
	std::unique_ptr<TestCluster> cluster_;
};

} // namespace

TEST_P(ClientTest, HundredThousandMessagesKeepKeysHeadersTimestampsAndOrder) {
	const std::string topic = "orders";
	const int partitions = 4;
	const int total = 100000;
	cluster_->create_topic(topic, partitions);

	DeliveryCounter dr;
	auto pconf = make_conf(cluster_->bootstrap(), {{"acks", "all"}, {"linger.ms", "5"}});
	std::string err;
	pconf->set("dr_cb", &dr, err);
	std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(pconf.get(), err));
	ASSERT_TRUE(producer) << err;
	const int64_t base_ts = 1700000000000;
	for (int i = 0; i < total; i++) {
		std::string key = "key-" + std::to_string(i);
		std::string value = "value-" + std::to_string(i);
		auto *headers = RdKafka::Headers::create();
		headers->add("seq", std::to_string(i));
		headers->add("kind", "test");
		while (true) {
			auto rc = producer->produce(topic, i % partitions, RdKafka::Producer::RK_MSG_COPY, value.data(),
			                            value.size(), key.data(), key.size(), base_ts + i, headers, nullptr);
			if (rc == RdKafka::ERR_NO_ERROR) {
				break;
			}
			ASSERT_EQ(rc, RdKafka::ERR__QUEUE_FULL) << RdKafka::err2str(rc);
			producer->poll(10);
		}
		producer->poll(0);
	}
	ASSERT_EQ(producer->flush(60000), RdKafka::ERR_NO_ERROR);
	ASSERT_EQ(dr.failed, 0) << dr.last_error;
	ASSERT_EQ(dr.delivered, total);

	auto cconf = make_conf(cluster_->bootstrap(), {{"group.id", "reader"}, {"enable.auto.commit", "false"}});
	std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(cconf.get(), err));
	ASSERT_TRUE(consumer) << err;
	std::vector<RdKafka::TopicPartition *> assignment;
	for (int p = 0; p < partitions; p++) {
		assignment.push_back(RdKafka::TopicPartition::create(topic, p, RdKafka::Topic::OFFSET_BEGINNING));
	}
	ASSERT_EQ(consumer->assign(assignment), RdKafka::ERR_NO_ERROR);
	RdKafka::TopicPartition::destroy(assignment);

	std::vector<int> last_seq(partitions, -1);
	std::vector<int64_t> last_offset(partitions, -1);
	int received = 0;
	auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
	while (received < total && std::chrono::steady_clock::now() < deadline) {
		std::unique_ptr<RdKafka::Message> m(consumer->consume(500));
		if (m->err() == RdKafka::ERR__TIMED_OUT || m->err() == RdKafka::ERR__PARTITION_EOF) {
			continue;
		}
		ASSERT_EQ(m->err(), RdKafka::ERR_NO_ERROR) << m->errstr();
		int p = m->partition();
		ASSERT_TRUE(m->headers());
		auto seq_headers = m->headers()->get("seq");
		ASSERT_EQ(seq_headers.size(), 1u);
		int seq =
		    std::stoi(std::string(static_cast<const char *>(seq_headers[0].value()), seq_headers[0].value_size()));
		ASSERT_EQ(seq % partitions, p);
		ASSERT_GT(seq, last_seq[p]) << "order broken in partition " << p;
		ASSERT_EQ(m->offset(), last_offset[p] + 1);
		last_seq[p] = seq;
		last_offset[p] = m->offset();
		ASSERT_EQ(*m->key(), "key-" + std::to_string(seq));
		ASSERT_EQ(std::string(static_cast<const char *>(m->payload()), m->len()), "value-" + std::to_string(seq));
		ASSERT_EQ(m->timestamp().type, RdKafka::MessageTimestamp::MSG_TIMESTAMP_CREATE_TIME);
		ASSERT_EQ(m->timestamp().timestamp, base_ts + seq);
		auto kind = m->headers()->get("kind");
		ASSERT_EQ(kind.size(), 1u);
		ASSERT_EQ(std::string(static_cast<const char *>(kind[0].value()), kind[0].value_size()), "test");
		received++;
	}
	EXPECT_EQ(received, total);
	consumer->close();
}

TEST_P(ClientTest, WatermarksAndOffsetsForTimes) {
	const std::string topic = "times";
	cluster_->create_topic(topic, 1);
	std::string err;
	auto pconf = make_conf(cluster_->bootstrap(), {{"acks", "all"}, {"linger.ms", "0"}});
	std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(pconf.get(), err));
	ASSERT_TRUE(producer) << err;
	for (int i = 0; i < 30; i++) {
		std::string v = "v" + std::to_string(i);
		ASSERT_EQ(producer->produce(topic, 0, RdKafka::Producer::RK_MSG_COPY, v.data(), v.size(), nullptr, 0,
		                            int64_t{5000} + i * 100, nullptr),
		          RdKafka::ERR_NO_ERROR);
		if (i % 10 == 9) {
			producer->flush(10000); // several batches
		}
	}
	ASSERT_EQ(producer->flush(10000), RdKafka::ERR_NO_ERROR);
	int64_t low = -1;
	int64_t high = -1;
	ASSERT_EQ(producer->query_watermark_offsets(topic, 0, &low, &high, 10000), RdKafka::ERR_NO_ERROR);
	EXPECT_EQ(low, 0);
	EXPECT_EQ(high, 30);
	if (cluster_->is_mock()) {
		GTEST_SKIP() << "librdkafka's mock cluster answers ListOffsets by timestamp with -1";
	}
	std::vector<RdKafka::TopicPartition *> parts = {RdKafka::TopicPartition::create(topic, 0, 5000 + 1250)};
	ASSERT_EQ(producer->offsetsForTimes(parts, 10000), RdKafka::ERR_NO_ERROR);
	EXPECT_EQ(parts[0]->err(), RdKafka::ERR_NO_ERROR);
	EXPECT_EQ(parts[0]->offset(), 13); // first record with timestamp >= 6250 is #13 (6300)
	RdKafka::TopicPartition::destroy(parts);
}

TEST_P(ClientTest, IdempotentProducerWritesEachMessageOnce) {
	const std::string topic = "idem";
	cluster_->create_topic(topic, 2);
	std::string err;
	DeliveryCounter dr;
	auto pconf = make_conf(cluster_->bootstrap(), {{"enable.idempotence", "true"}, {"linger.ms", "2"}});
	pconf->set("dr_cb", &dr, err);
	std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(pconf.get(), err));
	ASSERT_TRUE(producer) << err;
	for (int i = 0; i < 5000; i++) {
		std::string v = std::to_string(i);
		ASSERT_EQ(
		    producer->produce(topic, i % 2, RdKafka::Producer::RK_MSG_COPY, v.data(), v.size(), nullptr, 0, 0, nullptr),
		    RdKafka::ERR_NO_ERROR);
		producer->poll(0);
	}
	ASSERT_EQ(producer->flush(30000), RdKafka::ERR_NO_ERROR);
	EXPECT_EQ(dr.failed, 0) << dr.last_error;
	int64_t total = 0;
	for (int p = 0; p < 2; p++) {
		int64_t low = 0;
		int64_t high = 0;
		ASSERT_EQ(producer->query_watermark_offsets(topic, p, &low, &high, 10000), RdKafka::ERR_NO_ERROR);
		total += high - low;
	}
	EXPECT_EQ(total, 5000);
}

TEST_P(ClientTest, ConsumerLongPollWakesWhenDataArrives) {
	const std::string topic = "late";
	cluster_->create_topic(topic, 1);
	std::string err;
	auto cconf =
	    make_conf(cluster_->bootstrap(),
	              {{"group.id", "late-reader"}, {"enable.auto.commit", "false"}, {"fetch.wait.max.ms", "5000"}});
	std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(cconf.get(), err));
	ASSERT_TRUE(consumer) << err;
	std::vector<RdKafka::TopicPartition *> parts = {
	    RdKafka::TopicPartition::create(topic, 0, RdKafka::Topic::OFFSET_BEGINNING)};
	consumer->assign(parts);
	RdKafka::TopicPartition::destroy(parts);
	// Let the consumer park its Fetch first.
	for (int i = 0; i < 3; i++) {
		std::unique_ptr<RdKafka::Message> idle(consumer->consume(200));
	}
	auto pconf = make_conf(cluster_->bootstrap(), {{"linger.ms", "0"}});
	std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(pconf.get(), err));
	std::string v = "wake up";
	producer->produce(topic, 0, RdKafka::Producer::RK_MSG_COPY, v.data(), v.size(), nullptr, 0, 0, nullptr);
	producer->flush(5000);
	auto start = std::chrono::steady_clock::now();
	bool got = false;
	while (!got && std::chrono::steady_clock::now() - start < std::chrono::seconds(20)) {
		std::unique_ptr<RdKafka::Message> m(consumer->consume(100));
		got = m->err() == RdKafka::ERR_NO_ERROR;
	}
	ASSERT_TRUE(got);
	if (cluster_->is_mock()) {
		return; // the mock cluster answers Fetch only after its full wait: no latency bound to check
	}
	// The parked Fetch must be answered on arrival, not after fetch.wait.max.ms.
	EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(4000));
	consumer->close();
}

TEST(EmbeddedBrokerClient, TransactionalProducerFailsAtOnceSayingWhy) {
	// Only our broker: the mock cluster has a transaction coordinator.
	auto cluster = make_cluster("embedded");
	std::string err;
	auto conf = make_conf(cluster->bootstrap(), {{"transactional.id", "tx-1"}});
	std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf.get(), err));
	ASSERT_TRUE(producer) << err;
	auto start = std::chrono::steady_clock::now();
	std::unique_ptr<RdKafka::Error> error(producer->init_transactions(30000));
	auto took = std::chrono::steady_clock::now() - start;
	ASSERT_TRUE(error) << "init_transactions succeeded against a broker without transactions";
	EXPECT_TRUE(error->is_fatal()) << error->str();
	EXPECT_NE(error->str().find("does not support Kafka transactions"), std::string::npos) << error->str();
	// Not the client's transaction timeout: the first answer ends it.
	EXPECT_LT(took, std::chrono::seconds(5));
}

INSTANTIATE_TEST_SUITE_P(Clusters, ClientTest, ::testing::Values("embedded", "mock"),
                         [](const ::testing::TestParamInfo<std::string> &param_info) { return param_info.param; });
