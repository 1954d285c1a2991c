// The layer kinds of plan_layers.cpp / torch_layers.cpp: shapes and
// parameter counts equal to the spec's summary (Keras'), the random layers
// (identity at inference, their statistics in training), and small models
// of them training. Forward and gradients against PyTorch are in
// layer_interop_test.cpp.

#include "added_layer_cases.h"
#include "expect_learns.h"
#include "ml/engine_support.h"
#include "ml/executor.h"
#include "ml/model.h"
#include "ml/plan.h"
#include "ml/spec/parse.h"
#include "ml/spec/summary.h"
#include "spec_builders.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

using namespace kafkaml::ml;
using namespace kafkaml::ml::testing;

namespace {

ModelSpec parse(const std::string &text) {
	return parse_model_definition(text);
}

//! A model of the one layer `call` on inputs of `input` shape.
std::string one_layer(const Shape &input, const std::string &call) {
	return "model = keras.Sequential([keras.Input(shape=" + shape_tuple(input) + "), layers." + call + "])\n";
}

Array uniform_array(Shape shape, uint64_t seed, float low = -1.0f, float high = 1.0f) {
	Rng rng(seed);
	Array a{std::move(shape), {}};
	int64_t n = 1;
	for (auto d : a.shape) {
		n *= d;
	}
	for (int64_t i = 0; i < n; i++) {
		a.data.push_back(rng.uniform(low, high));
	}
	return a;
}

//! One training-mode forward of the model's executor on `x` (draws from `seed`).
std::vector<float> forward_train(const ModelSpec &spec, const Array &x, uint64_t seed) {
	auto plan = plan_model(spec);
	std::vector<float> params(static_cast<size_t>(plan.trainable_count)), states(static_cast<size_t>(plan.state_count));
	Rng init(1);
	initialize_parameters(plan, init, params.data(), states.data());
	auto executor = make_torch_executor(plan, params.data(), states.data());
	std::vector<float> out(static_cast<size_t>(x.rows() * plan.output_size()));
	Rng rng(seed);
	executor->forward_train(x.data.data(), x.rows(), rng, out.data());
	return out;
}

} // namespace

TEST(AddedLayers, ShapesAndCountsEqualTheSpecSummary) {
	for (const auto &c : added_layer_cases()) {
		SCOPED_TRACE(c.layers);
		auto spec = parse(case_model(c));
		EXPECT_TRUE(engine_gaps(spec).empty()) << describe_gaps(engine_gaps(spec));
		auto summary = summarize(spec);
		auto plan = plan_model(spec);
		ASSERT_EQ(plan.layers.size(), summary.layers.size());
		for (size_t i = 0; i < plan.layers.size(); i++) {
			EXPECT_EQ(plan.layers[i].output_shape, summary.layers[i].output_shape) << plan.layers[i].spec.name;
			EXPECT_EQ(plan.layers[i].param_count, summary.layers[i].params()) << plan.layers[i].spec.name;
		}
		EXPECT_EQ(plan.trainable_count, summary.trainable_params);
		EXPECT_EQ(plan.state_count, summary.non_trainable_params);
		auto model = Model::build(spec, 1);
		Shape shape{2};
		shape.insert(shape.end(), c.input.begin(), c.input.end());
		auto x = uniform_array(shape, 2);
		auto y = model.predict(x);
		EXPECT_EQ(y.shape, (Shape{2, 2}));
		for (float v : y.data) {
			EXPECT_TRUE(std::isfinite(v));
		}
		// The model file keeps every field the layer needs.
		EXPECT_EQ(Model::load(model.save()).predict(x).data, y.data);
	}
}

