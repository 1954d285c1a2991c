// Round trip: the `kafkaml send` executable (a child process) streams a CSV
// to the test cluster; the control message and the range reader must give
// back exactly the rows.

#include "formats/message_decoder.h"
#include "formats/testing/npy_file.h"
#include "stream/control_wait.h"
#include "stream/kafka_range_reader.h"
#include "stream/kafka_sink.h"
#include "stream/testing/test_cluster.h"
#include "support/build_tree.h"
#include "support/child_process.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>

using namespace kafkaml;
using namespace kafkaml::stream;

namespace {

class SendRoundTrip : public ::testing::Test {
protected:
	void SetUp() override {
		try {
			binary_ = kafkaml::testing::kafkaml_binary();
		} catch (const std::runtime_error &unbuilt) {
			GTEST_SKIP() << unbuilt.what();
		}
		csv_ = dir_ / "rows.csv";
		std::ofstream out(csv_);
		out << "a,b,label\n";
		for (int i = 0; i < 50; i++) {
			out << i << "," << i * 0.5 << "," << (i % 3) << "\n";
		}
	}
	int send(const std::string &arguments) { return run("send -b " + cluster_.bootstrap() + " " + arguments); }

	//! `kafkaml` with `arguments` (a shell command line: they may redirect stdin); its stderr goes to stderr_.
	int run(const std::string &arguments) {
		auto result = kafkaml::testing::run_shell(binary_ + " " + arguments);
		stderr_ = result.err;
		return result.status;
	}

	//! `kafkaml send` with `arguments` fails, saying `message`.
	void expect_refused(const std::string &arguments, const std::string &message) {
		EXPECT_NE(send(arguments), 0) << arguments;
		EXPECT_NE(stderr_.find(message), std::string::npos) << stderr_;
	}

	//! Writes `text` to the file `name` of the test's directory.
	std::filesystem::path write_file(const std::string &name, const std::string &text) {
		return temp_.write(name, text);
	}

	//! Writes a .npy (format 1.0) of `descr` and `shape` holding `data`.
	std::filesystem::path write_npy(const std::string &name, const std::string &descr, const std::string &shape,
	                                const void *data, size_t size) {
		return write_file(name, formats::testing::npy_file(descr, shape, data, size));
	}

	std::vector<Record> read_records(const std::vector<formats::Range> &ranges) {
		KafkaRangeReader reader(cluster_.config(), ranges, std::chrono::seconds(10));
		std::vector<Record> records;
		while (reader.poll_batch(records, 100, std::chrono::milliseconds(500))) {
		}
		return records;
	}

