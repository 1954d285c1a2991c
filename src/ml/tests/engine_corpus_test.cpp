// The spec's corpus of model definitions as tutorials and users write them
// (src/ml/spec/tests/corpus, with Keras' parameter counts in its MANIFEST)
// through the engine: the layers of every chain and graph must be built,
// plan to Keras' trainable and non-trainable counts and run a forward pass.

#include "ml/engine_support.h"
#include "ml/model.h"
#include "ml/plan.h"
#include "ml/spec/parse.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

using namespace kafkaml::ml;

namespace {

std::string read(const std::string &path) {
	std::ifstream file(path, std::ios::binary);
	std::ostringstream text;
	text << file.rdbuf();
	return text.str();
}

struct Entry {
	std::string file;
	int64_t total = 0, trainable = 0, non_trainable = 0;
	std::string stream, form;
};

std::vector<Entry> manifest() {
	std::vector<Entry> entries;
	std::istringstream lines(read(std::string(KAFKAML_SPEC_CORPUS) + "/MANIFEST"));
	for (std::string line; std::getline(lines, line);) {
		if (line.empty() || line[0] == '#') {
			continue;
		}
		std::istringstream fields(line);
		Entry e;
		fields >> e.file >> e.total >> e.trainable >> e.non_trainable >> e.stream >> e.form;
		entries.push_back(e);
	}
	return entries;
}

//! "28x28x1" -> {{28, 28, 1}}; "16x71;12x93": one shape per input.
std::vector<Shape> stream_shapes(const std::string &text) {
	std::vector<Shape> shapes;
	std::istringstream inputs(text);
	for (std::string input; std::getline(inputs, input, ';');) {
		Shape shape;
		std::istringstream dims(input);
		for (std::string dim; std::getline(dims, dim, 'x');) {
			shape.push_back(std::stoll(dim));
		}
		shapes.push_back(shape);
	}
	return shapes;
}

} // namespace

TEST(EngineCorpus, ModelsTheEngineAcceptsPlanToKerasCountsAndRun) {
	std::set<std::string> planned;
	for (const auto &e : manifest()) {
		SCOPED_TRACE(e.file);
		auto spec = parse_model_definition(read(std::string(KAFKAML_SPEC_CORPUS) + "/" + e.file));
		if (e.stream != "-") {
			bind_input_shape(spec, stream_shapes(e.stream));
		}
		// Only the layers count here: an optimizer, loss or metric the
		// engine does not train yet is another part's.
		spec.compile = CompileSpec{};
		if (std::any_of(spec.inputs.begin(), spec.inputs.end(), [](const InputSpec &input) {
			    return std::find(input.shape->begin(), input.shape->end(), -1) != input.shape->end();
		    })) {
			continue; // sequences of any length: the engine needs them known
		}
		EXPECT_TRUE(engine_gaps(spec).empty()) << describe_gaps(engine_gaps(spec));
		auto plan = plan_model(spec);
		EXPECT_EQ(plan.trainable_count, e.trainable);
		EXPECT_EQ(plan.state_count, e.non_trainable);
		planned.insert(e.file);
		if (e.total > 2'000'000) {
			continue; // VGG, ResNet: planning is the point, not 500 MB of weights
		}
		auto model = Model::build(spec, 1);
		Array x{{2}, std::vector<float>(static_cast<size_t>(2 * plan.input_size()), 1.0f)};
		x.shape.insert(x.shape.end(), plan.input_shape.begin(), plan.input_shape.end());
		for (float v : model.predict(x).data) {
			ASSERT_TRUE(std::isfinite(v));
		}
	}
	// The corpus files of the layers added to the engine are among them (a
	// frozen VGG16 base too), and the graphs: merges, attention, shared
	// layers, several inputs and outputs, ResNet50 and MobileNetV2.
	for (const char *file :
	     {"activation_layers.py",         "augmentation_pipeline.py",     "bilstm_time_distributed.py",
	      "conv1d_causal_dilated.py",     "noise_dropouts_1d.py",         "padding_cropping_1d.py",
	      "padding_cropping_2d.py",       "prelu_spatial_dropout_2d.py",  "preprocessing_normalization.py",
	      "preprocessing_rescaling.py",   "regularizers_all.py",          "repeat_permute.py",
	      "separable_conv1d.py",          "separable_depthwise_2d.py",    "simple_rnn_stack.py",
	      "app_vgg16_transfer.py",        "functional_two_inputs.py",     "functional_two_outputs.py",
	      "functional_shared_encoder.py", "functional_residual_dense.py", "functional_residual_cnn.py",
	      "functional_dict_io.py",        "merge_functions.py",           "merge_layers_and_dot.py",
	      "cross_attention.py",           "transformer_encoder.py",       "app_resnet50.py",
	      "app_mobilenetv2.py",           "app_mobilenetv2_frozen.py",    "lstm_seq2seq.py",
	      "gru_state_heads.py",           "lstm_any_length.py",           "gru_v1_forecaster.py"}) {
		EXPECT_TRUE(planned.count(file)) << file << " is not built";
	}
}
