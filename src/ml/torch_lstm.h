#pragma once

// Inside libkafkaml_torch.so: a Keras LSTM layer over a whole sequence as
// one autograd node, for the common case (tanh activation, sigmoid gates).
//
// Built from separate autograd operations, an LSTM of 50 steps records
// some 600 graph nodes per batch and pays libtorch's dispatch on each; that
// made it slower than PyTorch's own LSTM. Here the input projections of all
// steps are one matrix product, each step one product with the recurrent
// kernel, and the gate arithmetic a loop over contiguous floats; backward
// goes through time by hand from the gates kept in forward.
//
// Layouts are Keras': kernel [input, 4 units], recurrent kernel [units,
// 4 units], bias [4 units], gates in the order i, f, c, o.
//
// Thread-safety: pure; tensors belong to the calling executor's thread.

#include <torch/torch.h>

namespace kafkaml::ml {

//! x [batch, steps, input] -> the last hidden state [batch, units], or
//! every step's [batch, steps, units] with `return_sequences`. `bias` may be
//! undefined (use_bias=False). Differentiable in x, kernel, recurrent_kernel
//! and bias.
torch::Tensor lstm_sequence(const torch::Tensor &x, const torch::Tensor &kernel, const torch::Tensor &recurrent_kernel,
                            const torch::Tensor &bias, bool return_sequences);

} // namespace kafkaml::ml
