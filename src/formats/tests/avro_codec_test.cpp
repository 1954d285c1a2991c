#include "formats/avro_codec.h"
#include "formats/format_error.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>

using namespace kafkaml::formats;

namespace {

const char *kHcopdData = R"({"namespace": "data.ertis.uma.es", "type": "record", "name": "HCOPD",
  "fields": [{"name": "gender", "type": "float"}, {"name": "age", "type": "float"},
             {"name": "smoking", "type": "float"}]})";

std::string float_bytes(float value) {
	std::string out(4, '\0');
	std::memcpy(out.data(), &value, 4);
	return out;
}

std::vector<float> decode(std::string_view schema, std::string_view bytes) {
	AvroDecoder decoder(AvroSchema::parse(schema));
	std::vector<float> out;
	decoder.decode(bytes, out);
	return out;
}

} // namespace

TEST(AvroDecoder, DecodesARecordOfFloatsInFieldOrder) {
	auto bytes = float_bytes(1) + float_bytes(77) + float_bytes(2);
	EXPECT_EQ(decode(kHcopdData, bytes), (std::vector<float>{1, 77, 2}));
	auto schema = AvroSchema::parse(kHcopdData);
	EXPECT_EQ(schema.root().width, 3u);
	EXPECT_EQ(schema.field_names(), (std::vector<std::string>{"gender", "age", "smoking"}));
}

TEST(AvroDecoder, DecodesPrimitivesEnumsUnionsAndArrays) {
	const char *schema = R"({"type": "record", "name": "R", "fields": [
	  {"name": "flag", "type": "boolean"},
	  {"name": "count", "type": "int"},
	  {"name": "big", "type": "long"},
	  {"name": "ratio", "type": "double"},
	  {"name": "colour", "type": {"type": "enum", "name": "C", "symbols": ["RED", "GREEN", "BLUE"]}},
	  {"name": "maybe", "type": ["null", "float"]},
	  {"name": "other", "type": ["null", "float"]},
	  {"name": "inner", "type": {"type": "record", "name": "I", "fields": [{"name": "x", "type": "int"}]}},
	  {"name": "list", "type": {"type": "array", "items": "float"}}]})";
	std::string bytes;
	bytes += '\x01';     // true
	bytes += '\x03';     // int -2 (zigzag 3)
	bytes += "\x80\x01"; // long 64 (zigzag 128)
	double ratio = 0.5;
	bytes.append(reinterpret_cast<const char *>(&ratio), 8);
	bytes += '\x04';                                            // enum index 2
	bytes += '\x02' + float_bytes(1.5f);                        // union branch 1
	bytes += '\x00';                                            // union branch 0 = null
	bytes += '\x0e';                                            // x = 7
	bytes += '\x04' + float_bytes(1) + float_bytes(2) + '\x00'; // array block of 2, then end
	auto values = decode(schema, bytes);
	ASSERT_EQ(values.size(), 10u);
	EXPECT_EQ(values[0], 1);
	EXPECT_EQ(values[1], -2);
	EXPECT_EQ(values[2], 64);
	EXPECT_EQ(values[3], 0.5f);
	EXPECT_EQ(values[4], 2);
	EXPECT_EQ(values[5], 1.5f);
	EXPECT_TRUE(std::isnan(values[6]));
	EXPECT_EQ(values[7], 7);
	EXPECT_EQ(values[8], 1);
	EXPECT_EQ(values[9], 2);
	EXPECT_EQ(AvroSchema::parse(schema).root().width, 0u); // the array makes it variable
	EXPECT_EQ(AvroSchema::parse(schema).nullable_fields(),
	          (std::vector<bool>{false, false, false, false, false, true, true, false, false}));
}

TEST(AvroDecoder, NegativeArrayBlockCountsCarryAByteSize) {
	const char *schema = R"({"type": "array", "items": "int"})";
	std::string bytes("\x03\x04\x02\x04\x00", 5); // count -2, size 2, items 1 and 2, end
	EXPECT_EQ(decode(schema, bytes), (std::vector<float>{1, 2}));
}

TEST(AvroDecoder, SchemaGivenAsObjectOrText) {
	auto object = nlohmann::json::parse(kHcopdData);
	EXPECT_EQ(AvroSchema::from_json(object).root().width, 3u);
	EXPECT_EQ(AvroSchema::from_json(nlohmann::json(std::string(kHcopdData))).root().width, 3u);
	EXPECT_EQ(AvroSchema::from_json(nlohmann::json("boolean")).root().width, 1u);
}

TEST(AvroDecoder, RejectsTruncatedAndCorruptDatums) {
	auto bytes = float_bytes(1) + float_bytes(77) + float_bytes(2);
	EXPECT_THROW(decode(kHcopdData, bytes.substr(0, 11)), FormatError);
	EXPECT_THROW(decode(kHcopdData, bytes + "x"), FormatError);
	EXPECT_THROW(decode(R"({"type":"enum","name":"E","symbols":["A"]})", "\x02"), FormatError);
	EXPECT_THROW(decode(R"(["null","int"])", "\x04"), FormatError);
	EXPECT_THROW(decode(R"("boolean")", "\x05"), FormatError);
	EXPECT_THROW(decode(R"("long")", std::string(11, '\xff')), FormatError);
	EXPECT_THROW(decode(R"({"type":"array","items":"float"})", "\x7e"), FormatError); // 63 items, no bytes
}

