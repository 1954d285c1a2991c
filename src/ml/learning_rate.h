#pragma once

// The learning rate of each optimizer step, as Keras computes it: a
// keras.optimizers.schedules object given as `learning_rate` is evaluated at
// the optimizer's iteration count before the update (0 for the first step,
// as Keras 3 passes `optimizer.iterations`), and Keras 2's `decay` argument
// divides the result by `1 + decay * step`. The formulas are in README.md.
//
// Thread-safety: pure functions.

#include "ml/spec/model_spec.h"

#include <cstdint>

namespace kafkaml::ml {

//! The learning rate of the update made after `step` earlier updates.
double learning_rate_at(const OptimizerSpec &spec, int64_t step);

//! Throws std::invalid_argument when the schedule cannot be evaluated
//! (unknown name, decay_steps <= 0, boundaries and values that do not pair).
void check_learning_rate(const OptimizerSpec &spec);

} // namespace kafkaml::ml
