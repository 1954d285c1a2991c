#include "sender/progress_bar.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>

namespace kafkaml::sender {
namespace {

TEST(ProgressLine, ThirtyCharactersFilledByThePercentage) {
	EXPECT_EQ(progress_line(0, 70), "[" + std::string(30, ' ') + "]   0% 0/70");
	EXPECT_EQ(progress_line(21, 70), "[" + std::string(9, '#') + std::string(21, ' ') + "]  30% 21/70");
	EXPECT_EQ(progress_line(69, 70), "[" + std::string(29, '#') + " ]  98% 69/70");
	EXPECT_EQ(progress_line(70, 70), "[" + std::string(30, '#') + "] 100% 70/70");
}

//! What a ProgressBar drew on a file, after `updates` of `total`.
std::string drawn(bool terminal, int64_t total, int64_t updates) {
	std::unique_ptr<std::FILE, int (*)(std::FILE *)> file(std::tmpfile(), &std::fclose);
	EXPECT_NE(file, nullptr);
	ProgressBar bar(file.get(), terminal);
	for (int64_t done = 1; done <= updates; done++) {
		bar.update(done, total);
	}
	std::fflush(file.get());
	std::rewind(file.get());
	std::string text;
	for (int c = std::fgetc(file.get()); c != EOF; c = std::fgetc(file.get())) {
		text.push_back(static_cast<char>(c));
	}
	return text;
}

TEST(ProgressBar, RedrawsWhenThePercentageMovesAndEndsTheLine) {
	// 400 rows: every 4th update moves the percentage.
	auto text = drawn(true, 400, 400);
	size_t redraws = 0;
	for (char c : text) {
		redraws += c == '\r';
	}
	EXPECT_EQ(redraws, 101u); // 0% to 100%
	EXPECT_EQ(text.substr(0, 2), "\r[");
	EXPECT_EQ(text.substr(text.size() - 15), "] 100% 400/400\n");
	// Unfinished: the line stays open.
	EXPECT_NE(drawn(true, 400, 10).back(), '\n');
}

TEST(ProgressBar, DrawsNothingOffATerminalOrForNoRows) {
	EXPECT_EQ(drawn(false, 10, 10), "");
	EXPECT_EQ(drawn(true, 0, 3), "");
}

} // namespace
} // namespace kafkaml::sender
