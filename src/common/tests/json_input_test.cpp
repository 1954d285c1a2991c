#include "common/json_input.h"

#include <gtest/gtest.h>

namespace kafkaml {
namespace {

std::string nested(size_t levels, char open = '[', char close = ']') {
	return std::string(levels, open) + std::string(levels, close);
}

std::string nested_objects(size_t levels) {
	std::string text;
	for (size_t i = 0; i < levels; i++) {
		text += "{\"a\":";
	}
	text += "1";
	text += std::string(levels, '}');
	return text;
}

TEST(JsonInput, ParsesWithinTheLimits) {
	auto value = parse_json(R"({"topic": "a:0:0:1", "input_config": {"data_type": "float32"}, "list": [[1], [2]]})");
	EXPECT_EQ(value["input_config"]["data_type"], "float32");
	EXPECT_EQ(parse_json(nested(64)).size(), 1u);
	EXPECT_EQ(parse_json(nested_objects(64)).size(), 1u);
}

TEST(JsonInput, RefusesDeepNestingBeforeParsing) {
	for (auto text : {nested(65), nested(100000), nested_objects(100000), nested(100000, '{', '}')}) {
		try {
			parse_json(text);
			FAIL() << "accepted " << text.size() << " bytes of nesting";
		} catch (const JsonInputError &e) {
			EXPECT_NE(std::string(e.what()).find("deeper than 64 levels"), std::string::npos) << e.what();
			EXPECT_EQ(e.line, 1u);
		}
	}
	// A deep document whose text is cut short is still refused for its depth.
	EXPECT_THROW(parse_json(std::string(200000, '[')), JsonInputError);
}

TEST(JsonInput, BracketsInStringsDoNotCount) {
	std::string brackets(1000, '[');
	auto value = parse_json("{\"text\": \"" + brackets + "\\\"" + "{{{\"}");
	EXPECT_EQ(value["text"].get<std::string>().size(), 1004u);
	EXPECT_EQ(find_excess_depth("[\"]\", [[]]]", 3), std::string_view::npos);
	EXPECT_EQ(find_excess_depth("[\"]\", [[]]]", 2), 7u);
}

TEST(JsonInput, RefusesTextOverTheSizeLimit) {
	JsonLimits limits;
	limits.max_bytes = 10;
	EXPECT_NO_THROW(parse_json("[1,2,3,4]", limits));
	try {
		parse_json("[1,2,3,4,5]", limits);
		FAIL();
	} catch (const JsonInputError &e) {
		EXPECT_NE(std::string(e.what()).find("11 bytes, more than the 10"), std::string::npos) << e.what();
	}
}

TEST(JsonInput, SyntaxErrorsNameLineAndColumn) {
	try {
		parse_json("{\n  \"a\": tru\n}");
		FAIL();
	} catch (const JsonInputError &e) {
		EXPECT_EQ(e.line, 2u);
		EXPECT_EQ(e.column, 11u);
		EXPECT_EQ(std::string(e.what()).rfind("line 2, column 11: ", 0), 0u) << e.what();
	}
}

TEST(JsonInput, NumbersBeyondADoubleAreAnError) {
	// nlohmann reports them as out_of_range, not as a parse error; found by
	// the control logger's fuzzer.
	try {
		parse_json(R"({"total_msg": 1111e111111111111111111111111111111})");
		FAIL();
	} catch (const JsonInputError &e) {
		EXPECT_NE(std::string(e.what()).find("number overflow"), std::string::npos) << e.what();
	}
}

TEST(JsonInput, ErrorsAboutInvalidUtf8AreValidUtf8) {
	for (std::string text : {"{\"a\": \"\xff\xfe\"}", "{\"a\": \"\xc3\"}", "\xed\xa0\x80", "{\"a\": 1}\xff"}) {
		try {
			parse_json(text);
			FAIL() << "accepted invalid UTF-8";
		} catch (const JsonInputError &e) {
			// The message can itself be put in JSON and serialised.
			nlohmann::json answer = {{"error", e.what()}};
			EXPECT_NO_THROW(answer.dump()) << printable(e.what());
		}
	}
}

TEST(JsonInput, DumpReplacesInvalidUtf8) {
	nlohmann::json value = {{"text", std::string("ok \xff")}};
	EXPECT_THROW(value.dump(), nlohmann::json::type_error);
	EXPECT_EQ(dump_json(value), "{\"text\":\"ok \xEF\xBF\xBD\"}");
}

TEST(JsonInput, PrintableEscapesAndCuts) {
	EXPECT_EQ(printable("plain"), "plain");
	EXPECT_EQ(printable("a\xff"
	                    "b\n"),
	          "a\\xFFb\\x0A");
	EXPECT_EQ(printable("caf\xc3\xa9"), "caf\xc3\xa9");
	EXPECT_EQ(printable("\xc0\xaf"), "\\xC0\\xAF"); // overlong '/'
	EXPECT_EQ(printable(std::string(100, 'x'), 10), std::string(10, 'x') + "...");
	// Never cut inside a character.
	EXPECT_EQ(printable("\xc3\xa9\xc3\xa9", 3), "\xc3\xa9...");
}

} // namespace
} // namespace kafkaml
