#include "ml/spec/exit_confidence.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace kafkaml::ml {
namespace {

TEST(ExitConfidence, TopProbabilityIsTheLargestOrEitherSideOfASigmoid) {
	std::vector<float> softmax{0.1f, 0.7f, 0.2f};
	EXPECT_FLOAT_EQ(exit_confidence(softmax.data(), 3), 0.7f);
	float low = 0.05f;
	EXPECT_FLOAT_EQ(exit_confidence(&low, 1), 0.95f);
	float nan = std::nanf("");
	EXPECT_EQ(exit_confidence(&nan, 1), 0.0f);
	std::vector<float> broken{0.5f, std::nanf(""), 0.5f};
	EXPECT_EQ(exit_confidence(broken.data(), 3), 0.0f) << "a row holding NaN is not sure of anything";
}

TEST(ExitConfidence, MarginIsHowClearlyTheWinnerWins) {
	std::vector<float> close{0.45f, 0.1f, 0.45f};
	EXPECT_FLOAT_EQ(exit_confidence(close.data(), 3, ConfidenceRule::Margin), 0.0f);
	std::vector<float> clear{0.1f, 0.8f, 0.1f};
	EXPECT_FLOAT_EQ(exit_confidence(clear.data(), 3, ConfidenceRule::Margin), 0.7f);
	float sigmoid = 0.9f;
	EXPECT_FLOAT_EQ(exit_confidence(&sigmoid, 1, ConfidenceRule::Margin), 0.8f);
}

TEST(ExitConfidence, EntropyIsOneOnOneClassAndZeroWhenSpreadEvenly) {
	std::vector<float> certain{0.0f, 1.0f, 0.0f, 0.0f};
	EXPECT_FLOAT_EQ(exit_confidence(certain.data(), 4, ConfidenceRule::Entropy), 1.0f);
	std::vector<float> even{0.25f, 0.25f, 0.25f, 0.25f};
	EXPECT_NEAR(exit_confidence(even.data(), 4, ConfidenceRule::Entropy), 0.0f, 1e-6);
	// Two classes at 0.5/0.5 are as unsure as a sigmoid at 0.5.
	float half = 0.5f;
	EXPECT_NEAR(exit_confidence(&half, 1, ConfidenceRule::Entropy), 0.0f, 1e-6);
	std::vector<float> skewed{0.9f, 0.1f};
	float p = 0.9f;
	EXPECT_NEAR(exit_confidence(skewed.data(), 2, ConfidenceRule::Entropy),
	            exit_confidence(&p, 1, ConfidenceRule::Entropy), 1e-6);
	// H(0.9, 0.1) = 0.325 nats; ln 2 = 0.693.
	EXPECT_NEAR(exit_confidence(&p, 1, ConfidenceRule::Entropy), 1.0 - 0.325083 / 0.693147, 1e-5);
}

TEST(ExitConfidence, RulesHaveNames) {
	for (auto rule : {ConfidenceRule::TopProbability, ConfidenceRule::Margin, ConfidenceRule::Entropy}) {
		EXPECT_EQ(parse_confidence_rule(to_string(rule)), rule);
	}
	EXPECT_FALSE(parse_confidence_rule("softmax"));
}

} // namespace
} // namespace kafkaml::ml
