#include "ml/spec/exit_confidence.h"

#include <algorithm>
#include <cmath>

namespace kafkaml::ml {

std::optional<ConfidenceRule> parse_confidence_rule(std::string_view name) {
	if (name == "top_probability") {
		return ConfidenceRule::TopProbability;
	}
	if (name == "margin") {
		return ConfidenceRule::Margin;
	}
	if (name == "entropy") {
		return ConfidenceRule::Entropy;
	}
	return std::nullopt;
}

const char *to_string(ConfidenceRule rule) {
	switch (rule) {
	case ConfidenceRule::TopProbability:
		return "top_probability";
	case ConfidenceRule::Margin:
		return "margin";
	case ConfidenceRule::Entropy:
		return "entropy";
	}
	return "top_probability";
}

const char *confidence_rule_names() {
	return "top_probability, margin, entropy";
}

namespace {

// p * ln(p), 0 at p = 0 (its limit).
float plogp(float p) {
	return p > 0.0f ? p * std::log(p) : 0.0f;
}

} // namespace

float exit_confidence(const float *row, size_t width, ConfidenceRule rule) {
	if (width == 1) {
		float p = row[0];
		if (std::isnan(p)) {
			return 0.0f;
		}
		p = std::clamp(p, 0.0f, 1.0f);
		switch (rule) {
		case ConfidenceRule::TopProbability:
			return std::max(p, 1.0f - p);
		case ConfidenceRule::Margin:
			return std::abs(2.0f * p - 1.0f);
		case ConfidenceRule::Entropy:
			return 1.0f + (plogp(p) + plogp(1.0f - p)) / std::log(2.0f);
		}
	}
	float best = 0.0f, second = 0.0f, negative_entropy = 0.0f;
	for (size_t i = 0; i < width; ++i) {
		float p = row[i];
		if (std::isnan(p)) {
			return 0.0f;
		}
		if (p > best) {
			second = best;
			best = p;
		} else if (p > second) {
			second = p;
		}
		negative_entropy += plogp(std::clamp(p, 0.0f, 1.0f));
	}
	switch (rule) {
	case ConfidenceRule::TopProbability:
		return best;
	case ConfidenceRule::Margin:
		return best - second;
	case ConfidenceRule::Entropy:
		return std::clamp(1.0f + negative_entropy / std::log(static_cast<float>(width)), 0.0f, 1.0f);
	}
	return best;
}

} // namespace kafkaml::ml
