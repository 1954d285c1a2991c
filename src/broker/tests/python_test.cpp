// Debian's kafka-python and confluent-kafka (through /usr/bin/python3) against the broker.
#include "broker/tests/cluster.h"

#include <gtest/gtest.h>

#include <cstdlib>

using namespace kafkaml::broker::testing;

namespace {

void run_script(const std::string &name) {
	// ctest's ENVIRONMENT list may carry only KAFKAML_BIN; the build knows the source dir too.
	const char *source = std::getenv("KAFKAML_SOURCE_DIR");
	if (!source) {
		source = BROKER_TEST_SOURCE_DIR;
	}
	auto cluster = make_cluster("embedded");
	std::string out;
	int status = run_command("/usr/bin/python3 " + std::string(source) + "/src/broker/tests/python/" + name + " " +
	                             cluster->bootstrap() + " 2>&1",
	                         &out);
	EXPECT_EQ(status, 0) << out;
	EXPECT_NE(out.find("ok"), std::string::npos) << out;
}

} // namespace

TEST(BrokerPython, KafkaPythonProduceConsumeCreateDelete) {
	run_script("kafka_python_roundtrip.py");
}

TEST(BrokerPython, ConfluentKafkaProduceConsumeCreateDelete) {
	run_script("confluent_roundtrip.py");
}
