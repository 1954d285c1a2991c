#pragma once

// A ModelSpec resolved for execution: each layer's input and output shape
// (batch excluded, channels-last as in Keras) and where its parameters live
// in the model's flat buffers. A chain runs its layers in order; a graph
// (several inputs or outputs, merge layers, shared layers, `training=` on a
// call) runs its nodes in order, each node one application of a layer, and
// every application of a shared layer uses that layer's one set of slots. Trainable parameters share one buffer (the
// optimizer's), non-trainable state (BatchNormalization's moving statistics)
// another. Parameter layouts are Keras' (Dense kernel [in, units], Conv2D
// kernel [kh, kw, in, filters], LSTM kernel [in, 4 units] with gates i, f,
// c, o; GRU gates z, r, h), so counts and exported weights match Keras.
//
// Thread-safety: plain values.

#include "ml/rng.h"
#include "ml/spec/model_spec.h"

#include <optional>
#include <string>
#include <vector>

namespace kafkaml::ml {

struct ParamSlot {
	std::string name; //!< "<layer>/kernel", "<layer>/bias", ...
	Shape shape;
	int64_t offset = 0;
	int64_t size = 0;
	std::string initializer;
	//! Keras' l1/l2 penalty on this weight, added to the loss (none by default).
	RegularizerSpec regularizer;
};

struct LayerPlan {
	LayerSpec spec;
	Shape input_shape;
	Shape output_shape;
	std::vector<int> params; //!< indices into ModelPlan::params, in Keras' weight order
	std::vector<int> states; //!< indices into ModelPlan::states
	int64_t param_count = 0; //!< Keras' count (trainable and not)
	//! Bidirectional: the forward and backward layer; TimeDistributed: the
	//! wrapped layer (planned on one time step). Their slots are the wrapper's.
	std::vector<LayerPlan> wrapped;
};

//! One application of a layer in a graph (ModelSpec::nodes[i]).
struct NodePlan {
	size_t layer_index = 0; //!< into ModelPlan::layers (= ModelSpec::layers)
	//! The layer as this call applies it: its spec and slots (those of
	//! ModelPlan::layers[layer_index]), this call's first input shape and
	//! its output shape.
	LayerPlan layer;
	std::vector<TensorRef> inputs; //!< NodeSpec::inputs
	std::optional<bool> training;  //!< NodeSpec::training
};

struct ModelPlan {
	//! One sample's features as the model takes them: the input's shape, or
	//! with several inputs their values concatenated, {total}. Likewise the
	//! output with several outputs.
	Shape input_shape;
	Shape output_shape;
	//! One per ModelSpec layer, in its order (a graph's shared layer once,
	//! with the shapes of its first application): slots are allocated in this
	//! order, so parameter counts and weight order are Keras'.
	std::vector<LayerPlan> layers;
	std::vector<ParamSlot> params;
	std::vector<ParamSlot> states;
	int64_t trainable_count = 0;
	int64_t state_count = 0;
	int64_t input_size() const;  //!< values per sample
	int64_t output_size() const; //!< values per sample

	std::vector<Shape> inputs;  //!< each model input's shape (a chain's one)
	std::vector<Shape> outputs; //!< each model output's shape (a chain's one)
	//! False: a chain, `layers` run in order. True: `nodes` run in order and
	//! `output_tensors` are the outputs.
	bool graph = false;
	std::vector<NodePlan> nodes;
	std::vector<TensorRef> output_tensors;
};

//! Merge layers (Add, ..., Concatenate, Dot) and MultiHeadAttention: the
//! kinds applied to several tensors, only in graphs.
bool takes_several_inputs(LayerKind kind);

//! A graph node's output shapes: the layer's output, then the states a
//! recurrent layer with return_state returns, (units,) each.
std::vector<Shape> node_outputs(const LayerPlan &layer);

//! Resolves shapes and parameter slots. Throws std::invalid_argument with a
//! message naming the layer when the spec cannot be executed.
ModelPlan plan_model(const ModelSpec &spec);

//! Keras' default initialisers (glorot_uniform kernels, orthogonal recurrent
//! kernels, zero biases, LSTM forget-gate bias 1, ...), drawn from `rng` in
//! slot order.
void initialize_parameters(const ModelPlan &plan, Rng &rng, float *params, float *states);

int64_t shape_size(const Shape &shape);
//! The planner's and executors' error for a layer they cannot run: throws
//! std::invalid_argument "layer '<name>': <what>".
[[noreturn]] void fail(const LayerSpec &layer, const std::string &what);
//! v[i], or `fallback` past its end (Keras' per-axis arguments given for fewer axes).
int64_t at_or(const std::vector<int64_t> &v, size_t i, int64_t fallback);
std::string shape_to_string(const Shape &shape); //!< Keras style: "(None, 4)"

} // namespace kafkaml::ml
