// Consumer groups with real clients over TCP: librdkafka C++ members as child
// processes (one killed with SIGKILL), kcat -G, kafka-python and
// confluent-kafka; the librdkafka scenario also runs against librdkafka's mock
// cluster to check our expectations against a second implementation.

#include "broker/tests/cluster.h"
#include "support/build_tree.h"
#include "support/child_process.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <librdkafka/rdkafkacpp.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <thread>

namespace kafkaml::broker::group {
namespace {

using namespace std::chrono_literals;
using kafkaml::broker::testing::BrokerProcess;
using kafkaml::testing::ChildProcess;
using kafkaml::testing::TempDir;

using Consumed = std::set<std::pair<int32_t, int64_t>>;

//! Produces `count` keyed messages with acks=all and waits for every delivery.
void produce(const std::string &bootstrap, const std::string &topic, int count, int partitions) {
	std::string err;
	std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
	conf->set("bootstrap.servers", bootstrap, err);
	conf->set("acks", "all", err);
	conf->set("linger.ms", "5", err);
	std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf.get(), err));
	ASSERT_TRUE(producer) << err;
	for (int i = 0; i < count; i++) {
		std::string value = "value-" + std::to_string(i);
		auto code = producer->produce(topic, i % partitions, RdKafka::Producer::RK_MSG_COPY, value.data(), value.size(),
		                              nullptr, 0, 0, nullptr);
		if (code == RdKafka::ERR__QUEUE_FULL) {
			producer->poll(50);
			i--;
			continue;
		}
		ASSERT_EQ(code, RdKafka::ERR_NO_ERROR) << RdKafka::err2str(code);
	}
	ASSERT_EQ(producer->flush(30000), RdKafka::ERR_NO_ERROR);
}

//! The cluster a scenario runs against, and what its group coordinator is known to do differently.
struct GroupTarget {
	std::string bootstrap;
	//! Members' session timeout: short, so a killed member leaves quickly.
	int session_timeout_ms = 2000;
	//! Each of the three members must get two partitions in one generation.
	bool even_assignment = true;
	//! Whether offsets committed while a rebalance is in progress are kept. Kafka and our broker
	//! keep a commit of the current generation; librdkafka's mock cluster rejects it.
	bool commits_during_rebalance = true;
};

//! librdkafka 2.0's mock cluster holds a new group's first JoinGroup for 3 s and meanwhile expires
//! members that do not heartbeat (a member waiting on JoinGroup cannot): with a session timeout
//! under 3 s the first member is dropped and its JoinGroup is never answered. A member that joins
//! a settled group waits a long time there, so only the coverage of all partitions is required.
GroupTarget mock_target(std::string bootstrap) {
	return {std::move(bootstrap), 6000, false, false};
}

//! A group_member child: its stdout (one line per event) captured, its stderr in the test's log.
std::unique_ptr<ChildProcess> start_member(const GroupTarget &target, const std::string &group,
                                           const std::string &topic) {
	return std::make_unique<ChildProcess>(kafkaml::testing::ProcessOptions{
	    .argv = {GROUP_MEMBER_BIN, target.bootstrap, group, topic, std::to_string(target.session_timeout_ms)}});
}

//! Stops members one after the other with SIGTERM (each commits and leaves the group).
//! Where the cluster drops commits made during a rebalance, the members first wait out an
//! auto-commit interval while the group is settled, so the close-time commits are not all there is.
void stop_members(const GroupTarget &target, std::vector<std::unique_ptr<ChildProcess>> &members, size_t first = 0) {
	if (!target.commits_during_rebalance) {
		std::this_thread::sleep_for(1s);
	}
	for (size_t i = first; i < members.size(); i++) {
		members[i]->signal(SIGTERM);
		EXPECT_EQ(members[i]->wait(30s), 0);
	}
}

Consumed consumed_by(ChildProcess &member) {
	Consumed out;
	for (auto &line : member.out_lines()) {
		std::istringstream in(line);
		std::string kind;
		int32_t partition;
		int64_t offset;
		if (in >> kind >> partition >> offset && kind == "M") {
			out.emplace(partition, offset);
		}
	}
	return out;
}

//! Partitions of the member's latest assignment.
std::set<int32_t> assignment_of(ChildProcess &member) {
	std::set<int32_t> out;
	for (auto &line : member.out_lines()) {
		if (line.rfind("A ", 0) != 0) {
			continue;
		}
		out.clear();
		std::istringstream in(line.substr(2));
		std::string part;
		while (std::getline(in, part, ',')) {
			if (part != "-") {
				out.insert(std::stoi(part));
			}
		}
	}
	return out;
}

