#include "ml/engine_support.h"

#include "ml/metric_names.h"
#include "ml/numerics.h"
#include "ml/plan.h"
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
	// plan_layers.cpp, torch_layers.cpp
	case LayerKind::ReLU:
	case LayerKind::LeakyReLU:
	case LayerKind::PReLU:
	case LayerKind::ELU:
	case LayerKind::Softmax:
	case LayerKind::Rescaling:
	case LayerKind::Normalization:
	case LayerKind::LayerNormalization:
	case LayerKind::GaussianNoise:
	case LayerKind::GaussianDropout:
	case LayerKind::SpatialDropout1D:
	case LayerKind::SpatialDropout2D:
	case LayerKind::RepeatVector:
	case LayerKind::Permute:
	case LayerKind::ZeroPadding1D:
	case LayerKind::ZeroPadding2D:
	case LayerKind::Cropping1D:
	case LayerKind::Cropping2D:
	case LayerKind::UpSampling1D:
	case LayerKind::UpSampling2D:
	case LayerKind::SimpleRNN:
	case LayerKind::Bidirectional:
	case LayerKind::TimeDistributed:
	case LayerKind::Conv3D:
	case LayerKind::Conv2DTranspose:
	case LayerKind::SeparableConv1D:
	case LayerKind::SeparableConv2D:
	case LayerKind::DepthwiseConv2D:
	case LayerKind::MaxPooling3D:
	case LayerKind::AveragePooling3D:
	case LayerKind::GlobalAveragePooling3D:
	case LayerKind::GlobalMaxPooling3D:
	case LayerKind::RandomFlip:
	case LayerKind::RandomRotation:
	case LayerKind::RandomZoom:
	case LayerKind::RandomTranslation:
	case LayerKind::RandomContrast:
	case LayerKind::RandomCrop:
	case LayerKind::CenterCrop:
	case LayerKind::Resizing:
		return true;
	default:
		return takes_several_inputs(kind); // merge layers and attention (plan.cpp, torch_graph.cpp)
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
	//! Once per place and reason: a loss or metric given for every output
	//! stands in each output's list.
	void add(SourceLocation where, std::string what) {
		auto same = [&](const EngineGap &gap) {
			return gap.what == what && gap.location.line == where.line && gap.location.column == where.column;
		};
		if (std::none_of(list.begin(), list.end(), same)) {
			list.push_back({where, std::move(what)});
		}
	}
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
	bool resamples = layer.kind == LayerKind::Resizing || layer.kind == LayerKind::RandomRotation ||
	                 layer.kind == LayerKind::RandomZoom || layer.kind == LayerKind::RandomTranslation;
	if (resamples && layer.interpolation != "bilinear" && layer.interpolation != "nearest") {
		gaps.add(layer.location, which + "the '" + layer.interpolation + "' interpolation (bilinear and nearest are)");
	}
	for (const auto &inner : layer.wrapped) { // Bidirectional's, TimeDistributed's
		layer_gaps(inner, gaps);
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
	for (const auto &layer : spec.layers) {
		layer_gaps(layer, gaps);
	}
	const CompileSpec &c = spec.compile;
	optimizer_gaps(c.optimizer, gaps);
	loss_gaps(c.loss, gaps);
	for (const auto &loss : c.losses) {
		loss_gaps(loss, gaps);
	}
	// Each output's metrics read the labels of that output's loss.
	auto loss_of = [&c](size_t output) -> const LossSpec & {
		return output < c.losses.size() ? c.losses[output] : c.loss;
	};
	for (const auto &metric : c.metric_specs) {
		metric_gaps(metric, c.loss, gaps);
	}
	for (size_t o = 0; o < c.output_metrics.size(); o++) {
		for (const auto &metric : c.output_metrics[o]) {
			metric_gaps(metric, loss_of(o), gaps);
		}
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
