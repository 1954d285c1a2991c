// Keras weights files (HDF5) read and loaded into built models: the
// numbers of a file written here in Keras' layout give the output computed
// by hand from them (Conv2D, BatchNormalization, Dense), keras.applications
// bases take their file by name or in order, and what does not fit is
// refused saying which layer and shape.

#include "keras_weights_writer.h"
#include "ml/keras_weights.h"
#include "ml/model.h"
#include "ml/plan.h"
#include "ml/spec/parse.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

using namespace kafkaml::ml;
using namespace kafkaml::ml::testing;
using ::testing::HasSubstr;

namespace {

//! The model's weights after loading, by slot name (trainable and state).
std::map<std::string, std::vector<float>> weights_of(const Model &model) {
	return weights_by_name(plan_model(model.spec()), model.save());
}

std::vector<KerasLayerWeights> file_for(const Model &model, uint64_t seed, const std::string &last = "") {
	return weights_for(plan_model(model.spec()), seed, last);
}

//! Every file weight equals the model's weight of the same name.
void expect_loaded(const Model &model, const std::vector<KerasLayerWeights> &file) {
	auto loaded = weights_of(model);
	int64_t checked = 0;
	for (const auto &layer : file) {
		for (const auto &w : layer.weights) {
			std::string name = w.name.substr(0, w.name.rfind(':'));
			ASSERT_TRUE(loaded.count(name)) << name;
			ASSERT_EQ(loaded[name], w.values) << name;
			checked++;
		}
	}
	EXPECT_GT(checked, 0);
}

constexpr const char *kSmallModel = R"(
from tensorflow import keras
from tensorflow.keras import layers
inputs = keras.Input(shape=(4, 4, 2))
x = layers.Conv2D(3, 2, name='conv')(inputs)
x = layers.BatchNormalization(name='bn')(x)
x = layers.Flatten(name='flat')(x)
outputs = layers.Dense(2, name='out')(x)
model = keras.Model(inputs, outputs)
model.compile(optimizer='adam', loss='mse')
)";

//! The small model with every layer taking the file's weights.
ModelSpec small_pretrained_spec() {
	ModelSpec spec = parse_model_definition(kSmallModel);
	PretrainedSpec pretrained;
	pretrained.application = "test";
	pretrained.weights = "small.h5";
	for (const auto &layer : spec.layers) {
		pretrained.layers.push_back(layer.name);
	}
	spec.pretrained = pretrained;
	return spec;
}

} // namespace

TEST(PretrainedWeights, LoadedWeightsGiveTheOutputComputedFromTheFile) {
	Rng rng(7);
	KerasWeight kernel = random_weight("conv/kernel:0", {2, 2, 2, 3}, rng);
	KerasWeight bias = random_weight("conv/bias:0", {3}, rng);
	KerasWeight gamma = random_weight("bn/gamma:0", {3}, rng);
	KerasWeight beta = random_weight("bn/beta:0", {3}, rng);
	KerasWeight mean = random_weight("bn/moving_mean:0", {3}, rng);
	KerasWeight variance = random_weight("bn/moving_variance:0", {3}, rng, 0.5f, 2.0f);
	KerasWeight dense = random_weight("out/kernel:0", {27, 2}, rng);
	KerasWeight dense_bias = random_weight("out/bias:0", {2}, rng);
	std::string bytes = write_keras_weights({{"input_1", {}},
	                                         {"conv", {kernel, bias}},
	                                         {"bn", {gamma, beta, mean, variance}},
	                                         {"flat", {}},
	                                         {"out", {dense, dense_bias}}});

	Model model = Model::build(small_pretrained_spec(), 3);
	EXPECT_THAT(model.load_pretrained_weights(bytes), HasSubstr("loaded 3 layers"));

	Array x{{2, 4 * 4 * 2}, {}};
	for (int i = 0; i < 2 * 32; i++) {
		x.data.push_back(static_cast<float>(rng.uniform(-1, 1)));
	}
	Array y = model.predict(x);
	ASSERT_EQ(y.shape, (Shape{2, 2}));
	// Keras' formulas on the file's numbers: a valid 2x2 convolution over
	// (4, 4, 2) channels-last with kernel (kh, kw, in, out), inference-mode
	// BatchNormalization (epsilon 0.001), row-major Flatten, Dense (in, out).
	for (int n = 0; n < 2; n++) {
		const float *in = x.data.data() + n * 32;
		std::vector<double> flat;
		for (int i = 0; i < 3; i++) {
			for (int j = 0; j < 3; j++) {
				for (int f = 0; f < 3; f++) {
					double sum = bias.values[f];
					for (int di = 0; di < 2; di++) {
						for (int dj = 0; dj < 2; dj++) {
							for (int c = 0; c < 2; c++) {
								sum += in[((i + di) * 4 + (j + dj)) * 2 + c] *
								       kernel.values[((di * 2 + dj) * 2 + c) * 3 + f];
							}
						}
					}
					flat.push_back(gamma.values[f] * (sum - mean.values[f]) / std::sqrt(variance.values[f] + 0.001) +
					               beta.values[f]);
				}
			}
		}
		for (int o = 0; o < 2; o++) {
			double expected = dense_bias.values[o];
			for (int k = 0; k < 27; k++) {
				expected += flat[k] * dense.values[k * 2 + o];
			}
			EXPECT_NEAR(y.data[n * 2 + o], expected, 1e-4) << "sample " << n << ", output " << o;
		}
	}
}

