#pragma once

// Internal: how a planned model is run. Two implementations share the
// model's flat parameter/state buffers (owned by Model, addresses stable for
// the executor's life):
// - the fused executor (fused_executor.cpp, no libtorch) for stacks of
//   Dense/Dropout/Activation/Flatten: hand-written forward and backward on
//   preallocated contiguous buffers, no autograd and no per-step allocation;
// - the general executor (torch_executor.cpp) for every layer, on libtorch
//   autograd, with tensors that alias the same buffers.
// Both draw dropout masks from the Rng in layer order through
// fill_dropout_mask, so on the same seed they compute the same numbers.
//
// Thread-safety: none; one executor per model, used by one thread at a time.

#include "ml/plan.h"
#include "ml/rng.h"

#include <memory>
#include <string>

namespace kafkaml::ml {

class Executor {
public:
	virtual ~Executor() = default;
	//! Training-mode forward of `batch` samples; `x` must stay valid until
	//! backward(). Writes batch x output_size values to `out`.
	virtual void forward_train(const float *x, int64_t batch, Rng &rng, float *out) = 0;
	//! Gradients of the last forward_train given dL/dout; overwrites `grads`
	//! (trainable_count values, the layout of the parameter buffer).
	virtual void backward(const float *dout, float *grads) = 0;
	//! Inference-mode forward (dropout off, moving statistics).
	virtual void predict(const float *x, int64_t batch, float *out) = 0;
	//! The regularizers' penalty of the last forward (weights, and the
	//! activity of that batch), which Keras adds to the loss; backward()
	//! includes its gradients.
	virtual double regularization() const { return 0.0; }
};

//! True when the plan is a chain (not a graph) and every layer is one the
//! fused executor computes (Dense on rank-1 input, Dropout, Activation,
//! Flatten).
bool fused_supported(const ModelPlan &plan);
std::unique_ptr<Executor> make_fused_executor(const ModelPlan &plan, float *params);
std::unique_ptr<Executor> make_torch_executor(const ModelPlan &plan, float *params, float *states);

//! Intra-op threads of libtorch (default 1: jobs run side by side).
void set_torch_threads(int threads);

} // namespace kafkaml::ml