TEST(AddedLayers, TheModelFileKeepsRegularizersAndFrozenLayers) {
	auto spec = parse("model = keras.Sequential([keras.Input(shape=(6, 3)),\n"
	                  "    layers.Bidirectional(layers.GRU(4, recurrent_regularizer='l2', dropout=0.25)),\n"
	                  "    layers.Dense(2, kernel_regularizer=regularizers.l1_l2(0.5, 0.25), trainable=False,\n"
	                  "                 activity_regularizer='l1')])\n");
	auto loaded = Model::load(Model::build(spec, 1).save()).spec();
	const auto &rnn = loaded.layers.at(0).wrapped.at(0);
	EXPECT_EQ(rnn.kind, LayerKind::GRU);
	EXPECT_EQ(rnn.recurrent_regularizer.l2, 0.01);
	EXPECT_EQ(rnn.dropout, 0.25);
	const auto &dense = loaded.layers.at(1);
	EXPECT_FALSE(dense.trainable);
	EXPECT_EQ(dense.kernel_regularizer.l1, 0.5);
	EXPECT_EQ(dense.kernel_regularizer.l2, 0.25);
	EXPECT_EQ(dense.activity_regularizer.l1, 0.01);
}

TEST(AddedLayers, ParameterCountsFollowKerasFormulas) {
	auto count = [](const Shape &input, const std::string &call) {
		return plan_model(parse(one_layer(input, call))).layers[0].param_count;
	};
	// PReLU: one alpha per input value, shared axes count once.
	EXPECT_EQ(count({4, 3}, "PReLU()"), 12);
	EXPECT_EQ(count({4, 3}, "PReLU(shared_axes=[1])"), 3);
	// LayerNormalization: gamma and beta over the normalised axes.
	EXPECT_EQ(count({4, 3}, "LayerNormalization(axis=[1, 2])"), 24);
	// SimpleRNN: units (in + units) + units; Bidirectional twice its layer's.
	EXPECT_EQ(count({6, 3}, "SimpleRNN(4)"), 32);
	EXPECT_EQ(count({6, 3}, "Bidirectional(LSTM(4))"), 2 * 4 * (4 * (3 + 4) + 4));
	EXPECT_EQ(count({6, 3}, "Bidirectional(GRU(4))"), 2 * 3 * (4 * (3 + 4) + 2 * 4));
	// GRU v1 (reset_after=False): one bias vector, 3 (units (in + units) + units).
	EXPECT_EQ(count({6, 3}, "GRU(4, reset_after=False)"), 3 * (4 * (3 + 4) + 4));
	EXPECT_EQ(count({5, 3}, "TimeDistributed(Dense(2))"), 8);
	// Conv2DTranspose: k k filters in + filters; separable: k in m + in m filters + filters.
	EXPECT_EQ(count({4, 4, 2}, "Conv2DTranspose(3, 3)"), 57);
	EXPECT_EQ(count({7, 3}, "SeparableConv1D(4, 3, depth_multiplier=2)"), 46);
	EXPECT_EQ(count({6, 6, 3}, "DepthwiseConv2D(3, depth_multiplier=2)"), 60);
	EXPECT_EQ(count({5, 5, 5, 2}, "Conv3D(3, 2)"), 51);
	auto plan = plan_model(parse(one_layer({6, 3}, "Bidirectional(LSTM(4), name='b')")));
	EXPECT_EQ(plan.params[0].name, "b/forward_lstm/kernel");
	EXPECT_EQ(plan.params[3].name, "b/backward_lstm/kernel");
	EXPECT_EQ(plan.layers[0].output_shape, (Shape{8}));
}

TEST(AddedLayers, RandomLayersAreTheIdentityAtInference) {
	for (const auto &[input, call] : std::vector<std::pair<Shape, std::string>>{
	         {{10}, "GaussianNoise(0.5)"},
	         {{10}, "GaussianDropout(0.4)"},
	         {{6, 3}, "SpatialDropout1D(0.5)"},
	         {{4, 4, 3}, "SpatialDropout2D(0.5)"},
	     }) {
		SCOPED_TRACE(call);
		auto model = Model::build(parse(one_layer(input, call)), 1);
		Shape shape{3};
		shape.insert(shape.end(), input.begin(), input.end());
		auto x = uniform_array(shape, 5);
		EXPECT_EQ(model.predict(x).data, x.data);
	}
}

TEST(AddedLayers, GaussianNoiseAddsNoiseOfItsStddev) {
	auto x = uniform_array({200, 100}, 3);
	auto y = forward_train(parse(one_layer({100}, "GaussianNoise(0.5)")), x, 9);
	double sum = 0, squares = 0;
	for (size_t i = 0; i < y.size(); i++) {
		double noise = y[i] - x.data[i];
		sum += noise;
		squares += noise * noise;
	}
	double n = static_cast<double>(y.size());
	EXPECT_NEAR(sum / n, 0.0, 0.02);                // 4 standard errors of 20,000 draws
	EXPECT_NEAR(std::sqrt(squares / n), 0.5, 0.01); // relative error ~ 1/sqrt(2n)
}