	//! The end offset of partition 0 of `topic` (0 = nothing was ever sent to it).
	int64_t log_end(const std::string &topic) {
		KafkaSink probe(cluster_.config());
		int64_t low = 0, high = 0;
		auto err = rd_kafka_query_watermark_offsets(probe.handle(), topic.c_str(), 0, &low, &high, 10000);
		EXPECT_EQ(err, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(err);
		return high;
	}

	formats::Batch read_back(const formats::ControlMessage &control, bool with_label) {
		auto decoder = formats::MessageDecoder::from_config(control.input_format, control.input_config);
		formats::Batch batch;
		for (const auto &record : read_records(control.ranges)) {
			decoder.decode(record.view(), batch, with_label);
		}
		return batch;
	}

	//! The first `count` records of `topic` as RAW float32 inference inputs (no control message names them).
	formats::Batch read_float32_inputs(const std::string &topic, int64_t count) {
		formats::ControlMessage control;
		control.ranges = {{topic, 0, 0, count}};
		control.input_format = "RAW";
		control.input_config = {{"data_type", "float32"}};
		return read_back(control, false);
	}

	TestCluster cluster_;
	std::string binary_;
	kafkaml::testing::TempDir temp_{"send"};
	std::filesystem::path dir_ = temp_.path();
	std::filesystem::path csv_;
	std::string stderr_;
};

} // namespace

TEST_F(SendRoundTrip, RawSinglePartition) {
	auto topic = cluster_.create_topic("raw", 1);
	auto control_topic = cluster_.create_topic("control", 1);
	ASSERT_EQ(send("-t " + topic + " -d 5 --format raw --validation-rate 0.1 --test-rate 0.2 --control-topic " +
	               control_topic + " --description demo " + csv_.string()),
	          0)
	    << stderr_;
	EXPECT_NE(stderr_.find("sent 50 records"), std::string::npos) << stderr_;
	auto control = wait_for_control_message(cluster_.config(), control_topic, 5, std::chrono::seconds(30));
	EXPECT_EQ(formats::format_range_list(control.ranges), topic + ":0:0:50");
	EXPECT_EQ(control.total_msg, 50);
	EXPECT_DOUBLE_EQ(control.validation_rate, 0.1);
	EXPECT_DOUBLE_EQ(control.test_rate, 0.2);
	EXPECT_EQ(control.description, "demo");
	auto batch = read_back(control, true);
	ASSERT_EQ(batch.rows, 50u);
	EXPECT_EQ(batch.feature_width, 2u);
	EXPECT_EQ(batch.features[2 * 7], 7);
	EXPECT_EQ(batch.features[2 * 7 + 1], 3.5f);
	EXPECT_EQ(batch.labels[7], 1);
}

TEST_F(SendRoundTrip, AvroOverSeveralPartitionsWithDerivedSchemes) {
	auto topic = cluster_.create_topic("avro", 3);
	auto control_topic = cluster_.create_topic("control", 1);
	ASSERT_EQ(send("-t " + topic + " -d 300 --format avro --label-column label --partitions 0,1,2 --control-topic " +
	               control_topic + " " + csv_.string()),
	          0)
	    << stderr_;
	auto control = wait_for_control_message(cluster_.config(), control_topic, 300, std::chrono::seconds(30));
	EXPECT_EQ(formats::format_range_list(control.ranges), topic + ":0:0:17," + topic + ":1:0:17," + topic + ":2:0:16");
	auto batch = read_back(control, true);
	ASSERT_EQ(batch.rows, 50u);
	// Round robin: partition 0 holds rows 0, 3, 6, ...; the range list reads it first.
	EXPECT_EQ(batch.features[2], 3);
	EXPECT_EQ(batch.labels[1], 0);        // row 3 % 3
	EXPECT_EQ(batch.features[2 * 17], 1); // first row of partition 1
}

TEST_F(SendRoundTrip, InferenceSendsValuesOnlyAndStdinWorks) {
	auto topic = cluster_.create_topic("infer", 1);
	ASSERT_EQ(send("-t " + topic + " --inference --label-column label - < " + csv_.string()), 0) << stderr_;
	EXPECT_NE(stderr_.find("sent 50 inference records"), std::string::npos) << stderr_;
	auto batch = read_float32_inputs(topic, 50);
	EXPECT_EQ(batch.rows, 50u);
	EXPECT_EQ(batch.feature_width, 2u);
}

TEST_F(SendRoundTrip, InferenceInputsSpreadOverEveryPartitionOfTheTopic) {
	// Each replica of an inference reads its own partitions: all of them
	// get inputs, not only partition 0 as a training stream does.
	auto topic = cluster_.create_topic("spread", 3);
	ASSERT_EQ(send("-t " + topic + " --inference --label-column label " + csv_.string()), 0) << stderr_;
	KafkaSink probe(cluster_.config());
	int64_t total = 0;
	for (int32_t partition = 0; partition < 3; partition++) {
		int64_t low = 0, high = 0;
		ASSERT_EQ(rd_kafka_query_watermark_offsets(probe.handle(), topic.c_str(), partition, &low, &high, 10000),
		          RD_KAFKA_RESP_ERR_NO_ERROR);
		EXPECT_GE(high - low, 16) << "partition " << partition;
		total += high - low;
	}
	EXPECT_EQ(total, 50);
}

TEST_F(SendRoundTrip, BadInputGivesAClearError) {
	auto topic = cluster_.create_topic("bad", 1);
	expect_refused("-t " + topic + " -d 1 --label-column nosuch " + csv_.string(), "no column 'nosuch'");
	expect_refused("-t " + topic + " -d 1 " + (dir_ / "missing.csv").string(), "cannot open");
}

TEST_F(SendRoundTrip, RatesAreCheckedBeforeAnythingIsSent) {
	auto topic = cluster_.create_topic("rates", 1);
	auto control_topic = cluster_.create_topic("control", 1);
	auto arguments = " --control-topic " + control_topic + " " + csv_.string();
	expect_refused("-t " + topic + " -d 1 --validation-rate 0.6 --test-rate 0.6" + arguments,
	               "the sum must be below 1");
	expect_refused("-t " + topic + " -d 1 --validation-rate 1" + arguments, "validation_rate must be in [0, 1)");
	expect_refused("-t " + topic + " -d 1 --test-rate -0.1" + arguments, "test_rate must be in [0, 1)");
	EXPECT_EQ(log_end(topic), 0);
	EXPECT_EQ(log_end(control_topic), 0);
}

TEST_F(SendRoundTrip, NpyOnStdinGoesInItsOwnDtypeUnchanged) {
	auto topic = cluster_.create_topic("npy", 1);
	auto control_topic = cluster_.create_topic("control", 1);
	// 2^53 + 1 has no float (nor double) equal: only the bytes as they are keep it.
	const int64_t rows[3][3] = {{(int64_t(1) << 53) + 1, -2, 0}, {3, 4, 1}, {5, 6, 0}};
	auto npy = write_npy("rows.bin", "<i8", "(3, 3)", rows, sizeof(rows));
	ASSERT_EQ(send("-t " + topic + " -d 8 --control-topic " + control_topic + " - < " + npy.string()), 0) << stderr_;
	auto control = wait_for_control_message(cluster_.config(), control_topic, 8, std::chrono::seconds(30));
	EXPECT_EQ(control.input_config.value("data_type", ""), "int64");
	EXPECT_EQ(control.input_config.value("label_type", ""), "int64");
	EXPECT_EQ(control.input_config.value("data_reshape", ""), "2");
	auto records = read_records(control.ranges);
	ASSERT_EQ(records.size(), 3u);
	EXPECT_EQ(records[0].value, std::string(reinterpret_cast<const char *>(rows[0]), 16));
	EXPECT_EQ(*records[1].key, std::string(reinterpret_cast<const char *>(&rows[1][2]), 8));
}

TEST_F(SendRoundTrip, NDArraysGoOneSliceARecordWithTheirReshape) {
	auto topic = cluster_.create_topic("images", 1);
	auto control_topic = cluster_.create_topic("control", 1);
	const uint8_t images[3][2][2] = {{{1, 2}, {3, 4}}, {{5, 6}, {7, 8}}, {{9, 10}, {11, 12}}};
	const bool classes[3] = {true, false, true};
	auto x = write_npy("x.npy", "|u1", "(3, 2, 2)", images, sizeof(images));
	auto y = write_npy("y.npy", "|b1", "(3,)", classes, sizeof(classes));
	expect_refused("-t " + topic + " -d 9 " + x.string(), "--labels LABELS.npy");
	ASSERT_EQ(
	    send("-t " + topic + " -d 9 --control-topic " + control_topic + " --labels " + y.string() + " " + x.string()),
	    0)
	    << stderr_;
	auto control = wait_for_control_message(cluster_.config(), control_topic, 9, std::chrono::seconds(30));
	EXPECT_EQ(control.input_config.value("data_type", ""), "uint8");
	EXPECT_EQ(control.input_config.value("data_reshape", ""), "2 2");
	EXPECT_EQ(control.input_config.value("label_type", ""), "bool");
	auto batch = read_back(control, true);
	ASSERT_EQ(batch.rows, 3u);
	EXPECT_EQ(batch.feature_width, 4u);
	EXPECT_EQ(batch.features[4 * 2 + 3], 12);
	EXPECT_EQ(batch.labels, (std::vector<float>{1, 0, 1}));

	auto inputs = cluster_.create_topic("images-in", 1);
	ASSERT_EQ(send("-t " + inputs + " --inference " + x.string()), 0) << stderr_;
	EXPECT_NE(stderr_.find("\"data_reshape\":\"2 2\""), std::string::npos) << stderr_; // what the inference needs
	EXPECT_EQ(log_end(inputs), 3);
}

TEST_F(SendRoundTrip, InputErrorsNameTheFile) {
	auto topic = cluster_.create_topic("named", 1);
	write_file("bad.csv", "a,b,label\n1,2,0\n3,x,1\n");
	expect_refused("-t " + topic + " -d 1 " + (dir_ / "bad.csv").string(),
	               "bad.csv: line 3, column 'b' (index 1): 'x' is not a number");
	write_file("data.avsc", R"({"type": "record", "name": "D", "fields": [{"name": "a", "type": "P"}]})");
	expect_refused("-t " + topic + " -d 1 --format avro --data-scheme " + (dir_ / "data.avsc").string() + " " +
	                   csv_.string(),
	               "the data scheme " + (dir_ / "data.avsc").string() + " (--data-scheme): ");
	EXPECT_NE(stderr_.find("unknown type 'P'"), std::string::npos) << stderr_;
	expect_refused("-t " + topic + " -d 1 --format avro --label-scheme " + (dir_ / "data.avsc").string() + " " +
	                   csv_.string(),
	               "the label scheme ");
	EXPECT_EQ(log_end(topic), 0);
}

TEST_F(SendRoundTrip, AColumnIsAFeatureOrTheLabelNeverBoth) {
	auto topic = cluster_.create_topic("columns", 1);
	auto control_topic = cluster_.create_topic("control", 1);
	auto csv = write_file("label-first.csv", "label,a,b\n0,1,2\n1,3,4\n1,5,6\n");
	auto scheme = [&](const std::string &name, const std::string &fields) {
		return write_file(name, R"({"type": "record", "name": "D", "fields": [)" + fields + "]}").string();
	};
	auto ab = scheme("ab.avsc", R"({"name": "a", "type": "float"}, {"name": "b", "type": "float"})");
	auto a = scheme("a.avsc", R"({"name": "a", "type": "float"})");
	auto avro = "-t " + topic + " -d 4 --format avro --control-topic " + control_topic + " ";

	// The last column is a field of the data scheme: the label is the one column the scheme leaves.
	ASSERT_EQ(send(avro + "--data-scheme " + ab + " " + csv.string()), 0) << stderr_;
	auto control = wait_for_control_message(cluster_.config(), control_topic, 4, std::chrono::seconds(30));
	auto batch = read_back(control, true);
	ASSERT_EQ(batch.rows, 3u);
	EXPECT_EQ(batch.features, (std::vector<float>{1, 2, 3, 4, 5, 6}));
	EXPECT_EQ(batch.labels, (std::vector<float>{0, 1, 1}));
	auto sent = log_end(topic);

	expect_refused(avro + "--data-scheme " + a + " " + csv.string(),
	               "the data scheme leaves the columns 'label', 'b'; say which is the label with "
	               "--label-column");
	expect_refused(avro + "--data-scheme " + ab + " --label-column b " + csv.string(),
	               "column 'b' is a field of the data scheme, so it cannot also be the label");
	expect_refused(avro + "--data-scheme " + a + " --label-column label " + csv.string(),
	               "the column 'b' is neither a field of the data scheme nor the label");
	EXPECT_EQ(log_end(topic), sent); // nothing sent by the refused ones
	ASSERT_EQ(send(avro + "--data-scheme " + a + " --label-column label --ignore-columns b " + csv.string()), 0)
	    << stderr_;
}

TEST_F(SendRoundTrip, ASingleColumnIsRefusedForTraining) {
	auto topic = cluster_.create_topic("single", 1);
	auto csv = write_file("single.csv", "x\n1\n2\n");
	expect_refused("-t " + topic + " -d 2 " + csv.string(),
	               "single.csv has a single column: training needs feature columns besides the label "
	               "column; use --inference to send values only");
	const float values[2] = {1, 2};
	auto npy = write_npy("single.npy", "<f4", "(2,)", values, sizeof(values));
	expect_refused("-t " + topic + " -d 2 " + npy.string(), "has a single column");
	EXPECT_EQ(log_end(topic), 0);
	ASSERT_EQ(send("-t " + topic + " --inference " + npy.string()), 0) << stderr_;
	EXPECT_EQ(log_end(topic), 2);
}

TEST_F(SendRoundTrip, StandardizeLeavesMissingCellsOutOfItsStatistics) {
	auto topic = cluster_.create_topic("missing", 1);
	auto control_topic = cluster_.create_topic("control", 1);
	auto csv = write_file("holes.csv", "a,b,label\n1,2,0\n\n,4,1\n3,6,0\n");
	expect_refused("-t " + topic + " -d 6 --standardize " + csv.string(),
	               "holes.csv: line 4, column 'a' (index 0) has no value (empty or NaN); every feature needs one");
	EXPECT_EQ(log_end(topic), 0);
	// A field that takes null gets null; the others z-score over the values there are.
	write_file("nullable.avsc", R"({"type": "record", "name": "D", "fields": [
	  {"name": "a", "type": ["null", "float"]}, {"name": "b", "type": "float"}]})");
	ASSERT_EQ(send("-t " + topic + " -d 6 --format avro --standardize --control-topic " + control_topic +
	               " --data-scheme " + (dir_ / "nullable.avsc").string() + " " + csv.string()),
	          0)
	    << stderr_;
	auto control = wait_for_control_message(cluster_.config(), control_topic, 6, std::chrono::seconds(30));
	auto batch = read_back(control, true);
	ASSERT_EQ(batch.rows, 3u);
	EXPECT_FLOAT_EQ(batch.features[0], -1); // a: mean 2, std 1 over 1 and 3
	EXPECT_TRUE(std::isnan(batch.features[2]));
	EXPECT_FLOAT_EQ(batch.features[4], 1);
	EXPECT_FLOAT_EQ(batch.features[3], 0); // b: mean 4
}

