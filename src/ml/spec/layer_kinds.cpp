#include "ml/spec/layer_kinds.h"

#include <array>

namespace kafkaml::ml {

namespace {

struct KindInfo {
	LayerKind kind;
	std::string_view class_name;
	std::string_view base_name;
	std::string_view alias; //!< empty when none
};

constexpr std::array<KindInfo, 19> kKinds = {{
    {LayerKind::Dense, "Dense", "dense", ""},
    {LayerKind::Dropout, "Dropout", "dropout", ""},
    {LayerKind::Flatten, "Flatten", "flatten", ""},
    {LayerKind::Reshape, "Reshape", "reshape", ""},
    {LayerKind::Activation, "Activation", "activation", ""},
    {LayerKind::BatchNormalization, "BatchNormalization", "batch_normalization", ""},
    {LayerKind::Conv1D, "Conv1D", "conv1d", "Convolution1D"},
    {LayerKind::Conv2D, "Conv2D", "conv2d", "Convolution2D"},
    {LayerKind::MaxPooling1D, "MaxPooling1D", "max_pooling1d", "MaxPool1D"},
    {LayerKind::MaxPooling2D, "MaxPooling2D", "max_pooling2d", "MaxPool2D"},
    {LayerKind::AveragePooling1D, "AveragePooling1D", "average_pooling1d", "AvgPool1D"},
    {LayerKind::AveragePooling2D, "AveragePooling2D", "average_pooling2d", "AvgPool2D"},
    {LayerKind::GlobalAveragePooling1D, "GlobalAveragePooling1D", "global_average_pooling1d", "GlobalAvgPool1D"},
    {LayerKind::GlobalAveragePooling2D, "GlobalAveragePooling2D", "global_average_pooling2d", "GlobalAvgPool2D"},
    {LayerKind::GlobalMaxPooling1D, "GlobalMaxPooling1D", "global_max_pooling1d", "GlobalMaxPool1D"},
    {LayerKind::GlobalMaxPooling2D, "GlobalMaxPooling2D", "global_max_pooling2d", "GlobalMaxPool2D"},
    {LayerKind::LSTM, "LSTM", "lstm", ""},
    {LayerKind::GRU, "GRU", "gru", ""},
    {LayerKind::Embedding, "Embedding", "embedding", ""},
}};

const KindInfo &info(LayerKind kind) {
	for (const auto &entry : kKinds) {
		if (entry.kind == kind) {
			return entry;
		}
	}
	return kKinds[0];
}

} // namespace

std::string_view layer_class_name(LayerKind kind) {
	return info(kind).class_name;
}

std::string_view layer_base_name(LayerKind kind) {
	return info(kind).base_name;
}

std::optional<LayerKind> layer_kind_from_class_name(std::string_view name) {
	for (const auto &entry : kKinds) {
		if (entry.class_name == name || (!entry.alias.empty() && entry.alias == name)) {
			return entry.kind;
		}
	}
	return std::nullopt;
}

std::string supported_layer_names() {
	std::string names;
	for (const auto &entry : kKinds) {
		names += names.empty() ? "" : ", ";
		names += entry.class_name;
	}
	return names + " (and Input/InputLayer first)";
}

} // namespace kafkaml::ml