TEST(AvroSchema, RejectsWhatCannotBeAFeature) {
	try {
		AvroSchema::parse(R"({"type":"record","name":"R","fields":[{"name":"who","type":"string"}]})");
		FAIL();
	} catch (const FormatError &e) {
		EXPECT_NE(std::string(e.what()).find("who"), std::string::npos) << e.what();
	}
	EXPECT_THROW(AvroSchema::parse("{not json"), FormatError);
	EXPECT_THROW(AvroSchema::parse(R"({"type":"record","name":"R"})"), FormatError);
	EXPECT_THROW(AvroSchema::parse(R"("nosuchtype")"), FormatError);
	EXPECT_THROW(AvroSchema::parse(R"({"type":"fixed","name":"F","size":4})"), FormatError);
}

TEST(AvroEncoder, IsTheInverseOfTheDecoder) {
	const char *schema = R"({"type": "record", "name": "R", "fields": [
	  {"name": "a", "type": "float"}, {"name": "b", "type": "boolean"}, {"name": "c", "type": "long"},
	  {"name": "d", "type": ["null", "double"]}, {"name": "e", "type": "int"}]})";
	auto parsed = AvroSchema::parse(schema);
	const float values[] = {1.25f, 1, -1000, NAN, 3};
	std::string bytes;
	encode_avro(parsed, values, bytes);
	auto back = decode(schema, bytes);
	ASSERT_EQ(back.size(), 5u);
	EXPECT_EQ(back[0], 1.25f);
	EXPECT_EQ(back[1], 1);
	EXPECT_EQ(back[2], -1000);
	EXPECT_TRUE(std::isnan(back[3]));
	EXPECT_EQ(back[4], 3);
	std::string out;
	EXPECT_THROW(encode_avro(parsed, std::span<const float>(values, 4), out), FormatError);
}

TEST(AvroSchema, ResolvesNamesAsTheSpecificationSays) {
	// P inherits x.y from Outer, so "x.y.P" and the short "P" both name it;
	// E has a namespace of its own and is found by its full name.
	const char *schema = R"({"type": "record", "name": "Outer", "namespace": "x.y", "fields": [
	  {"name": "a", "type": {"type": "record", "name": "P", "fields": [{"name": "v", "type": "float"}]}},
	  {"name": "b", "type": "x.y.P"},
	  {"name": "c", "type": "P"},
	  {"name": "d", "type": {"type": "enum", "name": "E", "namespace": "z", "symbols": ["A", "B"]}},
	  {"name": "e", "type": "z.E"},
	  {"name": "f", "type": {"type": "record", "name": "q.Q", "fields": [
	    {"name": "g", "type": {"type": "enum", "name": "F", "symbols": ["C"]}}]}},
	  {"name": "h", "type": "q.F"}]})";
	auto parsed = AvroSchema::parse(schema);
	EXPECT_EQ(parsed.root().width, 7u);
	EXPECT_EQ(parsed.field_names(), (std::vector<std::string>{"a.v", "b.v", "c.v", "d", "e", "f.g", "h"}));
	// A short name is not looked up in a namespace it was not defined in.
	try {
		AvroSchema::parse(R"({"type": "record", "name": "R", "namespace": "n", "fields": [
		  {"name": "a", "type": {"type": "enum", "name": "E", "namespace": "m", "symbols": ["A"]}},
		  {"name": "b", "type": "E"}]})");
		FAIL() << "no error";
	} catch (const FormatError &e) {
		EXPECT_NE(std::string(e.what()).find("unknown type 'E'"), std::string::npos) << e.what();
		EXPECT_NE(std::string(e.what()).find("m.E"), std::string::npos) << e.what();
	}
}

TEST(AvroEncoder, RejectsValuesTheirFieldCannotHold) {
	auto parsed = AvroSchema::parse(R"({"type": "record", "name": "R", "fields": [
	  {"name": "colour", "type": {"type": "enum", "name": "C", "symbols": ["RED", "GREEN"]}},
	  {"name": "count", "type": "int"}, {"name": "big", "type": "long"}, {"name": "maybe", "type": ["null", "int"]}]})");
	auto reject = [&](std::vector<float> values, const std::string &expected) {
		std::string out;
		try {
			encode_avro(parsed, values, out);
			ADD_FAILURE() << "no error for " << expected;
		} catch (const FormatError &e) {
			EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
		}
	};
	reject({2, 0, 0, 0}, "field 'colour': 2 is not a valid enum index (must be a whole number from 0 to 1)");
	reject({-1, 0, 0, 0}, "field 'colour'");
	reject({0.5f, 0, 0, 0}, "field 'colour'");
	reject({0, 3e9f, 0, 0}, "field 'count': 3e+09 is not a valid int");
	reject({0, NAN, 0, 0}, "field 'count'");
	reject({0, 0, 1e19f, 0}, "field 'big'");
	reject({0, 0, INFINITY, 0}, "field 'big'");
	reject({0, 0, 0, 5e9f}, "field 'maybe'");
	std::string out;
	const float fine[] = {1, -2147483648.0f, -9.2e18f, NAN};
	encode_avro(parsed, fine, out);
	auto back = decode(parsed.text(), out);
	EXPECT_EQ(back[0], 1);
	EXPECT_EQ(back[1], -2147483648.0f);
	EXPECT_EQ(back[2], -9.2e18f);
	EXPECT_TRUE(std::isnan(back[3]));
}
