#include "workers/carry_format.h"

#include "formats/format_error.h"

#include <bit>
#include <cstring>

namespace kafkaml::workers {
namespace {

constexpr size_t kHeaderSize = 8;
constexpr size_t kMaxRank = 8;

void put_u32(uint32_t value, std::string &out) {
	for (int i = 0; i < 4; ++i) {
		out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
	}
}

uint32_t get_u32(const char *p) {
	uint32_t value = 0;
	for (int i = 0; i < 4; ++i) {
		value |= uint32_t(static_cast<unsigned char>(p[i])) << (8 * i);
	}
	return value;
}

} // namespace

void encode_carry(const float *values, const std::vector<int64_t> &shape, std::string &out) {
	size_t count = 1;
	for (auto dimension : shape) {
		count *= static_cast<size_t>(dimension);
	}
	out.clear();
	out.reserve(kHeaderSize + 4 * shape.size() + 4 * count);
	out.append(kCarryMagic);
	out.push_back(static_cast<char>(kCarryVersion));
	out.push_back(static_cast<char>(shape.size()));
	out.append(2, '\0');
	for (auto dimension : shape) {
		put_u32(static_cast<uint32_t>(dimension), out);
	}
	for (size_t i = 0; i < count; ++i) {
		put_u32(std::bit_cast<uint32_t>(values[i]), out);
	}
}

void decode_carry(std::string_view message, size_t width, std::vector<float> &out) {
	if (message.size() < kHeaderSize || message.substr(0, 4) != kCarryMagic) {
		throw formats::FormatError("not a carry message of an early-exit stage (it does not start with \"KMLC\"): "
		                           "a stage after the first reads only what the stage before it forwards");
	}
	auto version = static_cast<uint8_t>(message[4]);
	if (version != kCarryVersion) {
		throw formats::FormatError("carry message of format version " + std::to_string(version) +
		                           "; this kafkaml reads version " + std::to_string(kCarryVersion));
	}
	auto rank = static_cast<uint8_t>(message[5]);
	if (rank == 0 || rank > kMaxRank || message.size() < kHeaderSize + 4 * size_t(rank)) {
		throw formats::FormatError("carry message with a bad shape header (rank " + std::to_string(rank) + ")");
	}
	size_t count = 1;
	for (size_t i = 0; i < rank; ++i) {
		count *= get_u32(message.data() + kHeaderSize + 4 * i);
	}
	if (count != width) {
		throw formats::FormatError("carry message of " + std::to_string(count) + " values; this stage takes " +
		                           std::to_string(width) +
		                           " (was it forwarded by another model's stage, or another version's?)");
	}
	size_t start = kHeaderSize + 4 * size_t(rank);
	if (message.size() != start + 4 * count) {
		throw formats::FormatError("carry message of " + std::to_string(message.size()) + " bytes; its header says " +
		                           std::to_string(start + 4 * count));
	}
	const char *p = message.data() + start;
	for (size_t i = 0; i < count; ++i) {
		out.push_back(std::bit_cast<float>(get_u32(p + 4 * i)));
	}
}

} // namespace kafkaml::workers
