#include "dataset/missing_values.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace kafkaml::dataset {
namespace {

std::string refusal(const formats::Table &table, const std::vector<size_t> &features, const std::vector<bool> &nullable,
                    const std::vector<size_t> &labels) {
	try {
		refuse_missing_values(table, features, nullable, table, labels, "d.csv");
	} catch (const std::runtime_error &e) {
		return e.what();
	}
	return "";
}

TEST(MissingValues, AnEmptyFeatureCellIsRefusedByLineAndColumn) {
	auto table = formats::read_csv("a,b,y\n1,2,0\n\n3,,1\n");
	EXPECT_EQ(refusal(table, {0, 1}, {false, false}, {2}),
	          "d.csv: line 4, column 'b' (index 1) has no value (empty or NaN); every feature needs one: fill it in "
	          "or drop the row, or give the field a type of [\"null\", ...] in the data scheme to send it as null");
}

TEST(MissingValues, ANullableFieldMayBeEmptyButALabelMayNot) {
	auto table = formats::read_csv("a,b,y\n1,,0\nnan,2,\n");
	EXPECT_NE(refusal(table, {0, 1}, {false, true}, {2}).find("line 3, column 'a' (index 0)"), std::string::npos);
	EXPECT_EQ(refusal(table, {1}, {true}, {2}),
	          "d.csv: line 3, column 'y' (index 2) has no value (empty or NaN); a training record needs its label: "
	          "fill it in or drop the row");
	EXPECT_EQ(refusal(table, {1}, {true}, {}), "");
}

TEST(MissingValues, AMissingValueIsTheUsersToFix) {
	auto table = formats::read_csv("a,y\n,0\n");
	try {
		refuse_missing_values(table, {0}, {false}, table, {1}, "d.csv");
		FAIL() << "line 2 has no value";
	} catch (const DatasetError &e) {
		EXPECT_EQ(e.kind(), ErrorKind::user) << e.what();
	}
}

} // namespace
} // namespace kafkaml::dataset
