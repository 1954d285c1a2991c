#include "formats/control_message.h"
#include "formats/format_error.h"
#include "formats/split.h"

#include <gtest/gtest.h>

using namespace kafkaml::formats;

TEST(RangeList, ParsesSeveralPartitionsAndRoundTrips) {
	auto ranges = parse_range_list("hcopd:0:0:239,other.topic-x:3:10:20");
	ASSERT_EQ(ranges.size(), 2u);
	EXPECT_EQ(ranges[0], (Range{"hcopd", 0, 0, 239}));
	EXPECT_EQ(ranges[1], (Range{"other.topic-x", 3, 10, 20}));
	EXPECT_EQ(total_messages(ranges), 249);
	EXPECT_EQ(format_range_list(ranges), "hcopd:0:0:239,other.topic-x:3:10:20");
}

TEST(RangeList, RejectsBadItemsWithTheItem) {
	for (const char *bad : {"", "t:0:5", ":0:0:1", "t:x:0:1", "t:0:-1:4", "t:0:9:4", "t:0:0:1,", "t:0:0:1x"}) {
		try {
			parse_range_list(bad);
			ADD_FAILURE() << bad;
		} catch (const FormatError &e) {
			EXPECT_NE(std::string(e.what()).find("range"), std::string::npos) << e.what();
		}
	}
}

TEST(ControlMessage, TheOriginalsMessageYieldsItsRanges) {
	// As the original data-source library sends it: key bytes([3]), no deployment_id, config as an object.
	std::string value = R"({"topic": "hcopd:0:0:239", "input_format": "AVRO", "description": "HCOPD",
	  "input_config": {"data_scheme": "{}", "label_scheme": "{}"}, "validation_rate": 0.1, "total_msg": 239,
	  "some_future_field": [1, 2]})";
	auto message = decode_control_message(std::string_view("\x03", 1), value);
	EXPECT_EQ(message.deployment_id, 3);
	ASSERT_EQ(message.ranges.size(), 1u);
	EXPECT_EQ(message.ranges[0], (Range{"hcopd", 0, 0, 239}));
	EXPECT_EQ(message.input_format, "AVRO");
	EXPECT_EQ(message.input_config["data_scheme"], "{}");
	EXPECT_EQ(message.description, "HCOPD");
	EXPECT_DOUBLE_EQ(message.validation_rate, 0.1);
	EXPECT_DOUBLE_EQ(message.test_rate, 0.0);
	EXPECT_EQ(message.total_msg, 239);
}

TEST(ControlMessage, KeysOfOneToEightBytesAndTheValueIdWins) {
	EXPECT_EQ(decode_deployment_key(std::string_view("\x01\x00", 2)), 256);
	EXPECT_EQ(decode_deployment_key(std::string("\x00\x00\x00\x00\x00\x00\x00\x07", 8)), 7);
	EXPECT_THROW(decode_deployment_key(""), FormatError);
	EXPECT_THROW(decode_deployment_key(std::string(9, '\x01')), FormatError);
	auto message = decode_control_message(std::string_view("\x03", 1), R"({"topic": "t:0:0:1", "deployment_id": 12})");
	EXPECT_EQ(message.deployment_id, 12);
	auto keyless = decode_control_message(std::nullopt, R"({"topic": "t:0:0:1", "deployment_id": "5"})");
	EXPECT_EQ(keyless.deployment_id, 5);
	EXPECT_THROW(decode_control_message(std::nullopt, R"({"topic": "t:0:0:1"})"), FormatError);
}

TEST(ControlMessage, EncodeDecodeRoundTrip) {
	ControlMessage message;
	message.deployment_id = 300;
	message.ranges = {{"a", 0, 5, 10}, {"a", 1, 0, 7}};
	message.input_format = "RAW";
	message.input_config = {{"data_type", "float32"}};
	message.description = "two partitions";
	message.validation_rate = 0.2;
	message.test_rate = 0.1;
	message.total_msg = 12;
	EXPECT_EQ(message.encode_key(), std::string("\x01\x2c", 2));
	ControlMessage small;
	small.deployment_id = 3;
	EXPECT_EQ(small.encode_key(), std::string("\x03", 1));
	auto back = decode_control_message(message.encode_key(), message.encode_value());
	EXPECT_EQ(back.deployment_id, 300);
	EXPECT_EQ(back.ranges, message.ranges);
	EXPECT_EQ(back.input_config, message.input_config);
	EXPECT_EQ(back.total_msg, 12);
	EXPECT_DOUBLE_EQ(back.test_rate, 0.1);
}