TEST(AddedLayers, GaussianDropoutMultipliesByNoiseOfMeanOne) {
	auto x = uniform_array({200, 100}, 3, 0.5f, 1.5f);
	auto y = forward_train(parse(one_layer({100}, "GaussianDropout(0.2)")), x, 9);
	double sum = 0, squares = 0;
	for (size_t i = 0; i < y.size(); i++) {
		double factor = y[i] / x.data[i];
		sum += factor;
		squares += (factor - 1) * (factor - 1);
	}
	double n = static_cast<double>(y.size());
	EXPECT_NEAR(sum / n, 1.0, 0.01);
	EXPECT_NEAR(squares / n, 0.2 / 0.8, 0.01); // Keras: variance rate / (1 - rate)
}

TEST(AddedLayers, SpatialDropoutDropsWholeChannels) {
	for (const auto &[input, call] : std::vector<std::pair<Shape, std::string>>{
	         {{5, 8}, "SpatialDropout1D(0.3)"},
	         {{3, 4, 8}, "SpatialDropout2D(0.3)"},
	     }) {
		SCOPED_TRACE(call);
		Shape shape{500};
		shape.insert(shape.end(), input.begin(), input.end());
		auto x = uniform_array(shape, 4, 0.5f, 1.5f);
		auto y = forward_train(parse(one_layer(input, call)), x, 2);
		const int64_t channels = input.back(), positions = shape_size(input) / channels;
		int64_t dropped = 0;
		for (int64_t b = 0; b < 500; b++) {
			for (int64_t c = 0; c < channels; c++) {
				// Every position of one sample's channel shares its mask value.
				size_t first = static_cast<size_t>(b * positions * channels + c);
				float factor = y[first] / x.data[first];
				EXPECT_TRUE(factor == 0.0f || std::fabs(factor - 1.0f / 0.7f) < 1e-5f) << factor;
				for (int64_t p = 1; p < positions; p++) {
					size_t i = first + static_cast<size_t>(p * channels);
					ASSERT_NEAR(y[i], x.data[i] * factor, 1e-5);
				}
				dropped += factor == 0.0f;
			}
		}
		EXPECT_NEAR(static_cast<double>(dropped) / (500.0 * static_cast<double>(channels)), 0.3, 0.03);
	}
}

TEST(AddedLayers, RecurrentDropoutIsOffAtInferenceAndDrawnInTraining) {
	for (const std::string layer : {"LSTM", "GRU", "SimpleRNN"}) {
		SCOPED_TRACE(layer);
		auto with = parse(one_layer({5, 3}, layer + "(4, dropout=0.3, recurrent_dropout=0.4)"));
		auto without = parse(one_layer({5, 3}, layer + "(4)"));
		auto x = uniform_array({4, 5, 3}, 6);
		EXPECT_EQ(Model::build(with, 1).predict(x).data, Model::build(without, 1).predict(x).data);
		auto a = forward_train(with, x, 1), b = forward_train(with, x, 1), c = forward_train(with, x, 2);
		EXPECT_EQ(a, b);
		EXPECT_NE(a, c);
		EXPECT_NE(a, forward_train(without, x, 1));
	}
}

TEST(AddedLayers, BadInputsAreRejectedWithTheLayerName) {
	auto expect_refused = [](LayerSpec l, Shape input) {
		ModelSpec spec;
		l.input_shape = input;
		spec.layers.push_back(l);
		try {
			plan_model(spec);
			ADD_FAILURE() << l.name;
		} catch (const std::invalid_argument &e) {
			EXPECT_NE(std::string(e.what()).find("layer '" + l.name + "'"), std::string::npos) << e.what();
		}
	};
	auto crop = layer(LayerKind::Cropping1D, "crop");
	crop.cropping = {{3, 3}};
	expect_refused(crop, {6, 2});
	auto permute = layer(LayerKind::Permute, "permute");
	permute.dims = {1, 1};
	expect_refused(permute, {2, 2});
	auto rnn = layer(LayerKind::SimpleRNN, "rnn");
	rnn.units = 4;
	expect_refused(rnn, {6});
	auto wrapper = layer(LayerKind::Bidirectional, "bi");
	wrapper.wrapped = {dense("dense", 2)};
	expect_refused(wrapper, {6, 3});
}

