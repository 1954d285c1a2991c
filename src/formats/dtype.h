#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace kafkaml::formats {

//! Element types of RAW messages (docs/wire-format.md), named as numpy names them.
enum class DType : uint8_t { Half, Float32, Float64, Int64, Int32, Int16, Int8, UInt16, UInt8, String, Bool };

//! Parses "half", "float", "float32", "double", "float64", "int64", "int32",
//! "int16", "int8", "uint16", "uint8", "string", "bool" (also "float16",
//! "str", numpy's "bool_"). Throws FormatError naming the accepted names.
DType parse_dtype(std::string_view name);

//! Canonical name, as written into input_config by our own sinks.
std::string_view dtype_name(DType type);

//! Bytes per element; 0 for String (variable length).
size_t dtype_size(DType type);

//! IEEE 754 binary16 bits to float (handles subnormals, inf, NaN).
float half_to_float(uint16_t bits);
//! float to binary16 bits, round to nearest even.
uint16_t float_to_half(float value);

//! Converts `count` little-endian elements of `type` at `src` into floats.
//! `type` must not be String. No alignment needed. Thread: any (pure).
void convert_to_float(DType type, const char *src, size_t count, float *dst);

//! Writes `count` floats as little-endian elements of `type` at `dst`
//! (dtype_size(type) * count bytes). Integers are rounded and saturated.
void convert_from_float(DType type, const float *src, size_t count, char *dst);

} // namespace kafkaml::formats
