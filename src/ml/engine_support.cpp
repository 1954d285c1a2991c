#include "ml/engine_support.h"

#include "ml/metric_names.h"
#include "ml/numerics.h"
#include "ml/spec/layer_kinds.h"

#include <algorithm>
#include <set>
#include <stdexcept>

namespace kafkaml::ml {
namespace {

bool engine_builds(LayerKind kind) {
	switch (kind) {
	case LayerKind::Dense:
	case LayerKind::Dropout:
	case LayerKind::Flatten:
	case LayerKind::Reshape:
	case LayerKind::Activation:
	case LayerKind::BatchNormalization:
	case LayerKind::Conv1D:
	case LayerKind::Conv2D:
	case LayerKind::MaxPooling1D:
	case LayerKind::MaxPooling2D:
	case LayerKind::AveragePooling1D:
	case LayerKind::AveragePooling2D:
	case LayerKind::GlobalAveragePooling1D:
	case LayerKind::GlobalAveragePooling2D:
	case LayerKind::GlobalMaxPooling1D:
	case LayerKind::GlobalMaxPooling2D:
	case LayerKind::LSTM:
	case LayerKind::GRU:
	case LayerKind::Embedding:
		return true;
	default:
		return false;
	}
}

bool known_activation(const std::string &name) {
	try {
		resolve_activation(name, 0.0);
		return true;
	} catch (const std::invalid_argument &) {
		return false;
	}
}

struct Gaps {
	std::vector<EngineGap> list;
	void add(SourceLocation where, std::string what) { list.push_back({where, std::move(what)}); }
};

void layer_gaps(const LayerSpec &layer, Gaps &gaps) {
	std::string which = "layer '" + layer.name + "' (" + std::string(layer_class_name(layer.kind)) + "): ";
	if (!engine_builds(layer.kind)) {
		gaps.add(layer.location, which + std::string(layer_class_name(layer.kind)) + " layers");
		return;
	}
	if (!known_activation(layer.activation)) {
		gaps.add(layer.location, which + "the activation '" + layer.activation + "'");
	}
	if ((layer.kind == LayerKind::LSTM || layer.kind == LayerKind::GRU) &&
	    !known_activation(layer.recurrent_activation)) {
		gaps.add(layer.location, which + "the recurrent activation '" + layer.recurrent_activation + "'");
	}
	if (!layer.trainable) {
		gaps.add(layer.location, which + "frozen weights (trainable=False)");
	}
	for (const auto *regularizer :
	     {&layer.kernel_regularizer, &layer.bias_regularizer, &layer.activity_regularizer, &layer.recurrent_regularizer,
	      &layer.depthwise_regularizer, &layer.pointwise_regularizer}) {
		if (regularizer->present()) {
			gaps.add(layer.location, which + "weight regularizers (l1, l2)");
			break;
		}
	}
	if (layer.dropout != 0.0 || layer.recurrent_dropout != 0.0) {
		gaps.add(layer.location, which + "dropout and recurrent_dropout inside recurrent layers");
	}
	if (layer.padding == "causal") {
		gaps.add(layer.location, which + "causal padding");
	}
}

const std::set<std::string> kOptimizers = {"sgd",      "adam",   "adamw", "rmsprop", "adagrad",
                                           "adadelta", "adamax", "nadam", "ftrl"};

bool known_loss(const std::string &name) {
	try {
		resolve_loss(LossSpec{name});
		return true;
	} catch (const std::invalid_argument &) {
		return false;
	}
}

void optimizer_gaps(const OptimizerSpec &o, Gaps &gaps) {
	if (!kOptimizers.contains(o.name)) {
		gaps.add(o.location, "the " + o.name + " optimizer");
		return;
	}
	// Keras 3 refuses two kinds of clipping; Keras 2 applied both, in an
	// order the engine does not reproduce.
	if (o.clipvalue && (o.clipnorm || o.global_clipnorm)) {
		gaps.add(o.location, "the optimizer's clipvalue together with clipnorm or global_clipnorm");
	}
}

void loss_gaps(const LossSpec &l, Gaps &gaps) {
	if (l.name.empty()) {
		return; // no compile(): the engine's default loss
	}
	if (!known_loss(l.name)) {
		gaps.add(l.location, "the " + l.name + " loss");
		return;
	}
	if (l.axis != -1) {
		gaps.add(l.location, "the loss's axis (losses are computed over the last axis)");
	}
	if (l.reduction == "none") {
		gaps.add(l.location, "the loss's reduction 'none'");
	}
}

bool sparse_metric(const std::string &name) {
	return name.starts_with("sparse_");
}

void metric_gaps(const MetricSpec &m, const LossSpec &loss, Gaps &gaps) {
	if (!find_metric(m.name)) {
		gaps.add(m.location, "the " + m.name + " metric");
		return;
	}
	if (m.axis != -1 && m.name != "mean_iou") { // MeanIoU reads class ids: its axis never applies
		gaps.add(m.location, "the " + m.name + " metric's axis (metrics are computed over the last axis)");
	}
	if (sparse_metric(m.name) && loss.name != "sparse_categorical_crossentropy") {
		gaps.add(m.location, "the " + m.name +
		                         " metric with one-hot labels (it reads class indices, the labels of a "
		                         "sparse_categorical_crossentropy loss)");
	}
}

} // namespace

std::vector<EngineGap> engine_gaps(const ModelSpec &spec) {
	Gaps gaps;
	// A spec built in code (tests, a model file) may carry only its layers:
	// a chain of them, as summarize() reads it.
	if (!spec.nodes.empty() && !spec.is_chain()) {
		gaps.add({}, "graph models (several inputs or outputs, merge layers, layers used twice)");
	}
	for (const auto &layer : spec.layers) {
		layer_gaps(layer, gaps);
	}
	for (const auto &node : spec.nodes) {
		if (node.training) {
			gaps.add(node.location, "a layer called with training=");
			break;
		}
	}
	optimizer_gaps(spec.compile.optimizer, gaps);
	if (spec.compile.losses.size() > 1) {
		gaps.add({}, "a loss per output");
	}
	loss_gaps(spec.compile.loss, gaps);
	for (const auto &metric : spec.compile.metric_specs) {
		metric_gaps(metric, spec.compile.loss, gaps);
	}
	for (const auto &name : spec.compile.metrics) {
		if (spec.compile.metric_specs.empty() && !find_metric(name)) {
			gaps.add({}, "the " + name + " metric");
		}
	}
	return gaps.list;
}

std::string describe_gaps(const std::vector<EngineGap> &gaps) {
	std::string text = "the definition is valid Keras, but this system does not train ";
	for (size_t i = 0; i < gaps.size(); i++) {
		if (i > 0) {
			text += "; ";
		}
		if (gaps[i].location.line > 0) {
			text += "(line " + std::to_string(gaps[i].location.line) + ") ";
		}
		text += gaps[i].what;
	}
	return text + " yet";
}

} // namespace kafkaml::ml
