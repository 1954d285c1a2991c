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
// The crc32 instruction takes 3 cycles to give its result but can start one
// every cycle, so a single dependent chain runs at a third of what the CPU
// can do. Long inputs are cut into three adjacent blocks whose CRCs run as
// three independent chains in one loop, then joined.
//
// Joining uses linearity: on the bare register (no pre/post inversion),
// crc(r, A || B) = crc(r, A || zeros(|B|)) ^ crc(0, B), and feeding |B| zero
// bytes is a linear map of the register, applied here by four byte-indexed
// tables. Two block lengths keep the join cheap relative to the work: long
// blocks for batches, short ones for what is left.

__attribute__((target("sse4.2"))) uint64_t register_step(uint64_t reg, const uint8_t *p) {
	uint64_t v;
	std::memcpy(&v, p, 8);
	return _mm_crc32_u64(reg, v);
}

//! The bare register after `length` zero bytes, starting from `reg`.
__attribute__((target("sse4.2"))) uint32_t feed_zeros(uint32_t reg, size_t length) {
	uint64_t c = reg;
	for (size_t i = 0; i < length / 8; i++) {
		c = _mm_crc32_u64(c, 0);
	}
	return static_cast<uint32_t>(c);
}

//! Feeding `Length` zero bytes to the register, as four 256-entry tables
//! (one per register byte). Built once, on first use, from the 32 images of
//! the register's single bits.
template <size_t Length>
struct ZeroShift {
	std::array<std::array<uint32_t, 256>, 4> table{};

	ZeroShift() {
		std::array<uint32_t, 32> bit_image{};
		for (int bit = 0; bit < 32; bit++) {
			bit_image[bit] = feed_zeros(1u << bit, Length);
		}
		for (int byte = 0; byte < 4; byte++) {
			for (uint32_t value = 0; value < 256; value++) {
				uint32_t image = 0;
				for (int bit = 0; bit < 8; bit++) {
					if (value & (1u << bit)) {
						image ^= bit_image[byte * 8 + bit];
					}
				}
				table[byte][value] = image;
			}
		}
	}

	uint32_t operator()(uint32_t reg) const {
		return table[0][reg & 0xff] ^ table[1][(reg >> 8) & 0xff] ^ table[2][(reg >> 16) & 0xff] ^ table[3][reg >> 24];
	}
};

//! Runs three chains over three adjacent blocks of `Length` bytes while at
//! least three remain; returns the register after them.
template <size_t Length>
__attribute__((target("sse4.2"))) uint32_t three_blocks(const uint8_t *&p, size_t &n, uint32_t reg) {
	static_assert(Length % 8 == 0);
	static const ZeroShift<Length> shift;
	while (n >= 3 * Length) {
		uint64_t c0 = reg;
		uint64_t c1 = 0;
		uint64_t c2 = 0;
		for (size_t i = 0; i < Length; i += 8) {
			c0 = register_step(c0, p + i);
			c1 = register_step(c1, p + Length + i);
			c2 = register_step(c2, p + 2 * Length + i);
		}
		reg = shift(static_cast<uint32_t>(c0)) ^ static_cast<uint32_t>(c1);
		reg = shift(reg) ^ static_cast<uint32_t>(c2);
		p += 3 * Length;
		n -= 3 * Length;
	}
	return reg;
}

__attribute__((target("sse4.2"))) uint32_t crc_hw(const uint8_t *p, size_t n, uint32_t crc) {
	uint32_t reg = ~crc;
	reg = three_blocks<4096>(p, n, reg);
	reg = three_blocks<256>(p, n, reg);
	uint64_t c = reg;
	while (n >= 8) {
		c = register_step(c, p);
		p += 8;
		n -= 8;
	}
	reg = static_cast<uint32_t>(c);
	while (n > 0) {
		reg = _mm_crc32_u8(reg, *p++);
		n--;
	}
	return ~reg;
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