TEST_F(SendRoundTrip, CellsWithoutAValueAreRefusedBeforeAnythingIsSent) {
	// Sent as NaN they would not fail a training, only make its loss NaN.
	auto topic = cluster_.create_topic("holes", 1);
	auto features = write_file("feature-hole.csv", "a,b,label\n1,2,0\n3,,1\n");
	expect_refused(
	    "-t " + topic + " -d 8 " + features.string(),
	    "feature-hole.csv: line 3, column 'b' (index 1) has no value (empty or NaN); every feature needs one");
	auto nan = write_file("feature-nan.csv", "a,b,label\n1,nan,0\n");
	expect_refused("-t " + topic + " -d 8 --format avro " + nan.string(), "column 'b' (index 1) has no value");
	auto labels = write_file("label-hole.csv", "a,b,label\n1,2,0\n3,4,\n");
	expect_refused("-t " + topic + " -d 8 " + labels.string(),
	               "label-hole.csv: line 3, column 'label' (index 2) has no value (empty or NaN); a training record "
	               "needs its label");
	EXPECT_EQ(log_end(topic), 0);
	// Inference inputs have no label to miss.
	auto inputs = write_file("inputs.csv", "a,b\n1,2\n");
	ASSERT_EQ(send("-t " + topic + " --inference " + inputs.string()), 0) << stderr_;
	EXPECT_EQ(log_end(topic), 1);
}

