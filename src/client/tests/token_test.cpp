#include "client/token.h"

#include "support/temp_dir.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

using namespace kafkaml::client;

using kafkaml::testing::TempDir;

TEST(Token, FlagWinsOverEnvAndFile) {
	TempDir dir;
	std::ofstream(dir.string() + "/admin-token") << "from-file\n";
	EXPECT_EQ(resolve_token(std::string("from-flag"), "from-env", dir.string()), "from-flag");
	EXPECT_EQ(resolve_token(std::nullopt, "from-env", dir.string()), "from-env");
	EXPECT_EQ(resolve_token(std::nullopt, nullptr, dir.string()), "from-file");
	EXPECT_EQ(resolve_token(std::string("  "), "", dir.string()), "from-file");
}

TEST(Token, NoneFoundIsEmpty) {
	TempDir dir;
	EXPECT_EQ(resolve_token(std::nullopt, nullptr, dir.string()), "");
	EXPECT_EQ(resolve_token(std::nullopt, nullptr, dir.string() + "/missing"), "");
}

TEST(Token, FoundInAParentOfTheWorkingDirectory) {
	TempDir dir;
	std::filesystem::create_directories(dir.string() + "/kafkaml-data");
	std::filesystem::create_directories(dir.string() + "/examples/hcopd");
	std::ofstream(dir.string() + "/kafkaml-data/admin-token") << "from-up\n";
	EXPECT_EQ(resolve_token(std::nullopt, nullptr, "kafkaml-data", dir.string() + "/examples/hcopd"), "from-up");
	EXPECT_EQ(resolve_token(std::nullopt, nullptr, "kafkaml-data", dir.string()), "from-up");
	EXPECT_EQ(resolve_token(std::nullopt, nullptr, "elsewhere", dir.string() + "/examples/hcopd"), "");
	EXPECT_EQ(resolve_token(std::nullopt, nullptr, dir.string() + "/examples/kafkaml-data", dir.string() + "/examples"),
	          "")
	    << "an absolute directory is not searched for";
}
