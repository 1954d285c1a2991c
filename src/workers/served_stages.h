#pragma once

// The stages of a served model (ml::Model's early exits) as a stage replica
// uses them (stage_model.h).
//
// Thread: as the model, one thread at a time.

#include "ml/model.h"
#include "workers/stage_model.h"

namespace kafkaml::workers {

class ServedStages final : public StageModel {
public:
	//! `model` must outlive this.
	explicit ServedStages(ml::Model &model) : model_(model) {}

	size_t stage_count() const override { return model_.stage_count(); }
	ml::Shape stage_input_shape(size_t stage) const override;
	StageResult run_stage(size_t stage, const ml::Array &input) override;

private:
	ml::Model &model_;
};

} // namespace kafkaml::workers
