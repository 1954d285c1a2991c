#include "workers/drift_watch.h"

#include "ml/spec/parse.h"

#include <gtest/gtest.h>

namespace kafkaml::workers {
namespace {

constexpr const char *kModel = R"(model = tf.keras.Sequential([
    tf.keras.layers.Dense(2, activation='softmax', input_shape=(3,))
])
model.compile(keras.optimizers.Adam(learning_rate=0.01), loss='sparse_categorical_crossentropy', metrics=['accuracy'])
)";

//! Ten right windows, then a wrong one: a drift.
void drift(DriftWatch &watch) {
	int64_t records = 0;
	for (int window = 0; window < 10; window++) {
		records += 200;
		ASSERT_FALSE(watch.observe({{"accuracy", 1.0}}, 200, records));
	}
	ASSERT_TRUE(watch.observe({{"accuracy", 0.0}}, 200, records + 200));
}

// A run killed during a boost and resumed from a version's training state
// (whose learning-rate factor names the boost's window) goes on with the
// boost where the killed run stood, for a cut after any window.
TEST(DriftWatch, AResumedRunCarriesOnTheBoostFromItsFactor) {
	ContinualOptions options;
	options.drift_response = DriftResponse::boost_learning_rate;
	auto spec = ml::parse_model_definition(kModel);

	DriftWatch uninterrupted(options);
	drift(uninterrupted);
	auto model = ml::Model::build(spec);
	std::vector<double> factors;
	for (int window = 0; window < 8; window++) {
		uninterrupted.prepare(model);
		factors.push_back(model.learning_rate_factor());
	}
	EXPECT_EQ(factors[0], kBoostFactor);
	EXPECT_EQ(factors[5], 1.0);

	for (size_t cut = 0; cut + 1 < factors.size(); cut++) {
		auto resumed_model = ml::Model::build(spec);
		resumed_model.set_learning_rate_factor(factors[cut]); // as the version's training state has it
		DriftWatch resumed(options);
		resumed.resume(factors[cut]);
		for (size_t window = cut + 1; window < factors.size(); window++) {
			resumed.prepare(resumed_model);
			EXPECT_EQ(resumed_model.learning_rate_factor(), factors[window])
			    << "cut after window " << cut << ", window " << window;
		}
	}

	// Without a boost response the factor is left as it is.
	ContinualOptions none;
	DriftWatch watch(none);
	watch.resume(factors[1]);
	auto other = ml::Model::build(spec);
	watch.prepare(other);
	EXPECT_EQ(other.learning_rate_factor(), 1.0);
}

} // namespace
} // namespace kafkaml::workers
