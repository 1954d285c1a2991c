// bench-libs: kafkaml_broker_testing kafkaml_test_support
//
// Broker throughput and latency with librdkafka, against `kafkaml broker`
// (child process, so its peak RSS can be read) and librdkafka's in-memory
// mock cluster in the same run. Not a test: prints figures and ratios.
//
//   broker_bench [--runs N] [--messages N] [--tls-only]
//
// Produce: N messages of 100 bytes, acks=all, linger.ms=5, over 4 partitions,
// timed from the first produce call (the topic's metadata already known) to
// the end of flush(); the CPU time of the client's threads and of the cluster
// is printed per run, since on 2 cores they compete. The two clusters take
// turns going first.
// Consume: the same messages from the beginning, taken in batches (the mock
// keeps only ~5 MB per partition, so its consume run uses a topic sized to fit).
// Latency: 10k msgs/s for 3 s, linger.ms=0, produce-to-consume time.
// TLS: a second `kafkaml broker` with one SSL listener (certificate made
// with the openssl command line); per run the same produce and consume over
// TLS and over plaintext (the first broker), taking turns going first, and
// the medians' ratios.
#include "broker/tests/cluster.h"
#include "support/temp_dir.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

using namespace kafkaml::broker::testing;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kPartitions = 4;
constexpr size_t kPayload = 100;

std::unique_ptr<RdKafka::Conf> conf_for(const std::string &bootstrap,
                                        const std::vector<std::pair<std::string, std::string>> &extra) {
	std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
	std::string err;
	conf->set("bootstrap.servers", bootstrap, err);
	conf->set("log_level", "3", err);
	for (const auto &[k, v] : extra) {
		conf->set(k, v, err);
	}
	return conf;
}

double seconds_since(Clock::time_point start) {
	return std::chrono::duration<double>(Clock::now() - start).count();
}

//! CPU seconds (user + system) per thread of this process, by thread name,
//! and of process `pid` as a whole: shows which side bounds a phase.
struct CpuSample {
	std::vector<std::pair<std::string, double>> threads;
	double broker = 0;
};