namespace {

//! Trains `model_text` on a learnable toy target; the loss must drop.
void expect_learns(const std::string &model_text, const Shape &input) {
	SCOPED_TRACE(model_text);
	expect_learns_toy_target(parse(model_text), input);
}

const char *kCompile = "model.compile(optimizer=keras.optimizers.Adam(0.01), loss='sparse_categorical_crossentropy', "
                       "metrics=['accuracy'])\n";

} // namespace

TEST(AddedLayers, RecurrentModelsTrain) {
	expect_learns(std::string("model = keras.Sequential([keras.Input(shape=(5, 2)),\n"
	                          "    layers.Bidirectional(layers.SimpleRNN(8, return_sequences=True)),\n"
	                          "    layers.LayerNormalization(),\n"
	                          "    layers.Bidirectional(layers.GRU(8, dropout=0.1, recurrent_dropout=0.1), "
	                          "merge_mode='ave'),\n"
	                          "    layers.Dense(2, activation='softmax')])\n") +
	                  kCompile,
	              {5, 2});
	expect_learns(std::string("model = keras.Sequential([keras.Input(shape=(6,)),\n"
	                          "    layers.RepeatVector(3), layers.TimeDistributed(layers.Dense(4)), layers.PReLU(),\n"
	                          "    layers.LSTM(6, dropout=0.2), layers.Dense(2, activation='softmax')])\n") +
	                  kCompile,
	              {6});
}

TEST(AddedLayers, ConvolutionalModelsTrain) {
	expect_learns(std::string("model = keras.Sequential([keras.Input(shape=(6, 6, 2)),\n"
	                          "    layers.GaussianNoise(0.05), layers.SeparableConv2D(4, 3, padding='same'),\n"
	                          "    layers.LeakyReLU(), layers.SpatialDropout2D(0.1), layers.DepthwiseConv2D(3),\n"
	                          "    layers.Conv2DTranspose(2, 3, strides=2, padding='same'), layers.ZeroPadding2D(1),\n"
	                          "    layers.Cropping2D(2), layers.UpSampling2D(interpolation='bilinear'),\n"
	                          "    layers.GlobalAveragePooling2D(), layers.Dense(2, activation='softmax')])\n") +
	                  kCompile,
	              {6, 6, 2});
	expect_learns(std::string("model = keras.Sequential([keras.Input(shape=(4, 4, 4, 1)),\n"
	                          "    layers.Conv3D(4, 2, padding='same', activation='relu'), layers.MaxPooling3D(2),\n"
	                          "    layers.GlobalAveragePooling3D(), layers.Dense(2, activation='softmax')])\n") +
	                  kCompile,
	              {4, 4, 4, 1});
	expect_learns(std::string("model = keras.Sequential([keras.Input(shape=(8, 2)),\n"
	                          "    layers.Conv1D(4, 3, padding='causal', dilation_rate=2, activation='relu'),\n"
	                          "    layers.SeparableConv1D(4, 3), layers.GlobalMaxPooling1D(),\n"
	                          "    layers.Dense(2, activation='softmax')])\n") +
	                  kCompile,
	              {8, 2});
}

