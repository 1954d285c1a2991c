// fuzz-libs: kafkaml_formats
// Control messages: the first byte is the key length (0 = no key, up to 9),
// then the key, then the JSON value. A decoded message must re-encode and
// decode to the same ranges.
#include "formats/control_message.h"
#include "formats/format_error.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

using namespace kafkaml::formats;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	if (size < 1) {
		return 0;
	}
	size_t key_size = data[0] % 10;
	if (size < 1 + key_size) {
		return 0;
	}
	std::optional<std::string_view> key;
	if (key_size > 0) {
		key = std::string_view(reinterpret_cast<const char *>(data + 1), key_size);
	}
	std::string_view value(reinterpret_cast<const char *>(data + 1 + key_size), size - 1 - key_size);
	try {
		auto message = decode_control_message(key, value);
		auto again = decode_control_message(message.encode_key(), message.encode_value());
		if (again.ranges != message.ranges || again.deployment_id != message.deployment_id) {
			std::abort();
		}
	} catch (const FormatError &) {
	}
	return 0;
}