TEST(ControlMessage, InputConfigAsTextAndBadMessagesRejected) {
	auto message = decode_control_message(std::string_view("\x01", 1),
	                                      R"({"topic": "t:0:0:2", "input_config": "{\"data_type\": \"uint8\"}"})");
	EXPECT_EQ(message.input_config["data_type"], "uint8");
	EXPECT_EQ(message.total_msg, 2);
	auto reject = [](std::string_view value, std::string_view reason) {
		try {
			decode_control_message(std::string_view("\x01", 1), value);
			ADD_FAILURE() << value;
		} catch (const FormatError &e) {
			EXPECT_NE(std::string(e.what()).find(reason), std::string::npos) << e.what();
		}
	};
	reject("not json", "not JSON");
	reject("[1]", "JSON object");
	reject(R"({"input_format": "RAW"})", "topic");
	reject(R"({"topic": "t:0:0:2", "total_msg": 3})", "total_msg is 3");
	reject(R"({"topic": "t:0:0:2", "validation_rate": 1.5})", "validation_rate");
	reject(R"({"topic": "t:0:0:2", "validation_rate": 0.6, "test_rate": 0.5})", "sum");
	reject(R"({"topic": "t:0:0:2", "input_config": "[oops"})", "input_config");
	reject(R"({"topic": "t:0:0:2", "input_config": 5})", "input_config");
}

TEST(Split, TrainTestValidationWithTruncatedSizes) {
	auto split = compute_split(239, 0.1, 0.1);
	EXPECT_EQ(split.test, 23);
	EXPECT_EQ(split.validation, 23);
	EXPECT_EQ(split.train, 193);
	EXPECT_EQ(split.test_begin(), 193);
	EXPECT_EQ(split.validation_begin(), 216);
	auto no_test = compute_split(10, 0.25, 0);
	EXPECT_EQ(no_test.train, 8);
	EXPECT_EQ(no_test.validation, 2);
	EXPECT_THROW(compute_split(10, -0.1, 0), FormatError);
	EXPECT_THROW(compute_split(10, 0.5, 0.5), FormatError);
	try {
		compute_split(10, 0.6, 0.6);
		FAIL() << "no error";
	} catch (const FormatError &e) {
		// It says what the sum must be, not what it already is.
		EXPECT_NE(std::string(e.what()).find("must be below 1"), std::string::npos) << e.what();
		EXPECT_EQ(std::string(e.what()).find("sum is below"), std::string::npos) << e.what();
	}
}

// Control messages come from anyone who can produce to the control topic.
TEST(ControlMessage, DeepOrHugeValuesAreFormatErrors) {
	std::string deep =
	    R"({"topic": "t:0:0:1", "input_config": )" + std::string(100000, '[') + std::string(100000, ']') + "}";
	try {
		decode_control_message(std::string(1, '\x01'), deep);
		FAIL();
	} catch (const FormatError &e) {
		EXPECT_NE(std::string(e.what()).find("deeper than 64 levels"), std::string::npos) << e.what();
	}
	std::string huge = R"({"topic": "t:0:0:1", "description": ")" + std::string(2 << 20, 'x') + "\"}";
	try {
		decode_control_message(std::string(1, '\x01'), huge);
		FAIL();
	} catch (const FormatError &e) {
		EXPECT_NE(std::string(e.what()).find("more than the 1048576"), std::string::npos) << e.what();
	}
	// As text inside the message too.
	std::string as_text = R"({"topic": "t:0:0:1", "input_config": ")" + std::string(1000, '[') + "\"}";
	EXPECT_THROW(decode_control_message(std::string(1, '\x01'), as_text), FormatError);
}

TEST(ControlMessage, TheOriginalsOnlineMessageNamesAStreamWithoutEnd) {
	// As the original's online RAW source sends it before its first record:
	// a bare topic, no total, marked incremental.
	std::string value = R"({"topic": "mnist", "unsupervised_topic": null, "input_format": "RAW", "description": "",
	  "input_config": {"data_type": "uint8", "label_type": "uint8", "data_reshape": "28 28", "label_reshape": ""},
	  "validation_rate": 0, "test_rate": 0, "total_msg": null, "dataset_restrictions": "{}", "incremental": true})";
	auto message = decode_control_message(std::string_view("\x07", 1), value);
	EXPECT_EQ(message.deployment_id, 7);
	EXPECT_TRUE(message.online());
	EXPECT_EQ(message.online_topic, "mnist");
	EXPECT_TRUE(message.ranges.empty());
	EXPECT_EQ(message.total_msg, 0);
	EXPECT_EQ(message.topic_field(), "mnist");
	EXPECT_EQ(message.input_config["data_reshape"], "28 28");

	// Its first releases sent only the topic, format, description and config.
	auto older = decode_control_message(std::string_view("\x07", 1), R"({"topic": "sensors.v2_a-b",
	  "input_format": "RAW", "description": "", "input_config": {"data_type": "float32"}})");
	EXPECT_EQ(older.online_topic, "sensors.v2_a-b");

	auto back = decode_control_message(std::nullopt, message.encode_value());
	EXPECT_EQ(back.online_topic, "mnist");
	EXPECT_EQ(back.deployment_id, 7);
	auto encoded = nlohmann::json::parse(message.encode_value());
	EXPECT_TRUE(encoded["total_msg"].is_null());
	EXPECT_EQ(encoded["incremental"], true);
	EXPECT_FALSE(nlohmann::json::parse(
	                 decode_control_message(std::nullopt, R"({"topic": "t:0:0:2", "deployment_id": 1})").encode_value())
	                 .contains("incremental"));
}

TEST(ControlMessage, AnOnlineStreamWithATotalOrABadTopicNameIsRefused) {
	auto reason = [](std::string_view value) {
		try {
			decode_control_message(std::string_view("\x01", 1), value);
		} catch (const FormatError &e) {
			return std::string(e.what());
		}
		return std::string("accepted");
	};
	EXPECT_NE(reason(R"({"topic": "mnist", "total_msg": 5})").find("online stream"), std::string::npos);
	EXPECT_NE(reason(R"({"topic": "two words"})").find("neither a range list"), std::string::npos);
	EXPECT_NE(reason(R"({"topic": "a/b"})").find("neither a range list"), std::string::npos);
	EXPECT_NE(reason(R"({"topic": ".."})").find("neither a range list"), std::string::npos);
	EXPECT_NE(reason(R"({"topic": ""})").find("range"), std::string::npos);
	EXPECT_NE(reason(R"({"topic": "mnist", "validation_rate": 1.5})").find("validation_rate"), std::string::npos);
}
