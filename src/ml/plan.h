#pragma once

// A ModelSpec resolved for execution: each layer's input and output shape
// (batch excluded, channels-last as in Keras) and where its parameters live
// in the model's flat buffers. Trainable parameters share one buffer (the
// optimizer's), non-trainable state (BatchNormalization's moving statistics)
// another. Parameter layouts are Keras' (Dense kernel [in, units], Conv2D
// kernel [kh, kw, in, filters], LSTM kernel [in, 4 units] with gates i, f,
// c, o; GRU gates z, r, h), so counts and exported weights match Keras.
//
// Thread-safety: plain values.

#include "ml/rng.h"
#include "ml/spec/model_spec.h"

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

struct ModelPlan {
	Shape input_shape;
	Shape output_shape;
	std::vector<LayerPlan> layers;
	std::vector<ParamSlot> params;
	std::vector<ParamSlot> states;
	int64_t trainable_count = 0;
	int64_t state_count = 0;
	int64_t input_size() const;  //!< values per sample
	int64_t output_size() const; //!< values per sample
};

//! Resolves shapes and parameter slots. Throws std::invalid_argument with a
//! message naming the layer when the spec cannot be executed.
ModelPlan plan_model(const ModelSpec &spec);

//! Keras' default initialisers (glorot_uniform kernels, orthogonal recurrent
//! kernels, zero biases, LSTM forget-gate bias 1, ...), drawn from `rng` in
//! slot order.
void initialize_parameters(const ModelPlan &plan, Rng &rng, float *params, float *states);

int64_t shape_size(const Shape &shape);
std::string shape_to_string(const Shape &shape); //!< Keras style: "(None, 4)"

} // namespace kafkaml::ml
