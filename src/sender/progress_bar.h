#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace kafkaml::sender {

//! The bar of `done` of `total` rows: "[#########      ]  30% 21/70", 30
//! characters wide, without the carriage return. Pure.
std::string progress_line(int64_t done, int64_t total);

//! The bar `kafkaml send` draws on stderr while it queues rows, redrawn
//! when the percentage moves; nothing when stderr is not a terminal (logs,
//! scripts). Thread: one thread.
class ProgressBar {
public:
	ProgressBar();
	//! Draws on `out` when `terminal`; for tests.
	ProgressBar(std::FILE *out, bool terminal);
	void update(int64_t done, int64_t total);

private:
	std::FILE *out_;
	bool terminal_;
	int last_ = -1;
};

} // namespace kafkaml::sender
