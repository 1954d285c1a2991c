// `kafkaml model check` as a user runs it: the built binary on a real file
// and on stdin (label integration: it starts subprocesses).

#include "support/build_tree.h"
#include "support/temp_dir.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using kafkaml::testing::RunResult;
using ::testing::HasSubstr;

//! `kafkaml args...` to the end, stdout and stderr together in `out`.
RunResult kafkaml(const std::vector<std::string> &args) {
	auto options = kafkaml::testing::kafkaml_command(args);
	options.err = kafkaml::testing::Output::to_stdout();
	return kafkaml::testing::run(options);
}

class ModelCheck : public ::testing::Test {
protected:
	kafkaml::testing::TempDir dir_{"model-check"};
};

TEST_F(ModelCheck, PrintsTheSummaryOfAValidDefinition) {
	std::string path = dir_.write("hcopd.py", R"(model = tf.keras.Sequential([
    tf.keras.layers.Dropout(0.2, input_shape=(3,)),
    tf.keras.layers.Dense(4, activation='sigmoid'),
    tf.keras.layers.Dense(2, activation='softmax')
])
model.compile(keras.optimizers.Adam(lr=.0001), loss='sparse_categorical_crossentropy', metrics=['accuracy'])
)");
	RunResult result = kafkaml({"model", "check", path});
	EXPECT_EQ(result.status, 0) << result.out;
	EXPECT_THAT(result.out, HasSubstr(" dense (Dense)               (None, 4)                 16\n"));
	EXPECT_THAT(result.out, HasSubstr("Total params: 26\n"));
	EXPECT_THAT(result.out, HasSubstr("optimizer adam (learning_rate 0.0001)"));

	// ChildProcess gives every child /dev/null as stdin: the shell redirects.
	RunResult from_stdin = kafkaml::testing::run_shell("'" + kafkaml::testing::kafkaml_binary().string() +
	                                                   "' model check - < '" + path + "' 2>&1");
	EXPECT_EQ(from_stdin.status, 0) << from_stdin.out;
	EXPECT_EQ(from_stdin.out, result.out);
}

TEST_F(ModelCheck, ReportsFileLineColumnWithACaretAndFails) {
	std::string path = dir_.write("bad.py", "import tensorflow as tf\nmodel = tf.keras.Sequential([\n"
	                                        "    tf.keras.layers.Dense(4, input_shape=(3,), activaton='relu'),\n])\n");
	RunResult result = kafkaml({"model", "check", path});
	EXPECT_EQ(result.status, 1);
	EXPECT_THAT(result.out, HasSubstr(path + ":3:48: unknown argument 'activaton' for Dense; expected one of"));
	EXPECT_THAT(result.out, HasSubstr("\n    tf.keras.layers.Dense(4, input_shape=(3,), activaton='relu'),\n"
	                                  "                                               ^\n"));

	RunResult missing = kafkaml({"model", "check", (dir_ / "absent.py").string()});
	EXPECT_EQ(missing.status, 1);
	EXPECT_THAT(missing.out, HasSubstr("cannot read model definition"));
}

} // namespace
