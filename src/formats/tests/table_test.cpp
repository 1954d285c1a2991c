#include "formats/format_error.h"
#include "formats/table.h"
#include "formats/testing/npy_file.h"

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
		// The header and the 0-based index --label-column takes.
		EXPECT_NE(std::string(e.what()).find("line 3, column 'b' (index 1): 'x' is not a number"), std::string::npos)
		    << e.what();
	}
	EXPECT_THROW(read_csv("a,b\n1\n"), FormatError);
	EXPECT_THROW(read_csv("a,b\n1,2,3\n"), FormatError);
	EXPECT_THROW(read_csv(""), FormatError);
}

TEST(Csv, QuotedCellsAsRfc4180AndAByteOrderMark) {
	auto table = read_csv("\xEF\xBB\xBF"
	                      R"("NO3-N, mg/l","say ""hi""",plain
"1.5", 2 ,"3"
"4","5
",6
)");
	EXPECT_EQ(table.columns, (std::vector<std::string>{"NO3-N, mg/l", "say \"hi\"", "plain"}));
	ASSERT_EQ(table.rows, 2u);
	EXPECT_EQ(table.values, (std::vector<float>{1.5f, 2, 3, 4, 5, 6}));
	EXPECT_EQ(table.lines, (std::vector<size_t>{2, 3}));
	EXPECT_EQ(table.column_index("NO3-N, mg/l"), 0u);
	try {
		read_csv("a,b\n1,2\n\"3,4\n");
		FAIL() << "no error";
	} catch (const FormatError &e) {
		EXPECT_NE(std::string(e.what()).find("line 3: a quoted cell is not closed"), std::string::npos) << e.what();
	}
	EXPECT_THROW(read_csv("a,b\n\"1\"x,2\n"), FormatError);
	try {
		read_csv("a,b\n1,\"1,5\"\n");
		FAIL() << "no error";
	} catch (const FormatError &e) {
		EXPECT_NE(std::string(e.what()).find("line 2, column 'b' (index 1): '1,5' is not a number"), std::string::npos)
		    << e.what();
	}
}

using kafkaml::formats::testing::npy_file;

TEST(Npy, KeepsItsDtypeAndBytesAndSlicesNDArraysIntoRows) {
	const int64_t big[3] = {1, (int64_t(1) << 53) + 1, -7};
	auto ints = read_npy(npy_file("<i8", "(3,)", big, sizeof(big)));
	EXPECT_EQ(ints.dtype, DType::Int64);
	EXPECT_EQ(ints.width(), 1u);
	EXPECT_EQ(ints.elements, std::string(reinterpret_cast<const char *>(big), sizeof(big))); // exact, unlike floats
	const uint8_t images[2 * 2 * 3] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
	auto cube = read_npy(npy_file("|u1", "(2, 2, 3)", images, sizeof(images)));
	EXPECT_EQ(cube.rows, 2u);
	EXPECT_EQ(cube.width(), 6u);
	EXPECT_EQ(cube.row_shape, (std::vector<int64_t>{2, 3}));
	EXPECT_EQ(cube.at(1, 0), 7);
	const bool flags[2] = {true, false};
	EXPECT_EQ(read_npy(npy_file("|b1", "(2,)", flags, sizeof(flags))).dtype, DType::Bool);
	try {
		const uint32_t words[1] = {1};
		read_npy(npy_file("<u4", "(1,)", words, sizeof(words)));
		FAIL() << "no error";
	} catch (const FormatError &e) {
		EXPECT_NE(std::string(e.what()).find("'<u4' is not supported: RAW streams have f2, f4, f8"), std::string::npos)
		    << e.what();
	}
	EXPECT_TRUE(is_npy(npy_file("<f4", "(0,)", nullptr, 0)));
	EXPECT_FALSE(is_npy("a,b\n"));
}

TEST(Npy, Reads2DFloatArrays) {
	float values[6] = {1, 2, 3, 4, 5, 6};
	auto file = npy_file("<f4", "(2, 3)", values, sizeof(values));
	auto table = read_npy(file);
	EXPECT_EQ(table.rows, 2u);
	EXPECT_EQ(table.width(), 3u);
	EXPECT_EQ(table.at(1, 2), 6);
	EXPECT_THROW(read_npy(file.substr(0, file.size() - 1)), FormatError);
	EXPECT_THROW(read_npy("not npy"), FormatError);
}
