#include "client/table.h"

#include <gtest/gtest.h>

using namespace kafkaml::client;
using nlohmann::json;

TEST(Table, AlignsColumnsToTheWidestCell) {
	json rows = json::array({{{"id", 1}, {"name", "hcopd"}}, {{"id", 12}, {"name", "a"}}});
	EXPECT_EQ(format_table({{"ID", "id"}, {"NAME", "name"}}, rows), "ID  NAME\n"
	                                                                "1   hcopd\n"
	                                                                "12  a\n");
}

TEST(Table, MissingAndNullFieldsShowADash) {
	json rows = json::array({{{"id", 1}, {"time", nullptr}}});
	EXPECT_EQ(format_table({{"ID", "id"}, {"TIME", "time"}, {"X", "x"}}, rows), "ID  TIME  X\n1   -     -\n");
}

TEST(Table, EmptyListPrintsHeadersOnly) {
	EXPECT_EQ(format_table({{"ID", "id"}}, json::array()), "ID\n");
}

TEST(Table, CellText) {
	EXPECT_EQ(cell_text(json::array({1, 2})), "1,2");
	EXPECT_EQ(cell_text(json("a\nb")), "a b");
	EXPECT_EQ(cell_text(json{{"loss", 1}}), "{\"loss\":1}");
	EXPECT_EQ(cell_text(json(0.5)), "0.5");
}