TEST(AddedLayers, FrozenLayersAreNotUpdatedAndCountAsNonTrainable) {
	const std::string text = "model = keras.Sequential([keras.Input(shape=(3,)),\n"
	                         "    layers.Dense(4, activation='relu', trainable=False),\n"
	                         "    layers.BatchNormalization(trainable=False),\n"
	                         "    layers.Dense(2, activation='softmax')])\n"
	                         "model.compile('adam', 'sparse_categorical_crossentropy')\n";
	auto spec = parse(text);
	EXPECT_TRUE(engine_gaps(spec).empty());
	auto summary = summarize(spec);
	auto plan = plan_model(spec);
	EXPECT_EQ(plan.trainable_count, summary.trainable_params);
	EXPECT_EQ(plan.state_count, summary.non_trainable_params);
	EXPECT_EQ(plan.trainable_count, 4 * 2 + 2);
	EXPECT_EQ(plan.state_count, 3 * 4 + 4 + 4 * 4);
	auto model = Model::build(spec, 2);
	EXPECT_EQ(model.path(), ExecutionPath::General);
	auto data = hcopd_like(64, 3);
	auto frozen = [&] { // the states follow the parameters at the end of the file
		auto blob = model.save();
		return blob.substr(blob.size() - static_cast<size_t>(plan.state_count) * sizeof(float));
	};
	auto before = frozen();
	auto trained_before = model.parameters();
	FitOptions o;
	o.epochs = 3;
	o.batch_size = 16;
	o.verbose = 0;
	model.fit(data.x, data.y, o);
	EXPECT_EQ(frozen(), before); // not even the frozen BatchNormalization's moving statistics
	EXPECT_NE(model.parameters(), trained_before);
	// A frozen BatchNormalization runs in inference mode in training too (Keras 2).
	std::vector<float> g;
	auto first = model.predict(data.x);
	model.loss_and_gradients(data.x, data.y, g);
	EXPECT_EQ(model.predict(data.x).data, first.data);
}

TEST(AddedLayers, WeightPenaltiesAreReportedInTheLoss) {
	auto text = [](const std::string &regularizer) {
		return "model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(4, activation='tanh'" + regularizer +
		       "), layers.Dense(2, activation='softmax')])\n"
		       "model.compile('sgd', 'sparse_categorical_crossentropy')\n";
	};
	auto plain = Model::build(parse(text("")), 5);
	auto regularized = Model::build(parse(text(", kernel_regularizer=regularizers.l2(0.1)")), 5);
	EXPECT_EQ(plain.path(), ExecutionPath::Fused);
	EXPECT_EQ(regularized.path(), ExecutionPath::General);
	auto p = regularized.parameters();
	ASSERT_EQ(p, plain.parameters()); // the regularizer draws nothing
	double penalty = 0;
	for (int i = 0; i < 3 * 4; i++) { // dense/kernel comes first
		penalty += 0.1 * p[static_cast<size_t>(i)] * p[static_cast<size_t>(i)];
	}
	auto data = hcopd_like(40, 2);
	EXPECT_NEAR(metric(regularized.evaluate(data.x, data.y), "loss"),
	            metric(plain.evaluate(data.x, data.y), "loss") + penalty, 1e-5);
	std::vector<float> g_plain, g_regularized;
	double loss_plain = plain.loss_and_gradients(data.x, data.y, g_plain);
	double loss_regularized = regularized.loss_and_gradients(data.x, data.y, g_regularized);
	EXPECT_NEAR(loss_regularized, loss_plain + penalty, 1e-5);
	for (size_t i = 0; i < g_plain.size(); i++) {
		double expected = g_plain[i] + (i < 12 ? 2 * 0.1 * p[i] : 0.0); // d(l2 w^2)/dw = 2 l2 w
		EXPECT_NEAR(g_regularized[i], expected, 1e-5) << i;
	}
	FitOptions o;
	o.epochs = 1;
	o.batch_size = 40;
	o.shuffle = false;
	o.verbose = 0;
	auto copy = Model::build(parse(text(", kernel_regularizer=regularizers.l2(0.1)")), 5);
	auto history = copy.fit(data.x, data.y, o).history;
	EXPECT_NEAR(metric(history[0].train, "loss"), loss_regularized, 1e-5); // one batch: the step's loss
}

namespace {

//! Images whose value at row r, column c is 10 r + c: bilinear sampling of
//! it is exact, so a pixel's value tells where it was read from.
Array ramp(int64_t batch, int64_t height, int64_t width) {
	Array a{{batch, height, width, 1}, {}};
	for (int64_t b = 0; b < batch; b++) {
		for (int64_t r = 0; r < height; r++) {
			for (int64_t c = 0; c < width; c++) {
				a.data.push_back(static_cast<float>(10 * r + c));
			}
		}
	}
	return a;
}

float at(const std::vector<float> &images, int64_t height, int64_t width, int64_t b, int64_t r, int64_t c) {
	return images[static_cast<size_t>((b * height + r) * width + c)];
}

} // namespace

