// fuzz-libs: kafkaml_formats
// JSON message decoding, with and without named fields.
#include "formats/format_error.h"
#include "formats/json_codec.h"

#include <cstddef>
#include <cstdint>

using namespace kafkaml::formats;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	static const JsonDecoder any;
	static const JsonDecoder named({"a", "b"});
	std::string_view text(reinterpret_cast<const char *>(data), size);
	std::vector<float> out;
	try {
		any.decode(text, out);
	} catch (const FormatError &) {
	}
	try {
		named.decode(text, out);
	} catch (const FormatError &) {
	}
	return 0;
}
