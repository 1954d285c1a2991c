#include "workers/served_stages.h"

namespace kafkaml::workers {

ml::Shape ServedStages::stage_input_shape(size_t stage) const {
	if (stage == 0) {
		return model_.input_shape();
	}
	return {model_.stage_input_width(stage)};
}

StageResult ServedStages::run_stage(size_t stage, const ml::Array &input) {
	auto output = model_.run_stage(stage, input);
	return {std::move(output.exit), std::move(output.carry)};
}

} // namespace kafkaml::workers
