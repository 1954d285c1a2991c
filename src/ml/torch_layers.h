#pragma once

// Inside libkafkaml_torch.so only: the forward computation, on libtorch
// autograd, of the layer kinds planned by plan_layers.cpp (and of LSTM and
// GRU, whose dropout and Bidirectional use share one recurrent loop with
// SimpleRNN; an LSTM with Keras' default activations and no dropout runs
// as torch_lstm.cpp's one node instead). The general executor (torch_executor.cpp) calls
// forward_added_layer() from the `default:` case of its forward switch.
//
// Data is channels-last and batch-first as everywhere in the engine;
// convolutions permute to torch's channels-first around the call. Weights
// keep Keras' layouts (plan_layers.h). Every random draw (dropout masks,
// noise, augmentation) comes from the executor's Rng, in layer order, so a
// run is reproducible from its seed.
//
// Thread-safety: none beyond libtorch's; called by the thread running the
// model.

#include "ml/numerics.h"
#include "ml/plan.h"
#include "ml/rng.h"

#include <torch/torch.h>

#include <functional>
#include <vector>

namespace kafkaml::ml {

//! Runs a layer through the executor's own dispatch: TimeDistributed's
//! wrapped layer may be any kind.
using LayerRunner = std::function<torch::Tensor(const LayerPlan &layer, const torch::Tensor &input)>;

struct LayerCall {
	const LayerPlan &layer;
	//! The slots of layer.params then layer.states, as tensors with the
	//! slots' (Keras') shapes: the layer's weights in Keras' order.
	std::vector<torch::Tensor> weights;
	bool training = false;
	Rng *rng = nullptr;               //!< set exactly when training
	const LayerRunner *run = nullptr; //!< for wrapped layers
	//! The executor's regularization penalty, for wrapped layers' activity
	//! regularizers (the executor adds the layer's own).
	torch::Tensor *penalty = nullptr;
};

//! The layer's output for `input` ([batch, input_shape...]), shaped
//! [batch, output_shape...]. Throws std::invalid_argument naming the layer
//! for a kind that is not built here.
torch::Tensor forward_added_layer(const LayerCall &call, const torch::Tensor &input);

//! A recurrent layer (LSTM, GRU, SimpleRNN) of a graph node started from
//! `initial` states ([batch, units] each: h, and LSTM's c; none: zeros),
//! returning its output and then, with return_state, its final states:
//! {output, h} or LSTM's {output, h, c}, as Keras' call returns them.
std::vector<torch::Tensor> forward_recurrent_node(const LayerCall &call, const torch::Tensor &input,
                                                  const std::vector<torch::Tensor> &initial);

//! total += term, where an undefined tensor is no penalty.
void add_penalty(torch::Tensor &total, const torch::Tensor &term);

//! Adds the layer's activity regularizer on its output `y` to `total`
//! (per sample as Keras 2 adds it: divided by the batch size).
void add_activity_penalty(torch::Tensor &total, const LayerSpec &layer, const torch::Tensor &y);

//! The penalty of the regularizers of `slots` on `weights` (one tensor per
//! slot): Keras' l1 sum |w| + l2 sum w^2 each. Undefined when none has one.
torch::Tensor weight_penalty(const std::vector<ParamSlot> &slots, const std::vector<torch::Tensor> &weights);

//! Keras activation `f` on libtorch (defined in torch_executor.cpp).
torch::Tensor activate(const torch::Tensor &x, ActivationFn f);

} // namespace kafkaml::ml
