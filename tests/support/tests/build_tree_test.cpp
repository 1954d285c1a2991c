#include "support/build_tree.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <stdexcept>

namespace kafkaml::testing {
namespace {

//! Sets (or unsets) an environment variable for one scope.
class ScopedEnv {
public:
	ScopedEnv(const char *name, const char *value) : name_(name) {
		if (const char *old = std::getenv(name)) {
			old_ = old;
		}
		value ? ::setenv(name, value, 1) : ::unsetenv(name);
	}
	~ScopedEnv() { old_ ? ::setenv(name_, old_->c_str(), 1) : ::unsetenv(name_); }

private:
	const char *name_;
	std::optional<std::string> old_;
};

TEST(BuildTree, KafkamlBinarySaysWhatIsMissing) {
	{
		ScopedEnv unset("KAFKAML_BIN", nullptr);
		EXPECT_THROW(kafkaml_binary(), std::runtime_error);
	}
	{
		ScopedEnv missing("KAFKAML_BIN", "/nonexistent/kafkaml");
		EXPECT_THROW(kafkaml_binary(), std::runtime_error);
	}
	ScopedEnv present("KAFKAML_BIN", "/bin/sh");
	EXPECT_EQ(kafkaml_binary(), "/bin/sh");
	auto options = kafkaml_command({"-c", "echo ran"});
	EXPECT_EQ(options.argv, (std::vector<std::string>{"/bin/sh", "-c", "echo ran"}));
	EXPECT_EQ(run(options).out, "ran\n");
}

TEST(BuildTree, SourceDirHoldsThisTest) {
	EXPECT_TRUE(std::filesystem::exists(source_dir() / "tests/support/tests/build_tree_test.cpp")) << source_dir();
	ScopedEnv unset("KAFKAML_SOURCE_DIR", nullptr);
	EXPECT_TRUE(std::filesystem::exists(source_dir() / "tests/support/tests/build_tree_test.cpp")) << source_dir();
}

} // namespace
} // namespace kafkaml::testing
