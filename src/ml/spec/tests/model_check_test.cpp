// `kafkaml model check` as a user runs it: the built binary on a real file
// and on stdin (label integration: it starts subprocesses).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace {

using ::testing::HasSubstr;

struct CommandResult {
	int status = -1;
	std::string output; // stdout and stderr together
};

CommandResult run(const std::string &command) {
	CommandResult result;
	FILE *pipe = popen((command + " 2>&1").c_str(), "r");
	if (!pipe) {
		return result;
	}
	std::array<char, 4096> buffer{};
	size_t n = 0;
	while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
		result.output.append(buffer.data(), n);
	}
	int status = pclose(pipe);
	result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	return result;
}

class ModelCheck : public ::testing::Test {
protected:
	void SetUp() override {
		const char *bin = std::getenv("KAFKAML_BIN");
		ASSERT_NE(bin, nullptr) << "KAFKAML_BIN must name the kafkaml binary";
		bin_ = bin;
		const char *tmp = std::getenv("TMPDIR");
		std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/model_check_XXXXXX";
		ASSERT_NE(mkdtemp(pattern.data()), nullptr);
		dir_ = pattern;
	}
	void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }

	std::string write(const std::string &name, const std::string &text) {
		std::string path = dir_ + "/" + name;
		std::ofstream(path) << text;
		return path;
	}

	std::string bin_;
	std::string dir_;
};

TEST_F(ModelCheck, PrintsTheSummaryOfAValidDefinition) {
	std::string path = write("hcopd.py", R"(model = tf.keras.Sequential([
    tf.keras.layers.Dropout(0.2, input_shape=(3,)),
    tf.keras.layers.Dense(4, activation='sigmoid'),
    tf.keras.layers.Dense(2, activation='softmax')
])
model.compile(keras.optimizers.Adam(lr=.0001), loss='sparse_categorical_crossentropy', metrics=['accuracy'])
)");
	CommandResult result = run("'" + bin_ + "' model check '" + path + "'");
	EXPECT_EQ(result.status, 0) << result.output;
	EXPECT_THAT(result.output, HasSubstr(" dense (Dense)               (None, 4)                 16\n"));
	EXPECT_THAT(result.output, HasSubstr("Total params: 26\n"));
	EXPECT_THAT(result.output, HasSubstr("optimizer adam (learning_rate 0.0001)"));

	CommandResult from_stdin = run("'" + bin_ + "' model check - < '" + path + "'");
	EXPECT_EQ(from_stdin.status, 0) << from_stdin.output;
	EXPECT_EQ(from_stdin.output, result.output);
}

TEST_F(ModelCheck, ReportsFileLineColumnWithACaretAndFails) {
	std::string path = write("bad.py", "import tensorflow as tf\nmodel = tf.keras.Sequential([\n"
	                                   "    tf.keras.layers.Dense(4, input_shape=(3,), activaton='relu'),\n])\n");
	CommandResult result = run("'" + bin_ + "' model check '" + path + "'");
	EXPECT_EQ(result.status, 1);
	EXPECT_THAT(result.output, HasSubstr(path + ":3:48: unknown argument 'activaton' for Dense; expected one of"));
	EXPECT_THAT(result.output, HasSubstr("\n    tf.keras.layers.Dense(4, input_shape=(3,), activaton='relu'),\n"
	                                     "                                               ^\n"));

	CommandResult missing = run("'" + bin_ + "' model check '" + dir_ + "/absent.py'");
	EXPECT_EQ(missing.status, 1);
	EXPECT_THAT(missing.output, HasSubstr("cannot read model definition"));
}

} // namespace
