#pragma once

// Test support: a Kafka "cluster" the client tests run against, either this
// project's broker (in-process, over TCP) or librdkafka's mock cluster, so
// every expectation is checked against a second Kafka implementation.

#include "support/child_process.h"

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace kafkaml::broker::testing {

class TestCluster {
public:
	virtual ~TestCluster() = default;
	virtual std::string bootstrap() const = 0;
	virtual void create_topic(const std::string &name, int partitions) = 0;
	virtual bool is_mock() const = 0;
};

//! "embedded": kafkaml::broker::Broker on 127.0.0.1:0 with a temp data dir;
//! "mock": rdkafka_mock with one broker.
std::unique_ptr<TestCluster> make_cluster(const std::string &kind);

//! CreateTopics through librdkafka's Admin API; returns the error text or "".
std::string admin_create_topic(const std::string &bootstrap, const std::string &name, int partitions,
                               const std::map<std::string, std::string> &configs = {});
//! DeleteTopics through librdkafka's Admin API; returns the error text or "".
std::string admin_delete_topic(const std::string &bootstrap, const std::string &name);

//! DeleteRecords of one partition through librdkafka's Admin API (offset -1:
//! the high watermark); returns the partition's error name (e.g.
//! "OFFSET_OUT_OF_RANGE") or the request's error text, "" on success, and
//! sets `low_watermark` to the new log start offset.
std::string admin_delete_records(const std::string &bootstrap, const std::string &topic, int32_t partition,
                                 int64_t before, int64_t *low_watermark = nullptr);

//! `kafkaml broker` as a child process (for kill -9 tests); its stderr goes
//! to the test's log.
class BrokerProcess {
public:
	//! Starts `$KAFKAML_BIN broker --listen 127.0.0.1:0 --data-dir DIR extra...`
	//! and reads the address from its first stdout line.
	BrokerProcess(const std::filesystem::path &data_dir, const std::vector<std::string> &extra = {});
	const std::string &address() const { return address_; }
	int pid() const { return process_->pid(); }
	//! SIGKILL (to the broker's process group), reaped.
	void kill9();
	//! SIGTERM and wait; returns the exit status.
	int terminate();

private:
	std::unique_ptr<kafkaml::testing::ChildProcess> process_;
	std::string address_;
};

//! Runs a shell command (stderr to the test's log), returns its exit status
//! and appends its stdout to `output`: kafkaml::testing::run_shell for tests
//! written against this older signature.
int run_command(const std::string &command, std::string *output = nullptr);

} // namespace kafkaml::broker::testing
