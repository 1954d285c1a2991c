// What kind each failure of a send is (common/error.h): what the user can
// change is a user error, a cluster that does not answer is retriable, so
// that a caller that retries (a script, a supervisor) retries only that.

#include "dataset/dataset_error.h"
#include "sender/dataset_file.h"
#include "sender/kafka_cluster.h"
#include "sender/send_dataset.h"
#include "stream/stream_error.h"
#include "support/network.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace kafkaml::sender {
namespace {

using kafkaml::testing::TempDir;

//! The kind of what `send` throws; nullopt when it throws nothing.
template <typename Send>
std::optional<ErrorKind> kind_thrown(Send &&send) {
	try {
		send();
	} catch (const std::exception &e) {
		return error_kind(e);
	}
	return std::nullopt;
}

class SendErrorKindTest : public ::testing::Test {
protected:
	SendErrorKindTest() {
		// Nothing listens there: a refused connection, known within the timeout.
		options_.bootstrap_servers = "127.0.0.1:" + std::to_string(kafkaml::testing::free_port());
		options_.timeout_ms = 300;
		options_.topic = "data";
		options_.deployment_id = 1;
		options_.file = dir_.write("rows.csv", "a,label\n1,0\n2,1\n");
	}
	SendReport send() { return send_dataset(options_, cluster_); }

	TempDir dir_;
	SendOptions options_;
	KafkaCluster cluster_;
};

TEST_F(SendErrorKindTest, FilesThatCannotBeReadAreTheUsers) {
	options_.file = (dir_ / "absent.csv").string();
	EXPECT_EQ(kind_thrown([&] { send(); }), ErrorKind::user);
	options_.file = dir_.write("bad.csv", "a,label\n1,x\n");
	EXPECT_EQ(kind_thrown([&] { send(); }), ErrorKind::user) << "a cell that is no number";
	options_.file = dir_.write("header.csv", "a,label\n");
	EXPECT_THROW(load_table(options_.file), SendError) << "no rows";
}

TEST_F(SendErrorKindTest, OptionsAndColumnsAreTheUsers) {
	options_.format = "json";
	EXPECT_THROW(send(), SendError);
	options_.format = "raw";
	options_.label_column = "price";
	EXPECT_EQ(kind_thrown([&] { send(); }), ErrorKind::user) << "a column that is not there";
	options_.label_column.clear();
	options_.ignore_columns = {"a"};
	EXPECT_THROW(send(), dataset::DatasetError) << "no feature column left";
	options_.ignore_columns.clear();
	options_.properties = {"acks"};
	EXPECT_EQ(kind_thrown([&] { send(); }), ErrorKind::user) << "--kafka-property without '='";
}

TEST_F(SendErrorKindTest, AClusterThatDoesNotAnswerIsRetriable) {
	try {
		send();
		FAIL() << "nothing listens at " << options_.bootstrap_servers;
	} catch (const stream::StreamError &e) {
		EXPECT_TRUE(e.is_retriable()) << e.what();
		EXPECT_NE(std::string(e.what()).find("cannot reach Kafka at " + options_.bootstrap_servers), std::string::npos)
		    << e.what();
	}
}

} // namespace
} // namespace kafkaml::sender
