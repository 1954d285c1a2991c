#include "formats/dtype.h"

#include "formats/format_error.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

namespace kafkaml::formats {
namespace {

static_assert(std::endian::native == std::endian::little, "RAW codecs assume a little-endian host");

struct DTypeName {
	std::string_view name;
	DType type;
};

constexpr DTypeName kNames[] = {
    {"half", DType::Half},      {"float16", DType::Half},    {"float", DType::Float32}, {"float32", DType::Float32},
    {"double", DType::Float64}, {"float64", DType::Float64}, {"int64", DType::Int64},   {"int32", DType::Int32},
    {"int16", DType::Int16},    {"int8", DType::Int8},       {"uint16", DType::UInt16}, {"uint8", DType::UInt8},
    {"string", DType::String},  {"str", DType::String},      {"bool", DType::Bool},     {"bool_", DType::Bool},
};

// The element loops are the hot path of RAW decoding (a 28x28 image is 784
// conversions): ask GCC for its full vectorizer here, as -O2 only tries
// loops whose trip count it knows.
#if defined(__GNUC__) && !defined(__clang__)
#define KAFKAML_VECTORIZE [[gnu::optimize("O3")]]
#else
#define KAFKAML_VECTORIZE
#endif

template <typename T>
KAFKAML_VECTORIZE void load_all(const char *src, size_t count, float *dst) {
	for (size_t i = 0; i < count; i++) {
		T value;
		std::memcpy(&value, src + i * sizeof(T), sizeof(T));
		dst[i] = static_cast<float>(value);
	}
}

template <typename T>
void store_all(const float *src, size_t count, char *dst) {
	for (size_t i = 0; i < count; i++) {
		T value;
		if constexpr (std::is_floating_point_v<T>) {
			value = static_cast<T>(src[i]);
		} else {
			float v = std::nearbyint(src[i]);
			if (std::isnan(v)) {
				v = 0;
			}
			v = std::fmax(v, static_cast<float>(std::numeric_limits<T>::lowest()));
			// The float nearest to max() may exceed it (int32/int64): clamp below.
			if (v >= static_cast<float>(std::numeric_limits<T>::max())) {
				value = std::numeric_limits<T>::max();
			} else {
				value = static_cast<T>(v);
			}
		}
		std::memcpy(dst + i * sizeof(T), &value, sizeof(T));
	}
}

} // namespace

DType parse_dtype(std::string_view name) {
	for (const auto &entry : kNames) {
		if (entry.name == name) {
			return entry.type;
		}
	}
	throw FormatError("unknown data type '" + std::string(name) +
	                  "': use one of half, float, float32, double, int64, int32, int16, int8, uint16, uint8, "
	                  "string, bool (also float16, float64, str and numpy's bool_)");
}

std::string_view dtype_name(DType type) {
	switch (type) {
	case DType::Half:
		return "half";
	case DType::Float32:
		return "float32";
	case DType::Float64:
		return "double";
	case DType::Int64:
		return "int64";
	case DType::Int32:
		return "int32";
	case DType::Int16:
		return "int16";
	case DType::Int8:
		return "int8";
	case DType::UInt16:
		return "uint16";
	case DType::UInt8:
		return "uint8";
	case DType::String:
		return "string";
	case DType::Bool:
		return "bool";
	}
	return "?";
}

size_t dtype_size(DType type) {
	switch (type) {
	case DType::Half:
	case DType::Int16:
	case DType::UInt16:
		return 2;
	case DType::Float32:
	case DType::Int32:
		return 4;
	case DType::Float64:
	case DType::Int64:
		return 8;
	case DType::Int8:
	case DType::UInt8:
	case DType::Bool:
		return 1;
	case DType::String:
		return 0;
	}
	return 0;
}

float half_to_float(uint16_t bits) {
	uint32_t sign = static_cast<uint32_t>(bits & 0x8000u) << 16;
	uint32_t exponent = (bits >> 10) & 0x1fu;
	uint32_t mantissa = bits & 0x3ffu;
	uint32_t out;
	if (exponent == 0x1f) {
		out = sign | 0x7f800000u | (mantissa << 13);
	} else if (exponent != 0) {
		out = sign | ((exponent + 112) << 23) | (mantissa << 13);
	} else if (mantissa == 0) {
		out = sign;
	} else {
		// Subnormal half: value = mantissa * 2^-24, exact in float.
		float value = std::ldexp(static_cast<float>(mantissa), -24);
		return sign ? -value : value;
	}
	return std::bit_cast<float>(out);
}

uint16_t float_to_half(float value) {
	uint32_t bits = std::bit_cast<uint32_t>(value);
	uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
	uint32_t abs = bits & 0x7fffffffu;
	if (abs >= 0x7f800000u) {
		return static_cast<uint16_t>(sign | 0x7c00u | (abs > 0x7f800000u ? 0x200u : 0u));
	}
	if (abs >= 0x477ff000u) { // rounds to >= 65520: overflow to inf
		return static_cast<uint16_t>(sign | 0x7c00u);
	}
	if (abs < 0x38800000u) { // below the smallest normal half: subnormal or zero
		float magnitude = std::bit_cast<float>(abs);
		auto mantissa = static_cast<uint32_t>(std::nearbyint(std::ldexp(magnitude, 24)));
		return static_cast<uint16_t>(sign | mantissa);
	}
	uint32_t rounded = abs + 0xfffu + ((abs >> 13) & 1u); // round to nearest even at bit 13
	return static_cast<uint16_t>(sign | (((rounded - 0x38000000u) >> 13) & 0x7fffu));
}

void convert_to_float(DType type, const char *src, size_t count, float *dst) {
	switch (type) {
	case DType::Half:
		for (size_t i = 0; i < count; i++) {
			uint16_t bits;
			std::memcpy(&bits, src + 2 * i, 2);
			dst[i] = half_to_float(bits);
		}
		return;
	case DType::Float32:
		std::memcpy(dst, src, count * sizeof(float));
		return;
	case DType::Float64:
		return load_all<double>(src, count, dst);
	case DType::Int64:
		return load_all<int64_t>(src, count, dst);
	case DType::Int32:
		return load_all<int32_t>(src, count, dst);
	case DType::Int16:
		return load_all<int16_t>(src, count, dst);
	case DType::Int8:
		return load_all<int8_t>(src, count, dst);
	case DType::UInt16:
		return load_all<uint16_t>(src, count, dst);
	case DType::UInt8:
		return load_all<uint8_t>(src, count, dst);
	case DType::Bool:
		for (size_t i = 0; i < count; i++) {
			dst[i] = src[i] != 0 ? 1.0f : 0.0f;
		}
		return;
	case DType::String:
		break;
	}
	throw FormatError("string elements have no fixed width; decode them as text");
}

void convert_from_float(DType type, const float *src, size_t count, char *dst) {
	switch (type) {
	case DType::Half:
		for (size_t i = 0; i < count; i++) {
			uint16_t bits = float_to_half(src[i]);
			std::memcpy(dst + 2 * i, &bits, 2);
		}
		return;
	case DType::Float32:
		std::memcpy(dst, src, count * sizeof(float));
		return;
	case DType::Float64:
		return store_all<double>(src, count, dst);
	case DType::Int64:
		return store_all<int64_t>(src, count, dst);
	case DType::Int32:
		return store_all<int32_t>(src, count, dst);
	case DType::Int16:
		return store_all<int16_t>(src, count, dst);
	case DType::Int8:
		return store_all<int8_t>(src, count, dst);
	case DType::UInt16:
		return store_all<uint16_t>(src, count, dst);
	case DType::UInt8:
		return store_all<uint8_t>(src, count, dst);
	case DType::Bool:
		for (size_t i = 0; i < count; i++) {
			dst[i] = src[i] != 0.0f ? 1 : 0;
		}
		return;
	case DType::String:
		break;
	}
	throw FormatError("string elements have no fixed width; encode them as text");
}

} // namespace kafkaml::formats