double ticks_to_s(const std::string &stat_line) {
	// Fields after the ")" that ends the command name: utime is the 12th, stime the 13th.
	auto close = stat_line.rfind(')');
	std::istringstream rest(stat_line.substr(close + 2));
	std::string field;
	double ticks = 0;
	for (int i = 1; i <= 13 && rest >> field; i++) {
		if (i == 12 || i == 13) {
			ticks += std::atof(field.c_str());
		}
	}
	return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

CpuSample sample_cpu(int broker_pid) {
	CpuSample out;
	for (const auto &entry : std::filesystem::directory_iterator("/proc/self/task")) {
		std::ifstream stat(entry.path() / "stat");
		std::string line;
		std::getline(stat, line);
		auto open = line.find('(');
		auto close = line.rfind(')');
		if (open == std::string::npos || close == std::string::npos) {
			continue;
		}
		out.threads.emplace_back(entry.path().filename().string() + " " + line.substr(open + 1, close - open - 1),
		                         ticks_to_s(line));
	}
	if (broker_pid > 0) {
		std::ifstream stat("/proc/" + std::to_string(broker_pid) + "/stat");
		std::string line;
		std::getline(stat, line);
		out.broker = line.empty() ? 0 : ticks_to_s(line);
	}
	return out;
}

//! CPU seconds a phase cost the client's application thread, librdkafka's
//! own threads, and the cluster (the broker process, or the mock's thread).
struct PhaseCpu {
	double app = 0;
	double client_threads = 0;
	double cluster = 0;
	double wall = 0;
};

PhaseCpu phase_cpu(const CpuSample &before, const CpuSample &after, double wall) {
	PhaseCpu out;
	out.wall = wall;
	out.cluster = after.broker - before.broker;
	for (const auto &[name, seconds] : after.threads) {
		double was = 0;
		for (const auto &[n, b] : before.threads) {
			if (n == name) {
				was = b;
			}
		}
		double used = seconds - was;
		if (name.find("rdk:mock") != std::string::npos) {
			out.cluster += used;
		} else if (name.find("rdk:") != std::string::npos) {
			out.client_threads += used;
		} else {
			out.app += used;
		}
	}
	return out;
}

//! Returns msgs/s.
using Settings = std::vector<std::pair<std::string, std::string>>;

double produce(const std::string &bootstrap, const std::string &topic, int count, int broker_pid, PhaseCpu &cpu,
               Settings extra = {}) {
	extra.insert(extra.end(), {{"acks", "all"}, {"linger.ms", "5"}, {"queue.buffering.max.messages", "1000000"}});
	auto conf = conf_for(bootstrap, extra);
	std::string err;
	std::unique_ptr<RdKafka::Producer> p(RdKafka::Producer::create(conf.get(), err));
	std::string payload(kPayload, 'x');
	// A producer whose first metadata request goes out before it knows the
	// topic waits topic.metadata.refresh interval (1 s) for the next one, a
	// race in the client that hit either cluster's first run: learn the
	// topic's partitions before the clock starts.
	std::unique_ptr<RdKafka::Topic> handle(RdKafka::Topic::create(p.get(), topic, nullptr, err));
	RdKafka::Metadata *metadata = nullptr;
	if (p->metadata(false, handle.get(), &metadata, 10000) == RdKafka::ERR_NO_ERROR) {
		delete metadata;
	}
	auto cpu_before = sample_cpu(broker_pid);
	auto start = Clock::now();
	for (int i = 0; i < count; i++) {
		while (p->produce(topic, i % kPartitions, RdKafka::Producer::RK_MSG_COPY, payload.data(), payload.size(),
		                  nullptr, 0, 0, nullptr) == RdKafka::ERR__QUEUE_FULL) {
			p->poll(1);
		}
	}
	p->flush(120000);
	double wall = seconds_since(start);
	cpu = phase_cpu(cpu_before, sample_cpu(broker_pid), wall);
	return count / wall;
}

//! Returns msgs/s.
double consume(const std::string &bootstrap, const std::string &topic, int count, Settings extra = {}) {
	extra.insert(extra.end(), {{"group.id", "bench"}, {"enable.auto.commit", "false"}});
	auto conf = conf_for(bootstrap, extra);
	std::string err;
	std::unique_ptr<RdKafka::KafkaConsumer> c(RdKafka::KafkaConsumer::create(conf.get(), err));
	std::vector<RdKafka::TopicPartition *> parts;
	for (int p = 0; p < kPartitions; p++) {
		parts.push_back(RdKafka::TopicPartition::create(topic, p, RdKafka::Topic::OFFSET_BEGINNING));
	}
	auto start = Clock::now();
	c->assign(parts);
	RdKafka::TopicPartition::destroy(parts);
	// Messages are taken from librdkafka in batches (its C batch call): one
	// C++ Message object per message costs the client ~15% of its throughput
	// here, which would be measuring the client's wrapper, not the broker.
	rd_kafka_queue_t *queue = rd_kafka_queue_get_consumer(c->c_ptr());
	std::vector<rd_kafka_message_t *> batch(10000);
	int got = 0;
	while (got < count && seconds_since(start) < 120) {
		ssize_t n = rd_kafka_consume_batch_queue(queue, 100, batch.data(), batch.size());
		for (ssize_t i = 0; i < n; i++) {
			if (batch[static_cast<size_t>(i)]->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
				got++;
			}
			rd_kafka_message_destroy(batch[static_cast<size_t>(i)]);
		}
	}
	double rate = got / seconds_since(start);
	rd_kafka_queue_destroy(queue);
	c->close();
	if (got < count) {
		std::fprintf(stderr, "consume: only %d of %d messages\n", got, count);
	}
	return rate;
}

//! p50 and p99 end-to-end latency in ms at a steady 10k msgs/s.
std::pair<double, double> latency(const std::string &bootstrap, const std::string &topic) {
	auto cconf =
	    conf_for(bootstrap, {{"group.id", "lat"}, {"enable.auto.commit", "false"}, {"fetch.wait.max.ms", "100"}});
	std::string err;
	std::unique_ptr<RdKafka::KafkaConsumer> c(RdKafka::KafkaConsumer::create(cconf.get(), err));
	std::vector<RdKafka::TopicPartition *> parts;
	for (int p = 0; p < kPartitions; p++) {
		parts.push_back(RdKafka::TopicPartition::create(topic, p, RdKafka::Topic::OFFSET_END));
	}
	c->assign(parts);
	RdKafka::TopicPartition::destroy(parts);
	for (int i = 0; i < 10; i++) {
		std::unique_ptr<RdKafka::Message> idle(c->consume(100)); // settle the assignment
	}
	const int rate = 10000;
	const int total = rate * 3;
	std::atomic<bool> done{false};
	std::thread producer_thread([&] {
		auto pconf = conf_for(bootstrap, {{"acks", "all"}, {"linger.ms", "0"}});
		std::string perr;
		std::unique_ptr<RdKafka::Producer> p(RdKafka::Producer::create(pconf.get(), perr));
		auto start = Clock::now();
		for (int i = 0; i < total; i++) {
			auto due = start + std::chrono::microseconds(static_cast<int64_t>(i) * 1000000 / rate);
			std::this_thread::sleep_until(due);
			char payload[kPayload] = {};
			int64_t now = Clock::now().time_since_epoch().count();
			std::memcpy(payload, &now, sizeof(now));
			p->produce(topic, i % kPartitions, RdKafka::Producer::RK_MSG_COPY, payload, sizeof(payload), nullptr, 0, 0,
			           nullptr);
			p->poll(0);
		}
		p->flush(10000);
		done = true;
	});
	std::vector<double> ms;
	auto deadline = Clock::now() + std::chrono::seconds(20);
	while (static_cast<int>(ms.size()) < total && Clock::now() < deadline) {
		std::unique_ptr<RdKafka::Message> m(c->consume(100));
		if (m->err() != RdKafka::ERR_NO_ERROR || m->len() < sizeof(int64_t)) {
			continue;
		}
		int64_t sent = 0;
		std::memcpy(&sent, m->payload(), sizeof(sent));
		ms.push_back(static_cast<double>(Clock::now().time_since_epoch().count() - sent) / 1e6);
	}
	producer_thread.join();
	c->close();
	if (ms.empty()) {
		return {-1, -1};
	}
	std::sort(ms.begin(), ms.end());
	return {ms[ms.size() / 2], ms[std::min(ms.size() - 1, ms.size() * 99 / 100)]};
}

long status_kb(int pid, const char *field) {
	std::ifstream in("/proc/" + std::to_string(pid) + "/status");
	std::string line;
	while (std::getline(in, line)) {
		if (line.rfind(field, 0) == 0) {
			return std::atol(line.c_str() + std::strlen(field) + 1);
		}
	}
	return -1;
}

double median(std::vector<double> v) {
	std::sort(v.begin(), v.end());
	return v[v.size() / 2];
}

} // namespace

