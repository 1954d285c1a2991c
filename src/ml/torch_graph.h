#pragma once

// Inside libkafkaml_torch.so only: the layers applied to several tensors,
// which exist only in graph models (plan.h, takes_several_inputs): the merge
// layers (Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate,
// Dot) and MultiHeadAttention, on libtorch autograd. The general executor
// (torch_executor.cpp) calls them for such nodes.
//
// Tensors are batch-first; Keras' axes count the batch as axis 0, so a
// Keras axis is the tensor dimension as is. Weights keep Keras' layouts
// (plan.cpp's plan_attention).
//
// Thread-safety: none beyond libtorch's; called by the thread running the
// model.

#include "ml/plan.h"
#include "ml/rng.h"

#include <torch/torch.h>

#include <vector>

namespace kafkaml::ml {

//! A merge layer on `inputs` (call order, each [batch, shape...]); the
//! result is [batch, layer.output_shape...].
torch::Tensor forward_merge(const LayerPlan &layer, const std::vector<torch::Tensor> &inputs);

//! MultiHeadAttention on (query, value[, key]). `weights` are the layer's
//! slots in Keras' order. With `rng` (training) the attention probabilities
//! get a dropout mask drawn from it into `mask`, which must live until the
//! backward pass.
torch::Tensor forward_attention(const LayerPlan &layer, const std::vector<torch::Tensor> &weights,
                                const std::vector<torch::Tensor> &inputs, Rng *rng, std::vector<float> &mask);

} // namespace kafkaml::ml
