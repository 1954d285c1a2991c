// A consumer-group member as a separate process, so integration tests can
// kill it with SIGKILL like a crashed application.
//
// Usage: group_member BOOTSTRAP GROUP TOPIC SESSION_TIMEOUT_MS
// Prints one line per event on stdout (flushed at once):
//   A <p,p,...>      partitions assigned after a rebalance ("A -" for none)
//   M <p> <offset>   a message consumed; its offset is stored for commit only
//                    after the line is out (at-least-once)
// SIGTERM/SIGINT: closes the consumer (commits, leaves the group) and exits 0.

#include <librdkafka/rdkafkacpp.h>

#include <csignal>
#include <cstdio>
#include <memory>
#include <string>

namespace {

volatile std::sig_atomic_t stop_requested = 0;

void on_signal(int) {
	stop_requested = 1;
}

class PrintingRebalance : public RdKafka::RebalanceCb {
public:
	void rebalance_cb(RdKafka::KafkaConsumer *consumer, RdKafka::ErrorCode err,
	                  std::vector<RdKafka::TopicPartition *> &partitions) override {
		if (err == RdKafka::ERR__ASSIGN_PARTITIONS) {
			std::string list;
			for (auto *p : partitions) {
				list += (list.empty() ? "" : ",") + std::to_string(p->partition());
			}
			std::printf("A %s\n", list.empty() ? "-" : list.c_str());
			std::fflush(stdout);
			consumer->assign(partitions);
		} else {
			consumer->unassign();
		}
	}
};

} // namespace

int main(int argc, char **argv) {
	if (argc != 5) {
		std::fprintf(stderr, "usage: %s BOOTSTRAP GROUP TOPIC SESSION_TIMEOUT_MS\n", argv[0]);
		return 2;
	}
	std::signal(SIGTERM, on_signal);
	std::signal(SIGINT, on_signal);
	std::string err;
	PrintingRebalance rebalance;
	std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
	auto set = [&](const char *key, const std::string &value) {
		if (conf->set(key, value, err) != RdKafka::Conf::CONF_OK) {
			std::fprintf(stderr, "config %s: %s\n", key, err.c_str());
			std::exit(2);
		}
	};
	set("bootstrap.servers", argv[1]);
	set("group.id", argv[2]);
	set("session.timeout.ms", argv[4]);
	set("heartbeat.interval.ms", "200");
	set("auto.offset.reset", "earliest");
	set("enable.auto.offset.store", "false");
	set("auto.commit.interval.ms", "200");
	set("topic.metadata.refresh.interval.ms", "1000");
	if (conf->set("rebalance_cb", &rebalance, err) != RdKafka::Conf::CONF_OK) {
		std::fprintf(stderr, "rebalance_cb: %s\n", err.c_str());
		return 2;
	}
	std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(conf.get(), err));
	if (!consumer) {
		std::fprintf(stderr, "consumer: %s\n", err.c_str());
		return 2;
	}
	consumer->subscribe({argv[3]});
	while (!stop_requested) {
		std::unique_ptr<RdKafka::Message> msg(consumer->consume(100));
		if (msg->err() == RdKafka::ERR_NO_ERROR) {
			std::printf("M %d %lld\n", msg->partition(), static_cast<long long>(msg->offset()));
			std::fflush(stdout);
			std::vector<RdKafka::TopicPartition *> next = {
			    RdKafka::TopicPartition::create(msg->topic_name(), msg->partition(), msg->offset() + 1)};
			consumer->offsets_store(next);
			RdKafka::TopicPartition::destroy(next);
		} else if (msg->err() != RdKafka::ERR__TIMED_OUT && msg->err() != RdKafka::ERR__PARTITION_EOF) {
			std::fprintf(stderr, "consume: %s\n", msg->errstr().c_str());
		}
	}
	consumer->close();
	return 0;
}
