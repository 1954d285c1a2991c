#pragma once

// What a stage replica of an early-exit inference needs of its model: a
// model with several outputs (exits) split at them into a chain of stages.
// Stage k takes stage k-1's carry (stage 0: the model's input rows, as
// predict takes them) and gives exit k's output rows and the carry for
// stage k+1 (none after the last stage). The serving half is written
// against this interface so that the stage logic is tested with fakes; the
// real implementation wraps ml::Model (model_stages.h).
//
// Thread: used by one thread at a time, as ml::Model.

#include "ml/model.h"

#include <cstddef>
#include <cstdint>

namespace kafkaml::workers {

//! One stage's answer for a batch: exit k's output rows, and one flat float
//! row per sample for the next stage (empty for the last stage).
struct StageResult {
	ml::Array exit;
	ml::Array carry;
};

class StageModel {
public:
	virtual ~StageModel() = default;
	//! One stage per exit; 1 for a model with one output.
	virtual size_t stage_count() const = 0;
	//! What stage `stage` takes per sample, without the batch axis: the
	//! model's input shape for stage 0, {carry width} for later stages.
	virtual ml::Shape stage_input_shape(size_t stage) const = 0;
	//! Runs `stage` on `input` (shape[0] samples). Throws on an input of
	//! another shape.
	virtual StageResult run_stage(size_t stage, const ml::Array &input) = 0;
};

} // namespace kafkaml::workers
