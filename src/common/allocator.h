#pragma once

// How glibc's malloc serves the engine's tensors, set once and on purpose.
//
// By default glibc hands out allocations of 128 KiB and more with mmap and
// gives them back with munmap, and raises that threshold by itself (up to
// 32 MiB) only after the program frees a large mmapped block. So the same
// model trained in a process that happened to free a big buffer first (a
// CSV loaded) reused heap memory for every step's tensors, while in one that
// did not (a job fed by Kafka) each step mapped, faulted in and unmapped its
// larger tensors: measured 1.5x to 8x slower for a small CNN. Here the
// threshold is fixed at glibc's own maximum and the heap is trimmed only
// past 64 MiB free at its top: steps reuse memory whatever ran before,
// for a higher resident size.
//
// Thread-safety: call on the main thread before other threads start.

namespace kafkaml {

//! Applies the settings above unless the user set MALLOC_MMAP_THRESHOLD_ or
//! MALLOC_TRIM_THRESHOLD_ (glibc's own environment variables) to choose.
void tune_allocator();

} // namespace kafkaml
