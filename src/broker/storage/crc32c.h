#pragma once

#include <cstddef>
#include <cstdint>

namespace kafkaml::broker::storage {

//! CRC-32C (Castagnoli), as used by Kafka record batches v2. Uses the SSE4.2
//! instruction when the CPU has it, a table otherwise. Thread-safe.
uint32_t crc32c(const uint8_t *data, size_t size, uint32_t crc = 0);

} // namespace kafkaml::broker::storage
