#include "common/allocator.h"

#include <cstdlib>
#include <malloc.h>

namespace kafkaml {

void tune_allocator() {
	constexpr int kMmapThreshold = 32 << 20; // glibc's largest dynamic threshold on 64-bit
	constexpr int kTrimThreshold = 64 << 20;
	if (!std::getenv("MALLOC_MMAP_THRESHOLD_")) {
		mallopt(M_MMAP_THRESHOLD, kMmapThreshold);
	}
	if (!std::getenv("MALLOC_TRIM_THRESHOLD_")) {
		mallopt(M_TRIM_THRESHOLD, kTrimThreshold);
	}
}

} // namespace kafkaml
