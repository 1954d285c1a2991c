#include "sender/progress_bar.h"

#include <cstdio>
#include <unistd.h>

namespace kafkaml::sender {

ProgressBar::ProgressBar() : terminal_(isatty(STDERR_FILENO) != 0) {}

void ProgressBar::update(int64_t done, int64_t total) {
	if (!terminal_ || total == 0) {
		return;
	}
	int percent = static_cast<int>(done * 100 / total);
	if (percent == last_) {
		return;
	}
	last_ = percent;
	int filled = percent * 30 / 100;
	std::fprintf(stderr, "\r[%.*s%*s] %3d%% %lld/%lld", filled, "##############################", 30 - filled, "",
	             percent, static_cast<long long>(done), static_cast<long long>(total));
	if (done == total) {
		std::fputc('\n', stderr);
	}
}

} // namespace kafkaml::sender