TEST_F(SendRoundTrip, InferenceInputsUseTheStatisticsTrainingSaved) {
	auto topic = cluster_.create_topic("scaled", 1);
	auto inputs = cluster_.create_topic("scaled-in", 1);
	auto control_topic = cluster_.create_topic("control", 1);
	auto stats = dir_ / "stats.json";
	ASSERT_EQ(send("-t " + topic + " -d 7 --standardize --save-standardization " + stats.string() +
	               " --control-topic " + control_topic + " " + csv_.string()),
	          0)
	    << stderr_;
	// a = 0..49: mean 24.5, population std sqrt((50^2 - 1) / 12).
	auto saved = nlohmann::json::parse(std::ifstream(stats));
	EXPECT_DOUBLE_EQ(saved["columns"]["a"]["mean"].get<double>(), 24.5);
	EXPECT_NEAR(saved["columns"]["a"]["std"].get<double>(), std::sqrt(2499.0 / 12), 1e-9);
	EXPECT_FALSE(saved["columns"].contains("label"));

	write_file("inputs.csv", "a,b\n24.5,12.25\n0,0\n");
	ASSERT_EQ(send("-t " + inputs + " --inference --standardize-from " + stats.string() + " " +
	               (dir_ / "inputs.csv").string()),
	          0)
	    << stderr_;
	auto batch = read_float32_inputs(inputs, 2);
	ASSERT_EQ(batch.rows, 2u);
	EXPECT_NEAR(batch.features[0], 0, 1e-6); // the training mean, not this file's
	EXPECT_NEAR(batch.features[2], -24.5 / std::sqrt(2499.0 / 12), 1e-5);

	write_file("other.csv", "x,y\n1,2\n");
	expect_refused("-t " + inputs + " --inference --standardize-from " + stats.string() + " " +
	                   (dir_ / "other.csv").string(),
	               "has no statistics of column 'x'");
}

TEST_F(SendRoundTrip, AnUnreachableClusterFailsFastWithOneClearError) {
	// Port 1 on loopback: nothing listens, connections are refused at once.
	auto started = std::chrono::steady_clock::now();
	EXPECT_NE(run("send -b 127.0.0.1:1 -t nowhere -d 1 --timeout-ms 2000 " + csv_.string()), 0);
	auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
	EXPECT_LT(seconds, 10) << stderr_;
	EXPECT_NE(stderr_.find("cannot reach Kafka at 127.0.0.1:1: "), std::string::npos) << stderr_;
	EXPECT_NE(stderr_.find("Connection refused"), std::string::npos) << stderr_;
	EXPECT_NE(stderr_.find("is it running? (kafkaml up prints its bootstrap address)"), std::string::npos) << stderr_;
	EXPECT_EQ(std::count(stderr_.begin(), stderr_.end(), '\n'), 1) << "librdkafka's logs came through:\n" << stderr_;
}
