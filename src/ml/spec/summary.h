#pragma once

// Shape inference and parameter counts, equal to Keras' for every layer we
// accept, and the Keras-style summary table of `kafkaml model check`.
//
// Thread-safety: pure functions.

#include "ml/spec/model_spec.h"

#include <string>
#include <vector>

namespace kafkaml::ml {

struct LayerSummary {
	std::string name;
	std::string type; //!< Keras class name
	Shape input_shape;
	Shape output_shape; //!< without the batch; -1 for None
	int64_t trainable_params = 0;
	int64_t non_trainable_params = 0;
	int64_t params() const { return trainable_params + non_trainable_params; }
};

struct ModelSummary {
	std::string name;
	Shape input_shape;
	Shape output_shape;
	std::vector<LayerSummary> layers;
	int64_t total_params = 0;
	int64_t trainable_params = 0;
	int64_t non_trainable_params = 0;
};

//! Infers each layer's output shape and parameters. Throws
//! ModelDefinitionError (at the layer's location) when a shape cannot flow
//! through a layer, e.g. Conv2D on a rank-1 input or a kernel larger than
//! its input. The first layer must carry input_shape.
ModelSummary summarize(const ModelSpec &model);

//! Keras' `model.summary()` table: layer (type), output shape, param #,
//! then total/trainable/non-trainable counts.
std::string format_summary(const ModelSummary &summary);

//! "(None, 26, 26, 32)": a shape as Keras prints it, batch included.
std::string format_shape(const Shape &shape);

} // namespace kafkaml::ml
