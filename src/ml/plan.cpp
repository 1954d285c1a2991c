#include "ml/plan.h"

#include "ml/engine_support.h"
#include "ml/plan_layers.h"
#include "ml/spec/layer_kinds.h"
#include "ml/spec/layer_shapes.h"
#include "ml/spec/parse.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace kafkaml::ml {

namespace {

void plan_layer(SlotAllocator &planner, LayerPlan &layer);

class Planner final : public SlotAllocator {
public:
	//! With `shared`, the layer is applied again: the slots it gets are
	//! `shared`'s, in the order `shared` got them (a wrapper's inner layers
	//! one after the other), checked to have the same shapes.
	explicit Planner(ModelPlan &plan, const LayerPlan *shared = nullptr) : plan_(plan), shared_(shared) {}

	void add_param(LayerPlan &layer, const std::string &name, Shape shape, std::string init) override {
		if (!layer.spec.trainable) { // frozen: not updated, counted as non-trainable, as Keras
			add_state(layer, name, std::move(shape), std::move(init));
			return;
		}
		if (shared_) {
			layer.params.push_back(reuse(layer, shared_->params, next_param_, plan_.params, shape));
			return;
		}
		layer.params.push_back(static_cast<int>(plan_.params.size()));
		plan_.params.push_back(slot(layer, name, std::move(shape), std::move(init), plan_.trainable_count));
		layer.param_count += plan_.params.back().size;
	}
	void add_state(LayerPlan &layer, const std::string &name, Shape shape, std::string init) override {
		if (shared_) {
			layer.states.push_back(reuse(layer, shared_->states, next_state_, plan_.states, shape));
			return;
		}
		layer.states.push_back(static_cast<int>(plan_.states.size()));
		plan_.states.push_back(slot(layer, name, std::move(shape), std::move(init), plan_.state_count));
		layer.param_count += plan_.states.back().size;
	}
	void plan(LayerPlan &inner) override { plan_layer(*this, inner); }

private:
	//! The next of `shared`'s slots, which must have `shape`.
	static int reuse(LayerPlan &layer, const std::vector<int> &shared, size_t &next,
	                 const std::vector<ParamSlot> &slots, const Shape &shape) {
		if (next >= shared.size() || slots[static_cast<size_t>(shared[next])].shape != shape) {
			fail(layer.spec, "is applied again to an input of another size, " + shape_to_string(layer.input_shape) +
			                     "; its weights fit only its first input");
		}
		int index = shared[next++];
		layer.param_count += slots[static_cast<size_t>(index)].size;
		return index;
	}
	static ParamSlot slot(const LayerPlan &layer, const std::string &name, Shape shape, std::string init,
	                      int64_t &cursor) {
		ParamSlot s;
		s.name = layer.spec.name + "/" + name;
		s.size = shape_size(shape);
		s.shape = std::move(shape);
		s.offset = cursor;
		s.initializer = std::move(init);
		s.regularizer = weight_regularizer(layer.spec, name);
		cursor += s.size;
		return s;
	}
	ModelPlan &plan_;
	const LayerPlan *shared_;
	size_t next_param_ = 0, next_state_ = 0;
};

void need_known(const LayerSpec &layer, const Shape &shape) {
	for (auto d : shape) {
		if (d <= 0) {
			fail(layer, "every input dimension must be known and positive, got " + shape_to_string(shape));
		}
	}
}

void plan_layer(SlotAllocator &planner, LayerPlan &layer) {
	const LayerSpec &s = layer.spec;
	const Shape &in = layer.input_shape;
	need_known(s, in);
	auto need_rank = [&](size_t rank) {
		if (in.size() != rank) {
			fail(s,
			     "expects an input of rank " + std::to_string(rank) + " (batch excluded), got " + shape_to_string(in));
		}
	};
	Shape out = in;
	switch (s.kind) {
	case LayerKind::Dense:
		if (s.units <= 0) {
			fail(s, "units must be > 0");
		}
		out.back() = s.units;
		planner.add_param(layer, "kernel", {in.back(), s.units}, s.kernel_initializer);
		if (s.use_bias) {
			planner.add_param(layer, "bias", {s.units}, s.bias_initializer);
		}
		break;
	case LayerKind::Dropout:
		if (s.rate < 0.0 || s.rate >= 1.0) {
			fail(s, "rate must be in [0, 1)");
		}
		break;
	case LayerKind::Activation:
		break;
	case LayerKind::Flatten:
		out = {shape_size(in)};
		break;
	case LayerKind::Reshape: {
		out = s.target_shape;
		int64_t known = 1, unknown = -1;
		for (size_t i = 0; i < out.size(); i++) {
			if (out[i] == -1 && unknown < 0) {
				unknown = static_cast<int64_t>(i);
			} else if (out[i] <= 0) {
				fail(s, "target_shape " + shape_to_string(out) + " is not valid");
			} else {
				known *= out[i];
			}
		}
		if (unknown >= 0 && shape_size(in) % known == 0) {
			out[static_cast<size_t>(unknown)] = shape_size(in) / known;
		}
		if (shape_size(out) != shape_size(in)) {
			fail(s, "cannot reshape " + shape_to_string(in) + " into " + shape_to_string(s.target_shape));
		}
		break;
	}
	case LayerKind::BatchNormalization: {
		Shape c = {in.back()};
		if (s.scale) {
			planner.add_param(layer, "gamma", c, "ones");
		}
		if (s.center) {
			planner.add_param(layer, "beta", c, "zeros");
		}
		planner.add_state(layer, "moving_mean", c, "zeros");
		planner.add_state(layer, "moving_variance", c, "ones");
		break;
	}
	case LayerKind::Conv1D:
	case LayerKind::Conv2D: {
		size_t spatial = s.kind == LayerKind::Conv1D ? 1 : 2;
		need_rank(spatial + 1);
		if (s.filters <= 0 || s.kernel_size.size() != spatial) {
			fail(s, "needs filters > 0 and a kernel_size of " + std::to_string(spatial) + " values");
		}
		Shape kernel;
		for (size_t d = 0; d < spatial; d++) {
			out[d] = window_output(s, in[d], s.kernel_size[d], at_or(s.strides, d, 1), at_or(s.dilation_rate, d, 1));
			kernel.push_back(s.kernel_size[d]);
		}
		out[spatial] = s.filters;
		kernel.push_back(in[spatial]);
		kernel.push_back(s.filters);
		planner.add_param(layer, "kernel", kernel, s.kernel_initializer);
		if (s.use_bias) {
			planner.add_param(layer, "bias", {s.filters}, s.bias_initializer);
		}
		break;
	}
	case LayerKind::MaxPooling1D:
	case LayerKind::AveragePooling1D:
	case LayerKind::MaxPooling2D:
	case LayerKind::AveragePooling2D: {
		size_t spatial = (s.kind == LayerKind::MaxPooling1D || s.kind == LayerKind::AveragePooling1D) ? 1 : 2;
		need_rank(spatial + 1);
		for (size_t d = 0; d < spatial; d++) {
			int64_t pool = at_or(s.pool_size, d, 2);
			out[d] = window_output(s, in[d], pool, at_or(s.strides, d, pool), 1);
		}
		break;
	}
	case LayerKind::GlobalAveragePooling1D:
	case LayerKind::GlobalMaxPooling1D:
		need_rank(2);
		out = {in[1]};
		break;
	case LayerKind::GlobalAveragePooling2D:
	case LayerKind::GlobalMaxPooling2D:
		need_rank(3);
		out = {in[2]};
		break;
	case LayerKind::LSTM:
	case LayerKind::GRU: {
		need_rank(2);
		if (s.units <= 0) {
			fail(s, "units must be > 0");
		}
		int64_t gates = s.kind == LayerKind::LSTM ? 4 : 3;
		out = s.return_sequences ? Shape{in[0], s.units} : Shape{s.units};
		planner.add_param(layer, "kernel", {in[1], gates * s.units}, s.kernel_initializer);
		planner.add_param(layer, "recurrent_kernel", {s.units, gates * s.units}, s.recurrent_initializer);
		if (s.use_bias) {
			bool lstm_forget = s.kind == LayerKind::LSTM && s.unit_forget_bias;
			// GRU reset_after=True has an input and a recurrent bias; Keras' GRU v1 (False) one.
			Shape bias =
			    (s.kind == LayerKind::GRU && s.reset_after) ? Shape{2, gates * s.units} : Shape{gates * s.units};
			planner.add_param(layer, "bias", bias, lstm_forget ? "lstm_forget_bias" : s.bias_initializer);
		}
		break;
	}
	case LayerKind::Embedding:
		need_rank(1);
		if (s.input_dim <= 0 || s.output_dim <= 0) {
			fail(s, "input_dim and output_dim must be > 0");
		}
		out = {in[0], s.output_dim};
		planner.add_param(layer, "embeddings", {s.input_dim, s.output_dim},
		                  s.kernel_initializer == "glorot_uniform" ? "uniform" : s.kernel_initializer);
		break;
	default:
		plan_added_layer(planner, layer);
		return;
	}
	layer.output_shape = out;
}

//! MultiHeadAttention's weights, Keras' EinsumDense layouts in Keras' order:
//! query, key and value kernels [dim, heads, key_dim or value_dim] with
//! biases [heads, ...], then the output kernel [heads, value_dim, out...]
//! with its bias [out...].
void plan_attention(Planner &planner, LayerPlan &layer, const std::vector<Shape> &inputs) {
	const LayerSpec &s = layer.spec;
	const Shape &query = inputs[0];
	const Shape &value = inputs[1];
	const Shape &key = inputs.size() > 2 ? inputs[2] : value;
	if (s.num_heads <= 0 || s.key_dim <= 0 || s.value_dim < 0) {
		fail(s, "num_heads and key_dim must be > 0");
	}
	if (shape_size(Shape(key.begin(), key.end() - 1)) != shape_size(Shape(value.begin(), value.end() - 1))) {
		fail(s, "the key " + shape_to_string(key) + " and the value " + shape_to_string(value) +
		            " must have the same sequence length");
	}
	const int64_t heads = s.num_heads, value_dim = s.value_dim > 0 ? s.value_dim : s.key_dim;
	Shape out = s.output_shape.empty() ? Shape{query.back()} : s.output_shape;
	auto projection = [&](const std::string &name, int64_t in, int64_t per_head) {
		planner.add_param(layer, name + "/kernel", {in, heads, per_head}, s.kernel_initializer);
		if (s.use_bias) {
			planner.add_param(layer, name + "/bias", {heads, per_head}, s.bias_initializer);
		}
	};
	projection("query", query.back(), s.key_dim);
	projection("key", key.back(), s.key_dim);
	projection("value", value.back(), value_dim);
	Shape kernel{heads, value_dim};
	kernel.insert(kernel.end(), out.begin(), out.end());
	planner.add_param(layer, "attention_output/kernel", kernel, s.kernel_initializer);
	if (s.use_bias) {
		planner.add_param(layer, "attention_output/bias", out, s.bias_initializer);
	}
}

//! A layer applied to `inputs` (shapes in call order): the single-input
//! kinds through plan_layer(), the merge kinds and attention here. Output
//! shapes of the latter are the spec's own inference (what the summary says).
LayerPlan plan_application(Planner &planner, const LayerSpec &spec, const std::vector<Shape> &inputs) {
	LayerPlan layer;
	layer.spec = spec;
	layer.input_shape = inputs.at(0);
	if (!takes_several_inputs(spec.kind)) {
		const size_t states = spec::recurrent_state_count(spec);
		if (inputs.size() != 1 && (states == 0 || inputs.size() != 1 + states)) {
			fail(spec, "takes one input, got " + std::to_string(inputs.size()));
		}
		for (size_t i = 1; i < inputs.size(); i++) { // a recurrent layer's initial_state
			if (inputs[i] != Shape{spec.units}) {
				fail(spec, "its initial state " + std::to_string(i) + " is " + shape_to_string(inputs[i]) +
				               ", not (None, " + std::to_string(spec.units) + ")");
			}
		}
		plan_layer(planner, layer);
		return layer;
	}
	for (const auto &shape : inputs) {
		need_known(spec, shape);
	}
	try {
		spec::check_arity(spec, inputs.size());
		layer.output_shape = spec::infer_layer(spec, inputs).output_shape;
	} catch (const ModelDefinitionError &e) {
		fail(spec, e.reason);
	}
	if (spec.kind == LayerKind::MultiHeadAttention) {
		plan_attention(planner, layer, inputs);
	}
	return layer;
}

} // namespace

