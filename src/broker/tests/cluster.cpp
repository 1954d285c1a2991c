#include "broker/tests/cluster.h"

#include "broker/broker.h"
#include "support/build_tree.h"
#include "support/temp_dir.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <stdexcept>

namespace kafkaml::broker::testing {

namespace fs = std::filesystem;

namespace {

class EmbeddedCluster : public TestCluster {
public:
	EmbeddedCluster() {
		BrokerConfig config;
		config.listen = "127.0.0.1:0";
		config.data_dir = dir_.path();
		config.num_partitions = 1;
		broker_ = std::make_unique<Broker>(config);
		address_ = broker_->start();
	}
	std::string bootstrap() const override { return address_; }
	void create_topic(const std::string &name, int partitions) override {
		auto err = admin_create_topic(address_, name, partitions);
		if (!err.empty()) {
			throw std::runtime_error("CreateTopics " + name + ": " + err);
		}
	}
	bool is_mock() const override { return false; }

private:
	kafkaml::testing::TempDir dir_;
	std::unique_ptr<Broker> broker_;
	std::string address_;
};

class MockCluster : public TestCluster {
public:
	MockCluster() {
		char errstr[512];
		rd_kafka_conf_t *conf = rd_kafka_conf_new();
		rd_kafka_conf_set(conf, "log_level", "0", errstr, sizeof(errstr));
		rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
		if (!rk_) {
			throw std::runtime_error(errstr);
		}
		mock_ = rd_kafka_mock_cluster_new(rk_, 1);
		if (!mock_) {
			throw std::runtime_error("cannot create the librdkafka mock cluster");
		}
		address_ = rd_kafka_mock_cluster_bootstraps(mock_);
	}
	~MockCluster() override {
		rd_kafka_mock_cluster_destroy(mock_);
		rd_kafka_destroy(rk_);
	}
	std::string bootstrap() const override { return address_; }
	void create_topic(const std::string &name, int partitions) override {
		if (auto err = rd_kafka_mock_topic_create(mock_, name.c_str(), partitions, 1)) {
			throw std::runtime_error(std::string("mock topic create: ") + rd_kafka_err2str(err));
		}
	}
	bool is_mock() const override { return true; }

private:
	rd_kafka_t *rk_ = nullptr;
	rd_kafka_mock_cluster_t *mock_ = nullptr;
	std::string address_;
};

//! Runs one Admin API call and returns the first error text.
template <typename Request, typename Submit, typename Extract>
std::string admin_call(const std::string &bootstrap, Submit submit, Extract extract) {
	char errstr[512];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), errstr, sizeof(errstr));
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	if (!rk) {
		return errstr;
	}
	rd_kafka_queue_t *queue = rd_kafka_queue_new(rk);
	submit(rk, queue);
	rd_kafka_event_t *event = rd_kafka_queue_poll(queue, 30000);
	std::string result;
	if (!event) {
		result = "timed out";
	} else if (rd_kafka_event_error(event)) {
		result = rd_kafka_event_error_string(event);
	} else {
		result = extract(event);
	}
	if (event) {
		rd_kafka_event_destroy(event);
	}
	rd_kafka_queue_destroy(queue);
	rd_kafka_destroy(rk);
	return result;
}

std::string topic_result_error(const rd_kafka_topic_result_t **results, size_t count) {
	for (size_t i = 0; i < count; i++) {
		if (rd_kafka_topic_result_error(results[i])) {
			const char *msg = rd_kafka_topic_result_error_string(results[i]);
			return msg ? msg : rd_kafka_err2str(rd_kafka_topic_result_error(results[i]));
		}
	}
	return "";
}

} // namespace

std::unique_ptr<TestCluster> make_cluster(const std::string &kind) {
	if (kind == "mock") {
		return std::make_unique<MockCluster>();
	}
	return std::make_unique<EmbeddedCluster>();
}

