#include "ml/model_impl.h"

#include "common/json_input.h"
#include "ml/compile_fields_json.h"
#include "ml/layer_fields_json.h"
#include "ml/spec/layer_kinds.h"

#include <nlohmann/json.hpp>

#include <bit>
#include <cmath>
#include <cstring>
#include <optional>
#include <stdexcept>

// The model file (see README.md): magic "KAFKAML\x01", a little-endian u32
// header length, the header JSON (format version, kind, full spec with its
// graph, parameter and state slots), then the raw little-endian float32
// parameters followed by the states. TorchScript models carry the module
// bytes (torch.jit.save of the trained module) instead of raw floats.
//
// The training state (Model::save_training_state) is laid out alike: magic
// "KAFKAMLS", header length, header JSON (format version, learning-rate
// factor, random generator, the optimizer's name, step count, scalars and
// buffer sizes, or null before the first fit), then the buffers' float32
// values one after the other.

namespace kafkaml::ml {

namespace {

constexpr char k_magic[8] = {'K', 'A', 'F', 'K', 'A', 'M', 'L', '\x01'};
constexpr int k_format_version = 1;
constexpr char k_state_magic[8] = {'K', 'A', 'F', 'K', 'A', 'M', 'L', 'S'};
constexpr int k_state_format_version = 1;

//! Reads a key added after the format's first version: files written
//! before it lack it, and the spec's default stands.
template <class T>
void read_optional(const nlohmann::json &j, const char *key, T &value) {
	if (j.contains(key)) {
		j.at(key).get_to(value);
	}
}

LayerKind kind_from_name(const std::string &name) {
	if (auto kind = layer_kind_from_class_name(name)) {
		return *kind;
	}
	throw std::invalid_argument("model file names an unknown layer kind '" + name + "'");
}

nlohmann::json layer_to_json(const LayerSpec &l) {
	nlohmann::json j = {{"kind", std::string(layer_class_name(l.kind))},
	                    {"name", l.name},
	                    {"units", l.units},
	                    {"activation", l.activation},
	                    {"use_bias", l.use_bias},
	                    {"kernel_initializer", l.kernel_initializer},
	                    {"bias_initializer", l.bias_initializer},
	                    {"filters", l.filters},
	                    {"kernel_size", l.kernel_size},
	                    {"strides", l.strides},
	                    {"pool_size", l.pool_size},
	                    {"padding", l.padding},
	                    {"dilation_rate", l.dilation_rate},
	                    {"rate", l.rate},
	                    {"target_shape", l.target_shape},
	                    {"momentum", l.momentum},
	                    {"epsilon", l.epsilon},
	                    {"center", l.center},
	                    {"scale", l.scale},
	                    {"recurrent_activation", l.recurrent_activation},
	                    {"return_sequences", l.return_sequences},
	                    {"reset_after", l.reset_after},
	                    {"recurrent_initializer", l.recurrent_initializer},
	                    {"unit_forget_bias", l.unit_forget_bias},
	                    {"input_dim", l.input_dim},
	                    {"output_dim", l.output_dim},
	                    {"alpha", l.alpha}};
	if (l.input_shape) {
		j["input_shape"] = *l.input_shape;
	}
	added_layer_fields_to_json(l, j, layer_to_json);
	return j;
}

LayerSpec layer_from_json(const nlohmann::json &j) {
	LayerSpec l;
	l.kind = kind_from_name(j.at("kind").get<std::string>());
	j.at("name").get_to(l.name);
	j.at("units").get_to(l.units);
	j.at("activation").get_to(l.activation);
	j.at("use_bias").get_to(l.use_bias);
	j.at("kernel_initializer").get_to(l.kernel_initializer);
	j.at("bias_initializer").get_to(l.bias_initializer);
	j.at("filters").get_to(l.filters);
	j.at("kernel_size").get_to(l.kernel_size);
	j.at("strides").get_to(l.strides);
	j.at("pool_size").get_to(l.pool_size);
	j.at("padding").get_to(l.padding);
	j.at("dilation_rate").get_to(l.dilation_rate);
	j.at("rate").get_to(l.rate);
	j.at("target_shape").get_to(l.target_shape);
	j.at("momentum").get_to(l.momentum);
	j.at("epsilon").get_to(l.epsilon);
	j.at("center").get_to(l.center);
	j.at("scale").get_to(l.scale);
	j.at("recurrent_activation").get_to(l.recurrent_activation);
	j.at("return_sequences").get_to(l.return_sequences);
	j.at("reset_after").get_to(l.reset_after);
	j.at("recurrent_initializer").get_to(l.recurrent_initializer);
	j.at("unit_forget_bias").get_to(l.unit_forget_bias);
	j.at("input_dim").get_to(l.input_dim);
	j.at("output_dim").get_to(l.output_dim);
	j.at("alpha").get_to(l.alpha);
	if (j.contains("input_shape")) {
		l.input_shape = j.at("input_shape").get<Shape>();
	}
	added_layer_fields_from_json(j, l, layer_from_json);
	return l;
}

nlohmann::json tensor_to_json(const TensorRef &t) {
	return {t.node, t.index};
}

TensorRef tensor_from_json(const nlohmann::json &j) {
	return {j.at(0).get<int64_t>(), j.at(1).get<int64_t>()};
}

//! The model graph: inputs, nodes (layer applications) and outputs.
void graph_to_json(const ModelSpec &spec, nlohmann::json &j) {
	j["class_name"] = spec.class_name;
	nlohmann::json inputs = nlohmann::json::array(), nodes = nlohmann::json::array(), outputs = nlohmann::json::array();
	for (const auto &input : spec.inputs) {
		inputs.push_back({{"name", input.name},
		                  {"shape", input.shape ? nlohmann::json(*input.shape) : nlohmann::json(nullptr)},
		                  {"dtype", input.dtype}});
	}
	for (const auto &node : spec.nodes) {
		nlohmann::json refs = nlohmann::json::array();
		for (const auto &ref : node.inputs) {
			refs.push_back(tensor_to_json(ref));
		}
		nodes.push_back({{"layer", node.layer},
		                 {"inputs", refs},
		                 {"training", node.training ? nlohmann::json(*node.training) : nlohmann::json(nullptr)}});
	}
	for (const auto &output : spec.outputs) {
		outputs.push_back({{"name", output.name}, {"tensor", tensor_to_json(output.tensor)}});
	}
	j["inputs"] = inputs;
	j["nodes"] = nodes;
	j["outputs"] = outputs;
}

void graph_from_json(const nlohmann::json &j, ModelSpec &spec) {
	read_optional(j, "class_name", spec.class_name);
	if (!j.contains("nodes")) {
		return; // written before graphs: a chain of its layers
	}
	for (const auto &input : j.at("inputs")) {
		InputSpec in;
		input.at("name").get_to(in.name);
		if (!input.at("shape").is_null()) {
			in.shape = input.at("shape").get<Shape>();
		}
		input.at("dtype").get_to(in.dtype);
		spec.inputs.push_back(std::move(in));
	}
	for (const auto &node : j.at("nodes")) {
		NodeSpec n;
		node.at("layer").get_to(n.layer);
		for (const auto &ref : node.at("inputs")) {
			n.inputs.push_back(tensor_from_json(ref));
		}
		if (!node.at("training").is_null()) {
			n.training = node.at("training").get<bool>();
		}
		spec.nodes.push_back(std::move(n));
	}
	for (const auto &output : j.at("outputs")) {
		spec.outputs.push_back({output.at("name").get<std::string>(), tensor_from_json(output.at("tensor"))});
	}
}

nlohmann::json metrics_to_json(const std::vector<MetricSpec> &metrics) {
	nlohmann::json list = nlohmann::json::array();
	for (const auto &metric : metrics) {
		list.push_back(metric_to_json(metric));
	}
	return list;
}

std::vector<MetricSpec> metrics_from_json(const nlohmann::json &list) {
	std::vector<MetricSpec> metrics;
	for (const auto &metric : list) {
		metrics.push_back(metric_from_json(metric));
	}
	return metrics;
}

//! The optimizer's fields added after the file's first version: written
//! always, optional on reading (a file from before loads with Keras'
//! defaults). A loaded model trains with the optimizer it was compiled
//! with, which a resumed continual training's optimizer state needs.
void added_optimizer_fields_to_json(const OptimizerSpec &o, nlohmann::json &j) {
	auto optional = [](const std::optional<double> &value) {
		return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
	};
	j["amsgrad"] = o.amsgrad;
	j["centered"] = o.centered;
	j["decay"] = o.decay;
	j["clipnorm"] = optional(o.clipnorm);
	j["clipvalue"] = optional(o.clipvalue);
	j["global_clipnorm"] = optional(o.global_clipnorm);
	j["learning_rate_power"] = o.learning_rate_power;
	j["l1_regularization_strength"] = o.l1_regularization_strength;
	j["l2_regularization_strength"] = o.l2_regularization_strength;
	j["l2_shrinkage_regularization_strength"] = o.l2_shrinkage_regularization_strength;
	j["beta"] = o.beta;
	j["schedule"] = nullptr;
	if (const auto &s = o.schedule) {
		j["schedule"] = {{"name", s->name},
		                 {"initial_learning_rate", s->initial_learning_rate},
		                 {"decay_steps", s->decay_steps},
		                 {"decay_rate", s->decay_rate},
		                 {"staircase", s->staircase},
		                 {"boundaries", s->boundaries},
		                 {"values", s->values},
		                 {"alpha", s->alpha},
		                 {"end_learning_rate", s->end_learning_rate},
		                 {"power", s->power},
		                 {"cycle", s->cycle}};
	}
}

void added_optimizer_fields_from_json(const nlohmann::json &j, OptimizerSpec &o) {
	auto optional = [&j](const char *key, std::optional<double> &value) {
		if (j.contains(key) && !j.at(key).is_null()) {
			value = j.at(key).get<double>();
		}
	};
	read_optional(j, "amsgrad", o.amsgrad);
	read_optional(j, "centered", o.centered);
	read_optional(j, "decay", o.decay);
	optional("clipnorm", o.clipnorm);
	optional("clipvalue", o.clipvalue);
	optional("global_clipnorm", o.global_clipnorm);
	read_optional(j, "learning_rate_power", o.learning_rate_power);
	read_optional(j, "l1_regularization_strength", o.l1_regularization_strength);
	read_optional(j, "l2_regularization_strength", o.l2_regularization_strength);
	read_optional(j, "l2_shrinkage_regularization_strength", o.l2_shrinkage_regularization_strength);
	read_optional(j, "beta", o.beta);
	if (!j.contains("schedule") || j.at("schedule").is_null()) {
		return;
	}
	const auto &s = j.at("schedule");
	LearningRateSchedule schedule;
	s.at("name").get_to(schedule.name);
	read_optional(s, "initial_learning_rate", schedule.initial_learning_rate);
	read_optional(s, "decay_steps", schedule.decay_steps);
	read_optional(s, "decay_rate", schedule.decay_rate);
	read_optional(s, "staircase", schedule.staircase);
	read_optional(s, "boundaries", schedule.boundaries);
	read_optional(s, "values", schedule.values);
	read_optional(s, "alpha", schedule.alpha);
	read_optional(s, "end_learning_rate", schedule.end_learning_rate);
	read_optional(s, "power", schedule.power);
	read_optional(s, "cycle", schedule.cycle);
	o.schedule = std::move(schedule);
}

nlohmann::json compile_to_json(const CompileSpec &c) {
	const auto &o = c.optimizer;
	nlohmann::json losses = nlohmann::json::array(), output_metrics = nlohmann::json::array();
	for (const auto &loss : c.losses) {
		losses.push_back(loss_to_json(loss));
	}
	for (const auto &metrics : c.output_metrics) {
		output_metrics.push_back(metrics_to_json(metrics));
	}
	nlohmann::json optimizer = {{"name", o.name},
	                            {"learning_rate", o.learning_rate},
	                            {"momentum", o.momentum},
	                            {"nesterov", o.nesterov},
	                            {"beta_1", o.beta_1},
	                            {"beta_2", o.beta_2},
	                            {"epsilon", o.epsilon},
	                            {"rho", o.rho},
	                            {"weight_decay", o.weight_decay},
	                            {"initial_accumulator_value", o.initial_accumulator_value}};
	added_optimizer_fields_to_json(o, optimizer);
	return {{"present", c.present},
	        {"metrics", c.metrics},
	        {"metric_specs", metrics_to_json(c.metric_specs)},
	        {"loss", loss_to_json(c.loss)},
	        {"losses", losses},
	        {"loss_weights", c.loss_weights},
	        {"output_metrics", output_metrics},
	        {"optimizer", optimizer}};
}

CompileSpec compile_from_json(const nlohmann::json &j) {
	CompileSpec c;
	j.at("present").get_to(c.present);
	j.at("metrics").get_to(c.metrics);
	c.loss = loss_from_json(j.at("loss"));
	if (j.contains("losses")) {
		for (const auto &loss : j.at("losses")) {
			c.losses.push_back(loss_from_json(loss));
		}
	}
	read_optional(j, "loss_weights", c.loss_weights);
	if (j.contains("metric_specs")) {
		c.metric_specs = metrics_from_json(j.at("metric_specs"));
	}
	if (j.contains("output_metrics")) {
		for (const auto &list : j.at("output_metrics")) {
			c.output_metrics.push_back(metrics_from_json(list));
		}
	}
	const auto &o = j.at("optimizer");
	auto &opt = c.optimizer;
	o.at("name").get_to(opt.name);
	o.at("learning_rate").get_to(opt.learning_rate);
	o.at("momentum").get_to(opt.momentum);
	o.at("nesterov").get_to(opt.nesterov);
	o.at("beta_1").get_to(opt.beta_1);
	o.at("beta_2").get_to(opt.beta_2);
	o.at("epsilon").get_to(opt.epsilon);
	o.at("rho").get_to(opt.rho);
	o.at("weight_decay").get_to(opt.weight_decay);
	o.at("initial_accumulator_value").get_to(opt.initial_accumulator_value);
	added_optimizer_fields_from_json(o, opt);
	return c;
}

nlohmann::json spec_to_json(const ModelSpec &spec) {
	nlohmann::json layers = nlohmann::json::array();
	for (const auto &l : spec.layers) {
		layers.push_back(layer_to_json(l));
	}
	nlohmann::json j = {{"name", spec.name}, {"layers", layers}, {"compile", compile_to_json(spec.compile)}};
	graph_to_json(spec, j);
	return j;
}

ModelSpec spec_from_json(const nlohmann::json &j) {
	ModelSpec spec;
	j.at("name").get_to(spec.name);
	for (const auto &l : j.at("layers")) {
		spec.layers.push_back(layer_from_json(l));
	}
	spec.compile = compile_from_json(j.at("compile"));
	graph_from_json(j, spec);
	return spec;
}

void append_u32(std::string &out, uint32_t v) {
	for (int i = 0; i < 4; i++) {
		out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
	}
}

uint32_t read_u32(const char *p) {
	uint32_t v = 0;
	for (int i = 0; i < 4; i++) {
		v |= static_cast<uint32_t>(static_cast<unsigned char>(p[i])) << (8 * i);
	}
	return v;
}

// Floats are stored little-endian; this engine targets little-endian hosts
// (x86-64, aarch64), checked at compile time.
static_assert(std::endian::native == std::endian::little, "model files assume a little-endian host");

void append_floats(std::string &out, const std::vector<float> &values) {
	out.append(reinterpret_cast<const char *>(values.data()), values.size() * sizeof(float));
}

//! Bytes framed as the model file and the training state are: an 8-byte
//! magic, the header's length (u32) and the header; `header` and where
//! the body after it starts. Throws std::invalid_argument with
//! `bad_magic`, or naming `what` when the bytes end within the header.
struct Framed {
	std::string_view header;
	size_t body = 0;
};
Framed unframe(std::string_view bytes, const char (&magic)[8], const char *bad_magic, const char *what) {
	if (bytes.size() < sizeof(magic) + 4 || std::memcmp(bytes.data(), magic, sizeof(magic)) != 0) {
		throw std::invalid_argument(bad_magic);
	}
	uint32_t header_size = read_u32(bytes.data() + sizeof(magic));
	size_t body = sizeof(magic) + 4 + header_size;
	if (body > bytes.size()) {
		throw std::invalid_argument(std::string(what) + " is truncated (header)");
	}
	return {bytes.substr(sizeof(magic) + 4, header_size), body};
}

} // namespace

std::string spec_to_json_text(const ModelSpec &spec) {
	return spec_to_json(spec).dump();
}

std::string Model::save() const {
	const Impl &m = *impl_;
	nlohmann::json header = {{"format", "kafkaml-model"},
	                         {"version", k_format_version},
	                         {"kind", m.torchscript ? "torchscript" : "spec"},
	                         {"spec", spec_to_json(m.spec)},
	                         {"input_shape", m.plan.input_shape},
	                         {"path", m.path == ExecutionPath::Fused ? "fused" : "general"},
	                         {"parameters", m.plan.trainable_count},
	                         {"states", m.plan.state_count}};
	std::string text = header.dump();
	std::string out(k_magic, sizeof(k_magic));
	append_u32(out, static_cast<uint32_t>(text.size()));
	out += text;
	if (m.torchscript) {
		out += m.save_module();
		return out;
	}
	append_floats(out, m.params);
	append_floats(out, m.states);
	return out;
}

Model Model::load(std::string_view blob) {
	auto [header_text, body] = unframe(blob, k_magic,
	                                   "not a kafkaml model file (bad magic); use a file written by save or "
	                                   "downloaded from results/{id}/model",
	                                   "model file");
	nlohmann::json header;
	ModelSpec spec;
	try {
		header = parse_json(header_text);
		if (header.at("version").get<int>() > k_format_version) {
			throw std::invalid_argument("model file version is newer than this program; upgrade kafkaml");
		}
		spec = spec_from_json(header.at("spec"));
	} catch (const JsonInputError &e) {
		throw std::invalid_argument(std::string("model file header is malformed: ") + e.what());
	} catch (const nlohmann::json::exception &e) {
		throw std::invalid_argument(std::string("model file header is malformed: ") + e.what());
	}
	if (header.at("kind") == "torchscript") {
		return Model(torchscript_impl(blob.substr(body), spec.compile, header.at("input_shape").get<Shape>(), 0));
	}
	// The same executor as when saved, so predictions are bit-identical.
	Model model = build(spec, 0, header.value("path", "") == "general" ? ExecutionPath::General : ExecutionPath::Auto);
	Impl &m = *model.impl_;
	size_t need = (m.params.size() + m.states.size()) * sizeof(float);
	if (blob.size() - body != need) {
		throw std::invalid_argument("model file weights do not match its spec (" + std::to_string(blob.size() - body) +
		                            " bytes, expected " + std::to_string(need) + ")");
	}
	// An empty buffer (a model without non-trainable state) may have a null
	// data pointer, which memcpy must not be given even for zero bytes.
	const char *weights = blob.data() + body;
	if (!m.params.empty()) {
		std::memcpy(m.params.data(), weights, m.params.size() * sizeof(float));
	}
	if (!m.states.empty()) {
		std::memcpy(m.states.data(), weights + m.params.size() * sizeof(float), m.states.size() * sizeof(float));
	}
	return model;
}

std::string Model::export_pytorch() const {
	if (impl_->torchscript) {
		return impl_->save_module();
	}
	return pickle_weights(*impl_, spec_to_json_text(impl_->spec));
}

std::string Model::save_training_state() const {
	const Impl &m = *impl_;
	nlohmann::json header = {{"format", "kafkaml-training-state"},
	                         {"version", k_state_format_version},
	                         {"learning_rate_factor", m.learning_rate_factor},
	                         {"rng", m.rng.state()},
	                         {"optimizer", nullptr}};
	OptimizerState optimizer;
	if (m.optimizer) {
		optimizer = m.optimizer->state();
		std::vector<size_t> sizes;
		for (const auto &buffer : optimizer.buffers) {
			sizes.push_back(buffer.size());
		}
		header["optimizer"] = {{"name", optimizer.name},
		                       {"iterations", optimizer.iterations},
		                       {"scalars", optimizer.scalars},
		                       {"buffers", sizes}};
	}
	std::string text = header.dump();
	std::string out(k_state_magic, sizeof(k_state_magic));
	append_u32(out, static_cast<uint32_t>(text.size()));
	out += text;
	for (const auto &buffer : optimizer.buffers) {
		append_floats(out, buffer);
	}
	return out;
}

void Model::load_training_state(std::string_view bytes) {
	Impl &m = *impl_;
	auto [header_text, body] =
	    unframe(bytes, k_state_magic,
	            "not a kafkaml training state (bad magic); use bytes written by save_training_state", "training state");
	double factor = 1;
	std::optional<Rng> rng;
	std::optional<OptimizerState> optimizer;
	std::vector<size_t> sizes;
	try {
		auto header = parse_json(header_text);
		if (header.at("version").get<int>() > k_state_format_version) {
			throw std::invalid_argument("training state version is newer than this program; upgrade kafkaml");
		}
		header.at("learning_rate_factor").get_to(factor);
		rng = Rng::from_state(header.at("rng").get<std::string>());
		if (const auto &o = header.at("optimizer"); !o.is_null()) {
			optimizer.emplace();
			o.at("name").get_to(optimizer->name);
			o.at("iterations").get_to(optimizer->iterations);
			o.at("scalars").get_to(optimizer->scalars);
			o.at("buffers").get_to(sizes);
		}
	} catch (const JsonInputError &e) {
		throw std::invalid_argument(std::string("training state header is malformed: ") + e.what());
	} catch (const nlohmann::json::exception &e) {
		throw std::invalid_argument(std::string("training state header is malformed: ") + e.what());
	}
	if (!(factor > 0) || !std::isfinite(factor)) {
		throw std::invalid_argument("the training state's learning-rate factor is not a finite number > 0");
	}
	size_t need = 0;
	for (size_t size : sizes) {
		if (size > (bytes.size() - body) / sizeof(float)) {
			throw std::invalid_argument("training state is truncated (optimizer buffers)");
		}
		need += size * sizeof(float);
	}
	if (bytes.size() - body != need) {
		throw std::invalid_argument("training state holds " + std::to_string(bytes.size() - body) +
		                            " bytes of optimizer buffers, its header says " + std::to_string(need));
	}
	std::unique_ptr<Optimizer> made;
	if (optimizer) {
		const char *at = bytes.data() + body;
		for (size_t size : sizes) {
			auto &buffer = optimizer->buffers.emplace_back(size);
			if (size > 0) {
				std::memcpy(buffer.data(), at, size * sizeof(float));
			}
			at += size * sizeof(float);
		}
		// A fresh optimizer takes the state: on a mismatch the model keeps
		// the one it has.
		made = make_optimizer(m.spec.compile.optimizer, m.plan.params);
		made->restore(*optimizer);
	}
	m.optimizer = std::move(made);
	m.learning_rate_factor = factor;
	if (m.optimizer) {
		m.optimizer->set_learning_rate_factor(factor);
	}
	m.rng = *rng;
}

} // namespace kafkaml::ml
