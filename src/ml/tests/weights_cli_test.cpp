// `kafkaml model check/fit DEF --weights FILE` as a user runs them: the
// built binary with a Keras weights file written here (label integration:
// it starts subprocesses).

#include "keras_weights_writer.h"
#include "ml/plan.h"
#include "ml/spec/parse.h"
#include "support/build_tree.h"
#include "support/temp_dir.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using kafkaml::testing::RunResult;
using namespace kafkaml::ml;
using ::testing::HasSubstr;

RunResult kafkaml(const std::vector<std::string> &args) {
	auto options = kafkaml::testing::kafkaml_command(args);
	options.err = kafkaml::testing::Output::to_stdout();
	return kafkaml::testing::run(options);
}

std::string transfer_model(const std::string &alpha) {
	return kafkaml::ml::testing::transfer_definition(alpha);
}

//! Keras' weights file of the base `definition` builds, with numbers of our own.
std::string weights_file(const std::string &definition) {
	ModelPlan plan = plan_model(parse_model_definition(definition));
	return kafkaml::ml::testing::write_keras_weights(kafkaml::ml::testing::weights_for(plan, 3, "out_relu"));
}

class WeightsCli : public ::testing::Test {
protected:
	kafkaml::testing::TempDir dir_{"weights-cli"};
};

TEST_F(WeightsCli, CheckSaysWhatToUploadThenLoadsTheFile) {
	std::string definition = dir_.write("transfer.py", transfer_model("0.35"));
	RunResult missing = kafkaml({"model", "check", definition});
	EXPECT_EQ(missing.status, 1) << missing.out;
	EXPECT_THAT(missing.out, HasSubstr("Total params:")) << "the summary comes first";
	EXPECT_THAT(missing.out, HasSubstr(definition + ":3:42: MobileNetV2: weights='imagenet' needs its weights "
	                                                "file uploaded with the model"));
	EXPECT_THAT(missing.out, HasSubstr("mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_32_no_top.h5"));
	EXPECT_THAT(missing.out, HasSubstr("--weights FILE"));

	std::string weights = dir_.write("base.h5", weights_file(transfer_model("0.35")));
	RunResult loaded = kafkaml({"model", "check", definition, "--weights", weights});
	EXPECT_EQ(loaded.status, 0) << loaded.out;
	EXPECT_THAT(loaded.out, HasSubstr("loaded 104 layers of MobileNetV2(include_top=False)"));

	// Another alpha's file: the first layer whose shapes differ is named.
	std::string other = dir_.write("other.h5", weights_file(transfer_model("0.5")));
	RunResult wrong = kafkaml({"model", "check", definition, "--weights", other});
	EXPECT_EQ(wrong.status, 1) << wrong.out;
	EXPECT_THAT(wrong.out, HasSubstr("layer 'block_1_project': its kernel is (1, 1, 48, 8) and the weights file's "
	                                 "'block_1_project/kernel:0' is (1, 1, 48, 16)"));

	// Without an input shape the model is built on the stream's: the file
	// is read now, loaded then.
	std::string open_shape = dir_.write("open.py", "import tensorflow as tf\nmodel = tf.keras.applications.VGG16("
	                                               "include_top=False, weights='imagenet')\n");
	RunResult later = kafkaml({"model", "check", open_shape, "--weights", weights});
	EXPECT_EQ(later.status, 0) << later.out;
	EXPECT_THAT(later.out, HasSubstr(weights + " is a Keras weights file; it is loaded when the model is built"));
	std::string junk = dir_.write("junk.h5", "not HDF5 at all");
	RunResult not_hdf5 = kafkaml({"model", "check", open_shape, "--weights", junk});
	EXPECT_EQ(not_hdf5.status, 1) << not_hdf5.out;
	EXPECT_THAT(not_hdf5.out, HasSubstr(junk + ": the weights file is not an HDF5 file"));

	std::string plain = dir_.write("plain.py", "import tensorflow as tf\nmodel = tf.keras.Sequential("
	                                           "[tf.keras.layers.Dense(1, input_shape=(3,))])\n");
	RunResult takes_none = kafkaml({"model", "check", plain, "--weights", weights});
	EXPECT_EQ(takes_none.status, 1) << takes_none.out;
	EXPECT_THAT(takes_none.out, HasSubstr("this model takes no weights file"));
}

TEST_F(WeightsCli, FitTrainsFromTheFile) {
	std::string definition = dir_.write("transfer.py", transfer_model("0.35"));
	std::string csv;
	for (int i = 0; i < 32 * 32 * 3; i++) {
		csv += "p" + std::to_string(i) + ",";
	}
	csv += "label\n";
	for (int row = 0; row < 12; row++) {
		for (int i = 0; i < 32 * 32 * 3; i++) {
			csv += std::to_string((row * 7 + i) % 10 / 10.0) + ",";
		}
		csv += std::to_string(row % 2) + "\n";
	}
	std::string data = dir_.write("images.csv", csv);
	std::string weights = dir_.write("base.h5", weights_file(transfer_model("0.35")));
	RunResult fit = kafkaml({"model", "fit", definition, "--data", data, "--label-column", "label", "--weights",
	                         weights, "--kwargs", "epochs=1"});
	EXPECT_EQ(fit.status, 0) << fit.out;
	EXPECT_THAT(fit.out, HasSubstr("loaded 104 layers of MobileNetV2(include_top=False)"));
	EXPECT_THAT(fit.out, HasSubstr("trained 1 steps"));

	RunResult without = kafkaml({"model", "fit", definition, "--data", data, "--label-column", "label"});
	EXPECT_EQ(without.status, 1) << without.out;
	EXPECT_THAT(without.out, HasSubstr("needs its weights file uploaded with the model"));
}

} // namespace
