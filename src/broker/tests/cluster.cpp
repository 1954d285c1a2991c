#include "broker/tests/cluster.h"

#include "broker/broker.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

namespace kafkaml::broker::testing {

namespace fs = std::filesystem;

TempDir::TempDir() {
	std::string tmpl = (fs::temp_directory_path() / "kafkaml-test-XXXXXX").string();
	if (!::mkdtemp(tmpl.data())) {
		throw std::runtime_error("mkdtemp failed");
	}
	path = tmpl;
}

TempDir::~TempDir() {
	std::error_code ec;
	fs::remove_all(path, ec);
}

namespace {

class EmbeddedCluster : public TestCluster {
public:
	EmbeddedCluster() {
		BrokerConfig config;
		config.listen = "127.0.0.1:0";
		config.data_dir = dir_.path;
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
	TempDir dir_;
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

BrokerProcess::BrokerProcess(const fs::path &data_dir, const std::vector<std::string> &extra) {
	const char *bin = std::getenv("KAFKAML_BIN");
	if (!bin) {
		throw std::runtime_error("KAFKAML_BIN is not set (run the test through ctest)");
	}
	int out[2];
	if (::pipe(out) != 0) {
		throw std::runtime_error("pipe failed");
	}
	std::vector<std::string> args = {bin, "broker", "--listen", "127.0.0.1:0", "--data-dir", data_dir.string()};
	args.insert(args.end(), extra.begin(), extra.end());
	pid_ = ::fork();
	if (pid_ == 0) {
		::dup2(out[1], STDOUT_FILENO);
		::close(out[0]);
		::close(out[1]);
		std::vector<char *> argv;
		for (auto &a : args) {
			argv.push_back(a.data());
		}
		argv.push_back(nullptr);
		::execv(argv[0], argv.data());
		::_exit(127);
	}
	::close(out[1]);
	FILE *f = ::fdopen(out[0], "r");
	std::array<char, 256> line{};
	if (!std::fgets(line.data(), line.size(), f)) {
		std::fclose(f);
		throw std::runtime_error("kafkaml broker printed no address");
	}
	std::fclose(f);
	address_ = line.data();
	while (!address_.empty() && (address_.back() == '\n' || address_.back() == '\r')) {
		address_.pop_back();
	}
}

BrokerProcess::~BrokerProcess() {
	if (pid_ > 0) {
		kill9();
	}
}

void BrokerProcess::kill9() {
	if (pid_ <= 0) {
		return;
	}
	::kill(pid_, SIGKILL);
	::waitpid(pid_, nullptr, 0);
	pid_ = -1;
}

int BrokerProcess::terminate() {
	if (pid_ <= 0) {
		return -1;
	}
	::kill(pid_, SIGTERM);
	int status = 0;
	::waitpid(pid_, &status, 0);
	pid_ = -1;
	return status;
}

int run_command(const std::string &command, std::string *output) {
	FILE *p = ::popen(command.c_str(), "r");
	if (!p) {
		return -1;
	}
	std::array<char, 4096> buf{};
	size_t n;
	while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) {
		if (output) {
			output->append(buf.data(), n);
		}
	}
	int status = ::pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

} // namespace kafkaml::broker::testing