//! Produce and consume over TLS (a second broker, SSL listener) against
//! plaintext (`plain`), `runs` times each, and prints medians and ratios.
void tls_against_plaintext(BrokerProcess &plain, const std::filesystem::path &dir, int runs, int messages) {
	auto d = dir.string();
	if (run_command("cd " + d +
	                " && openssl req -x509 -newkey rsa:2048 -nodes -keyout tls.key -out tls.pem -days 1 "
	                "-subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 2>/dev/null") != 0) {
		std::fprintf(stderr, "openssl failed: no TLS figures\n");
		return;
	}
	// Its topics are made on first use (the admin helper speaks plaintext).
	BrokerProcess tls(dir / "tls-data",
	                  {"--listeners", "SSL://127.0.0.1:0", "--ssl-cert-file", d + "/tls.pem", "--ssl-key-file",
	                   d + "/tls.key", "--num-partitions", std::to_string(kPartitions)});
	std::string tls_address = tls.address().substr(tls.address().find("://") + 3);
	Settings ssl = {{"security.protocol", "SSL"}, {"ssl.ca.location", d + "/tls.pem"}};
	std::vector<double> plain_p, plain_c, tls_p, tls_c;
	for (int r = 0; r < runs; r++) {
		std::string topic = "tls-bench-" + std::to_string(r);
		admin_create_topic(plain.address(), topic, kPartitions);
		PhaseCpu unused;
		auto run_plain = [&] {
			plain_p.push_back(produce(plain.address(), topic, messages, plain.pid(), unused));
			plain_c.push_back(consume(plain.address(), topic, messages));
		};
		auto run_tls = [&] {
			tls_p.push_back(produce(tls_address, topic, messages, tls.pid(), unused, ssl));
			tls_c.push_back(consume(tls_address, topic, messages, ssl));
		};
		if (r % 2 == 0) {
			run_plain();
			run_tls();
		} else {
			run_tls();
			run_plain();
		}
		std::printf("tls run %d: plaintext produce %.0f/s consume %.0f/s, TLS produce %.0f/s consume %.0f/s\n", r + 1,
		            plain_p.back(), plain_c.back(), tls_p.back(), tls_c.back());
		std::fflush(stdout);
	}
	std::printf("\nTLS against plaintext, medians of %d runs (%s):\n", runs, "same messages, one SSL listener");
	std::printf("produce  plaintext %9.0f msgs/s | TLS %9.0f msgs/s | TLS/plaintext %.2fx\n", median(plain_p),
	            median(tls_p), median(tls_p) / median(plain_p));
	std::printf("consume  plaintext %9.0f msgs/s | TLS %9.0f msgs/s | TLS/plaintext %.2fx\n", median(plain_c),
	            median(tls_c), median(tls_c) / median(plain_c));
}

