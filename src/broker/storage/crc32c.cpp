#include "broker/storage/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace kafkaml::broker::storage {
namespace {

constexpr uint32_t kPoly = 0x82F63B78u; // reflected Castagnoli polynomial

std::array<uint32_t, 256> make_table() {
	std::array<uint32_t, 256> table{};
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++) {
			c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
		}
		table[i] = c;
	}
	return table;
}

uint32_t crc_table(const uint8_t *p, size_t n, uint32_t crc) {
	static const auto table = make_table();
	crc = ~crc;
	for (size_t i = 0; i < n; i++) {
		crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
	}
	return ~crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t crc_hw(const uint8_t *p, size_t n, uint32_t crc) {
	uint64_t c = ~crc;
	while (n >= 8) {
		uint64_t v;
		std::memcpy(&v, p, 8);
		c = _mm_crc32_u64(c, v);
		p += 8;
		n -= 8;
	}
	auto c32 = static_cast<uint32_t>(c);
	while (n > 0) {
		c32 = _mm_crc32_u8(c32, *p++);
		n--;
	}
	return ~c32;
}

bool has_sse42() {
	static const bool has = __builtin_cpu_supports("sse4.2");
	return has;
}
#endif

} // namespace

uint32_t crc32c(const uint8_t *data, size_t size, uint32_t crc) {
#if defined(__x86_64__)
	if (has_sse42()) {
		return crc_hw(data, size, crc);
	}
#endif
	return crc_table(data, size, crc);
}

} // namespace kafkaml::broker::storage
