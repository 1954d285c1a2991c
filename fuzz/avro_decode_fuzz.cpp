// fuzz-libs: kafkaml_formats
// AVRO: the first byte picks a schema (or, with 0xff, the rest is a schema
// to parse); the rest is a datum to decode.
#include "formats/avro_codec.h"
#include "formats/format_error.h"

#include <cstddef>
#include <cstdint>

using namespace kafkaml::formats;

namespace {

const char *kSchemas[] = {
    R"({"type":"record","name":"H","fields":[{"name":"g","type":"float"},{"name":"a","type":"float"},{"name":"s","type":"float"}]})",
    R"({"type":"record","name":"R","fields":[{"name":"i","type":"int"},{"name":"l","type":"long"},{"name":"d","type":"double"},
      {"name":"b","type":"boolean"},{"name":"e","type":{"type":"enum","name":"E","symbols":["A","B"]}},
      {"name":"n","type":["null","float"]},{"name":"a","type":{"type":"array","items":["null","double"]}}]})",
    R"({"type":"array","items":{"type":"array","items":"int"}})",
    R"(["null","boolean","long"])",
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	if (size < 1) {
		return 0;
	}
	std::string_view rest(reinterpret_cast<const char *>(data + 1), size - 1);
	try {
		if (data[0] == 0xff) {
			AvroSchema::parse(rest);
			return 0;
		}
		static const std::vector<AvroDecoder> decoders = [] {
			std::vector<AvroDecoder> all;
			for (const char *schema : kSchemas) {
				all.emplace_back(AvroSchema::parse(schema));
			}
			return all;
		}();
		std::vector<float> out;
		decoders[data[0] % decoders.size()].decode(rest, out);
	} catch (const FormatError &) {
	}
	return 0;
}
