#pragma once

// Internal to the planner: shapes and weight slots of the layer kinds that
// plan.cpp's own switch does not handle (activation layers, normalisation,
// noise, reshaping, SimpleRNN, the wrappers, the further convolutions and
// poolings, the image preprocessing layers). plan.cpp calls
// plan_added_layer() from its `default:` case; slots are Keras' weights in
// Keras' order, so parameter counts and exports match Keras.
//
// Thread-safety: pure functions over the plan being built; a SlotAllocator
// belongs to one plan_model() call.

#include "ml/plan.h"

#include <string>

namespace kafkaml::ml {

//! How a layer gets weight slots, and how a wrapped layer (Bidirectional's,
//! TimeDistributed's) is planned: plan.cpp's planner, behind an interface
//! so the layers below need not see its internals.
class SlotAllocator {
public:
	virtual ~SlotAllocator() = default;
	//! A trainable weight of `layer` (or a frozen one, when the layer is not trainable).
	virtual void add_param(LayerPlan &layer, const std::string &name, Shape shape, std::string init) = 0;
	//! A non-trainable state of `layer` (moving statistics).
	virtual void add_state(LayerPlan &layer, const std::string &name, Shape shape, std::string init) = 0;
	//! Plans `inner` (spec and input_shape set) with the full planner: any kind.
	virtual void plan(LayerPlan &inner) = 0;
};

//! Sets layer.output_shape and adds the layer's slots for the kinds listed
//! above. Throws std::invalid_argument naming the layer when the input does
//! not fit or the kind is not built by the engine.
void plan_added_layer(SlotAllocator &slots, LayerPlan &layer);

//! The regularizer of `layer` that applies to its weight `slot_name`
//! ("kernel", "recurrent_kernel", "bias", ...; a name with a path, such as
//! "query/kernel", by its last part).
RegularizerSpec weight_regularizer(const LayerSpec &layer, const std::string &slot_name);

//! Keras' output length of a window (convolution or pooling) along one axis
//! for the layer's padding ("valid", "same", or Conv1D's "causal", whose
//! length is the same as "same"). Throws when the window does not fit.
int64_t window_output(const LayerSpec &layer, int64_t length, int64_t window, int64_t stride, int64_t dilation);

//! The index in a plan shape (batch excluded) of Keras axis `axis` (batch
//! counted as 0, negative from the end) for an input of `rank` dimensions.
//! Throws when it is out of range or names the batch.
int64_t data_axis(const LayerSpec &layer, int64_t axis, size_t rank);

} // namespace kafkaml::ml
