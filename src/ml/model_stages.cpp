// Model's early exits: the stages of a graph with several outputs
// (stages.h), each run by an executor of its own over the model's buffers.

#include "ml/model.h"
#include "ml/model_impl.h"

#include <fmt/format.h>

#include <stdexcept>

namespace kafkaml::ml {

namespace {

bool staged(const Model::Impl &m) {
	return !m.torchscript && m.plan.graph && m.plan.outputs.size() > 1;
}

const std::vector<StagePlan> &stage_plans(const Model::Impl &m) {
	if (m.stages.empty()) {
		m.stages = plan_stages(m.plan);
	}
	return m.stages;
}

} // namespace

size_t Model::stage_count() const {
	return staged(*impl_) ? impl_->plan.outputs.size() : 1;
}

int64_t Model::stage_input_width(size_t stage) const {
	if (stage >= stage_count()) {
		throw std::invalid_argument(fmt::format("stage {} of a model with {} stages", stage, stage_count()));
	}
	if (stage == 0) {
		return impl_->plan.input_size();
	}
	return stage_plans(*impl_)[stage - 1].carry_size;
}

Model::StageOutput Model::run_stage(size_t stage, const Array &input, std::optional<int64_t> batch_size) {
	const int64_t width = stage_input_width(stage);
	if (input.shape.empty() || input.row_size() != width ||
	    static_cast<int64_t>(input.data.size()) != input.rows() * width) {
		throw std::invalid_argument(fmt::format("stage {} takes rows of {} values, got {} values in shape {}", stage,
		                                        width, input.data.size(), shape_to_string(input.shape)));
	}
	StageOutput result;
	if (!staged(*impl_)) {
		result.exit = predict(input, batch_size);
		return result;
	}
	Impl &m = *impl_;
	const auto &stages = stage_plans(m);
	if (m.stage_executors.empty()) {
		for (const auto &s : stages) {
			m.stage_executors.push_back(make_torch_executor(s.plan, m.params.data(), m.states.data()));
		}
	}
	const StagePlan &s = stages[stage];
	const int64_t rows = input.rows(), out_width = s.exit_size + s.carry_size;
	const int64_t batch = std::max<int64_t>(1, batch_size.value_or(32));
	std::vector<float> out(static_cast<size_t>(batch * out_width));
	result.exit.shape = {rows};
	result.exit.shape.insert(result.exit.shape.end(), s.exit_shape.begin(), s.exit_shape.end());
	result.exit.data.resize(static_cast<size_t>(rows * s.exit_size));
	if (s.carry_size > 0) {
		result.carry.shape = {rows, s.carry_size};
		result.carry.data.resize(static_cast<size_t>(rows * s.carry_size));
	}
	for (int64_t r = 0; r < rows; r += batch) {
		const int64_t b = std::min(batch, rows - r);
		m.stage_executors[stage]->predict(input.data.data() + r * width, b, out.data());
		for (int64_t i = 0; i < b; i++) {
			const float *row = out.data() + i * out_width;
			std::copy_n(row, s.exit_size, result.exit.data.data() + (r + i) * s.exit_size);
			if (s.carry_size > 0) {
				std::copy_n(row + s.exit_size, s.carry_size, result.carry.data.data() + (r + i) * s.carry_size);
			}
		}
	}
	return result;
}

} // namespace kafkaml::ml
