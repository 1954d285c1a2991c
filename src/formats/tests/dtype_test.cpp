#include "formats/dtype.h"
#include "formats/format_error.h"
#include "formats/shape.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

using namespace kafkaml::formats;

TEST(DType, ParsesEveryNameOfTheContract) {
	EXPECT_EQ(parse_dtype("half"), DType::Half);
	EXPECT_EQ(parse_dtype("float"), DType::Float32);
	EXPECT_EQ(parse_dtype("float32"), DType::Float32);
	EXPECT_EQ(parse_dtype("double"), DType::Float64);
	EXPECT_EQ(parse_dtype("int64"), DType::Int64);
	EXPECT_EQ(parse_dtype("int32"), DType::Int32);
	EXPECT_EQ(parse_dtype("int16"), DType::Int16);
	EXPECT_EQ(parse_dtype("int8"), DType::Int8);
	EXPECT_EQ(parse_dtype("uint16"), DType::UInt16);
	EXPECT_EQ(parse_dtype("uint8"), DType::UInt8);
	EXPECT_EQ(parse_dtype("string"), DType::String);
	EXPECT_EQ(parse_dtype("bool"), DType::Bool);
	EXPECT_EQ(parse_dtype("bool_"), DType::Bool); // numpy's type name, as the original's RawSink writes it
	try {
		parse_dtype("complex128");
		FAIL();
	} catch (const FormatError &e) {
		EXPECT_NE(std::string(e.what()).find("complex128"), std::string::npos);
		EXPECT_NE(std::string(e.what()).find("uint8"), std::string::npos);
	}
}

TEST(DType, HalfConversionMatchesIeee) {
	EXPECT_EQ(half_to_float(0x3c00), 1.0f);
	EXPECT_EQ(half_to_float(0xc000), -2.0f);
	EXPECT_EQ(half_to_float(0x7bff), 65504.0f);
	EXPECT_EQ(half_to_float(0x0001), std::ldexp(1.0f, -24));
	EXPECT_TRUE(std::isinf(half_to_float(0x7c00)));
	EXPECT_TRUE(std::isnan(half_to_float(0x7e00)));
	EXPECT_EQ(half_to_float(0x3555), 0.333251953125f);
	for (uint32_t bits = 0; bits < 0x10000; bits++) {
		float value = half_to_float(static_cast<uint16_t>(bits));
		if (std::isnan(value)) {
			continue;
		}
		ASSERT_EQ(float_to_half(value), bits) << bits;
	}
	EXPECT_EQ(float_to_half(1e6f), 0x7c00);
	EXPECT_EQ(float_to_half(1.0f + std::ldexp(1.0f, -11)), 0x3c00); // tie rounds to even
}

TEST(DType, ConvertRoundTripsEveryNumericType) {
	const float values[] = {0, 1, -3, 100, 7};
	for (auto type :
	     {DType::Half, DType::Float32, DType::Float64, DType::Int64, DType::Int32, DType::Int16, DType::Int8}) {
		std::vector<char> bytes(dtype_size(type) * 5);
		convert_from_float(type, values, 5, bytes.data());
		float back[5];
		convert_to_float(type, bytes.data(), 5, back);
		for (int i = 0; i < 5; i++) {
			EXPECT_EQ(back[i], values[i]) << dtype_name(type);
		}
	}
	const float unsigned_values[] = {0, 1, 255, 3};
	for (auto type : {DType::UInt16, DType::UInt8}) {
		std::vector<char> bytes(dtype_size(type) * 4);
		convert_from_float(type, unsigned_values, 4, bytes.data());
		float back[4];
		convert_to_float(type, bytes.data(), 4, back);
		for (int i = 0; i < 4; i++) {
			EXPECT_EQ(back[i], unsigned_values[i]);
		}
	}
}

TEST(DType, IntegersSaturate) {
	const float values[] = {300, -300, std::numeric_limits<float>::quiet_NaN(), 3e10f};
	int8_t out[4];
	convert_from_float(DType::Int8, values, 4, reinterpret_cast<char *>(out));
	EXPECT_EQ(out[0], 127);
	EXPECT_EQ(out[1], -128);
	EXPECT_EQ(out[2], 0);
	int32_t wide[4];
	convert_from_float(DType::Int32, values, 4, reinterpret_cast<char *>(wide));
	EXPECT_EQ(wide[3], std::numeric_limits<int32_t>::max());
}

TEST(Shape, ParsesTheOriginalFormAndVariants) {
	EXPECT_EQ(parse_shape("28 28").dims, (std::vector<int64_t>{28, 28}));
	EXPECT_EQ(parse_shape("(28, 28, 1)").dims, (std::vector<int64_t>{28, 28, 1}));
	EXPECT_TRUE(parse_shape("").empty());
	EXPECT_EQ(parse_shape("").elements(), 1);
	EXPECT_EQ(parse_shape("3 4").elements(), 12);
	EXPECT_THROW(parse_shape("28 x"), FormatError);
	EXPECT_THROW(parse_shape("0"), FormatError);
	EXPECT_THROW(parse_shape("-1"), FormatError);
	EXPECT_THROW(parse_shape("100000 100000 100000"), FormatError);
}
