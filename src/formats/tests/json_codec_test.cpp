#include "formats/format_error.h"
#include "formats/json_codec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace kafkaml::formats;
using V = std::vector<float>;

namespace {

V decode(const JsonDecoder &decoder, std::string_view text) {
	V out;
	decoder.decode(text, out);
	return out;
}

} // namespace

TEST(JsonDecoder, AcceptsTheThreeShapes) {
	JsonDecoder any;
	EXPECT_EQ(decode(any, R"({"values": [1, 2.5, -3]})"), (V{1, 2.5f, -3}));
	EXPECT_EQ(decode(any, R"({"id": 9, "values": [[1, 2], [3, 4]]})"), (V{1, 2, 3, 4}));
	EXPECT_EQ(decode(any, "[1e2, true, false]"), (V{100, 1, 0}));
	EXPECT_EQ(decode(any, " 7 "), (V{7}));
	EXPECT_EQ(decode(any, R"({"b": 2, "a": "1.5"})"), (V{2, 1.5f}));
	JsonDecoder named({"a", "b"});
	EXPECT_EQ(decode(named, R"({"b": 2, "extra": 5, "a": [1, 0]})"), (V{1, 0, 2}));
	EXPECT_TRUE(std::isnan(decode(any, "[null]")[0]));
}

TEST(JsonDecoder, FieldsNotPickedMayHoldAnything) {
	JsonDecoder named({"Age", "Gender"});
	EXPECT_EQ(decode(named, R"({"Note": "not a number", "Gender": 1, "Meta": {"x": ["y", null]}, "Age": 0.5})"),
	          (V{0.5f, 1}));
	// Still checked for being JSON, and the picked fields for being numbers.
	EXPECT_THROW(decode(named, R"({"Note": "open, "Age": 1, "Gender": 0})"), FormatError);
	EXPECT_THROW(decode(named, R"({"Age": "old", "Gender": 0})"), FormatError);
}

TEST(JsonDecoder, ErrorsSayWhatAndWhere) {
	JsonDecoder any;
	EXPECT_THROW(decode(any, "[1, 2"), FormatError);
	EXPECT_THROW(decode(any, "[1, 2] x"), FormatError);
	EXPECT_THROW(decode(any, R"(["cat"])"), FormatError);
	EXPECT_THROW(decode(any, "{\"a\" 1}"), FormatError);
	EXPECT_THROW(decode(any, ""), FormatError);
	EXPECT_THROW(decode(any, std::string(100, '[')), FormatError);
	try {
		decode(JsonDecoder({"missing"}), R"({"a": 1})");
		FAIL();
	} catch (const FormatError &e) {
		EXPECT_NE(std::string(e.what()).find("missing"), std::string::npos);
	}
	EXPECT_THROW(decode(JsonDecoder({}, 3), "[1, 2]"), FormatError);
}

TEST(JsonEncoder, WritesValuesShortestAndNullForNan) {
	std::string out;
	const float values[] = {1, 0.1f, -2.5f, NAN};
	encode_json_values(values, out);
	EXPECT_EQ(out, R"({"values":[1,0.1,-2.5,null]})");
	EXPECT_EQ(decode(JsonDecoder(), out).size(), 4u);
}

TEST(JsonDecoder, NumbersBeyondFloatAreInfinityOrZeroAsStrtofGivesThem) {
	JsonDecoder any;
	auto inf = std::numeric_limits<float>::infinity();
	EXPECT_EQ(decode(any, "[1e400, -1e400, 1e39, -3.5e38]"), (V{inf, -inf, inf, -inf}));
	EXPECT_EQ(decode(any, "[1e-400, -1e-400, 1e-50]"), (V{0, -0.0f, 0}));
	EXPECT_EQ(decode(any, "[" + std::string(400, '9') + "]"), (V{inf}));
	EXPECT_EQ(decode(any, "[0." + std::string(400, '0') + "1]"), (V{0}));
	EXPECT_EQ(decode(any, "[1e99999999999999999999]"), (V{inf}));
	EXPECT_EQ(decode(any, "[3.4e38]"), (V{3.4e38f}));
}

TEST(JsonDecoder, NanAndInfinityLiteralsAreRefusedNamingTheOffset) {
	JsonDecoder any;
	for (std::string text : {"[1, NaN]", "[1, Infinity]", "[1, -Infinity]", "[1, inf]", "[1, nan]"}) {
		try {
			decode(any, text);
			FAIL() << text;
		} catch (const FormatError &e) {
			EXPECT_NE(std::string(e.what()).find("no NaN or Infinity"), std::string::npos) << e.what();
			EXPECT_NE(std::string(e.what()).find("at byte 4"), std::string::npos) << e.what();
		}
	}
	EXPECT_THROW(decode(JsonDecoder({"a"}), R"({"a": 1, "b": NaN})"), FormatError);
}

// Inference inputs are JSON from anyone who can produce to the topic: deep
// nesting is an error for that record, never a deep recursion.
TEST(JsonDecoder, DeepNestingIsAnErrorNotARecursion) {
	JsonDecoder any;
	EXPECT_EQ(decode(any, std::string(64, '[') + "1" + std::string(64, ']')), (V{1}));
	for (size_t levels : {65ul, 100000ul}) {
		auto deep = std::string(levels, '[') + "1" + std::string(levels, ']');
		EXPECT_THROW(decode(any, deep), FormatError) << levels;
		auto objects = std::string();
		for (size_t i = 0; i < levels; i++) {
			objects += "{\"a\":";
		}
		objects += "1" + std::string(levels, '}');
		EXPECT_THROW(decode(any, objects), FormatError) << levels;
	}
}