std::string admin_create_topic(const std::string &bootstrap, const std::string &name, int partitions,
                               const std::map<std::string, std::string> &configs) {
	return admin_call<rd_kafka_NewTopic_t>(
	    bootstrap,
	    [&](rd_kafka_t *rk, rd_kafka_queue_t *queue) {
		    char errstr[512];
		    rd_kafka_NewTopic_t *topic = rd_kafka_NewTopic_new(name.c_str(), partitions, 1, errstr, sizeof(errstr));
		    for (const auto &[k, v] : configs) {
			    rd_kafka_NewTopic_set_config(topic, k.c_str(), v.c_str());
		    }
		    rd_kafka_CreateTopics(rk, &topic, 1, nullptr, queue);
		    rd_kafka_NewTopic_destroy(topic);
	    },
	    [](rd_kafka_event_t *event) {
		    size_t count = 0;
		    auto results = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count);
		    return topic_result_error(results, count);
	    });
}

std::string admin_delete_topic(const std::string &bootstrap, const std::string &name) {
	return admin_call<rd_kafka_DeleteTopic_t>(
	    bootstrap,
	    [&](rd_kafka_t *rk, rd_kafka_queue_t *queue) {
		    rd_kafka_DeleteTopic_t *topic = rd_kafka_DeleteTopic_new(name.c_str());
		    rd_kafka_DeleteTopics(rk, &topic, 1, nullptr, queue);
		    rd_kafka_DeleteTopic_destroy(topic);
	    },
	    [](rd_kafka_event_t *event) {
		    size_t count = 0;
		    auto results = rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(event), &count);
		    return topic_result_error(results, count);
	    });
}

std::string admin_delete_records(const std::string &bootstrap, const std::string &topic, int32_t partition,
                                 int64_t before, int64_t *low_watermark) {
	return admin_call<rd_kafka_DeleteRecords_t>(
	    bootstrap,
	    [&](rd_kafka_t *rk, rd_kafka_queue_t *queue) {
		    rd_kafka_topic_partition_list_t *offsets = rd_kafka_topic_partition_list_new(1);
		    rd_kafka_topic_partition_list_add(offsets, topic.c_str(), partition)->offset = before;
		    rd_kafka_DeleteRecords_t *del = rd_kafka_DeleteRecords_new(offsets);
		    rd_kafka_topic_partition_list_destroy(offsets);
		    rd_kafka_AdminOptions_t *options = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_DELETERECORDS);
		    char errstr[512];
		    rd_kafka_AdminOptions_set_operation_timeout(options, 10000, errstr, sizeof(errstr));
		    rd_kafka_DeleteRecords(rk, &del, 1, options, queue);
		    rd_kafka_AdminOptions_destroy(options);
		    rd_kafka_DeleteRecords_destroy(del);
	    },
	    [&](rd_kafka_event_t *event) -> std::string {
		    const rd_kafka_topic_partition_list_t *result =
		        rd_kafka_DeleteRecords_result_offsets(rd_kafka_event_DeleteRecords_result(event));
		    if (!result || result->cnt != 1) {
			    return "DeleteRecords answered no partition";
		    }
		    if (low_watermark) {
			    *low_watermark = result->elems[0].offset;
		    }
		    return result->elems[0].err ? rd_kafka_err2name(result->elems[0].err) : "";
	    });
}

BrokerProcess::BrokerProcess(const fs::path &data_dir, const std::vector<std::string> &extra) {
	std::vector<std::string> args = {"broker", "--listen", "127.0.0.1:0", "--data-dir", data_dir.string()};
	args.insert(args.end(), extra.begin(), extra.end());
	process_ = std::make_unique<kafkaml::testing::ChildProcess>(kafkaml::testing::kafkaml_command(args));
	address_ = process_->required_first_line();
}

void BrokerProcess::kill9() {
	process_->kill();
}

int BrokerProcess::terminate() {
	// No grace limit: the test asserts on how the broker ends.
	return process_->terminate(std::chrono::hours(1));
}

int run_command(const std::string &command, std::string *output) {
	auto run = kafkaml::testing::run({.argv = {"/bin/sh", "-c", command}});
	if (output) {
		output->append(run.out);
	}
	return run.status;
}

} // namespace kafkaml::broker::testing
