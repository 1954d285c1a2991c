#include "dataset/standardization.h"

#include "support/temp_dir.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

namespace kafkaml::dataset {
namespace {

class StandardizationTest : public ::testing::Test {
protected:
	std::string load_error(const std::string &text, const formats::Table &table) {
		try {
			Standardization::load(dir_.write("stats.json", text), table, {0});
		} catch (const std::runtime_error &e) {
			return e.what();
		}
		return "";
	}
	kafkaml::testing::TempDir dir_{"standardization"};
};

TEST_F(StandardizationTest, PopulationStdOverTheValuesThereAre) {
	// b: mean 4, population std 2 (sklearn's StandardScaler), the empty cell
	// left out of both and staying NaN; c is constant and only shifted.
	auto table = formats::read_csv("a,b,c\n0,2,5\n0,,5\n0,6,5\n");
	auto z = Standardization::of(table, {1, 2});
	EXPECT_DOUBLE_EQ(z.mean[1], 4);
	EXPECT_DOUBLE_EQ(z.scale[1], 2);
	EXPECT_FLOAT_EQ(z.apply(1, 2), -1);
	EXPECT_TRUE(std::isnan(z.apply(1, table.at(1, 1))));
	EXPECT_DOUBLE_EQ(z.scale[2], 1);
	EXPECT_FLOAT_EQ(z.apply(2, 5), 0);
	auto empty = formats::read_csv("a,b\n1,\n");
	EXPECT_THROW(Standardization::of(empty, {1}), std::runtime_error);
}

TEST_F(StandardizationTest, WhatIsSavedLoadsBackByColumnName) {
	auto training = formats::read_csv("age,weight\n20,60\n40,80\n");
	auto z = Standardization::of(training, {0, 1});
	auto path = (dir_ / "stats.json").string();
	z.save(path, training, {0, 1});
	// Inference inputs: other column order, other case.
	auto inputs = formats::read_csv("WEIGHT,Age\n70,30\n");
	auto loaded = Standardization::load(path, inputs, {0, 1});
	EXPECT_FLOAT_EQ(loaded.apply(0, 70), 0);
	EXPECT_FLOAT_EQ(loaded.apply(1, 40), 1);
}

TEST_F(StandardizationTest, AFileItCannotUseIsNamedWithWhatIsWrong) {
	auto table = formats::read_csv("age\n1\n");
	EXPECT_NE(load_error("not json", table).find("(--standardize-from) is not what --save-standardization writes"),
	          std::string::npos);
	EXPECT_NE(load_error(R"({"columns": {"height": {"mean": 1, "std": 1}}})", table)
	              .find("has no statistics of column 'age'"),
	          std::string::npos);
	EXPECT_NE(load_error(R"({"columns": {"age": {"mean": 1, "std": 0}}})", table)
	              .find("column 'age' needs a number \"mean\" and a positive \"std\""),
	          std::string::npos);
	EXPECT_THROW(Standardization::load((dir_ / "absent.json").string(), table, {0}), std::runtime_error);
}

TEST_F(StandardizationTest, AFileItCannotOpenOrUseIsTheUsersToFix) {
	auto table = formats::read_csv("age\n1\n");
	for (const auto &path : {(dir_ / "absent.json").string(), dir_.write("bad.json", "not json")}) {
		try {
			Standardization::load(path, table, {0});
			FAIL() << path << " loaded";
		} catch (const DatasetError &e) {
			EXPECT_EQ(e.kind(), ErrorKind::user) << e.what();
		}
	}
}

} // namespace
} // namespace kafkaml::dataset
