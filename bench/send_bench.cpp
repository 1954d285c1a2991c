// bench-libs: kafkaml_broker_testing kafkaml_test_support
//
// `kafkaml send` of the NO2 dataset (71,994 rows, issue target: <= 1 s)
// against Python data sources doing the same (bench/send_peer.py with
// kafka-python, the original Kafka-ML's client, and with confluent-kafka),
// all to one `kafkaml broker` started for the run. What is timed is the
// whole process, start to exit, as a user waits for it: start-up, reading
// the CSV, encoding, producing with acks=all, the control message.
//
//   send_bench [--runs N] [--data FILE.csv]
//
// Prints the median wall time of each and the ratio peer / ours.
#include "broker/tests/cluster.h"
#include "support/child_process.h"
#include "support/temp_dir.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

using namespace kafkaml::broker::testing;
using Clock = std::chrono::steady_clock;

namespace {

double median(std::vector<double> values) {
	std::sort(values.begin(), values.end());
	return values[values.size() / 2];
}

//! Wall seconds of one command; exits the bench if it fails.
double timed(const std::string &command) {
	auto start = Clock::now();
	auto run = kafkaml::testing::run_shell(command + " 2>&1", std::chrono::hours(1));
	double seconds = std::chrono::duration<double>(Clock::now() - start).count();
	if (run.status != 0) {
		std::fprintf(stderr, "failed (%d): %s\n%s\n", run.status, command.c_str(), run.out.c_str());
		std::exit(1);
	}
	return seconds;
}

} // namespace

int main(int argc, char **argv) {
	int runs = 5;
	std::string data = std::string(KAFKAML_SOURCE_DIR) + "/../shared/datasets/no2/DatasetFiltered.csv";
	for (int i = 1; i + 1 < argc; i += 2) {
		std::string flag = argv[i];
		if (flag == "--runs") {
			runs = std::max(1, std::atoi(argv[i + 1]));
		} else if (flag == "--data") {
			data = argv[i + 1];
		}
	}
	if (!std::filesystem::exists(data)) {
		std::fprintf(stderr, "no dataset at %s: pass --data FILE.csv (the NO2 dataset of shared/datasets)\n",
		             data.c_str());
		return 1;
	}
	std::string kafkaml = std::string(KAFKAML_BINARY_DIR) + "/kafkaml";
	::setenv("KAFKAML_BIN", kafkaml.c_str(), 0);
	kafkaml::testing::TempDir dir("bench");
	BrokerProcess broker(dir.path());
	std::string peer =
	    "/usr/bin/python3 " + std::string(KAFKAML_SOURCE_DIR) + "/bench/send_peer.py --bootstrap " + broker.address();

	struct Row {
		std::string name;
		std::string ours;
		std::string kafka_python;
		std::string confluent;
	};
	std::vector<Row> rows;
	for (std::string format : {"avro", "raw"}) {
		rows.push_back({format, kafkaml + " send -b " + broker.address() + " -f " + format + " -d 1 -t ours_" + format,
		                peer + " --client kafka-python --format " + format + " --topic kp_" + format,
		                peer + " --client confluent-kafka --format " + format + " --topic ck_" + format});
	}
	std::printf("kafkaml send of %s, %d runs, whole process wall time (median)\n",
	            std::filesystem::path(data).filename().c_str(), runs);
	std::printf("%-6s %10s %14s %8s %16s %8s\n", "format", "ours s", "kafka-python s", "ratio", "confluent-kafka s",
	            "ratio");
	for (const auto &row : rows) {
		std::vector<double> ours, kp, ck;
		// Interleaved, so that a noisy moment hurts all three alike.
		for (int r = 0; r < runs; r++) {
			ours.push_back(timed(row.ours + " " + data));
			kp.push_back(timed(row.kafka_python + " " + data));
			ck.push_back(timed(row.confluent + " " + data));
		}
		double o = median(ours), p = median(kp), c = median(ck);
		std::printf("%-6s %10.3f %14.3f %7.1fx %16.3f %7.1fx\n", row.name.c_str(), o, p, p / o, c, c / o);
	}
	std::printf("target: ours <= 1 s for NO2\n");
	return 0;
}
