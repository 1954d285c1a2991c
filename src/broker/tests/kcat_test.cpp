// kcat -L / -P / -C against the broker (and the same against the mock cluster).
#include "broker/tests/cluster.h"

#include <gtest/gtest.h>

using namespace kafkaml::broker::testing;

class KcatTest : public ::testing::TestWithParam<std::string> {};

TEST_P(KcatTest, ListProduceConsume) {
	auto cluster = make_cluster(GetParam());
	cluster->create_topic("kc", 2);
	std::string b = cluster->bootstrap();
	std::string out;
	ASSERT_EQ(run_command("kcat -b " + b + " -L -t kc 2>&1", &out), 0) << out;
	EXPECT_NE(out.find("topic \"kc\" with 2 partitions"), std::string::npos) << out;

	ASSERT_EQ(run_command("printf 'k1:v1\\nk2:v2\\nk3:v3\\n' | kcat -b " + b + " -P -t kc -p 1 -K : 2>&1", &out), 0)
	    << out;
	out.clear();
	ASSERT_EQ(run_command("kcat -b " + b + " -C -t kc -p 1 -o beginning -e -q -f '%k=%s@%o\\n' 2>&1", &out), 0) << out;
	EXPECT_EQ(out, "k1=v1@0\nk2=v2@1\nk3=v3@2\n");
}

INSTANTIATE_TEST_SUITE_P(Clusters, KcatTest, ::testing::Values("embedded", "mock"),
                         [](const ::testing::TestParamInfo<std::string> &param_info) { return param_info.param; });
