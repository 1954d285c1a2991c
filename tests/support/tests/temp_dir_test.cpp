#include "support/temp_dir.h"

#include "support/files.h"

#include <gtest/gtest.h>

namespace kafkaml::testing {
namespace {

namespace fs = std::filesystem;

TEST(TempDir, IsFreshPrivateAndNamed) {
	TempDir first("named");
	TempDir second("named");
	EXPECT_NE(first.path(), second.path());
	EXPECT_TRUE(fs::is_directory(first.path()));
	EXPECT_TRUE(fs::is_empty(first.path()));
	EXPECT_EQ(first.path().parent_path(), fs::temp_directory_path());
	EXPECT_TRUE(first.path().filename().string().starts_with("kafkaml-named-")) << first.path();
	EXPECT_EQ(fs::status(first.path()).permissions() & (fs::perms::group_all | fs::perms::others_all), fs::perms::none);
	EXPECT_EQ(first / "x", first.path() / "x");
	EXPECT_EQ(first.string(), first.path().string());
}

TEST(TempDir, GoesWithEverythingInIt) {
	fs::path kept;
	{
		TempDir dir;
		kept = dir.path();
		fs::create_directories(dir / "a" / "b");
		write_file(dir / "a" / "b" / "file", "bytes");
		EXPECT_EQ(read_file(dir / "a" / "b" / "file"), "bytes");
	}
	EXPECT_FALSE(fs::exists(kept));
}

TEST(TempDir, WriteReturnsThePathItWrote) {
	TempDir dir;
	auto path = dir.write("rows.csv", "a,b\n");
	EXPECT_EQ(path, (dir / "rows.csv").string());
	EXPECT_EQ(read_file(path), "a,b\n");
	EXPECT_THROW(dir.write("no-such-dir/file", "x"), std::runtime_error);
}

TEST(Files, AMissingFileReadsEmpty) {
	TempDir dir;
	EXPECT_EQ(read_file(dir / "missing"), "");
	EXPECT_THROW(write_file(dir / "no-such-dir" / "file", "x"), std::runtime_error);
}

} // namespace
} // namespace kafkaml::testing
