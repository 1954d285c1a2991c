// Debian's kafka-python and confluent-kafka (through /usr/bin/python3) against the broker.
#include "broker/tests/cluster.h"
#include "support/build_tree.h"
#include "support/child_process.h"

#include <gtest/gtest.h>

using namespace kafkaml::broker::testing;

namespace {

void run_script(const std::string &name) {
	auto cluster = make_cluster("embedded");
	auto script = kafkaml::testing::source_dir() / "src/broker/tests/python" / name;
	auto run = kafkaml::testing::run({.argv = {"/usr/bin/python3", script.string(), cluster->bootstrap()},
	                                  .err = kafkaml::testing::Output::to_stdout()});
	EXPECT_EQ(run.status, 0) << run.out;
	EXPECT_NE(run.out.find("ok"), std::string::npos) << run.out;
}

} // namespace

TEST(BrokerPython, KafkaPythonProduceConsumeCreateDelete) {
	run_script("kafka_python_roundtrip.py");
}

TEST(BrokerPython, ConfluentKafkaProduceConsumeCreateDelete) {
	run_script("confluent_roundtrip.py");
}

TEST(BrokerPython, DeleteRecordsThroughKafkaPythonsProtocolLayerThenConsumersSeeTheNewStart) {
	run_script("delete_records.py");
}