TEST(PretrainedWeights, FileLayoutsKerasWrites) {
	Model model = Model::build(small_pretrained_spec(), 3);
	auto file = file_for(model, 11);
	// model.save()'s whole-model file, variable-length names, and
	// layer_names split over several attributes.
	for (WeightsFileOptions options : {WeightsFileOptions{true, false, false}, WeightsFileOptions{false, true, false},
	                                   WeightsFileOptions{false, false, true}}) {
		Model fresh = Model::build(small_pretrained_spec(), 3);
		fresh.load_pretrained_weights(write_keras_weights(file, options));
		expect_loaded(fresh, file);
	}
	auto read = read_keras_weights(write_keras_weights(file), 1'000'000);
	ASSERT_EQ(read.layers.size(), file.size());
	EXPECT_EQ(read.layers[0].name, "conv");
	EXPECT_EQ(read.layers[0].weights[0].name, "conv/kernel:0");
	EXPECT_EQ(read.layers[0].weights[0].shape, (Shape{2, 2, 2, 3}));
}

TEST(PretrainedWeights, WhatDoesNotFitIsNamed) {
	Model model = Model::build(small_pretrained_spec(), 3);
	auto file = file_for(model, 5);
	auto wrong = file;
	for (auto &layer : wrong) {
		if (layer.name == "out") {
			Rng rng(1);
			layer.weights[0] = random_weight("out/kernel:0", {26, 2}, rng);
		}
	}
	try {
		model.load_pretrained_weights(write_keras_weights(wrong));
		FAIL() << "a kernel of another shape was loaded";
	} catch (const std::invalid_argument &e) {
		EXPECT_THAT(e.what(), HasSubstr("layer 'out': its kernel is (27, 2) and the weights file's "
		                                "'out/kernel:0' is (26, 2)"));
	}
	auto fewer = file;
	ASSERT_EQ(fewer[1].name, "bn");
	fewer[1].weights.pop_back(); // without its moving variance
	EXPECT_THROW(
	    {
		    try {
			    model.load_pretrained_weights(write_keras_weights(fewer));
		    } catch (const std::invalid_argument &e) {
			    EXPECT_THAT(e.what(), HasSubstr("layer 'bn' has 4 weights (gamma, beta, moving_mean, "
			                                    "moving_variance) and the weights file's layer 'bn' 3"));
			    throw;
		    }
	    },
	    std::invalid_argument);
	EXPECT_THROW(
	    {
		    try {
			    model.load_pretrained_weights("not an HDF5 file at all");
		    } catch (const std::invalid_argument &e) {
			    EXPECT_THAT(e.what(), HasSubstr("not an HDF5 file"));
			    throw;
		    }
	    },
	    std::invalid_argument);
	// A file that declares more numbers than the model could take is
	// refused before they are read.
	EXPECT_THROW(read_keras_weights(write_keras_weights(file), 10), std::invalid_argument);
	Model plain = Model::build(parse_model_definition(kSmallModel), 3);
	EXPECT_THROW(plain.load_pretrained_weights(write_keras_weights(file)), std::invalid_argument);
}

