#include "formats/format_error.h"
#include "formats/raw_codec.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace kafkaml::formats;

namespace {

template <typename T>
std::string bytes_of(std::initializer_list<T> values) {
	std::string out(values.size() * sizeof(T), '\0');
	std::memcpy(out.data(), std::data(values), out.size());
	return out;
}

std::vector<float> decode(const RawDecoder &decoder, std::string_view bytes) {
	std::vector<float> out;
	decoder.decode(bytes, out);
	return out;
}

} // namespace

TEST(RawDecoder, DecodesEveryDtype) {
	using V = std::vector<float>;
	EXPECT_EQ(decode(RawDecoder(DType::Float32, {}), bytes_of<float>({1.5f, -2})), (V{1.5f, -2}));
	EXPECT_EQ(decode(RawDecoder(DType::Float64, {}), bytes_of<double>({0.25, 8})), (V{0.25f, 8}));
	EXPECT_EQ(decode(RawDecoder(DType::Int64, {}), bytes_of<int64_t>({-5, 1LL << 40})), (V{-5, 1099511627776.0f}));
	EXPECT_EQ(decode(RawDecoder(DType::Int32, {}), bytes_of<int32_t>({-7, 9})), (V{-7, 9}));
	EXPECT_EQ(decode(RawDecoder(DType::Int16, {}), bytes_of<int16_t>({-300, 2})), (V{-300, 2}));
	EXPECT_EQ(decode(RawDecoder(DType::Int8, {}), bytes_of<int8_t>({-1, 127})), (V{-1, 127}));
	EXPECT_EQ(decode(RawDecoder(DType::UInt16, {}), bytes_of<uint16_t>({65535})), (V{65535}));
	EXPECT_EQ(decode(RawDecoder(DType::UInt8, {}), bytes_of<uint8_t>({0, 255})), (V{0, 255}));
	EXPECT_EQ(decode(RawDecoder(DType::Bool, {}), bytes_of<uint8_t>({0, 1, 2})), (V{0, 1, 1}));
	EXPECT_EQ(decode(RawDecoder(DType::Half, {}), bytes_of<uint16_t>({0x3c00, 0x3800})), (V{1, 0.5f}));
	EXPECT_EQ(decode(RawDecoder(DType::String, {}), "3.25"), (V{3.25f}));
	EXPECT_EQ(decode(RawDecoder(DType::String, {}), "true"), (V{1}));
}

TEST(RawDecoder, ReshapeFixesTheWidth) {
	RawDecoder image(DType::UInt8, parse_shape("28 28"));
	EXPECT_EQ(image.width(), 784u);
	std::string pixels(784, '\x07');
	auto values = decode(image, pixels);
	ASSERT_EQ(values.size(), 784u);
	EXPECT_EQ(values[783], 7);
	try {
		decode(image, std::string(783, '\0'));
		FAIL();
	} catch (const FormatError &e) {
		EXPECT_NE(std::string(e.what()).find("783 bytes, expected 784"), std::string::npos) << e.what();
	}
	EXPECT_EQ(RawDecoder(DType::Float32, {}).width(), 0u);
	EXPECT_EQ(RawDecoder(DType::Float32, parse_shape("2 3")).width(), 6u);
}

TEST(RawDecoder, RejectsPartialElementsAndBadText) {
	EXPECT_THROW(decode(RawDecoder(DType::Float32, {}), "abcde"), FormatError);
	EXPECT_THROW(decode(RawDecoder(DType::Float64, {}), ""), FormatError);
	EXPECT_THROW(decode(RawDecoder(DType::String, {}), "cat"), FormatError);
	EXPECT_THROW(decode(RawDecoder(DType::String, {}), ""), FormatError);
	EXPECT_THROW(RawDecoder(DType::String, parse_shape("2")), FormatError);
}

TEST(RawDecoder, AppendsWithoutTouchingEarlierValues) {
	std::vector<float> out = {42};
	RawDecoder(DType::Int8, {}).decode(bytes_of<int8_t>({1, 2}), out);
	EXPECT_EQ(out, (std::vector<float>{42, 1, 2}));
}

TEST(RawEncoder, IsTheInverseOfTheDecoder) {
	const float values[] = {1, 2.5f, -3};
	for (auto type : {DType::Float32, DType::Float64, DType::Half}) {
		std::string bytes;
		encode_raw(type, values, bytes);
		EXPECT_EQ(bytes.size(), 3 * dtype_size(type));
		EXPECT_EQ(decode(RawDecoder(type, {}), bytes), (std::vector<float>{1, 2.5f, -3}));
	}
	std::string text;
	encode_raw(DType::String, std::span<const float>(values, 1), text);
	EXPECT_EQ(text, "1");
	std::string joined;
	EXPECT_THROW(encode_raw(DType::String, values, joined), FormatError); // would be "12.5-3"
	EXPECT_TRUE(joined.empty());
	std::string ints;
	encode_raw(DType::Int16, values, ints);
	EXPECT_EQ(ints, bytes_of<int16_t>({1, 2, -3})); // 2.5 rounds to even
}
