// The Keras-subset Python form of a model definition: parsed to a syntax
// tree, evaluated over symbolic Keras objects (evaluator.h), and the model
// it defines extracted from the graph.

#include "ml/spec/python_model.h"

#include "ml/spec/evaluator.h"
#include "ml/spec/keras_models.h"
#include "ml/spec/keras_objects.h"
#include "ml/spec/python_parser.h"

#include <algorithm>

namespace kafkaml::ml::spec {

namespace {

//! The model the definition means when it makes several (a base
//! application and the model around it, encoder and autoencoder, ...): the
//! one compiled last; else the one in the variable `model`; else the one
//! made last.
int64_t chosen_model(Evaluator &evaluator) {
	auto &models = evaluator.models();
	int64_t compiled = -1;
	for (size_t i = 0; i < models.size(); i++) {
		if (models[i].compile && (compiled < 0 || models[i].compile_location.line >=
		                                              models[static_cast<size_t>(compiled)].compile_location.line)) {
			compiled = static_cast<int64_t>(i);
		}
	}
	if (compiled >= 0) {
		return compiled;
	}
	if (const Object *named = evaluator.global("model")) {
		if (named->kind == ObjectKind::Model) {
			return named->id;
		}
		if (named->kind == ObjectKind::Instance && named->instance->model >= 0) {
			return named->instance->model;
		}
	}
	if (models.empty()) {
		fail({1, 1}, "no model is defined; expected an assignment such as model = tf.keras.Sequential([...]) or "
		             "model = keras.Model(inputs, outputs)");
	}
	return static_cast<int64_t>(models.size()) - 1;
}

//! The chosen model's part that takes the uploaded weights file: the
//! layers of the one application called with weights that the model
//! holds. One file per model, so one such base.
std::optional<PretrainedSpec> pretrained_part(Evaluator &evaluator, const ModelSpec &spec) {
	std::optional<PretrainedSpec> found;
	for (const auto &base : evaluator.pretrained()) {
		PretrainedSpec part = base.spec;
		for (int64_t id = base.first_layer; id < base.end_layer; id++) {
			const std::string &name = evaluator.graph().layer(id).spec.name;
			bool held = std::any_of(spec.layers.begin(), spec.layers.end(),
			                        [&](const LayerSpec &layer) { return layer.name == name; });
			if (held) {
				part.layers.push_back(name);
			}
		}
		if (part.layers.empty()) {
			continue;
		}
		if (found) {
			fail(part.location, part.application + ": the model already takes " + found->application +
			                        "'s weights from its weights file, and a model has one weights file; pass "
			                        "weights=None here");
		}
		found = std::move(part);
	}
	return found;
}

} // namespace

ModelSpec parse_python_model(std::string_view text) {
	std::vector<StmtPtr> program = parse_python_program(text);
	Evaluator evaluator(text);
	evaluator.run(program);
	ModelSpec spec = model_spec(evaluator, chosen_model(evaluator));
	spec.ignored = evaluator.ignored();
	spec.pretrained = pretrained_part(evaluator, spec);
	normalize_model(spec);
	return spec;
}

} // namespace kafkaml::ml::spec
