// Messages made by Python exactly as the original Kafka-ML data sources make
// them (see make_fixtures.py) must decode to the values Python meant.

#include "formats/message_decoder.h"
#include "support/files.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>
#include <filesystem>

using namespace kafkaml::formats;
using kafkaml::testing::read_file;
namespace fs = std::filesystem;

TEST(PythonFixtures, DecodeToWhatPythonEncoded) {
	// CTest runs tests in the source tree; KAFKAML_SOURCE_DIR says so explicitly.
	const char *source = std::getenv("KAFKAML_SOURCE_DIR");
	if (!source) {
		source = ".";
	}
	ASSERT_TRUE(fs::exists(fs::path(source) / "src/formats/tests/make_fixtures.py"))
	    << "set KAFKAML_SOURCE_DIR to the source tree";
	kafkaml::testing::TempDir dir("fixtures");
	std::string command = "/usr/bin/python3 -W ignore " +
	                      (fs::path(source) / "src/formats/tests/make_fixtures.py").string() + " " + dir.string();
	ASSERT_EQ(std::system(command.c_str()), 0) << command;
	auto manifest = nlohmann::json::parse(read_file(dir / "manifest.json"));
	ASSERT_GE(manifest.size(), 14u);
	for (const auto &c : manifest) {
		std::string name = c["name"];
		SCOPED_TRACE(name);
		auto decoder = MessageDecoder::from_config(c["format"].get<std::string>(), c["input_config"]);
		std::string value = read_file(dir / (name + ".value"));
		std::string key = c["has_key"] ? read_file(dir / (name + ".key")) : std::string();
		MessageView message{0, value, std::nullopt};
		if (c["has_key"]) {
			message.key = std::string_view(key);
		}
		Batch batch;
		decoder.decode(message, batch, c["has_key"].get<bool>());
		const auto &features = c["features"];
		ASSERT_EQ(batch.features.size(), features.size());
		for (size_t i = 0; i < features.size(); i++) {
			if (features[i].is_null()) {
				EXPECT_TRUE(std::isnan(batch.features[i])) << i;
			} else {
				EXPECT_EQ(batch.features[i], features[i].get<float>()) << i;
			}
		}
		std::vector<float> labels = c["labels"];
		EXPECT_EQ(batch.labels, labels);
	}
}
