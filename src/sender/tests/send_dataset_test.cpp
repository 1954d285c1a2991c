#include "sender/send_dataset.h"

#include "formats/control_message.h"
#include "formats/message_decoder.h"
#include "formats/range_list.h"
#include "formats/testing/npy_file.h"
#include "memory_cluster.h"
#include "sender/send_error.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <utility>

namespace kafkaml::sender {
namespace {

using kafkaml::testing::TempDir;
using testing::MemoryCluster;

class SendDatasetTest : public ::testing::Test {
protected:
	SendDatasetTest() {
		options_.topic = "data";
		options_.deployment_id = 5;
		options_.file = dir_.write("rows.csv", "a,b,label\n1,2,0\n3,4,1\n5,6,2\n");
	}

	//! The control messages on the control topic.
	std::vector<formats::ControlMessage> control_messages() {
		std::vector<formats::ControlMessage> messages;
		for (const auto &record : cluster_.log.read(options_.control_topic, 0, 0, 100)) {
			messages.push_back(formats::decode_control_message(record.key, record.value));
		}
		return messages;
	}

	//! The records of `partition` of the data topic, decoded as `format` and `config` say.
	formats::Batch read_back(const std::string &format, const nlohmann::json &config, bool with_label,
	                         int32_t partition = 0) {
		auto decoder = formats::MessageDecoder::from_config(format, config);
		formats::Batch batch;
		for (const auto &record : cluster_.log.read(options_.topic, partition, 0, 1000)) {
			decoder.decode(record.view(), batch, with_label);
		}
		return batch;
	}

