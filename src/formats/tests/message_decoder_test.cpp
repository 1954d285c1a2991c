#include "formats/format_error.h"
#include "formats/message_decoder.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstring>

using namespace kafkaml::formats;

TEST(MessageDecoder, RawBatchIsContiguousFeaturesPlusLabels) {
	auto decoder = MessageDecoder::from_config(
	    "RAW", nlohmann::json{
	               {"data_type", "uint8"}, {"label_type", "uint8"}, {"data_reshape", "2 2"}, {"label_reshape", ""}});
	ASSERT_TRUE(decoder.has_label());
	std::string a = "\x01\x02\x03\x04", b = "\x05\x06\x07\x08";
	std::vector<MessageView> messages = {{10, a, std::string_view("\x01", 1)}, {11, b, std::string_view("\x00", 1)}};
	Batch batch;
	decoder.decode_batch(messages, batch, true);
	EXPECT_EQ(batch.rows, 2u);
	EXPECT_EQ(batch.feature_width, 4u);
	EXPECT_EQ(batch.label_width, 1u);
	EXPECT_EQ(batch.features, (std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8}));
	EXPECT_EQ(batch.labels, (std::vector<float>{1, 0}));
	auto *data = batch.features.data();
	batch.clear();
	decoder.decode_batch(messages, batch, true);
	EXPECT_EQ(batch.features.data(), data); // capacity kept: no reallocation in steady state
}

TEST(MessageDecoder, ErrorsNameTheOffsetAndLeaveTheBatchAsItWas) {
	auto decoder = MessageDecoder::from_config("raw", R"({"data_type": "float32", "label_type": "uint8"})");
	float one = 1;
	std::string good(reinterpret_cast<const char *>(&one), 4);
	Batch batch;
	decoder.decode({5, good, std::string_view("\x01", 1)}, batch, true);
	try {
		decoder.decode({6, "abc", std::string_view("\x01", 1)}, batch, true);
		FAIL();
	} catch (const FormatError &e) {
		EXPECT_EQ(std::string(e.what()).rfind("offset 6: ", 0), 0u) << e.what();
	}
	try {
		decoder.decode({7, good, std::nullopt}, batch, true);
		FAIL();
	} catch (const FormatError &e) {
		EXPECT_NE(std::string(e.what()).find("offset 7: record has no key"), std::string::npos) << e.what();
	}
	try {
		decoder.decode({8, good + good, std::string_view("\x01", 1)}, batch, true);
		FAIL();
	} catch (const FormatError &e) {
		EXPECT_NE(std::string(e.what()).find("2 values where the batch has 1"), std::string::npos) << e.what();
	}
	EXPECT_EQ(batch.rows, 1u);
	EXPECT_EQ(batch.features.size(), 1u);
	EXPECT_EQ(batch.labels.size(), 1u);
	decoder.decode({9, good, std::nullopt}, batch, false); // inference: no key needed
	EXPECT_EQ(batch.rows, 2u);
}

TEST(MessageDecoder, AvroAndJsonFromConfig) {
	nlohmann::json config = {
	    {"data_scheme", R"({"type":"record","name":"D","fields":[{"name":"x","type":"float"}]})"},
	    {"label_scheme",
	     nlohmann::json::parse(R"({"type":"record","name":"L","fields":[{"name":"y","type":"boolean"}]})")}};
	auto avro = MessageDecoder::from_config("AVRO", config);
	float x = 4;
	std::string value(reinterpret_cast<const char *>(&x), 4);
	Batch batch;
	avro.decode({0, value, std::string_view("\x01", 1)}, batch, true);
	EXPECT_EQ(batch.features, (std::vector<float>{4}));
	EXPECT_EQ(batch.labels, (std::vector<float>{1}));

	auto json = MessageDecoder::from_config("JSON", nlohmann::json::object());
	batch.clear();
	json.decode({0, R"({"values":[1,2]})", std::string_view("3")}, batch, true);
	EXPECT_EQ(batch.features, (std::vector<float>{1, 2}));
	EXPECT_EQ(batch.labels, (std::vector<float>{3}));
}

TEST(MessageDecoder, BadConfigsSayWhatIsMissing) {
	EXPECT_THROW(MessageDecoder::from_config("RAW", nlohmann::json::object()), FormatError);
	EXPECT_THROW(MessageDecoder::from_config("AVRO", nlohmann::json::object()), FormatError);
	EXPECT_THROW(MessageDecoder::from_config("CSV", nlohmann::json::object()), FormatError);
	EXPECT_THROW(MessageDecoder::from_config("RAW", "{bad json"), FormatError);
	EXPECT_THROW(MessageDecoder::from_config("RAW", nlohmann::json{{"data_type", 5}}), FormatError);
	auto unlabeled = MessageDecoder::from_config("RAW", nlohmann::json{{"data_type", "float32"}, {"label_type", ""}});
	EXPECT_FALSE(unlabeled.has_label());
}
