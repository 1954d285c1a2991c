#include "stream/kafka_clusters.h"
#include "stream/stream_error.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

using namespace kafkaml::stream;
using kafkaml::testing::TempDir;

namespace {

std::string error_of(const std::string &option) {
	try {
		read_kafka_cluster(option);
	} catch (const StreamError &e) {
		EXPECT_EQ(e.kind(), kafkaml::ErrorKind::user) << e.what();
		return e.what();
	}
	ADD_FAILURE() << "no StreamError for " << option;
	return {};
}

std::string private_file(const TempDir &dir, const std::string &name, const std::string &text, mode_t mode = 0600) {
	auto path = dir.write(name, text);
	::chmod(path.c_str(), mode);
	return path;
}

} // namespace

TEST(KafkaClusters, ReadsANamedClusterWithItsBootstrapApart) {
	TempDir dir("kafka-clusters");
	auto file = private_file(dir, "edge.properties",
	                         "bootstrap.servers=edge-0:9093,edge-1:9093\nsecurity.protocol=sasl_plaintext\n"
	                         "sasl.mechanism=PLAIN\nsasl.username=edge\nsasl.password=hunter2\n");
	auto cluster = read_kafka_cluster("edge=" + file);
	EXPECT_EQ(cluster.name, "edge");
	EXPECT_EQ(cluster.config.bootstrap_servers, "edge-0:9093,edge-1:9093");
	EXPECT_EQ(cluster.config.properties.count("bootstrap.servers"), 0u);
	EXPECT_EQ(cluster.config.properties.at("sasl.password"), "hunter2");
	EXPECT_EQ(security_protocol_of(cluster.config), "sasl_plaintext");
	EXPECT_EQ(sasl_mechanism_of(cluster.config), "PLAIN");
}

TEST(KafkaClusters, RefusesBadOptionsNamingWhatToChange) {
	TempDir dir("kafka-clusters");
	auto good = private_file(dir, "good.properties", "bootstrap.servers=h:1\n");
	EXPECT_NE(error_of("edge").find("NAME=FILE"), std::string::npos);
	EXPECT_NE(error_of("=" + good).find("NAME=FILE"), std::string::npos);
	EXPECT_NE(error_of("edge=").find("NAME=FILE"), std::string::npos);
	EXPECT_NE(error_of("a:1=" + good).find("the name must be"), std::string::npos);
	EXPECT_NE(error_of("default=" + good).find("server's own cluster"), std::string::npos);
	auto no_bootstrap = private_file(dir, "none.properties", "client.id=x\n");
	EXPECT_NE(error_of("edge=" + no_bootstrap).find("has no bootstrap.servers"), std::string::npos);
	EXPECT_NE(error_of("edge=" + (dir / "missing").string()).find("cannot read"), std::string::npos);
	auto bad_line = private_file(dir, "bad.properties", "bootstrap.servers=h:1\nno.such.property=1\n");
	EXPECT_NE(error_of("edge=" + bad_line).find("bad.properties:2"), std::string::npos);
}

TEST(KafkaClusters, RefusesAFileOtherUsersMayReadWithoutShowingIt) {
	TempDir dir("kafka-clusters");
	for (mode_t mode : {0644, 0640, 0604, 0620}) {
		auto file = private_file(dir, "open.properties", "bootstrap.servers=h:1\nsasl.password=hunter2\n", mode);
		auto error = error_of("edge=" + file);
		EXPECT_NE(error.find("chmod 600"), std::string::npos) << error;
		EXPECT_EQ(error.find("hunter2"), std::string::npos) << error;
	}
	auto owner_only = private_file(dir, "closed.properties", "bootstrap.servers=h:1\n", 0400);
	EXPECT_EQ(read_kafka_cluster("edge=" + owner_only).config.bootstrap_servers, "h:1");
}

TEST(KafkaClusters, ResolvesNamesAndBootstrapListsWithTheDefaultSettings) {
	KafkaConfig own{"own:9092", {{"client.id", "server"}}};
	KafkaCluster edge{"edge", {"edge:9093", {{"security.protocol", "ssl"}}}};
	KafkaClusters clusters(own, {edge});
	ASSERT_EQ(clusters.all().size(), 2u);
	EXPECT_EQ(clusters.all()[0].name, "default");
	EXPECT_EQ(clusters.resolve("")->bootstrap_servers, "own:9092");
	EXPECT_EQ(clusters.resolve("default")->bootstrap_servers, "own:9092");
	auto named = clusters.resolve("edge");
	ASSERT_TRUE(named);
	EXPECT_EQ(named->bootstrap_servers, "edge:9093");
	EXPECT_EQ(named->properties.count("client.id"), 0u) << "a named cluster has its own settings only";
	auto listed = clusters.resolve("other:1,other:2");
	ASSERT_TRUE(listed);
	EXPECT_EQ(listed->bootstrap_servers, "other:1,other:2");
	EXPECT_EQ(listed->properties.at("client.id"), "server");
	EXPECT_FALSE(clusters.resolve("cloud"));
	EXPECT_FALSE(clusters.resolve("host:port"));
	EXPECT_THROW(KafkaClusters(own, {edge, edge}), StreamError);
	EXPECT_EQ(security_protocol_of(own), "plaintext");
	EXPECT_EQ(sasl_mechanism_of(own), "");
}
