#include "workers/drift_detector.h"

#include <algorithm>
#include <cmath>

namespace kafkaml::workers {

bool PageHinkley::observe(double value, int64_t count) {
	if (!std::isfinite(value) || count < 1) {
		return false;
	}
	// One step per observation: within a window the running mean moves
	// with each, and M_T may be reached part-way through it. A window holds
	// at most a few thousand records, so the loop costs nothing beside the
	// window's training.
	for (int64_t i = 0; i < count; i++) {
		observations_++;
		mean_ += (value - mean_) / static_cast<double>(observations_);
		sum_ += value - mean_ - options_.delta;
		minimum_ = std::min(minimum_, sum_);
	}
	if (observations_ < options_.min_observations || sum_ - minimum_ <= options_.lambda) {
		return false;
	}
	reset();
	return true;
}

void PageHinkley::reset() {
	observations_ = 0;
	mean_ = 0;
	sum_ = 0;
	minimum_ = 0;
}

} // namespace kafkaml::workers