TEST(AddedLayers, RandomImageLayersAreTheIdentityAtInference) {
	for (const std::string call : {"RandomFlip()", "RandomRotation(0.2)", "RandomZoom(0.2, 0.3)",
	                               "RandomTranslation(0.1, 0.2)", "RandomContrast(0.5)"}) {
		SCOPED_TRACE(call);
		auto model = Model::build(parse(one_layer({5, 6, 2}, call)), 1);
		auto x = uniform_array({3, 5, 6, 2}, 5, 0.0f, 255.0f);
		EXPECT_EQ(model.predict(x).data, x.data);
	}
}

TEST(AddedLayers, RandomFlipFlipsHalfOfTheImages) {
	auto x = ramp(400, 3, 4);
	auto y = forward_train(parse(one_layer({3, 4, 1}, "RandomFlip('horizontal')")), x, 3);
	int flipped = 0;
	for (int64_t b = 0; b < 400; b++) {
		bool flip = at(y, 3, 4, b, 0, 0) == 3.0f;
		flipped += flip;
		for (int64_t r = 0; r < 3; r++) {
			for (int64_t c = 0; c < 4; c++) {
				ASSERT_EQ(at(y, 3, 4, b, r, c), at(x.data, 3, 4, b, r, flip ? 3 - c : c));
			}
		}
	}
	EXPECT_NEAR(flipped / 400.0, 0.5, 0.1); // 4 standard deviations
}

TEST(AddedLayers, RandomRotationTurnsAboutTheCentre) {
	// A fixed quarter turn, counter-clockwise as Keras: output (y, x) reads input (x, n - 1 - y).
	auto x = ramp(2, 5, 5);
	auto y = forward_train(parse(one_layer({5, 5, 1}, "RandomRotation((0.25, 0.25))")), x, 3);
	for (int64_t r = 0; r < 5; r++) {
		for (int64_t c = 0; c < 5; c++) {
			EXPECT_NEAR(at(y, 5, 5, 1, r, c), at(x.data, 5, 5, 1, c, 4 - r), 1e-4) << r << "," << c;
		}
	}
}

TEST(AddedLayers, RandomZoomAndTranslationMapCoordinatesAsKeras) {
	// Zoom 0.5 about the centre of a 9 x 9 image: input = 0.5 output + 2.
	auto x = ramp(1, 9, 9);
	auto zoomed = forward_train(parse(one_layer({9, 9, 1}, "RandomZoom((-0.5, -0.5))")), x, 3);
	for (int64_t r = 0; r < 9; r++) {
		for (int64_t c = 0; c < 9; c++) {
			EXPECT_NEAR(at(zoomed, 9, 9, 0, r, c), 10 * (0.5 * r + 2) + 0.5 * c + 2, 1e-4);
		}
	}
	// A shift of 2 rows and 2 columns (0.25 of 8); what comes in is filled per fill_mode.
	x = ramp(1, 8, 8);
	auto constant =
	    forward_train(parse(one_layer({8, 8, 1}, "RandomTranslation((0.25, 0.25), (0.25, 0.25), fill_mode='constant', "
	                                             "fill_value=-1.0)")),
	                  x, 3);
	auto reflected = forward_train(parse(one_layer({8, 8, 1}, "RandomTranslation((0.25, 0.25), (0.25, 0.25))")), x, 3);
	auto wrapped =
	    forward_train(parse(one_layer({8, 8, 1}, "RandomTranslation((0.25, 0.25), (0.25, 0.25), 'wrap')")), x, 3);
	auto reflect = [](int64_t i) { return i < 0 ? -i - 1 : i; }; // d c b a | a b c d
	for (int64_t r = 0; r < 8; r++) {
		for (int64_t c = 0; c < 8; c++) {
			bool inside = r >= 2 && c >= 2;
			EXPECT_NEAR(at(constant, 8, 8, 0, r, c), inside ? 10 * (r - 2) + (c - 2) : -1.0, 1e-4);
			EXPECT_NEAR(at(reflected, 8, 8, 0, r, c), 10 * reflect(r - 2) + reflect(c - 2), 1e-4);
			EXPECT_NEAR(at(wrapped, 8, 8, 0, r, c), 10 * ((r + 6) % 8) + (c + 6) % 8, 1e-4);
		}
	}
}