	TempDir dir_;
	SendOptions options_;
	MemoryCluster cluster_;
};

TEST_F(SendDatasetTest, ATrainingStreamEndsWithTheControlMessageOfWhatWasAcknowledged) {
	options_.validation_rate = 0.25;
	options_.description = "three rows";
	auto report = send_dataset(options_, cluster_);

	EXPECT_EQ(cluster_.calls, (std::vector<std::string>{"check_reachable", "open_sink data control"}));
	EXPECT_EQ(report.delivered, 3);
	EXPECT_EQ(report.input_format, "RAW");
	EXPECT_EQ(formats::format_range_list(report.control.ranges), "data:0:0:3");
	EXPECT_EQ(report.summary(), "sent 3 records (data:0:0:3) and the control message of deployment 5 to control");

	auto messages = control_messages();
	ASSERT_EQ(messages.size(), 1u);
	EXPECT_EQ(messages[0].deployment_id, 5);
	EXPECT_EQ(messages[0].ranges, report.control.ranges);
	EXPECT_EQ(messages[0].description, "three rows");
	EXPECT_DOUBLE_EQ(messages[0].validation_rate, 0.25);
	EXPECT_EQ(messages[0].input_config.value("data_type", ""), "float32");

	auto rows = read_back(messages[0].input_format, messages[0].input_config, true);
	EXPECT_EQ(rows.features, (std::vector<float>{1, 2, 3, 4, 5, 6}));
	EXPECT_EQ(rows.labels, (std::vector<float>{0, 1, 2}));
}

TEST_F(SendDatasetTest, AnOnlineStreamIsTheOriginalsOnlineControlMessageThenTheRecords) {
	options_.online = true;
	auto report = send_dataset(options_, cluster_);
	EXPECT_EQ(report.delivered, 3);
	EXPECT_EQ(report.summary(), "sent the online control message of deployment 5 to control, then 3 records to data");

	auto records = cluster_.log.read(options_.control_topic, 0, 0, 100);
	ASSERT_EQ(records.size(), 1u);
	EXPECT_EQ(records[0].key, std::string("\x05", 1)) << "the original's bytes([id])";
	auto value = nlohmann::json::parse(records[0].value);
	EXPECT_EQ(value["topic"], "data") << "a bare topic: the stream has no end";
	EXPECT_TRUE(value["total_msg"].is_null());
	EXPECT_EQ(value["incremental"], true);
	EXPECT_EQ(value["input_format"], "RAW");
	auto message = formats::decode_control_message(records[0].key, records[0].value);
	EXPECT_EQ(message.online_topic, "data");

	auto rows = read_back(message.input_format, message.input_config, true);
	EXPECT_EQ(rows.features, (std::vector<float>{1, 2, 3, 4, 5, 6}));
	EXPECT_EQ(rows.labels, (std::vector<float>{0, 1, 2}));

	options_.inference = true;
	EXPECT_THROW(send_dataset(options_, cluster_), SendError);
}

TEST_F(SendDatasetTest, InferenceInputIsValuesOnlySpreadOverThePartitionsWithoutAControlMessage) {
	options_.deployment_id = -1;
	options_.inference = true;
	options_.label_column = "label";
	cluster_.partitions["data"] = {0, 1};
	auto report = send_dataset(options_, cluster_);

	EXPECT_TRUE(control_messages().empty());
	EXPECT_EQ(report.delivered, 3);
	EXPECT_EQ(report.summary(), "sent 3 inference records to data (RAW " + report.input_config.dump() + ")");
	EXPECT_EQ(report.input_config.value("data_reshape", ""), "2");
	auto first = cluster_.log.read("data", 0, 0, 10);
	auto second = cluster_.log.read("data", 1, 0, 10);
	EXPECT_EQ(first.size() + second.size(), 3u);
	EXPECT_FALSE(first.empty());
	EXPECT_FALSE(second.empty());
	for (const auto &record : first) {
		EXPECT_FALSE(record.key) << "an inference input carries no label";
	}
	auto values = read_back("RAW", {{"data_type", "float32"}}, false, 0);
	EXPECT_EQ(values.feature_width, 2u); // the label column is left out of the values
}

TEST_F(SendDatasetTest, AvroWithoutSchemesGetsFloatRecordsOfTheColumns) {
	options_.format = "avro";
	auto report = send_dataset(options_, cluster_);
	EXPECT_EQ(report.input_format, "AVRO");
	auto messages = control_messages();
	ASSERT_EQ(messages.size(), 1u);
	EXPECT_EQ(messages[0].input_format, "AVRO");
	auto rows = read_back("AVRO", messages[0].input_config, true);
	EXPECT_EQ(rows.rows, 3u);
	EXPECT_EQ(rows.features, (std::vector<float>{1, 2, 3, 4, 5, 6}));
	EXPECT_EQ(rows.labels, (std::vector<float>{0, 1, 2}));
}

TEST_F(SendDatasetTest, ANpyGoesInItsOwnDtypeUnlessZScored) {
	// 2^53 + 1 has no float (nor double) equal: only the bytes as they are keep it.
	const int64_t rows[2][3] = {{(int64_t(1) << 53) + 1, -2, 0}, {3, 4, 1}};
	options_.file = dir_.write("rows.npy", formats::testing::npy_file("<i8", "(2, 3)", rows, sizeof(rows)));
	auto report = send_dataset(options_, cluster_);
	EXPECT_EQ(report.input_config.value("data_type", ""), "int64");
	EXPECT_EQ(report.input_config.value("label_type", ""), "int64");
	auto records = cluster_.log.read("data", 0, 0, 10);
	ASSERT_EQ(records.size(), 2u);
	EXPECT_EQ(records[0].value, std::string(reinterpret_cast<const char *>(rows[0]), 16));
	EXPECT_EQ(*records[1].key, std::string(reinterpret_cast<const char *>(&rows[1][2]), 8));

	MemoryCluster scaled_cluster;
	const int64_t small[2][3] = {{1, -2, 0}, {3, 4, 1}};
	options_.file = dir_.write("small.npy", formats::testing::npy_file("<i8", "(2, 3)", small, sizeof(small)));
	options_.standardize = true;
	auto scaled = send_dataset(options_, scaled_cluster);
	EXPECT_EQ(scaled.input_config.value("data_type", ""), "float32");
	auto decoder = formats::MessageDecoder::from_config("RAW", scaled.input_config);
	formats::Batch batch;
	for (const auto &record : scaled_cluster.log.read("data", 0, 0, 10)) {
		decoder.decode(record.view(), batch, true);
	}
	EXPECT_EQ(batch.features, (std::vector<float>{-1, -1, 1, 1})); // two values a column: z = -1 and 1
	EXPECT_EQ(batch.labels, (std::vector<float>{0, 1}));
}

TEST_F(SendDatasetTest, ProgressIsToldOfTheFirstEvery256thAndTheLastRow) {
	std::string csv = "a,label\n";
	for (int i = 0; i < 600; i++) {
		csv += std::to_string(i) + "," + std::to_string(i % 2) + "\n";
	}
	options_.file = dir_.write("many.csv", csv);
	std::vector<std::pair<int64_t, int64_t>> told;
	send_dataset(options_, cluster_, [&](int64_t done, int64_t total) { told.emplace_back(done, total); });
	EXPECT_EQ(told, (std::vector<std::pair<int64_t, int64_t>>{{1, 600}, {257, 600}, {513, 600}, {600, 600}}));
}

TEST_F(SendDatasetTest, WhatTheUserCanChangeIsRefusedBeforeARecordIsSent) {
	auto expect_nothing_sent = [&](const std::string &why) {
		EXPECT_THROW(send_dataset(options_, cluster_), std::runtime_error) << why;
		EXPECT_TRUE(cluster_.log.read("data", 0, 0, 10).empty()) << why;
		EXPECT_TRUE(control_messages().empty()) << why;
	};
	options_.test_rate = 1;
	expect_nothing_sent("rates");
	EXPECT_TRUE(cluster_.calls.empty()); // the cluster was not even asked
	options_.test_rate = 0;
	options_.partitions = "zero";
	expect_nothing_sent("partitions");
	options_.partitions.clear();
	cluster_.reachable = false;
	expect_nothing_sent("no cluster");
}

} // namespace
} // namespace kafkaml::sender
