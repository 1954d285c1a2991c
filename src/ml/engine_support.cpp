#include "ml/engine_support.h"

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
	bool resamples = layer.kind == LayerKind::Resizing || layer.kind == LayerKind::RandomRotation ||
	                 layer.kind == LayerKind::RandomZoom || layer.kind == LayerKind::RandomTranslation;
	if (resamples && layer.interpolation != "bilinear" && layer.interpolation != "nearest") {
		gaps.add(layer.location, which + "the '" + layer.interpolation + "' interpolation (bilinear and nearest are)");
	}
	for (const auto &inner : layer.wrapped) { // Bidirectional's, TimeDistributed's
		layer_gaps(inner, gaps);
	}
}

const std::set<std::string> kOptimizers = {"sgd", "adam", "adamw", "rmsprop", "adagrad"};
const std::set<std::string> kLosses = {
    "mse", "mae", "huber", "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy"};
const std::set<std::string> kMetrics = {"accuracy",
                                        "binary_accuracy",
                                        "sparse_categorical_accuracy",
                                        "categorical_accuracy",
                                        "mae",
                                        "mse",
                                        "rmse",
                                        "precision",
                                        "recall",
                                        "auc"};

void optimizer_gaps(const OptimizerSpec &o, Gaps &gaps) {
	if (!kOptimizers.contains(o.name)) {
		gaps.add(o.location, "the " + o.name + " optimizer");
		return;
	}
	auto feature = [&](bool used, const char *what) {
		if (used) {
			gaps.add(o.location, "the optimizer's " + std::string(what));
		}
	};
	feature(o.amsgrad, "amsgrad");
	feature(o.centered, "centered (RMSprop)");
	feature(o.decay != 0.0, "decay");
	feature(o.clipnorm.has_value(), "clipnorm");
	feature(o.clipvalue.has_value(), "clipvalue");
	feature(o.global_clipnorm.has_value(), "global_clipnorm");
	feature(o.schedule.has_value(), "learning-rate schedule");
}

void loss_gaps(const LossSpec &l, Gaps &gaps) {
	if (l.name.empty()) {
		return; // no compile(): the engine's default loss
	}
	if (!kLosses.contains(l.name)) {
		gaps.add(l.location, "the " + l.name + " loss");
		return;
	}
	if (l.label_smoothing != 0.0) {
		gaps.add(l.location, "the loss's label_smoothing");
	}
	if (l.ignore_class) {
		gaps.add(l.location, "the loss's ignore_class");
	}
	if (l.axis != -1) {
		gaps.add(l.location, "the loss's axis");
	}
	if (l.reduction != "auto" && l.reduction != "sum_over_batch_size") {
		gaps.add(l.location, "the loss's reduction '" + l.reduction + "'");
	}
}

void metric_gaps(const MetricSpec &m, Gaps &gaps) {
	if (!kMetrics.contains(m.name)) {
		gaps.add(m.location, "the " + m.name + " metric");
		return;
	}
	// The engine computes these metrics at Keras' defaults only.
	MetricSpec plain;
	bool defaults = m.threshold == plain.threshold && m.thresholds.empty() && !m.top_k && !m.class_id &&
	                m.num_thresholds == plain.num_thresholds && m.curve == plain.curve &&
	                m.summation_method == plain.summation_method && !m.multi_label && !m.num_labels && !m.from_logits &&
	                m.label_smoothing == 0.0;
	if (!defaults) {
		gaps.add(m.location, "the " + m.name + " metric with other arguments than its defaults");
	}
}

//! `items` without repeats (same name, same place): a loss or metric given
//! for every output stands in each output's list.
template <class Spec>
std::vector<const Spec *> once(const std::vector<const Spec *> &items) {
	std::vector<const Spec *> out;
	for (const Spec *item : items) {
		auto same = [item](const Spec *seen) {
			return seen->name == item->name && seen->location.line == item->location.line &&
			       seen->location.column == item->location.column;
		};
		if (std::none_of(out.begin(), out.end(), same)) {
			out.push_back(item);
		}
	}
	return out;
}

} // namespace

std::vector<EngineGap> engine_gaps(const ModelSpec &spec) {
	Gaps gaps;
	for (const auto &layer : spec.layers) {
		layer_gaps(layer, gaps);
	}
	optimizer_gaps(spec.compile.optimizer, gaps);
	std::vector<const LossSpec *> losses{&spec.compile.loss};
	for (const auto &loss : spec.compile.losses) {
		losses.push_back(&loss);
	}
	for (const auto *loss : once(losses)) {
		loss_gaps(*loss, gaps);
	}
	std::vector<const MetricSpec *> metrics;
	for (const auto &metric : spec.compile.metric_specs) {
		metrics.push_back(&metric);
	}
	for (const auto &list : spec.compile.output_metrics) {
		for (const auto &metric : list) {
			metrics.push_back(&metric);
		}
	}
	for (const auto *metric : once(metrics)) {
		metric_gaps(*metric, gaps);
	}
	for (const auto &name : spec.compile.metrics) {
		if (spec.compile.metric_specs.empty() && !kMetrics.contains(name) && name != "acc") {
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
