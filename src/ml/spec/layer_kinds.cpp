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

constexpr std::array<KindInfo, 68> kKinds = {{
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
    {LayerKind::SimpleRNN, "SimpleRNN", "simple_rnn", ""},
    {LayerKind::Bidirectional, "Bidirectional", "bidirectional", ""},
    {LayerKind::TimeDistributed, "TimeDistributed", "time_distributed", ""},
    {LayerKind::Conv2DTranspose, "Conv2DTranspose", "conv2d_transpose", "Convolution2DTranspose"},
    {LayerKind::SeparableConv1D, "SeparableConv1D", "separable_conv1d", "SeparableConvolution1D"},
    {LayerKind::SeparableConv2D, "SeparableConv2D", "separable_conv2d", "SeparableConvolution2D"},
    {LayerKind::DepthwiseConv2D, "DepthwiseConv2D", "depthwise_conv2d", ""},
    {LayerKind::Conv3D, "Conv3D", "conv3d", "Convolution3D"},
    {LayerKind::MaxPooling3D, "MaxPooling3D", "max_pooling3d", "MaxPool3D"},
    {LayerKind::AveragePooling3D, "AveragePooling3D", "average_pooling3d", "AvgPool3D"},
    {LayerKind::GlobalAveragePooling3D, "GlobalAveragePooling3D", "global_average_pooling3d", "GlobalAvgPool3D"},
    {LayerKind::GlobalMaxPooling3D, "GlobalMaxPooling3D", "global_max_pooling3d", "GlobalMaxPool3D"},
    {LayerKind::UpSampling1D, "UpSampling1D", "up_sampling1d", ""},
    {LayerKind::UpSampling2D, "UpSampling2D", "up_sampling2d", ""},
    {LayerKind::ZeroPadding1D, "ZeroPadding1D", "zero_padding1d", ""},
    {LayerKind::ZeroPadding2D, "ZeroPadding2D", "zero_padding2d", ""},
    {LayerKind::Cropping1D, "Cropping1D", "cropping1d", ""},
    {LayerKind::Cropping2D, "Cropping2D", "cropping2d", ""},
    {LayerKind::RepeatVector, "RepeatVector", "repeat_vector", ""},
    {LayerKind::Permute, "Permute", "permute", ""},
    {LayerKind::LayerNormalization, "LayerNormalization", "layer_normalization", ""},
    {LayerKind::SpatialDropout1D, "SpatialDropout1D", "spatial_dropout1d", ""},
    {LayerKind::SpatialDropout2D, "SpatialDropout2D", "spatial_dropout2d", ""},
    {LayerKind::GaussianNoise, "GaussianNoise", "gaussian_noise", ""},
    {LayerKind::GaussianDropout, "GaussianDropout", "gaussian_dropout", ""},
    {LayerKind::ReLU, "ReLU", "re_lu", ""},
    {LayerKind::LeakyReLU, "LeakyReLU", "leaky_re_lu", ""},
    {LayerKind::PReLU, "PReLU", "p_re_lu", ""},
    {LayerKind::ELU, "ELU", "elu", ""},
    {LayerKind::Softmax, "Softmax", "softmax", ""},
    {LayerKind::Rescaling, "Rescaling", "rescaling", ""},
    {LayerKind::Normalization, "Normalization", "normalization", ""},
    {LayerKind::MultiHeadAttention, "MultiHeadAttention", "multi_head_attention", ""},
    {LayerKind::Add, "Add", "add", ""},
    {LayerKind::Subtract, "Subtract", "subtract", ""},
    {LayerKind::Multiply, "Multiply", "multiply", ""},
    {LayerKind::Average, "Average", "average", ""},
    {LayerKind::Maximum, "Maximum", "maximum", ""},
    {LayerKind::Minimum, "Minimum", "minimum", ""},
    {LayerKind::Concatenate, "Concatenate", "concatenate", ""},
    {LayerKind::Dot, "Dot", "dot", ""},
    {LayerKind::RandomFlip, "RandomFlip", "random_flip", ""},
    {LayerKind::RandomRotation, "RandomRotation", "random_rotation", ""},
    {LayerKind::RandomZoom, "RandomZoom", "random_zoom", ""},
    {LayerKind::RandomTranslation, "RandomTranslation", "random_translation", ""},
    {LayerKind::RandomContrast, "RandomContrast", "random_contrast", ""},
    {LayerKind::RandomCrop, "RandomCrop", "random_crop", ""},
    {LayerKind::CenterCrop, "CenterCrop", "center_crop", ""},
    {LayerKind::Resizing, "Resizing", "resizing", ""},
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