std::vector<Shape> node_outputs(const LayerPlan &layer) {
	std::vector<Shape> shapes{layer.output_shape};
	if (layer.spec.return_state) {
		shapes.resize(1 + spec::recurrent_state_count(layer.spec), Shape{layer.spec.units});
	}
	return shapes;
}

namespace {

//! A graph: every node's shapes, and each layer's slots once, allocated in
//! ModelSpec::layers order (Keras' weight order) at the shapes of the
//! layer's first application; later applications share them.
void plan_graph(const ModelSpec &spec, ModelPlan &plan) {
	plan.graph = true;
	for (const auto &input : spec.inputs) {
		if (!input.shape) {
			throw std::invalid_argument(
			    "input '" + input.name +
			    "' has no shape: give it one (keras.Input(shape=...)) so the model can be built");
		}
		plan.inputs.push_back(*input.shape);
	}
	// Pass 1, on throwaway slots: the input shapes of each layer's first application.
	std::vector<std::optional<std::vector<Shape>>> first_inputs(spec.layers.size());
	auto walk = [&](auto &&plan_node) {
		std::vector<std::vector<Shape>> outputs; // per node: its output, then its returned states
		auto shape_of = [&](const TensorRef &ref, size_t node) -> const Shape & {
			bool valid = ref.node < 0
			                 ? ref.index >= 0 && static_cast<size_t>(ref.index) < plan.inputs.size()
			                 : static_cast<size_t>(ref.node) < node && ref.index >= 0 &&
			                       static_cast<size_t>(ref.index) < outputs[static_cast<size_t>(ref.node)].size();
			if (!valid) {
				throw std::invalid_argument("node " + std::to_string(node) +
				                            " of the model graph reads a tensor "
				                            "that does not come before it");
			}
			return ref.node < 0 ? plan.inputs[static_cast<size_t>(ref.index)]
			                    : outputs[static_cast<size_t>(ref.node)][static_cast<size_t>(ref.index)];
		};
		for (size_t i = 0; i < spec.nodes.size(); i++) {
			const NodeSpec &node = spec.nodes[i];
			if (node.layer >= spec.layers.size() || node.inputs.empty()) {
				throw std::invalid_argument("node " + std::to_string(i) + " of the model graph is malformed");
			}
			std::vector<Shape> inputs;
			for (const auto &ref : node.inputs) {
				inputs.push_back(shape_of(ref, i));
			}
			outputs.push_back(plan_node(node, inputs));
		}
		return outputs;
	};
	ModelPlan scratch;
	walk([&](const NodeSpec &node, const std::vector<Shape> &inputs) {
		Planner planner(scratch);
		if (!first_inputs[node.layer]) {
			first_inputs[node.layer] = inputs;
		}
		return node_outputs(plan_application(planner, spec.layers[node.layer], inputs));
	});
	// Pass 2: the slots, layer by layer.
	Planner planner(plan);
	for (size_t i = 0; i < spec.layers.size(); i++) {
		if (!first_inputs[i]) {
			throw std::invalid_argument("layer '" + spec.layers[i].name + "' is not applied in the model graph");
		}
		plan.layers.push_back(plan_application(planner, spec.layers[i], *first_inputs[i]));
	}
	// Pass 3: each node on its layer's slots.
	auto outputs = walk([&](const NodeSpec &node, const std::vector<Shape> &inputs) {
		Planner sharing(plan, &plan.layers[node.layer]);
		NodePlan node_plan;
		node_plan.layer_index = node.layer;
		node_plan.layer = plan_application(sharing, spec.layers[node.layer], inputs);
		node_plan.inputs = node.inputs;
		node_plan.training = node.training;
		plan.nodes.push_back(std::move(node_plan));
		return node_outputs(plan.nodes.back().layer);
	});
	if (spec.outputs.empty()) {
		throw std::invalid_argument("the model graph has no outputs");
	}
	for (const auto &output : spec.outputs) {
		const TensorRef &ref = output.tensor;
		bool valid = ref.node < 0 ? ref.index >= 0 && static_cast<size_t>(ref.index) < plan.inputs.size()
		                          : static_cast<size_t>(ref.node) < outputs.size() && ref.index >= 0 &&
		                                static_cast<size_t>(ref.index) < outputs[static_cast<size_t>(ref.node)].size();
		if (!valid) {
			throw std::invalid_argument("output '" + output.name + "' names a tensor that is not in the model graph");
		}
		plan.output_tensors.push_back(ref);
		plan.outputs.push_back(ref.node < 0 ? plan.inputs[static_cast<size_t>(ref.index)]
		                                    : outputs[static_cast<size_t>(ref.node)][static_cast<size_t>(ref.index)]);
	}
}

//! One shape for several: their values concatenated.
Shape joined_shape(const std::vector<Shape> &shapes) {
	if (shapes.size() == 1) {
		return shapes.front();
	}
	int64_t total = 0;
	for (const auto &shape : shapes) {
		total += shape_size(shape);
	}
	return {total};
}

//! Fills `values` with an orthogonal matrix of `rows` x `cols` (Keras'
//! Orthogonal: QR of a normal matrix; here modified Gram-Schmidt on the
//! longer side).
void orthogonal(Rng &rng, int64_t rows, int64_t cols, float *values) {
	bool transpose = rows < cols;
	int64_t n = transpose ? cols : rows; // vector length
	int64_t k = transpose ? rows : cols; // number of orthonormal vectors
	std::vector<double> q(static_cast<size_t>(n * k));
	for (auto &v : q) {
		v = rng.normal();
	}
	for (int64_t j = 0; j < k; j++) {
		double *qj = &q[static_cast<size_t>(j * n)];
		for (int64_t i = 0; i < j; i++) {
			const double *qi = &q[static_cast<size_t>(i * n)];
			double dot = std::inner_product(qi, qi + n, qj, 0.0);
			for (int64_t t = 0; t < n; t++) {
				qj[t] -= dot * qi[t];
			}
		}
		double norm = std::sqrt(std::inner_product(qj, qj + n, qj, 0.0));
		for (int64_t t = 0; t < n; t++) {
			qj[t] /= norm;
		}
	}
	for (int64_t r = 0; r < rows; r++) {
		for (int64_t c = 0; c < cols; c++) {
			// vector j, element t
			double v = transpose ? q[static_cast<size_t>(r * n + c)] : q[static_cast<size_t>(c * n + r)];
			values[r * cols + c] = static_cast<float>(v);
		}
	}
}

void initialize_slot(const ParamSlot &slot, Rng &rng, float *values) {
	const std::string &init = slot.initializer;
	// Keras' fans: the last two dimensions are (in, out), the rest the receptive field.
	int64_t receptive = 1;
	for (size_t i = 0; i + 2 < slot.shape.size(); i++) {
		receptive *= slot.shape[i];
	}
	double fan_in = slot.shape.size() >= 2 ? static_cast<double>(slot.shape[slot.shape.size() - 2] * receptive)
	                                       : static_cast<double>(slot.size);
	double fan_out = slot.shape.size() >= 2 ? static_cast<double>(slot.shape.back() * receptive) : fan_in;
	auto uniform = [&](double limit) {
		for (int64_t i = 0; i < slot.size; i++) {
			values[i] = rng.uniform(static_cast<float>(-limit), static_cast<float>(limit));
		}
	};
	auto normal = [&](double stddev) {
		for (int64_t i = 0; i < slot.size; i++) {
			// Keras' variance-scaling normals are truncated at two standard deviations.
			double v;
			do {
				v = rng.normal();
			} while (std::fabs(v) > 2.0);
			values[i] = static_cast<float>(v * stddev / 0.87962566103423978);
		}
	};
	if (init == "zeros") {
		std::fill(values, values + slot.size, 0.0f);
	} else if (init == "ones") {
		std::fill(values, values + slot.size, 1.0f);
	} else if (init == "glorot_uniform") {
		uniform(std::sqrt(6.0 / (fan_in + fan_out)));
	} else if (init == "glorot_normal") {
		normal(std::sqrt(2.0 / (fan_in + fan_out)));
	} else if (init == "he_uniform") {
		uniform(std::sqrt(6.0 / fan_in));
	} else if (init == "he_normal") {
		normal(std::sqrt(2.0 / fan_in));
	} else if (init == "lecun_uniform") {
		uniform(std::sqrt(3.0 / fan_in));
	} else if (init == "lecun_normal") {
		normal(std::sqrt(1.0 / fan_in));
	} else if (init == "uniform" || init == "random_uniform") {
		uniform(0.05);
	} else if (init == "random_normal") {
		for (int64_t i = 0; i < slot.size; i++) {
			values[i] = static_cast<float>(0.05 * rng.normal());
		}
	} else if (init == "orthogonal") {
		int64_t cols = slot.shape.back();
		orthogonal(rng, slot.size / cols, cols, values);
	} else if (init == "lstm_forget_bias") {
		// Keras' unit_forget_bias: zeros except ones for the forget gate (second quarter).
		int64_t units = slot.size / 4;
		std::fill(values, values + slot.size, 0.0f);
		std::fill(values + units, values + 2 * units, 1.0f);
	} else {
		throw std::invalid_argument("parameter '" + slot.name + "': unsupported initializer '" + init +
		                            "'; use glorot_uniform, glorot_normal, he_uniform, he_normal, lecun_uniform, "
		                            "lecun_normal, orthogonal, random_uniform, random_normal, zeros or ones");
	}
}

} // namespace

