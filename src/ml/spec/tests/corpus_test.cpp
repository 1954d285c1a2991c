// The corpus of model definitions written as tutorials and user code
// write them (tests/corpus/*.py, one model each): every file must parse,
// and its parameter counts (total, trainable, non-trainable) must equal
// Keras' as written in tests/corpus/MANIFEST, computed by hand from the
// layers' formulas or taken from Keras' published figures. A definition
// whose input shape comes from the stream is bound to the MANIFEST's shape
// first.

#include "ml/spec/model_report.h"
#include "ml/spec/parse.h"
#include "ml/spec/summary.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace kafkaml::ml {
namespace {

struct Expected {
	int64_t total = 0;
	int64_t trainable = 0;
	int64_t non_trainable = 0;
	std::string stream_shapes; //!< "-" when the definition has its shape; else e.g. "28x28x1" or "8;4"
	std::string form;          //!< chain or graph
};

std::string corpus_dir() {
	return KAFKAML_SPEC_CORPUS;
}

std::string read(const std::string &path) {
	std::ifstream file(path, std::ios::binary);
	std::ostringstream text;
	text << file.rdbuf();
	return text.str();
}

std::map<std::string, Expected> manifest() {
	std::map<std::string, Expected> entries;
	std::istringstream lines(read(corpus_dir() + "/MANIFEST"));
	std::string line;
	while (std::getline(lines, line)) {
		if (line.empty() || line[0] == '#') {
			continue;
		}
		std::istringstream fields(line);
		std::string file;
		Expected expected;
		fields >> file >> expected.total >> expected.trainable >> expected.non_trainable >> expected.stream_shapes >>
		    expected.form;
		entries[file] = expected;
	}
	return entries;
}

std::vector<Shape> parse_shapes(const std::string &text) {
	std::vector<Shape> shapes;
	std::istringstream inputs(text);
	std::string input;
	while (std::getline(inputs, input, ';')) {
		Shape shape;
		std::istringstream dims(input);
		std::string dim;
		while (std::getline(dims, dim, 'x')) {
			shape.push_back(dim == "None" ? -1 : std::stoll(dim));
		}
		shapes.push_back(shape);
	}
	return shapes;
}

TEST(Corpus, ManifestListsEveryDefinition) {
	auto entries = manifest();
	std::set<std::string> files;
	for (const auto &entry : std::filesystem::directory_iterator(corpus_dir())) {
		if (entry.path().extension() == ".py" || entry.path().extension() == ".json") {
			files.insert(entry.path().filename().string());
		}
	}
	for (const auto &file : files) {
		EXPECT_TRUE(entries.count(file)) << file << " is not in MANIFEST";
	}
	for (const auto &[file, expected] : entries) {
		EXPECT_TRUE(files.count(file)) << "MANIFEST names " << file << ", which is not in the corpus";
	}
	EXPECT_GE(files.size(), 60u);
}

TEST(Corpus, EveryDefinitionHasKerasParameterCounts) {
	for (const auto &[file, expected] : manifest()) {
		SCOPED_TRACE(file);
		std::string text = read(corpus_dir() + "/" + file);
		ModelSpec spec;
		try {
			spec = parse_model_definition(text);
			if (expected.stream_shapes != "-" && spec.input_bound()) { // a None dimension from the stream
				EXPECT_FALSE(input_shape_complete(spec)) << "expected a None dimension to come from the stream";
				EXPECT_THAT(format_model_check(spec), ::testing::HasSubstr("come from the training stream"));
				bind_input_shape(spec, parse_shapes(expected.stream_shapes));
			} else if (expected.stream_shapes != "-") {
				EXPECT_FALSE(spec.input_bound()) << "expected the input shape to come from the stream";
				EXPECT_THAT(format_summary(summarize(spec)),
				            ::testing::HasSubstr("input shape: from the training stream"));
				bind_input_shape(spec, parse_shapes(expected.stream_shapes));
			}
		} catch (const ModelDefinitionError &error) {
			ADD_FAILURE() << error.what();
			continue;
		}
		EXPECT_EQ(spec.is_chain() ? "chain" : "graph", expected.form);
		ModelSummary summary = summarize(spec);
		EXPECT_TRUE(summary.bound);
		EXPECT_EQ(summary.total_params, expected.total) << format_summary(summary);
		EXPECT_EQ(summary.trainable_params, expected.trainable);
		EXPECT_EQ(summary.non_trainable_params, expected.non_trainable);
	}
}

} // namespace
} // namespace kafkaml::ml