bool covers(const Consumed &consumed, int per_partition, int partitions, int64_t from = 0) {
	for (int p = 0; p < partitions; p++) {
		for (int64_t o = from; o < from + per_partition; o++) {
			if (!consumed.count({p, o})) {
				return false;
			}
		}
	}
	return true;
}

Consumed all_consumed(std::vector<std::unique_ptr<ChildProcess>> &members) {
	Consumed all;
	for (auto &m : members) {
		auto c = consumed_by(*m);
		all.insert(c.begin(), c.end());
	}
	return all;
}

//! Waits until the members together consumed every offset in [from, from + per_partition).
bool wait_all_consumed(std::vector<std::unique_ptr<ChildProcess>> &members, int per_partition, int partitions,
                       int64_t from, std::chrono::seconds timeout) {
	auto deadline = std::chrono::steady_clock::now() + timeout;
	while (std::chrono::steady_clock::now() < deadline) {
		if (covers(all_consumed(members), per_partition, partitions, from)) {
			return true;
		}
		std::this_thread::sleep_for(100ms);
	}
	return false;
}

//! Each member's assignments and how many messages it consumed per partition, for failure messages.
std::string describe(std::vector<std::unique_ptr<ChildProcess>> &members) {
	std::ostringstream out;
	for (auto &m : members) {
		out << "member " << m->pid() << ":";
		std::map<int32_t, int> per_partition_count;
		for (auto &line : m->out_lines()) {
			if (line.rfind("A ", 0) == 0) {
				out << " [" << line << "]";
			}
		}
		for (auto &[partition, offset] : consumed_by(*m)) {
			per_partition_count[partition]++;
		}
		for (auto &[partition, count] : per_partition_count) {
			out << " p" << partition << "=" << count;
		}
		out << "; ";
	}
	return out.str();
}

constexpr int partitions = 6;
constexpr int per_partition = 500;

// 3 members on 6 partitions; one is SIGKILLed after it consumed something.
// The survivors take over its partitions after its session timeout and every
// message is consumed (at-least-once). Returns after the survivors closed
// cleanly (committing their offsets).
void kill_one_member_scenario(const GroupTarget &target, const std::string &group, const std::string &topic) {
	produce(target.bootstrap, topic, partitions * per_partition / 2, partitions);
	std::vector<std::unique_ptr<ChildProcess>> members;
	for (int i = 0; i < 3; i++) {
		members.push_back(start_member(target, group, topic));
	}
	// All three end up with two partitions each in one generation.
	auto deadline = std::chrono::steady_clock::now() + 60s;
	bool balanced = false;
	while (!balanced && std::chrono::steady_clock::now() < deadline) {
		balanced = true;
		std::set<int32_t> assigned;
		for (auto &m : members) {
			auto a = assignment_of(*m);
			balanced = balanced && (!target.even_assignment || a.size() == 2);
			assigned.insert(a.begin(), a.end());
		}
		balanced = balanced && assigned.size() == static_cast<size_t>(partitions);
		std::this_thread::sleep_for(100ms);
	}
	if (!balanced) {
		for (auto &m : members) {
			auto lines = m->out_lines();
			std::string assigned;
			for (auto &l : lines) {
				if (l[0] == 'A') {
					assigned += "[" + l + "] ";
				}
			}
			ADD_FAILURE() << "member " << m->pid() << " assignments: " << assigned;
		}
	}
	ASSERT_TRUE(balanced) << "three members did not share six partitions";
	// The victim is a member with partitions, killed once it consumed some.
	std::rotate(members.begin(),
	            std::find_if(members.begin(), members.end(), [](auto &m) { return !assignment_of(*m).empty(); }),
	            members.end());
	ASSERT_TRUE(members[0]->wait_for_lines(
	    [](auto &lines) { return std::count_if(lines.begin(), lines.end(), [](auto &l) { return l[0] == 'M'; }) > 10; },
	    30s));
	members[0]->kill();

	produce(target.bootstrap, topic, partitions * per_partition / 2, partitions);
	ASSERT_TRUE(wait_all_consumed(members, per_partition, partitions, 0, 60s))
	    << "not every message was consumed after a member was killed; " << describe(members);
	std::set<int32_t> survivors;
	for (size_t i = 1; i < members.size(); i++) {
		auto a = assignment_of(*members[i]);
		survivors.insert(a.begin(), a.end());
	}
	EXPECT_EQ(survivors.size(), static_cast<size_t>(partitions)) << "the victim's partitions were not reassigned";
	stop_members(target, members, 1);
}

