#pragma once

// The symbolic Keras graph a definition builds while it is evaluated:
// layers (each created once, possibly applied several times = shared
// weights), tensors (model inputs and layer outputs) and nodes (one layer
// application). Models are views of it: their inputs and outputs. A model is
// extracted into a ModelSpec by walking back from its outputs.
//
// Layers get Keras' automatic names when they are created (dense, dense_1,
// ...: one counter per kind over the whole definition, as Keras' session),
// so messages can name them at once.
//
// Thread-safety: one evaluation owns its GraphBuilder.

#include "ml/spec/model_spec.h"
#include "ml/spec/value.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kafkaml::ml::spec {

struct GraphLayer {
	LayerSpec spec;
	Value call;                 //!< the call that made it (wrappers nest it as an argument)
	bool auto_named = false;    //!< the name was not given by the user
	std::vector<int64_t> nodes; //!< its applications, in order
};

struct GraphTensor {
	int64_t node = -1;          //!< producing node; -1 for a model input
	int64_t index = 0;          //!< which of the node's outputs (TensorRef::index)
	int64_t input = -1;         //!< GraphBuilder input index when node is -1
	std::optional<Shape> shape; //!< known when every shape it depends on is
	SourceLocation location;
};

struct GraphInput {
	std::string name;
	std::optional<Shape> shape;
	std::string dtype = "float32";
	SourceLocation location;
	int64_t tensor = -1;
};

struct GraphNode {
	int64_t layer = -1;
	std::vector<int64_t> inputs; //!< tensor ids
	int64_t output = -1;         //!< tensor id
	std::vector<int64_t> states; //!< return_state: the returned states' tensor ids (outputs 1, 2)
	SourceLocation location;
	std::optional<bool> training; //!< the call's training= (NodeSpec::training)
};

//! What extract() needs to name a model's outputs.
struct OutputName {
	int64_t tensor = -1;
	std::string name; //!< empty: the producing layer's name
};

//! Fills `model.inputs`, `nodes` and `outputs` for layers that form a chain
//! (each applied to the previous one's output, the first to the input, whose
//! shape is the first layer's input_shape): specs built without a graph,
//! such as the JSON Sequential forms and saved models of the engine.
void fill_chain(ModelSpec &model);

class GraphBuilder {
public:
	//! Adds a layer, naming it when `spec.name` is empty. Returns its id.
	int64_t add_layer(LayerSpec spec, Value call);
	//! A new model input (keras.Input); `shape` absent: from the stream.
	int64_t add_input(std::optional<Shape> shape, std::string dtype, std::string name, SourceLocation location);
	//! Applies layer `layer` to `inputs` (tensor ids); infers the output
	//! shape when the inputs' are known (throws when it cannot flow).
	//! Returns the output's id; a recurrent layer's returned states are the
	//! node's `states`.
	int64_t apply(int64_t layer, std::vector<int64_t> inputs, SourceLocation location,
	              std::optional<bool> training = std::nullopt);

	GraphLayer &layer(int64_t id) { return layers_.at(static_cast<size_t>(id)); }
	const GraphTensor &tensor(int64_t id) const { return tensors_.at(static_cast<size_t>(id)); }
	const GraphNode &node(int64_t id) const { return nodes_.at(static_cast<size_t>(id)); }
	const GraphInput &input(int64_t id) const { return inputs_.at(static_cast<size_t>(id)); }
	size_t node_count() const { return nodes_.size(); }
	size_t layer_count() const { return layers_.size(); }

	//! The nodes between `inputs` and `outputs` (tensor ids), in creation
	//! (= topological) order. Throws when an output depends on a model input
	//! that is not among `inputs` ("graph disconnected").
	std::vector<int64_t> nodes_between(const std::vector<int64_t> &inputs, const std::vector<int64_t> &outputs,
	                                   SourceLocation location) const;

	//! The ModelSpec of the model with these input and output tensors.
	ModelSpec extract(const std::vector<int64_t> &inputs, const std::vector<OutputName> &outputs, std::string name,
	                  std::string class_name, SourceLocation location) const;

	//! Keras' next automatic name for `base` ("dense" → dense, dense_1, ...).
	std::string unique_name(const std::string &base);

private:
	std::vector<GraphLayer> layers_;
	std::vector<GraphTensor> tensors_;
	std::vector<GraphNode> nodes_;
	std::vector<GraphInput> inputs_;
	std::map<std::string, int> counters_;
};

} // namespace kafkaml::ml::spec