void fail(const LayerSpec &layer, const std::string &what) {
	throw std::invalid_argument("layer '" + layer.name + "': " + what);
}

int64_t at_or(const std::vector<int64_t> &v, size_t i, int64_t fallback) {
	return i < v.size() ? v[i] : fallback;
}

int64_t shape_size(const Shape &shape) {
	int64_t n = 1;
	for (auto d : shape) {
		n *= d;
	}
	return n;
}

std::string shape_to_string(const Shape &shape) {
	std::string s = "(None";
	for (auto d : shape) {
		s += ", " + (d < 0 ? std::string("None") : std::to_string(d));
	}
	return s + ")";
}

int64_t ModelPlan::input_size() const {
	return shape_size(input_shape);
}

int64_t ModelPlan::output_size() const {
	return shape_size(output_shape);
}

bool takes_several_inputs(LayerKind kind) {
	switch (kind) {
	case LayerKind::Add:
	case LayerKind::Subtract:
	case LayerKind::Multiply:
	case LayerKind::Average:
	case LayerKind::Maximum:
	case LayerKind::Minimum:
	case LayerKind::Concatenate:
	case LayerKind::Dot:
	case LayerKind::MultiHeadAttention:
		return true;
	default:
		return false;
	}
}

ModelPlan plan_model(const ModelSpec &spec) {
	if (spec.layers.empty()) {
		throw std::invalid_argument("the model has no layers; add at least one layer");
	}
	if (auto gaps = engine_gaps(spec); !gaps.empty()) {
		throw std::invalid_argument(describe_gaps(gaps));
	}
	ModelPlan plan;
	// A chain with `training=` on a call runs as a graph: only nodes carry it.
	bool chain = spec.nodes.empty() || (spec.is_chain() && std::none_of(spec.nodes.begin(), spec.nodes.end(),
	                                                                    [](const NodeSpec &n) { return n.training; }));
	if (!chain) {
		plan_graph(spec, plan);
		plan.input_shape = joined_shape(plan.inputs);
		plan.output_shape = joined_shape(plan.outputs);
		return plan;
	}
	if (!spec.layers.front().input_shape) {
		throw std::invalid_argument("the first layer '" + spec.layers.front().name +
		                            "' needs input_shape=(...) so the model can be built");
	}
	plan.input_shape = *spec.layers.front().input_shape;
	Planner planner(plan);
	Shape current = plan.input_shape;
	for (const auto &layer_spec : spec.layers) {
		LayerPlan layer;
		layer.spec = layer_spec;
		layer.input_shape = current;
		plan_layer(planner, layer);
		current = layer.output_shape;
		plan.layers.push_back(std::move(layer));
	}
	plan.output_shape = current;
	plan.inputs = {plan.input_shape};
	plan.outputs = {plan.output_shape};
	return plan;
}

void initialize_parameters(const ModelPlan &plan, Rng &rng, float *params, float *states) {
	for (const auto &slot : plan.params) {
		initialize_slot(slot, rng, params + slot.offset);
	}
	for (const auto &slot : plan.states) {
		initialize_slot(slot, rng, states + slot.offset);
	}
}

} // namespace kafkaml::ml
