#include "client/token.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace kafkaml::client;

namespace {

struct TempDir {
	TempDir() {
		std::string pattern = (std::filesystem::temp_directory_path() / "kafkaml-token-XXXXXX").string();
		path = mkdtemp(pattern.data());
	}
	~TempDir() { std::filesystem::remove_all(path); }
	std::string path;
};

} // namespace

TEST(Token, FlagWinsOverEnvAndFile) {
	TempDir dir;
	std::ofstream(dir.path + "/admin-token") << "from-file\n";
	EXPECT_EQ(resolve_token(std::string("from-flag"), "from-env", dir.path), "from-flag");
	EXPECT_EQ(resolve_token(std::nullopt, "from-env", dir.path), "from-env");
	EXPECT_EQ(resolve_token(std::nullopt, nullptr, dir.path), "from-file");
	EXPECT_EQ(resolve_token(std::string("  "), "", dir.path), "from-file");
}

TEST(Token, NoneFoundIsEmpty) {
	TempDir dir;
	EXPECT_EQ(resolve_token(std::nullopt, nullptr, dir.path), "");
	EXPECT_EQ(resolve_token(std::nullopt, nullptr, dir.path + "/missing"), "");
}

TEST(Token, FoundInAParentOfTheWorkingDirectory) {
	TempDir dir;
	std::filesystem::create_directories(dir.path + "/kafkaml-data");
	std::filesystem::create_directories(dir.path + "/examples/hcopd");
	std::ofstream(dir.path + "/kafkaml-data/admin-token") << "from-up\n";
	EXPECT_EQ(resolve_token(std::nullopt, nullptr, "kafkaml-data", dir.path + "/examples/hcopd"), "from-up");
	EXPECT_EQ(resolve_token(std::nullopt, nullptr, "kafkaml-data", dir.path), "from-up");
	EXPECT_EQ(resolve_token(std::nullopt, nullptr, "elsewhere", dir.path + "/examples/hcopd"), "");
	EXPECT_EQ(resolve_token(std::nullopt, nullptr, dir.path + "/examples/kafkaml-data", dir.path + "/examples"), "")
	    << "an absolute directory is not searched for";
}
