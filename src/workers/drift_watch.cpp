#include "workers/drift_watch.h"

#include <cmath>

namespace kafkaml::workers {

const char *to_string(DriftResponse response) {
	switch (response) {
	case DriftResponse::none:
		return "none";
	case DriftResponse::reset_optimizer:
		return "reset_optimizer";
	case DriftResponse::boost_learning_rate:
		return "boost_learning_rate";
	}
	return "none";
}

std::optional<DriftResponse> drift_response_from_string(std::string_view text) {
	for (auto response : {DriftResponse::none, DriftResponse::reset_optimizer, DriftResponse::boost_learning_rate}) {
		if (text == to_string(response)) {
			return response;
		}
	}
	return std::nullopt;
}

double boost_factor(int64_t window) {
	if (window < 0 || window >= kBoostWindows) {
		return 1;
	}
	return std::pow(kBoostFactor, static_cast<double>(kBoostWindows - window) / static_cast<double>(kBoostWindows));
}

std::optional<WindowError> prequential_error(const ml::MetricValues &scores) {
	const std::pair<std::string, double> *accuracy = nullptr, *loss = nullptr;
	for (const auto &score : scores) {
		const auto &name = score.first;
		// A top-k accuracy is not the error of the model's prediction.
		bool named_accuracy =
		    name == "accuracy" || (name.ends_with("_accuracy") && name.find("top_k") == std::string::npos);
		if (named_accuracy && (!accuracy || name == "accuracy")) {
			accuracy = &score;
		} else if (name == "loss") {
			loss = &score;
		}
	}
	if (accuracy) {
		return WindowError{1 - accuracy->second, "1 - " + accuracy->first};
	}
	if (loss) {
		return WindowError{loss->second, "loss"};
	}
	return std::nullopt;
}

DriftWatch::DriftWatch(const ContinualOptions &options)
    : enabled_(options.drift_detection), response_(options.drift_response),
      test_(PageHinkleyOptions{.delta = options.drift_delta, .lambda = options.drift_threshold}) {}

void DriftWatch::prepare(ml::Model &model) {
	if (reset_pending_) {
		model.reset_optimizer();
		reset_pending_ = false;
	}
	if (since_drift_) {
		model.set_learning_rate_factor(boost_factor(*since_drift_));
		if (++*since_drift_ > kBoostWindows) {
			since_drift_.reset();
		}
	}
}

void DriftWatch::resume(double factor) {
	if (response_ != DriftResponse::boost_learning_rate) {
		return;
	}
	// prepare() set boost_factor(w) for the version's window w, computed as
	// here, so the factor matches exactly.
	for (int64_t window = 0; window < kBoostWindows; window++) {
		if (boost_factor(window) == factor) {
			since_drift_ = window + 1;
			return;
		}
	}
}

std::optional<DriftEvent> DriftWatch::observe(const ml::MetricValues &scores, int64_t rows, int64_t records) {
	if (!enabled_) {
		return std::nullopt;
	}
	auto error = prequential_error(scores);
	if (!error) {
		return std::nullopt;
	}
	double before = test_.mean();
	if (!test_.observe(error->value, rows)) {
		return std::nullopt;
	}
	DriftEvent drift{records, before, error->value, error->measure, response_};
	if (response_ == DriftResponse::reset_optimizer) {
		reset_pending_ = true;
	} else if (response_ == DriftResponse::boost_learning_rate) {
		since_drift_ = 0;
	}
	return drift;
}

} // namespace kafkaml::workers
