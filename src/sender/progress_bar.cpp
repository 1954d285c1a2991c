#include "sender/progress_bar.h"

#include <unistd.h>

namespace kafkaml::sender {
namespace {

constexpr int WIDTH = 30;

int percent_of(int64_t done, int64_t total) {
	return static_cast<int>(done * 100 / total);
}

} // namespace

std::string progress_line(int64_t done, int64_t total) {
	int percent = total == 0 ? 100 : percent_of(done, total);
	int filled = percent * WIDTH / 100;
	char numbers[64];
	std::snprintf(numbers, sizeof(numbers), "] %3d%% %lld/%lld", percent, static_cast<long long>(done),
	              static_cast<long long>(total));
	return "[" + std::string(filled, '#') + std::string(WIDTH - filled, ' ') + numbers;
}

ProgressBar::ProgressBar() : ProgressBar(stderr, isatty(STDERR_FILENO) != 0) {}

ProgressBar::ProgressBar(std::FILE *out, bool terminal) : out_(out), terminal_(terminal) {}

void ProgressBar::update(int64_t done, int64_t total) {
	if (!terminal_ || total == 0) {
		return;
	}
	int percent = percent_of(done, total);
	if (percent == last_) {
		return;
	}
	last_ = percent;
	std::fprintf(out_, "\r%s", progress_line(done, total).c_str());
	if (done == total) {
		std::fputc('\n', out_);
	}
}

} // namespace kafkaml::sender
