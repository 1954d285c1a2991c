#pragma once

// Internal: a graph model with several outputs split into a chain of
// stages, one per output (an exit) in ModelSpec::outputs order, for
// Model::run_stage (model.h).
//
// Stage k holds the nodes output k needs that no earlier stage computed,
// in the model's node order. Its carry is every tensor computed at stages
// <= k, or a model input, that a later stage reads (as a node's input or
// as its exit), in a fixed order: model inputs by index, then node outputs
// by node index and output index (the order they are computed in). Each is
// flattened per sample (row-major, channels-last as everywhere) and the
// carry row is their values concatenated.
//
// Each stage is a graph plan of its own over the model's slots (the same
// parameter and state indices, so an executor made on it with the model's
// buffers computes with the model's weights): its inputs are the model's
// inputs (stage 0) or the previous carry's tensors, its outputs the exit
// then the carry's tensors, so one executor predict() gives a stage's row.
//
// Thread-safety: plain values.

#include "ml/plan.h"

#include <vector>

namespace kafkaml::ml {

struct StagePlan {
	ModelPlan plan;
	int64_t exit_size = 0;  //!< values per sample of the exit (the first of the plan's outputs)
	int64_t carry_size = 0; //!< values per sample of the carry (the plan's other outputs)
	Shape exit_shape;       //!< the exit's shape, batch excluded
};

//! One stage per output of a graph plan; for a chain one stage that is the
//! plan itself (no carry).
std::vector<StagePlan> plan_stages(const ModelPlan &plan);

} // namespace kafkaml::ml