//! Restarted members consume exactly the messages produced since the last commit.
void resume_scenario(const GroupTarget &target, const std::string &group, const std::string &topic,
                     int64_t committed_end) {
	const int extra = 20;
	produce(target.bootstrap, topic, partitions * extra, partitions);
	std::vector<std::unique_ptr<ChildProcess>> members;
	for (int i = 0; i < 2; i++) {
		members.push_back(start_member(target, group, topic));
	}
	ASSERT_TRUE(wait_all_consumed(members, extra, partitions, committed_end, 60s));
	std::this_thread::sleep_for(500ms);
	for (auto &[partition, offset] : all_consumed(members)) {
		EXPECT_GE(offset, committed_end) << "partition " << partition << " re-read committed offset " << offset;
	}
	stop_members(target, members);
}

TEST(GroupIntegrationTest, KilledMemberIsReplacedAndOffsetsResumeAcrossConsumerAndBrokerRestarts) {
	TempDir dir;
	const std::string topic = "orders";
	auto broker = std::make_unique<BrokerProcess>(dir.path(), std::vector<std::string>{"--num-partitions", "6"});
	kill_one_member_scenario({broker->address()}, "g1", topic);
	if (HasFatalFailure()) {
		return;
	}
	resume_scenario({broker->address()}, "g1", topic, per_partition);
	if (HasFatalFailure()) {
		return;
	}
	// kill -9 the broker: acknowledged commits must be on disk.
	broker->kill9();
	broker = std::make_unique<BrokerProcess>(dir.path(), std::vector<std::string>{"--num-partitions", "6"});
	resume_scenario({broker->address()}, "g1", topic, per_partition + 20);
}

TEST(GroupIntegrationTest, SameScenarioAgainstLibrdkafkaMockCluster) {
	char errstr[256];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	ASSERT_NE(rk, nullptr) << errstr;
	rd_kafka_mock_cluster_t *mock = rd_kafka_mock_cluster_new(rk, 1);
	ASSERT_NE(mock, nullptr);
	ASSERT_EQ(rd_kafka_mock_topic_create(mock, "orders", partitions, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
	auto target = mock_target(rd_kafka_mock_cluster_bootstraps(mock));
	kill_one_member_scenario(target, "g1", "orders");
	if (!HasFatalFailure()) {
		resume_scenario(target, "g1", "orders", per_partition);
	}
	rd_kafka_mock_cluster_destroy(mock);
	rd_kafka_destroy(rk);
}

TEST(GroupIntegrationTest, KcatBalancedConsumerCommitsAndResumes) {
	TempDir dir;
	BrokerProcess broker(dir.path(), {"--num-partitions", "1"});
	produce(broker.address(), "kc", 30, 1);
	auto kcat = [&](int count) {
		ChildProcess p({.argv = {"kcat", "-b", broker.address(), "-G", "kcat-group", "-X", "auto.offset.reset=earliest",
		                         "-c", std::to_string(count), "-q", "-f", "%p %o\\n", "kc"}});
		EXPECT_EQ(p.wait(60s), 0);
		std::set<int64_t> offsets;
		for (auto &line : p.out_lines()) {
			std::istringstream in(line);
			int32_t partition;
			int64_t offset;
			if (in >> partition >> offset) {
				offsets.insert(offset);
			}
		}
		return offsets;
	};
	auto first = kcat(30);
	ASSERT_EQ(first.size(), 30u);
	EXPECT_EQ(*first.begin(), 0);
	produce(broker.address(), "kc", 10, 1);
	auto second = kcat(10);
	ASSERT_EQ(second.size(), 10u);
	EXPECT_EQ(*second.begin(), 30) << "kcat -G resumes from the committed offset";
}

void run_python(const std::string &script, const std::string &bootstrap) {
	auto path = kafkaml::testing::source_dir() / "src/broker/group/tests/python" / script;
	ASSERT_TRUE(std::filesystem::exists(path)) << path << " not found: run through ctest or set KAFKAML_SOURCE_DIR";
	auto run = kafkaml::testing::run({.argv = {"/usr/bin/python3", path.string(), bootstrap}}, 120s);
	EXPECT_EQ(run.status, 0) << script << " output:\n" << run.out;
}

TEST(GroupIntegrationTest, KafkaPythonConsumerGroup) {
	TempDir dir;
	BrokerProcess broker(dir.path(), {"--num-partitions", "4"});
	run_python("kafka_python_group.py", broker.address());
}

TEST(GroupIntegrationTest, ConfluentKafkaConsumerGroup) {
	TempDir dir;
	BrokerProcess broker(dir.path(), {"--num-partitions", "4"});
	run_python("confluent_kafka_group.py", broker.address());
}

} // namespace
} // namespace kafkaml::broker::group
