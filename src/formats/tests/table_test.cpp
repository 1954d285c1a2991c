#include "formats/format_error.h"
#include "formats/table.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

using namespace kafkaml::formats;

TEST(Csv, ReadsHeaderAndNumbers) {
	auto table = read_csv("a,\"B\",c\r\n1,2.5,true\n\n-3,,+4\n");
	EXPECT_EQ(table.columns, (std::vector<std::string>{"a", "B", "c"}));
	EXPECT_EQ(table.rows, 2u);
	EXPECT_EQ(table.at(0, 1), 2.5f);
	EXPECT_EQ(table.at(0, 2), 1);
	EXPECT_TRUE(std::isnan(table.at(1, 1)));
	EXPECT_EQ(table.at(1, 2), 4);
	EXPECT_EQ(table.column_index("b"), 1u);
	EXPECT_EQ(table.column_index("2"), 2u);
	EXPECT_THROW(table.column_index("zzz"), FormatError);
}

TEST(Csv, BadCellsNameLineAndColumn) {
	try {
		read_csv("a,b\n1,2\n3,x\n");
		FAIL();
	} catch (const FormatError &e) {
		EXPECT_NE(std::string(e.what()).find("line 3, column 2"), std::string::npos) << e.what();
	}
	EXPECT_THROW(read_csv("a,b\n1\n"), FormatError);
	EXPECT_THROW(read_csv("a,b\n1,2,3\n"), FormatError);
	EXPECT_THROW(read_csv(""), FormatError);
}

TEST(Npy, Reads2DFloatArrays) {
	std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
	header.append(128 - 10 - header.size() - 1, ' ');
	header += '\n';
	std::string file = std::string("\x93NUMPY\x01\x00", 8);
	file += static_cast<char>(header.size());
	file += '\0';
	file += header;
	float values[6] = {1, 2, 3, 4, 5, 6};
	file.append(reinterpret_cast<const char *>(values), sizeof(values));
	auto table = read_npy(file);
	EXPECT_EQ(table.rows, 2u);
	EXPECT_EQ(table.width(), 3u);
	EXPECT_EQ(table.at(1, 2), 6);
	EXPECT_THROW(read_npy(file.substr(0, file.size() - 1)), FormatError);
	EXPECT_THROW(read_npy("not npy"), FormatError);
}
