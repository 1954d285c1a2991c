#include "stream/io.h"

namespace kafkaml::stream {

size_t record_size(const OutRecord &record) {
	size_t size = record.value.size() + (record.key ? record.key->size() : 0);
	for (const auto &header : record.headers) {
		size += header.key.size() + (header.value ? header.value->size() : 0);
	}
	return size;
}

} // namespace kafkaml::stream
