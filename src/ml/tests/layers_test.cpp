// Output shapes and parameter counts against Keras' documented formulas,
// and the general executor training each layer family.

#include "expect_learns.h"
#include "ml/model.h"
#include "ml/plan.h"
#include "spec_builders.h"

#include <gtest/gtest.h>

using namespace kafkaml::ml;
using namespace kafkaml::ml::testing;

namespace {

struct Expect {
	Shape output;
	int64_t params;
};

void expect_layer(LayerSpec l, Shape input, Expect e) {
	ModelSpec spec;
	l.input_shape = input;
	spec.layers.push_back(l);
	auto plan = plan_model(spec);
	EXPECT_EQ(plan.layers[0].output_shape, e.output) << l.name;
	EXPECT_EQ(plan.layers[0].param_count, e.params) << l.name;
}

LayerSpec conv(LayerKind kind, int64_t filters, std::vector<int64_t> kernel, std::string padding = "valid") {
	auto l = layer(kind, "conv");
	l.filters = filters;
	l.kernel_size = std::move(kernel);
	l.padding = std::move(padding);
	return l;
}

LayerSpec pool(LayerKind kind, std::vector<int64_t> size, std::string padding = "valid") {
	auto l = layer(kind, "pool");
	l.pool_size = std::move(size);
	l.padding = std::move(padding);
	return l;
}

LayerSpec recurrent(LayerKind kind, int64_t units, bool sequences = false) {
	auto l = layer(kind, "rnn");
	l.units = units;
	l.activation = "tanh";
	l.return_sequences = sequences;
	return l;
}

} // namespace

TEST(Layers, ShapesAndParameterCountsMatchKeras) {
	// Dense: in * units + units.
	expect_layer(dense("d", 4), {3}, {{4}, 16});
	expect_layer(dense("d", 7), {5, 3}, {{5, 7}, 28});
	// Conv: k_h * k_w * in * filters + filters; valid: (L - k) / s + 1, same: ceil(L / s).
	expect_layer(conv(LayerKind::Conv2D, 8, {3, 3}), {28, 28, 1}, {{26, 26, 8}, 80});
	expect_layer(conv(LayerKind::Conv2D, 8, {3, 3}, "same"), {28, 28, 3}, {{28, 28, 8}, 224});
	expect_layer(conv(LayerKind::Conv1D, 16, {5}), {100, 4}, {{96, 16}, 336});
	auto strided = conv(LayerKind::Conv1D, 2, {3}, "same");
	strided.strides = {2};
	expect_layer(strided, {7, 1}, {{4, 2}, 8});
	expect_layer(pool(LayerKind::MaxPooling2D, {2, 2}), {26, 26, 8}, {{13, 13, 8}, 0});
	expect_layer(pool(LayerKind::AveragePooling1D, {2}), {96, 16}, {{48, 16}, 0});
	expect_layer(pool(LayerKind::MaxPooling1D, {2}, "same"), {7, 3}, {{4, 3}, 0});
	expect_layer(pool(LayerKind::AveragePooling2D, {3, 3}), {7, 8, 2}, {{2, 2, 2}, 0});
	expect_layer(layer(LayerKind::GlobalAveragePooling1D, "g"), {10, 6}, {{6}, 0});
	expect_layer(layer(LayerKind::GlobalMaxPooling2D, "g"), {4, 4, 5}, {{5}, 0});
	expect_layer(layer(LayerKind::Flatten, "f"), {4, 4, 5}, {{80}, 0});
	auto reshape = layer(LayerKind::Reshape, "r");
	reshape.target_shape = {-1, 4};
	expect_layer(reshape, {2, 6}, {{3, 4}, 0});
	// BatchNormalization: 4 per channel (gamma, beta trainable; moving mean/variance not).
	expect_layer(layer(LayerKind::BatchNormalization, "bn"), {10}, {{10}, 40});
	// LSTM: 4 * (units * (in + units) + units).
	expect_layer(recurrent(LayerKind::LSTM, 32), {10, 8}, {{32}, 5248});
	expect_layer(recurrent(LayerKind::LSTM, 32, true), {10, 8}, {{10, 32}, 5248});
	// GRU (reset_after=True): 3 * (units * (in + units) + 2 * units).
	expect_layer(recurrent(LayerKind::GRU, 32), {10, 8}, {{32}, 4032});
	auto embedding = layer(LayerKind::Embedding, "e");
	embedding.input_dim = 1000;
	embedding.output_dim = 64;
	expect_layer(embedding, {10}, {{10, 64}, 64000});
}

