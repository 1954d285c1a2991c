#include "dataset/column_choice.h"

#include "formats/avro_schema.h"
#include "formats/table.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace kafkaml::dataset {
namespace {

using Indices = std::vector<size_t>;

formats::Table csv(const char *text) {
	return formats::read_csv(text);
}

std::string refusal(const ColumnRequest &request, const formats::Table &table,
                    const formats::AvroSchema *data_scheme = nullptr) {
	try {
		choose_columns(request, table, data_scheme, nullptr, nullptr);
	} catch (const std::runtime_error &e) {
		return e.what();
	}
	return "";
}

TEST(ColumnChoice, WithoutSchemeOrOptionTheLastColumnIsTheLabel) {
	auto table = csv("a,b,y\n1,2,0\n");
	auto columns = choose_columns({"", {}, false, "d.csv"}, table, nullptr, nullptr, nullptr);
	EXPECT_EQ(columns.features, (Indices{0, 1}));
	EXPECT_EQ(columns.labels, (Indices{2}));
}

TEST(ColumnChoice, InferenceSendsEveryColumnAndNoLabel) {
	auto table = csv("a,b,y\n1,2,0\n");
	auto columns = choose_columns({"", {}, true, "d.csv"}, table, nullptr, nullptr, nullptr);
	EXPECT_EQ(columns.features, (Indices{0, 1, 2}));
	EXPECT_TRUE(columns.labels.empty());
}

TEST(ColumnChoice, LabelColumnByNameOrIndexAndIgnoredColumnsLeaveTheFeatures) {
	auto table = csv("id,y,a,b\n7,1,2,3\n");
	auto by_name = choose_columns({"Y", {"id"}, false, "d.csv"}, table, nullptr, nullptr, nullptr);
	EXPECT_EQ(by_name.features, (Indices{2, 3}));
	EXPECT_EQ(by_name.labels, (Indices{1}));
	auto by_index = choose_columns({"1", {"0"}, false, "d.csv"}, table, nullptr, nullptr, nullptr);
	EXPECT_EQ(by_index.features, by_name.features);
	EXPECT_EQ(by_index.labels, by_name.labels);
}

TEST(ColumnChoice, ADataSchemeNamesTheFeaturesAndLeavesTheLabel) {
	// Fields match columns case-insensitively, also by their Avro names.
	auto table = csv("NO3-N (mg/l),pH,label\n1,7,0\n");
	auto scheme = formats::AvroSchema::parse(R"({"type": "record", "name": "d", "fields": [
	  {"name": "ph", "type": "float"}, {"name": "NO3_N__mg_l_", "type": "float"}]})");
	auto columns = choose_columns({"", {}, false, "d.csv"}, table, &scheme, nullptr, nullptr);
	EXPECT_EQ(columns.features, (Indices{1, 0}));
	EXPECT_EQ(columns.labels, (Indices{2}));
}

TEST(ColumnChoice, AmbiguitiesAreRefusedNamingTheOptionThatSettlesThem) {
	auto scheme = formats::AvroSchema::parse(R"({"type": "record", "name": "d", "fields": [
	  {"name": "a", "type": "float"}]})");
	auto two_left = csv("a,b,c\n1,2,3\n");
	EXPECT_NE(refusal({"", {}, false, "d.csv"}, two_left, &scheme)
	              .find("the data scheme leaves the columns 'b', 'c'; say which is the label with --label-column"),
	          std::string::npos);
	auto both = csv("a,b\n1,2\n");
	EXPECT_NE(refusal({"a", {}, false, "d.csv"}, both, &scheme)
	              .find("column 'a' is a field of the data scheme, so it cannot also be the label"),
	          std::string::npos);
	auto label_only = csv("y\n1\n");
	EXPECT_NE(refusal({"", {}, false, "one.csv"}, label_only).find("one.csv has a single column"), std::string::npos);
	auto unnamed = csv("a,b,y\n1,2,3\n");
	EXPECT_NE(refusal({"y", {}, false, "d.csv"}, unnamed, &scheme)
	              .find("the column 'b' is neither a field of the data scheme nor the label"),
	          std::string::npos);
}

TEST(ColumnChoice, FloatRecordSchemaNamesFieldsAsAvroAllows) {
	auto table = csv("1st,a b,ok\n1,2,3\n");
	auto schema = formats::AvroSchema::parse(float_record_schema("data", table, {0, 1, 2}));
	EXPECT_EQ(schema.field_names(), (std::vector<std::string>{"f_1st", "a_b", "ok"}));
}

TEST(ColumnChoice, ARefusalIsTheUsersToFix) {
	auto scheme = formats::AvroSchema::parse(R"({"type": "record", "name": "d", "fields": [
	  {"name": "z", "type": "float"}]})");
	try {
		choose_columns({"", {}, false, "d.csv"}, csv("a,y\n1,2\n"), &scheme, nullptr, nullptr);
		FAIL() << "the scheme names a column the file does not have";
	} catch (const DatasetError &e) {
		EXPECT_EQ(e.kind(), ErrorKind::user);
		EXPECT_EQ(std::string(e.what()), "the data scheme's field 'z' matches no column of the file");
	}
}

} // namespace
} // namespace kafkaml::dataset
