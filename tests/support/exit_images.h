#pragma once

// A two-exit CNN and the generated image stream it learns, shared by the
// early-exit pipeline test and the early-exit benchmark: class i % 2 of
// image i is a brighter left (0) or right (1) half, its contrast shrinking
// with i % 7 under unit noise, so that some images are easy and some hard
// and the first exit's confidence spreads over the whole range.
//
// Thread-safety: plain functions.

#include <filesystem>
#include <vector>

namespace kafkaml::testing {

//! The model's Keras code: an 8x8x1 image, a small convolution, an early
//! softmax exit ("early") and a deeper one ("late"), loss weights 0.5/1.
extern const char *const kTwoExitCnn;

//! Image i: 64 float32 pixels, row-major, one channel.
std::vector<float> exit_image(int i);
//! The label of image i: i % 2.
inline int exit_image_label(int i) {
	return i % 2;
}

//! Images first..first+count-1 as a CSV for `kafkaml send --label-column
//! label`: columns p0..p63 and label. Throws std::runtime_error when the
//! file cannot be written.
void write_exit_images_csv(const std::filesystem::path &path, int first, int count);

} // namespace kafkaml::testing