TEST(Layers, BadShapesAreRejectedWithTheLayerName) {
	try {
		expect_layer(conv(LayerKind::Conv2D, 8, {3, 3}), {28, 28}, {{}, 0});
		FAIL();
	} catch (const std::invalid_argument &e) {
		EXPECT_NE(std::string(e.what()).find("layer 'conv'"), std::string::npos) << e.what();
	}
	auto reshape = layer(LayerKind::Reshape, "r");
	reshape.target_shape = {5};
	EXPECT_THROW(expect_layer(reshape, {2, 6}, {{}, 0}), std::invalid_argument);
}

TEST(Layers, SamePaddingAveragePoolingIgnoresPadding) {
	ModelSpec spec;
	spec.layers.push_back(pool(LayerKind::AveragePooling1D, {2}, "same"));
	spec.layers.back().input_shape = Shape{3, 1};
	auto model = Model::build(spec);
	auto y = model.predict(Array{{1, 3, 1}, {1, 2, 4}});
	EXPECT_EQ(y.data, (std::vector<float>{1.5f, 4.0f})); // Keras: last window averages 4 alone
}

TEST(Layers, OrthogonalRecurrentKernel) {
	ModelSpec spec;
	spec.layers.push_back(recurrent(LayerKind::GRU, 4));
	spec.layers.back().input_shape = Shape{2, 3};
	auto model = Model::build(spec, 1);
	auto p = model.parameters();
	// recurrent_kernel [4, 12] follows the [3, 12] kernel: its rows are orthonormal.
	const float *u = p.data() + 36;
	for (int a = 0; a < 4; a++) {
		for (int b = 0; b < 4; b++) {
			double dot = 0;
			for (int k = 0; k < 12; k++) {
				dot += u[a * 12 + k] * u[b * 12 + k];
			}
			EXPECT_NEAR(dot, a == b ? 1.0 : 0.0, 1e-5);
		}
	}
}

namespace {

//! Trains `spec` on a learnable toy target of `input` shape; the loss must drop.
void expect_learns(ModelSpec spec, Shape input, bool integer_input = false) {
	spec.layers.front().input_shape = input;
	spec.compile = compile("adam", 0.01, "sparse_categorical_crossentropy", {"accuracy"});
	expect_learns_toy_target(spec, input, integer_input);
}

} // namespace

TEST(Layers, ConvolutionalStackTrains) {
	ModelSpec spec;
	auto c = conv(LayerKind::Conv2D, 4, {3, 3}, "same");
	c.activation = "relu";
	spec.layers.push_back(c);
	spec.layers.push_back(layer(LayerKind::BatchNormalization, "bn"));
	spec.layers.push_back(pool(LayerKind::MaxPooling2D, {2, 2}));
	spec.layers.push_back(layer(LayerKind::Flatten, "flatten"));
	spec.layers.push_back(dense("dense", 2, "softmax"));
	expect_learns(spec, {6, 6, 1});
}

TEST(Layers, Conv1dAndGlobalPoolingTrain) {
	ModelSpec spec;
	spec.layers.push_back(conv(LayerKind::Conv1D, 4, {3}));
	spec.layers.push_back(pool(LayerKind::AveragePooling1D, {2}, "same"));
	spec.layers.push_back(layer(LayerKind::GlobalAveragePooling1D, "gap"));
	spec.layers.push_back(dense("dense", 2, "softmax"));
	expect_learns(spec, {9, 2});
}

TEST(Layers, RecurrentLayersTrain) {
	for (auto kind : {LayerKind::LSTM, LayerKind::GRU}) {
		ModelSpec spec;
		spec.layers.push_back(recurrent(kind, 8, true));
		spec.layers.push_back(recurrent(kind, 8));
		spec.layers.back().name = "rnn_1";
		spec.layers.push_back(dense("dense", 2, "softmax"));
		expect_learns(spec, {5, 2});
	}
}

TEST(Layers, EmbeddingTrains) {
	ModelSpec spec;
	auto e = layer(LayerKind::Embedding, "embedding");
	e.input_dim = 10;
	e.output_dim = 4;
	spec.layers.push_back(e);
	spec.layers.push_back(layer(LayerKind::GlobalAveragePooling1D, "gap"));
	spec.layers.push_back(dense("dense", 2, "softmax"));
	expect_learns(spec, {6}, true);
}
