#include "sender/send_plan.h"

#include "formats/testing/npy_file.h"
#include "scratch_dir.h"
#include "sender/dataset_file.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <stdexcept>

namespace kafkaml::sender {
namespace {

using testing::ScratchDir;

class SendPlanTest : public ::testing::Test {
protected:
	SendPlanTest() {
		options_.topic = "data";
		options_.deployment_id = 1;
		options_.file = dir_.write("rows.csv", "a,b,label\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n");
	}
	//! plan_send's error, or "" when it plans.
	std::string refusal() {
		try {
			plan_send(options_);
		} catch (const std::runtime_error &e) {
			return e.what();
		}
		return "";
	}
	ScratchDir dir_;
	SendOptions options_;
};

TEST_F(SendPlanTest, ACsvSendsItsLastColumnAsTheLabelAndTheOthersAsFeatures) {
	auto plan = plan_send(options_);
	EXPECT_EQ(plan.table.rows, 4u);
	EXPECT_EQ(plan.features, (std::vector<size_t>{0, 1}));
	EXPECT_EQ(plan.label_columns, (std::vector<size_t>{2}));
	EXPECT_FALSE(plan.avro);
	EXPECT_FALSE(plan.standardize);
	EXPECT_EQ(&plan.label_table(), &plan.table);
}

TEST_F(SendPlanTest, TheLabelAndTheLeftOutColumnsAreTheUsers) {
	options_.label_column = "a";
	options_.ignore_columns = {"label"};
	auto plan = plan_send(options_);
	EXPECT_EQ(plan.features, (std::vector<size_t>{1}));
	EXPECT_EQ(plan.label_columns, (std::vector<size_t>{0}));
}

TEST_F(SendPlanTest, ATrainingStreamNeedsItsDeploymentAndInferenceInputDoesNot) {
	options_.deployment_id = -1;
	EXPECT_NE(refusal().find("--deployment-id is required"), std::string::npos);
	options_.inference = true;
	EXPECT_EQ(refusal(), "");
}

TEST_F(SendPlanTest, RatesAreCheckedAgainstTheRowsOfATrainingStreamOnly) {
	options_.validation_rate = 0.6;
	options_.test_rate = 0.6;
	auto error = refusal();
	EXPECT_EQ(error.rfind("--validation-rate and --test-rate: ", 0), 0u) << error;
	EXPECT_NE(error.find("the sum must be below 1"), std::string::npos) << error;
	options_.inference = true; // no control message carries them
	EXPECT_EQ(refusal(), "");
}

TEST_F(SendPlanTest, TheFormatIsRawOrAvroInEitherCase) {
	options_.format = "AVRO";
	EXPECT_TRUE(plan_send(options_).avro);
	options_.format = "RAW";
	EXPECT_FALSE(plan_send(options_).avro);
	options_.format = "json";
	EXPECT_EQ(refusal(), "--format must be raw or avro, got 'json'");
}

TEST_F(SendPlanTest, SchemesAreAvroOnlyAndNameTheirOptionWhenUnreadable) {
	options_.data_scheme = dir_.write("data.avsc", "{not json");
	EXPECT_EQ(refusal(), "--data-scheme and --label-scheme are Avro schemas: add --format avro");
	options_.format = "avro";
	EXPECT_EQ(refusal().rfind("the data scheme " + options_.data_scheme + " (--data-scheme): ", 0), 0u) << refusal();
}

TEST_F(SendPlanTest, AGivenSchemeIsKeptAndItsFieldsChooseTheFeatures) {
	options_.format = "avro";
	options_.data_scheme = dir_.write(
	    "data.avsc",
	    R"({"type":"record","name":"D","fields":[{"name":"a","type":"float"},{"name":"b","type":"float"}]})");
	auto plan = plan_send(options_);
	ASSERT_TRUE(plan.data_scheme);
	EXPECT_FALSE(plan.label_scheme); // derived when the stream starts
	EXPECT_EQ(plan.features, (std::vector<size_t>{0, 1}));
	EXPECT_EQ(plan.label_columns, (std::vector<size_t>{2}));
}

TEST_F(SendPlanTest, LabelsOfTheirOwnFileHoldOneRowPerRowAndGoWithRawOnly) {
	options_.labels_file = dir_.write("labels.csv", "y\n1\n0\n1\n0\n");
	auto plan = plan_send(options_);
	ASSERT_TRUE(plan.labels);
	EXPECT_EQ(&plan.label_table(), &*plan.labels);
	EXPECT_EQ(plan.features, (std::vector<size_t>{0, 1, 2})); // every column of the data is a feature
	EXPECT_EQ(plan.label_columns, (std::vector<size_t>{0}));

	options_.label_column = "label";
	EXPECT_EQ(refusal(), "--labels goes with --format raw, without --label-column and --inference");
	options_.label_column.clear();
	options_.format = "avro";
	EXPECT_EQ(refusal(), "--labels goes with --format raw, without --label-column and --inference");
	options_.format = "raw";
	options_.labels_file = dir_.write("short.csv", "y\n1\n0\n");
	EXPECT_EQ(refusal(), options_.labels_file + " must hold one label row (1-D, or 2-D rows x columns) per row of " +
	                         options_.file + ": it has 2 rows for 4");
}

TEST_F(SendPlanTest, AnNDArrayGoesAsRawSlicesWithLabelsOfTheirOwn) {
	const uint8_t images[2][2][2] = {{{1, 2}, {3, 4}}, {{5, 6}, {7, 8}}};
	options_.file = dir_.write("x.npy", formats::testing::npy_file("|u1", "(2, 2, 2)", images, sizeof(images)));
	EXPECT_NE(refusal().find("a .npy of 3 dimensions is sent as RAW"), std::string::npos) << refusal();

	const uint8_t classes[2] = {0, 1};
	options_.labels_file = dir_.write("y.npy", formats::testing::npy_file("|u1", "(2,)", classes, sizeof(classes)));
	auto plan = plan_send(options_);
	EXPECT_EQ(plan.table.row_shape, (std::vector<int64_t>{2, 2}));
	EXPECT_EQ(plan.features.size(), 4u);

	options_.format = "avro";
	options_.labels_file.clear();
	options_.inference = true;
	EXPECT_NE(refusal().find("a .npy of 3 dimensions is sent as RAW"), std::string::npos) << refusal();
	options_.format = "raw";
	options_.label_column = "0";
	EXPECT_EQ(refusal(), "--label-column picks a column of a 2-D table; a .npy of 3 dimensions has none");
	options_.label_column.clear();
	EXPECT_EQ(refusal(), "");
}

TEST_F(SendPlanTest, StandardizationIsComputedSavedAndReused) {
	options_.save_standardization = dir_.path("stats.json");
	EXPECT_EQ(refusal(), "--save-standardization writes the statistics of --standardize: add it");
	EXPECT_FALSE(std::filesystem::exists(options_.save_standardization));

	options_.standardize = true;
	auto plan = plan_send(options_);
	EXPECT_TRUE(plan.standardize);
	EXPECT_DOUBLE_EQ(plan.scaling.mean[0], 4); // a: 1 3 5 7
	EXPECT_FLOAT_EQ(plan.scaling.apply(0, 4), 0);
	ASSERT_TRUE(std::filesystem::exists(options_.save_standardization));

	// Inference input z-scored with the training stream's statistics.
	SendOptions inputs;
	inputs.inference = true;
	inputs.label_column = "label";
	inputs.standardize_from = options_.save_standardization;
	inputs.file = dir_.write("inputs.csv", "a,b,label\n100,200,0\n");
	auto reused = plan_send(inputs);
	EXPECT_TRUE(reused.standardize);
	EXPECT_DOUBLE_EQ(reused.scaling.mean[0], 4);
}

TEST_F(SendPlanTest, AMissingValueIsRefusedBeforeAnythingIsSent) {
	options_.file = dir_.write("holes.csv", "a,b,label\n1,,0\n3,4,1\n");
	EXPECT_NE(refusal().find("holes.csv"), std::string::npos) << refusal();
}

TEST(DatasetFile, ErrorsNameTheFile) {
	ScratchDir dir;
	auto missing = dir.path("missing.csv");
	try {
		load_table(missing);
		ADD_FAILURE() << "a missing file loaded";
	} catch (const std::runtime_error &e) {
		EXPECT_EQ(std::string(e.what()), "cannot open " + missing + ": check the path");
	}
	auto header_only = dir.write("empty.csv", "a,b\n");
	try {
		load_table(header_only);
		ADD_FAILURE() << "a file of no rows loaded";
	} catch (const std::runtime_error &e) {
		EXPECT_EQ(std::string(e.what()), header_only + " holds no rows");
	}
	auto bad = dir.write("bad.csv", "a,b\n1,x\n");
	try {
		load_table(bad);
		ADD_FAILURE() << "a bad cell loaded";
	} catch (const std::runtime_error &e) {
		EXPECT_EQ(std::string(e.what()).rfind(bad + ": ", 0), 0u) << e.what();
	}
	EXPECT_EQ(display_name("-"), "stdin");
	EXPECT_EQ(display_name(bad), bad);
}

TEST(DatasetFile, ANpyIsKnownByItsMagicWhateverItsName) {
	ScratchDir dir;
	const float values[2] = {1.5f, 2.5f};
	auto table = load_table(dir.write("values.bin", formats::testing::npy_file("<f4", "(2,)", values, sizeof(values))));
	EXPECT_EQ(table.rows, 2u);
	EXPECT_EQ(table.dtype, formats::DType::Float32);
	EXPECT_FLOAT_EQ(table.at(1, 0), 2.5f);
}

} // namespace
} // namespace kafkaml::sender
