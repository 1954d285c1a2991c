#pragma once

// What a continual training does about drift: the Page-Hinkley test of
// drift_detector.h on each window's prequential error, and the new
// learning phase a deployment may ask for once it detects one.
//
//   error     1 - the window's prequential accuracy when the model reports
//             an accuracy metric ("accuracy", or the first "..._accuracy"),
//             else its prequential loss; observed once per record of the
//             window
//   drift     the test fires: reported with the records learned so far,
//             the mean error since the last drift (or the start) and the
//             window's error; the test starts over
//   response  none: only the report. reset_optimizer: the next window's
//             fit starts a fresh optimizer (moments, step count and
//             learning-rate schedule from their start). boost_learning_rate:
//             the learning rate is multiplied by kBoostFactor for the next
//             window, then by a factor that falls geometrically back to 1
//             over kBoostWindows windows
//
// Thread: the job's.

#include "ml/model.h"
#include "workers/drift_detector.h"
#include "workers/job_coordinator.h"

#include <optional>
#include <string>
#include <string_view>

namespace kafkaml::workers {

//! The learning rate right after a drift, relative to compile's.
constexpr double kBoostFactor = 10;
//! Windows over which the boost falls back to 1: 10, 6.3, 4, 2.5, 1.6, 1.
constexpr int64_t kBoostWindows = 5;

//! The boost's factor on the learning rate of the `window`th window after a
//! drift (0: the first one trained after it); 1 from kBoostWindows on.
double boost_factor(int64_t window);

//! The error a window's prequential scores give the detector, with what it
//! is ("1 - accuracy" or "loss"); nullopt when they have neither.
struct WindowError {
	double value = 0;
	std::string measure;
};
std::optional<WindowError> prequential_error(const ml::MetricValues &scores);

class DriftWatch {
public:
	explicit DriftWatch(const ContinualOptions &options);

	//! Before a window's fit: carries out the response to the last drift
	//! (a pending optimizer reset, the boost's factor for this window).
	void prepare(ml::Model &model);
	//! A run resumed with a version's training state, whose learning-rate
	//! factor was `factor`: a boost under way when the version was cut
	//! goes on falling from where it stood (the factor names its window).
	void resume(double factor);
	//! After a window of `rows` records was scored (`scores`) and learned
	//! from, `records` learned in all: the drift it shows, if any.
	std::optional<DriftEvent> observe(const ml::MetricValues &scores, int64_t rows, int64_t records);

private:
	bool enabled_;
	DriftResponse response_;
	PageHinkley test_;
	bool reset_pending_ = false;
	//! Windows trained since the last drift; none yet: no boost.
	std::optional<int64_t> since_drift_;
};

} // namespace kafkaml::workers