TEST(PretrainedWeights, ApplicationBaseTakesItsFileByNameOrInOrder) {
	ModelSpec spec = parse_model_definition(R"(
import tensorflow as tf
base = tf.keras.applications.MobileNetV2(input_shape=(32, 32, 3), alpha=0.35, include_top=False,
                                         weights='mobilenet_v2_035.h5')
base.trainable = False
x = tf.keras.layers.GlobalAveragePooling2D()(base.output)
outputs = tf.keras.layers.Dense(3, activation='softmax')(x)
model = tf.keras.Model(base.input, outputs)
model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])
)");
	ASSERT_TRUE(spec.pretrained);
	EXPECT_EQ(spec.pretrained->application, "MobileNetV2");
	EXPECT_EQ(spec.pretrained->keras_file, "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_32_no_top.h5");
	EXPECT_FALSE(spec.pretrained->include_top);
	// The user's own top is not the base's.
	EXPECT_EQ(std::count(spec.pretrained->layers.begin(), spec.pretrained->layers.end(), "dense"), 0);

	Model model = Model::build(spec, 1);
	// The base's layers only, as keras.applications' file has them.
	auto file = file_for(model, 3, "out_relu");
	EXPECT_THAT(model.load_pretrained_weights(write_keras_weights(file)), HasSubstr("matched by name"));
	expect_loaded(model, file);

	// The same numbers under other layer and weight names (as files saved
	// by older Keras versions name them) go in order.
	auto renamed = file;
	int index = 0;
	for (auto &layer : renamed) {
		layer.name = "layer_" + std::to_string(index++);
		for (size_t w = 0; w < layer.weights.size(); w++) {
			layer.weights[w].name = layer.name + "_w" + std::to_string(w) + ":0";
		}
	}
	// (The same seed: the user's own Dense is initialised alike, the base's
	// weights are the file's or not.)
	Model again = Model::build(spec, 1);
	EXPECT_THAT(again.load_pretrained_weights(write_keras_weights(renamed)), HasSubstr("matched in order"));
	EXPECT_TRUE(weights_of(again) == weights_of(model));

	// A file that is not this base's says which file is.
	auto short_file = renamed;
	short_file.pop_back();
	while (short_file.back().weights.empty()) {
		short_file.pop_back();
	}
	short_file.pop_back();
	try {
		Model(Model::build(spec, 2)).load_pretrained_weights(write_keras_weights(short_file));
		FAIL() << "a file without the last layer was loaded";
	} catch (const std::invalid_argument &e) {
		EXPECT_THAT(e.what(), HasSubstr("does not fit MobileNetV2(include_top=False)"));
		EXPECT_THAT(e.what(), HasSubstr("mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_32_no_top.h5"));
	}
}

TEST(PretrainedWeights, TopFileFitsABaseWithoutTop) {
	// VGG16's include_top=True file by name into include_top=False: the
	// classifier's layers are the file's extra ones.
	auto with_top = Model::build(parse_model_definition("import tensorflow as tf\nmodel = "
	                                                    "tf.keras.applications.VGG16(weights='vgg16.h5', "
	                                                    "input_shape=(32, 32, 3), include_top=False)"),
	                             1);
	auto file = file_for(with_top, 9);
	Rng rng(4);
	KerasLayerWeights fc1{"fc1", {random_weight("fc1/kernel:0", {512, 8}, rng), random_weight("fc1/bias:0", {8}, rng)}};
	file.push_back(fc1);
	with_top.load_pretrained_weights(write_keras_weights(file));
	file.pop_back();
	expect_loaded(with_top, file);
}
