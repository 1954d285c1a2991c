#include "support/child_process.h"

#include "support/files.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace kafkaml::testing {
namespace {

using namespace std::chrono_literals;

ProcessOptions shell(const std::string &script) {
	ProcessOptions options;
	options.argv = {"/bin/sh", "-c", script};
	return options;
}

//! Whether `pid` is a process that still runs (a zombie waiting for its
//! parent no longer does).
bool running(pid_t pid) {
	std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
	std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
	auto close = text.rfind(')');
	return close != std::string::npos && close + 2 < text.size() && text[close + 2] != 'Z';
}

bool stops_running_within(pid_t pid, std::chrono::milliseconds limit) {
	auto deadline = std::chrono::steady_clock::now() + limit;
	while (running(pid)) {
		if (std::chrono::steady_clock::now() >= deadline) {
			return false;
		}
		std::this_thread::sleep_for(10ms);
	}
	return true;
}

TEST(ChildProcess, CapturesStdoutAndStderrApartWithTheExitCode) {
	auto result = run_shell("echo out; echo err >&2; exit 3");
	EXPECT_EQ(result.status, 3);
	EXPECT_FALSE(result.timed_out);
	EXPECT_EQ(result.out, "out\n");
	EXPECT_EQ(result.err, "err\n");
}

TEST(ChildProcess, CapturesMoreThanAPipeHolds) {
	// 1 MiB: the child blocks unless the reader keeps draining while it runs.
	auto result = run_shell("head -c 1048576 /dev/zero");
	EXPECT_EQ(result.status, 0);
	EXPECT_EQ(result.out.size(), 1048576u);
}

TEST(ChildProcess, SetsAndUnsetsEnvironmentVariables) {
	::setenv("KAFKAML_SUPPORT_GONE", "still here", 1);
	::setenv("KAFKAML_SUPPORT_REPLACED", "old", 1);
	auto options = shell("echo \"${KAFKAML_SUPPORT_SET}/${KAFKAML_SUPPORT_REPLACED}/${KAFKAML_SUPPORT_GONE-unset}\"");
	options.set_env = {{"KAFKAML_SUPPORT_SET", "yes"}, {"KAFKAML_SUPPORT_REPLACED", "new"}};
	options.unset_env = {"KAFKAML_SUPPORT_GONE"};
	auto result = run(options);
	::unsetenv("KAFKAML_SUPPORT_GONE");
	::unsetenv("KAFKAML_SUPPORT_REPLACED");
	EXPECT_EQ(result.out, "yes/new/unset\n");
}

TEST(ChildProcess, RunsInTheWorkingDirectoryAndWritesFiles) {
	TempDir dir("support");
	auto options = shell("pwd; echo on-stderr >&2");
	options.working_dir = dir.path();
	options.out = Output::file(dir / "out.txt");
	options.err = Output::to_stdout();
	ChildProcess process(options);
	ASSERT_EQ(process.wait(30s), 0);
	auto expected = std::filesystem::canonical(dir.path()).string() + "\non-stderr\n";
	EXPECT_EQ(read_file(dir / "out.txt"), expected);
	EXPECT_EQ(process.out(), expected);
	EXPECT_EQ(process.err(), "") << "merged into stdout";
}

TEST(ChildProcess, DiscardedOutputIsNotKept) {
	auto options = shell("echo gone; echo gone too >&2");
	options.out = Output::discard();
	options.err = Output::discard();
	auto result = run(options);
	EXPECT_EQ(result.status, 0);
	EXPECT_EQ(result.out, "");
	EXPECT_EQ(result.err, "");
}

TEST(ChildProcess, AProgramThatCannotStartThrowsNamingIt) {
	ProcessOptions missing;
	missing.argv = {"/nonexistent/kafkaml-support-test"};
	try {
		ChildProcess process(missing);
		FAIL() << "started a program that does not exist";
	} catch (const std::runtime_error &e) {
		EXPECT_NE(std::string(e.what()).find("/nonexistent/kafkaml-support-test"), std::string::npos) << e.what();
	}
	ProcessOptions not_in_path;
	not_in_path.argv = {"kafkaml-support-no-such-program"};
	EXPECT_THROW(ChildProcess{not_in_path}, std::runtime_error);
}

TEST(ChildProcess, FindsProgramsInPath) {
	ProcessOptions options;
	options.argv = {"echo", "found"};
	EXPECT_EQ(run(options).out, "found\n");
}

TEST(ChildProcess, WaitTimesOutAndLeavesTheProcessRunning) {
	ChildProcess process(shell("exec sleep 30"));
	auto start = std::chrono::steady_clock::now();
	EXPECT_EQ(process.wait(200ms), std::nullopt);
	auto waited = std::chrono::steady_clock::now() - start;
	EXPECT_GE(waited, 200ms);
	EXPECT_LT(waited, 10s);
	EXPECT_TRUE(running(process.pid()));
	EXPECT_EQ(process.try_wait(), std::nullopt);
	EXPECT_EQ(process.kill(), 128 + SIGKILL);
	EXPECT_EQ(process.try_wait(), 128 + SIGKILL);
}

TEST(ChildProcess, RunKillsWhatOutlivesItsTimeout) {
	auto start = std::chrono::steady_clock::now();
	auto result = run_shell("echo started; sleep 30", 300ms);
	EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
	EXPECT_TRUE(result.timed_out);
	EXPECT_EQ(result.status, 128 + SIGKILL);
	EXPECT_EQ(result.out, "started\n") << "what it printed before is kept";
}

TEST(ChildProcess, DestructionKillsTheWholeProcessGroup) {
	pid_t grandchild = -1;
	auto start = std::chrono::steady_clock::now();
	{
		// The background sleep holds the stdout pipe too: destruction must
		// neither leave it running nor wait for it.
		ChildProcess process(shell("sleep 300 & echo $!; wait"));
		auto line = process.first_line(30s);
		ASSERT_TRUE(line);
		grandchild = std::stoi(*line);
		ASSERT_TRUE(running(grandchild));
	}
	EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
	EXPECT_TRUE(stops_running_within(grandchild, 5s)) << "pid " << grandchild << " outlived its ChildProcess";
}

TEST(ChildProcess, ReapingKillsWhatTheProcessLeftInItsGroup) {
	ChildProcess process(shell("sleep 300 & echo $!"));
	auto line = process.first_line(30s);
	ASSERT_TRUE(line);
	EXPECT_EQ(process.wait(30s), 0);
	EXPECT_TRUE(stops_running_within(std::stoi(*line), 5s));
}

TEST(ChildProcess, TerminateSendsSigtermAndKillsAfterTheGrace) {
	ChildProcess polite(shell("exec sleep 30"));
	EXPECT_EQ(polite.terminate(10s), 128 + SIGTERM);

	ChildProcess stubborn(shell("trap '' TERM; echo ready; sleep 30"));
	ASSERT_EQ(stubborn.first_line(30s), "ready");
	auto start = std::chrono::steady_clock::now();
	EXPECT_EQ(stubborn.terminate(200ms), 128 + SIGKILL);
	EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
}

TEST(ChildProcess, SignalReachesTheProcess) {
	ChildProcess process(shell("trap 'echo got-usr1; exit 7' USR1; echo ready; while :; do sleep 0.05; done"));
	ASSERT_EQ(process.first_line(30s), "ready");
	process.signal(SIGUSR1);
	EXPECT_EQ(process.wait(30s), 7);
	EXPECT_EQ(process.out_lines(), (std::vector<std::string>{"ready", "got-usr1"}));
}

TEST(ChildProcess, TheChildDiesOfSigpipeThoughTheTestIgnoresIt) {
	// test_process_setup.cpp ignores SIGPIPE in the test; a shell that
	// starts with it ignored cannot take it back, and would survive this.
	auto result = run_shell("kill -PIPE $$; echo survived");
	EXPECT_EQ(result.status, 128 + SIGPIPE) << result.out;
}

TEST(ChildProcess, WaitForLinesSeesLinesAsTheyArrive) {
	ChildProcess process(shell("echo one; sleep 0.2; echo two; sleep 30"));
	EXPECT_TRUE(process.wait_for_lines([](const auto &lines) { return lines.size() == 2; }, 30s));
	EXPECT_EQ(process.out_lines(), (std::vector<std::string>{"one", "two"}));
	EXPECT_EQ(process.try_wait(), std::nullopt);
}

TEST(ChildProcess, WaitForLinesStopsWhenTheOutputEnds) {
	ChildProcess process(shell("printf 'a\\nb'"));
	auto start = std::chrono::steady_clock::now();
	EXPECT_FALSE(process.wait_for_lines([](const auto &lines) { return lines.size() > 2; }, 30s));
	EXPECT_LT(std::chrono::steady_clock::now() - start, 10s) << "it waited for the timeout instead of the end";
	EXPECT_EQ(process.out_lines(), (std::vector<std::string>{"a", "b"})) << "the unterminated last line counts";
}

TEST(ChildProcess, WaitForLinesPollsAFile) {
	TempDir dir("support");
	auto options = shell("sleep 0.1; echo address; sleep 30");
	options.out = Output::file(dir / "out.txt");
	ChildProcess process(options);
	EXPECT_EQ(process.first_line(30s), "address");
}

TEST(ChildProcess, FirstLineIsEmptyWhenTheProcessEndsWithoutOne) {
	ChildProcess process(shell("exit 1"));
	auto start = std::chrono::steady_clock::now();
	EXPECT_EQ(process.first_line(30s), std::nullopt);
	EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
	EXPECT_EQ(process.wait(30s), 1);

	ChildProcess silent(shell("exec sleep 30"));
	EXPECT_EQ(silent.first_line(100ms), std::nullopt) << "the timeout ends the wait too";
}

TEST(ChildProcess, RequiredFirstLineThrowsWithWhatTheProcessSaid) {
	auto options = shell("echo cannot listen >&2; exit 2");
	options.err = Output::capture();
	ChildProcess failing(options);
	try {
		failing.required_first_line(30s);
		ADD_FAILURE() << "no exception";
	} catch (const std::runtime_error &error) {
		std::string message = error.what();
		EXPECT_NE(message.find("/bin/sh ended with status 2"), std::string::npos) << message;
		EXPECT_NE(message.find("cannot listen"), std::string::npos) << message;
	}

	ChildProcess silent(shell("exec sleep 30"));
	EXPECT_THROW(silent.required_first_line(100ms), std::runtime_error);
	ChildProcess daemon(shell("echo 127.0.0.1:9092; exec sleep 30"));
	EXPECT_EQ(daemon.required_first_line(30s), "127.0.0.1:9092");
}

TEST(ChildProcess, ReadingFromAnotherThreadWhileWaiting) {
	ChildProcess process(shell("for i in 1 2 3 4 5; do echo $i; sleep 0.02; done"));
	std::thread reader([&] { EXPECT_TRUE(process.wait_for_lines([](const auto &l) { return l.size() == 5; }, 30s)); });
	EXPECT_EQ(process.wait(30s), 0);
	reader.join();
	EXPECT_EQ(process.out(), "1\n2\n3\n4\n5\n");
}

} // namespace
} // namespace kafkaml::testing
