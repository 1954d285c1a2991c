// kcat -L / -P / -C against the broker (and the same against the mock cluster).
#include "broker/tests/cluster.h"
#include "support/child_process.h"

#include <gtest/gtest.h>

using namespace kafkaml::broker::testing;
using kafkaml::testing::run_shell;

class KcatTest : public ::testing::TestWithParam<std::string> {};

TEST_P(KcatTest, ListProduceConsume) {
	auto cluster = make_cluster(GetParam());
	cluster->create_topic("kc", 2);
	std::string b = cluster->bootstrap();
	auto list = run_shell("kcat -b " + b + " -L -t kc 2>&1");
	ASSERT_EQ(list.status, 0) << list.out;
	EXPECT_NE(list.out.find("topic \"kc\" with 2 partitions"), std::string::npos) << list.out;

	auto produce = run_shell("printf 'k1:v1\\nk2:v2\\nk3:v3\\n' | kcat -b " + b + " -P -t kc -p 1 -K : 2>&1");
	ASSERT_EQ(produce.status, 0) << list.out << produce.out;
	auto consume = run_shell("kcat -b " + b + " -C -t kc -p 1 -o beginning -e -q -f '%k=%s@%o\\n' 2>&1");
	ASSERT_EQ(consume.status, 0) << consume.out;
	EXPECT_EQ(consume.out, "k1=v1@0\nk2=v2@1\nk3=v3@2\n");
}

INSTANTIATE_TEST_SUITE_P(Clusters, KcatTest, ::testing::Values("embedded", "mock"),
                         [](const ::testing::TestParamInfo<std::string> &param_info) { return param_info.param; });
