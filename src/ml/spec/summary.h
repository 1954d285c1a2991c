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
	//! A recurrent layer with return_state: the shapes of its returned states
	//! (h, and LSTM's c), the node's outputs 1, 2.
	std::vector<Shape> state_shapes;
	int64_t trainable_params = 0;
	int64_t non_trainable_params = 0;
	int64_t params() const { return trainable_params + non_trainable_params; }
	//! Graph models: Keras' "Connected to" entries, e.g. "input_1[0][0]",
	//! over every application of the layer.
	std::vector<std::string> connected_to;
	size_t applications = 1; //!< > 1: a shared layer
};

struct ModelSummary {
	std::string name;
	Shape input_shape;  //!< the first input's
	Shape output_shape; //!< the first output's
	std::vector<LayerSummary> layers;
	int64_t total_params = 0;
	int64_t trainable_params = 0;
	int64_t non_trainable_params = 0;

	//! False when the input shape comes from the training stream: shapes
	//! and counts are then unknown (layers hold names and types only).
	bool bound = true;
	//! True for the engine's chain form; false for graphs, whose table has
	//! a "Connected to" column and input rows.
	bool chain = true;
	std::vector<std::string> input_names;
	std::vector<Shape> input_shapes;
	std::vector<std::string> output_names;
	std::vector<Shape> output_shapes;
};

//! Infers each layer's output shape and parameters over the model's graph
//! (a spec without nodes is read as a chain of its layers). Throws
//! ModelDefinitionError (at the layer's location) when a shape cannot flow
//! through a layer, e.g. Conv2D on a rank-1 input or a kernel larger than
//! its input, or when a shared layer is applied to inputs of another size.
//! A model whose input shape is still unbound summarises with bound false.
ModelSummary summarize(const ModelSpec &model);

//! Keras' `model.summary()` table: layer (type), output shape, param #
//! (and "Connected to" for graphs), then total/trainable/non-trainable
//! counts; an unbound model says its input shape comes from the stream.
std::string format_summary(const ModelSummary &summary);

//! "(None, 26, 26, 32)": a shape as Keras prints it, batch included.
std::string format_shape(const Shape &shape);

} // namespace kafkaml::ml
