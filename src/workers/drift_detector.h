#pragma once

// A drift detector on a continual training's prequential error: the
// Page-Hinkley test (E. S. Page, "Continuous inspection schemes",
// Biometrika 41, 1954), in the form stream learning uses to detect an
// increase of the mean of a sequence x_1, x_2, ...:
//
//   mean_t = (x_1 + ... + x_t) / t
//   m_T    = sum over t = 1..T of (x_t - mean_t - delta)
//   M_T    = min over t = 1..T of m_t
//   drift when m_T - M_T > lambda
//
// delta is the increase of the mean tolerated (changes smaller than it are
// not looked for), lambda the evidence asked for: larger, fewer false
// alarms and a later detection. The mean is the running one at each t (the
// mean over all T would make m_T = -T delta, whatever the data).
//
// A continual training observes each window's prequential error, weighted
// by the window's records: a window of n records with error e is n
// observations of e. delta and lambda are then in per-record units, and a
// window cut short by a pause of the stream weighs as little as it holds.
//
// Thread: any, one instance per thread (no shared state).

#include <cstdint>

namespace kafkaml::workers {

struct PageHinkleyOptions {
	double delta = 0.005;          //!< tolerated increase of the mean
	double lambda = 100;           //!< the threshold on m_T - M_T
	int64_t min_observations = 30; //!< no detection before this many
};

class PageHinkley {
public:
	explicit PageHinkley(PageHinkleyOptions options = {}) : options_(options) {}

	//! Adds `count` observations of `value`; returns true when, after
	//! them, the test detects an increase of the mean. A detection resets
	//! the test: what comes next is measured against the new mean. A
	//! non-finite value or a count below 1 is ignored (returns false).
	bool observe(double value, int64_t count = 1);

	//! Forgets every observation.
	void reset();

	int64_t observations() const { return observations_; }
	double mean() const { return mean_; }
	//! m_T - M_T: how far the test is into its threshold (0 after a reset).
	double statistic() const { return sum_ - minimum_; }
	const PageHinkleyOptions &options() const { return options_; }

private:
	PageHinkleyOptions options_;
	int64_t observations_ = 0;
	double mean_ = 0;
	double sum_ = 0;     //!< m_T
	double minimum_ = 0; //!< M_T
};

} // namespace kafkaml::workers
