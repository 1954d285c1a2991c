#pragma once

// Internal state behind Model (shared by model.cpp, model_file.cpp and
// torchscript.cpp). Buffers are sized once at build; executors keep raw
// pointers into them, so they must never be resized afterwards.

#include "ml/executor.h"
#include "ml/model.h"
#include "ml/numerics.h"
#include "ml/optimizer.h"
#include "ml/plan.h"
#include "ml/stages.h"

namespace kafkaml::ml {

struct Model::Impl {
	ModelSpec spec;
	ModelPlan plan;
	std::vector<float> params, states, grads;
	std::unique_ptr<Executor> executor;
	ExecutionPath path = ExecutionPath::General;
	Rng rng;
	//! Made by the first fit() and kept, as Keras keeps model.optimizer: a
	//! later fit() continues its moments and step count (learning-rate
	//! schedules included) instead of starting over. Not in the model
	//! file: save_training_state() keeps it.
	std::unique_ptr<Optimizer> optimizer;
	//! Model::set_learning_rate_factor: kept here so that an optimizer made
	//! after reset_optimizer() takes it too.
	double learning_rate_factor = 1;
	//! Non-empty for models defined by an uploaded TorchScript module.
	bool torchscript = false;
	//! TorchScript only: writes the module with its current weights.
	std::function<std::string()> save_module;
	//! Early exits (Model::run_stage), made on first use for a graph with
	//! several outputs: each stage's plan and its executor on `params` and
	//! `states`. Sized once: the executors keep references to the plans.
	//! Mutable: planning them does not change the model.
	mutable std::vector<StagePlan> stages;
	std::vector<std::unique_ptr<Executor>> stage_executors;
};

//! Rebuilds a TorchScript-defined model (torchscript.cpp).
std::unique_ptr<Model::Impl> torchscript_impl(std::string_view module_bytes, const CompileSpec &compile,
                                              Shape input_shape, uint64_t seed);
//! torch.load()-able bytes of {"format", "spec", "weights"} (torchscript.cpp).
std::string pickle_weights(const Model::Impl &impl, const std::string &spec_json);
//! Through the torch backend: see Model::check_torchscript.
int64_t check_torchscript(std::string_view module_bytes);

std::string spec_to_json_text(const ModelSpec &spec);

} // namespace kafkaml::ml