int main(int argc, char **argv) {
	int runs = 3;
	int messages = 1000000;
	bool tls_only = false;
	for (int i = 1; i < argc; i++) {
		if (std::strcmp(argv[i], "--tls-only") == 0) {
			tls_only = true;
		}
	}
	for (int i = 1; i + 1 < argc; i += 2) {
		if (std::strcmp(argv[i], "--tls-only") == 0) {
			i--;
			continue;
		}
		if (std::strcmp(argv[i], "--runs") == 0) {
			runs = std::atoi(argv[i + 1]);
		} else if (std::strcmp(argv[i], "--messages") == 0) {
			messages = std::atoi(argv[i + 1]);
		}
	}
	if (!std::getenv("KAFKAML_BIN")) {
		::setenv("KAFKAML_BIN", KAFKAML_BINARY_DIR "/kafkaml", 1);
	}
	// The mock keeps ~5 MB per partition: its consume run reads what fits.
	const int mock_consume = std::min(messages, kPartitions * 30000);

	kafkaml::testing::TempDir dir("bench");
	BrokerProcess broker(dir.path());
	if (tls_only) {
		tls_against_plaintext(broker, dir.path(), runs, messages);
		return 0;
	}
	auto mock = make_cluster("mock");
	std::vector<double> ours_p, ours_c, mock_p, mock_c, ours_p50, ours_p99, mock_p50, mock_p99, produce_ratio;
	std::vector<PhaseCpu> ours_cpu, mock_cpu;
	std::vector<long> hwm_after_run;
	for (int r = 0; r < runs; r++) {
		std::string topic = "bench-" + std::to_string(r);
		admin_create_topic(broker.address(), topic, kPartitions);
		mock->create_topic(topic, kPartitions);
		mock->create_topic(topic + "-fit", kPartitions);
		PhaseCpu ours_phase, mock_phase, unused;
		auto run_ours = [&] {
			ours_p.push_back(produce(broker.address(), topic, messages, broker.pid(), ours_phase));
			ours_c.push_back(consume(broker.address(), topic, messages));
		};
		auto run_mock = [&] {
			mock_p.push_back(produce(mock->bootstrap(), topic, messages, -1, mock_phase));
			produce(mock->bootstrap(), topic + "-fit", mock_consume, -1, unused);
			mock_c.push_back(consume(mock->bootstrap(), topic + "-fit", mock_consume));
		};
		// Which cluster goes first alternates, so that neither always
		// follows the other's consume phase on a machine still busy with it.
		if (r % 2 == 0) {
			run_ours();
			run_mock();
		} else {
			run_mock();
			run_ours();
		}
		ours_cpu.push_back(ours_phase);
		mock_cpu.push_back(mock_phase);
		produce_ratio.push_back(ours_p.back() / mock_p.back());
		admin_create_topic(broker.address(), topic + "-lat", kPartitions);
		mock->create_topic(topic + "-lat", kPartitions);
		auto [o50, o99] = latency(broker.address(), topic + "-lat");
		auto [m50, m99] = latency(mock->bootstrap(), topic + "-lat");
		ours_p50.push_back(o50);
		ours_p99.push_back(o99);
		mock_p50.push_back(m50);
		mock_p99.push_back(m99);
		hwm_after_run.push_back(status_kb(broker.pid(), "VmHWM:"));
		std::printf("run %d: ours produce %.0f/s consume %.0f/s, mock produce %.0f/s consume %.0f/s, "
		            "latency ours p50 %.2f p99 %.2f ms, mock p50 %.2f p99 %.2f ms, broker VmHWM %ld kB\n",
		            r + 1, ours_p.back(), ours_c.back(), mock_p.back(), mock_c.back(), o50, o99, m50, m99,
		            hwm_after_run.back());
		for (const auto &[name, c] : {std::pair{"ours", ours_phase}, std::pair{"mock", mock_phase}}) {
			std::printf("  produce on %s, CPU-s over %.2f s: client app thread %.2f, librdkafka threads %.2f, "
			            "cluster %.2f\n",
			            name, c.wall, c.app, c.client_threads, c.cluster);
		}
		std::fflush(stdout);
	}
	auto mb = [](double msgs) { return msgs * kPayload / 1e6; };
	std::printf("\nmedians of %d runs, %d messages of %zu bytes, %d partitions, acks=all, linger.ms=5\n", runs,
	            messages, kPayload, kPartitions);
	std::printf("produce  ours %9.0f msgs/s %7.1f MB/s | mock %9.0f msgs/s %7.1f MB/s | ratio %.2fx (target >= 500k, "
	            ">= 1.0x)\n",
	            median(ours_p), mb(median(ours_p)), median(mock_p), mb(median(mock_p)),
	            median(ours_p) / median(mock_p));
	std::printf("         median of the per-run produce ratios (each run measures both side by side) %.2fx\n",
	            median(produce_ratio));
	auto median_of = [](const std::vector<PhaseCpu> &v, double PhaseCpu::*field) {
		std::vector<double> values;
		for (const auto &c : v) {
			values.push_back(c.*field);
		}
		return median(values);
	};
	std::printf(
	    "         produce CPU-s, medians: ours: client app %.2f, librdkafka %.2f, broker %.2f | mock: client app "
	    "%.2f, librdkafka %.2f, mock cluster %.2f\n",
	    median_of(ours_cpu, &PhaseCpu::app), median_of(ours_cpu, &PhaseCpu::client_threads),
	    median_of(ours_cpu, &PhaseCpu::cluster), median_of(mock_cpu, &PhaseCpu::app),
	    median_of(mock_cpu, &PhaseCpu::client_threads), median_of(mock_cpu, &PhaseCpu::cluster));
	std::printf("consume  ours %9.0f msgs/s %7.1f MB/s | mock %9.0f msgs/s %7.1f MB/s | ratio %.2fx (target >= 1M, "
	            ">= 1.0x)\n",
	            median(ours_c), mb(median(ours_c)), median(mock_c), mb(median(mock_c)),
	            median(ours_c) / median(mock_c));
	std::printf("latency at 10k msgs/s: ours p50 %.2f ms p99 %.2f ms | mock p50 %.2f ms p99 %.2f ms (target p99 <= 5 "
	            "ms)\n",
	            median(ours_p50), median(ours_p99), median(mock_p50), median(mock_p99));
	std::printf("broker peak RSS (VmHWM) after each run, log growing by %d messages a run:", messages);
	for (long kb : hwm_after_run) {
		std::printf(" %ld kB", kb);
	}
	std::printf("\n");
	tls_against_plaintext(broker, dir.path(), runs, messages);
	return 0;
}