TEST(AddedLayers, RandomTranslationDrawsShiftsUniformly) {
	// Shifts in [-2, 2] rows: read back from the ramp at the centre.
	auto x = ramp(2000, 9, 9);
	auto y = forward_train(parse(one_layer({9, 9, 1}, "RandomTranslation((-2 / 9, 2 / 9), 0.0)")), x, 5);
	double sum = 0, squares = 0, low = 10, high = -10;
	for (int64_t b = 0; b < 2000; b++) {
		double shift = 4 - (at(y, 9, 9, b, 4, 4) - 4) / 10; // value = 10 (4 - shift) + 4
		sum += shift;
		squares += shift * shift;
		low = std::min(low, shift);
		high = std::max(high, shift);
	}
	EXPECT_NEAR(sum / 2000, 0.0, 0.1);              // 4 standard errors
	EXPECT_NEAR(squares / 2000, 16.0 / 12.0, 0.12); // uniform over a width of 4
	EXPECT_GE(low, -2.0001);
	EXPECT_LE(high, 2.0001);
	EXPECT_LT(low, -1.9);
	EXPECT_GT(high, 1.9);
}

TEST(AddedLayers, RandomContrastScalesAboutTheMeanPerImage) {
	auto x = uniform_array({300, 4, 4, 2}, 8, 50.0f, 150.0f);
	auto y = forward_train(parse(one_layer({4, 4, 2}, "RandomContrast((0.5, 0.2))")), x, 3);
	double low = 10, high = 0;
	for (int64_t b = 0; b < 300; b++) {
		// factor = (y - mean) / (x - mean) for every value of the image and channel.
		double factor = 0;
		for (int64_t ch = 0; ch < 2; ch++) {
			double mean = 0;
			for (int64_t p = 0; p < 16; p++) {
				mean += x.data[static_cast<size_t>((b * 16 + p) * 2 + ch)] / 16.0;
			}
			for (int64_t p = 0; p < 16; p++) {
				size_t i = static_cast<size_t>((b * 16 + p) * 2 + ch);
				double expected_factor = (y[i] - mean) / (x.data[i] - mean);
				if (p == 0 && ch == 0) {
					factor = expected_factor;
				}
				EXPECT_NEAR(y[i], std::clamp((x.data[i] - mean) * factor + mean, 0.0, 255.0), 1e-2);
			}
		}
		low = std::min(low, factor);
		high = std::max(high, factor);
	}
	EXPECT_GE(low, 0.5 - 1e-3);
	EXPECT_LE(high, 1.2 + 1e-3);
	EXPECT_LT(low, 0.55);
	EXPECT_GT(high, 1.15);
}

TEST(AddedLayers, RandomCropTakesAWindowInTrainingAndResizesAtInference) {
	auto x = ramp(50, 8, 8);
	auto spec = parse(one_layer({8, 8, 1}, "RandomCrop(4, 4)"));
	std::set<float> corners;
	for (uint64_t seed = 0; seed < 30; seed++) {
		auto y = forward_train(spec, x, seed);
		float corner = at(y, 4, 4, 0, 0, 0);
		corners.insert(corner);
		for (int64_t b = 0; b < 50; b++) { // one window for the batch
			for (int64_t r = 0; r < 4; r++) {
				for (int64_t c = 0; c < 4; c++) {
					ASSERT_EQ(at(y, 4, 4, b, r, c), corner + 10 * r + c);
				}
			}
		}
	}
	EXPECT_GT(corners.size(), 5u); // of 25 windows
	// Inference: the whole image resized (bilinear, half-pixel): output i reads input 2 i + 0.5.
	auto y = Model::build(spec, 1).predict(x).data;
	for (int64_t r = 0; r < 4; r++) {
		for (int64_t c = 0; c < 4; c++) {
			EXPECT_NEAR(at(y, 4, 4, 0, r, c), 10 * (2 * r + 0.5) + 2 * c + 0.5, 1e-4);
		}
	}
}
