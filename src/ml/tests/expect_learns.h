#pragma once

// A training check shared by the layer tests: a model fits a learnable toy
// target (class 1 when its inputs sum above 0), its loss drops, and its
// saved file predicts the same.

#include "ml/model.h"
#include "ml/plan.h"
#include "spec_builders.h"

#include <gtest/gtest.h>

namespace kafkaml::ml::testing {

//! `spec` needs its input shape and a compile() with a sparse categorical
//! loss. Integer inputs are in [0, 10) and count as +1 when >= 5, else -1.
inline void expect_learns_toy_target(const ModelSpec &spec, const Shape &input, bool integer_input = false) {
	Rng rng(1);
	const int64_t rows = 64, width = shape_size(input);
	Array x{{rows}, {}}, y{{rows}, {}};
	x.shape.insert(x.shape.end(), input.begin(), input.end());
	for (int64_t r = 0; r < rows; r++) {
		float sum = 0;
		for (int64_t i = 0; i < width; i++) {
			float v = integer_input ? static_cast<float>(rng.below(10)) : rng.uniform(-1, 1);
			x.data.push_back(v);
			sum += integer_input ? (v >= 5 ? 1.0f : -1.0f) : v;
		}
		y.data.push_back(sum > 0 ? 1.0f : 0.0f);
	}
	auto model = Model::build(spec, 3);
	EXPECT_EQ(model.path(), ExecutionPath::General);
	FitOptions o;
	o.epochs = 15;
	o.batch_size = 16;
	o.verbose = 0;
	auto history = model.fit(x, y, o).history;
	EXPECT_LT(metric(history.back().train, "loss"), 0.8 * metric(history.front().train, "loss"));
	auto again = Model::load(model.save());
	EXPECT_EQ(again.predict(x).data, model.predict(x).data);
}

} // namespace kafkaml::ml::testing
