// fuzz-libs: kafkaml_formats
// RAW decoding of arbitrary bytes: the first byte picks the dtype and shape.
#include "formats/format_error.h"
#include "formats/raw_codec.h"

#include <cstddef>
#include <cstdint>

using namespace kafkaml::formats;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	if (size < 1) {
		return 0;
	}
	static const DType kTypes[] = {DType::Half,  DType::Float32, DType::Float64, DType::Int64,
	                               DType::Int32, DType::Int16,   DType::Int8,    DType::UInt16,
	                               DType::UInt8, DType::String,  DType::Bool};
	DType type = kTypes[data[0] % 11];
	Shape shape;
	if ((data[0] & 0x80) && type != DType::String) {
		shape.dims = {2, 2};
	}
	std::string_view bytes(reinterpret_cast<const char *>(data + 1), size - 1);
	std::vector<float> out;
	try {
		RawDecoder(type, shape).decode(bytes, out);
	} catch (const FormatError &) {
	}
	return 0;
}
