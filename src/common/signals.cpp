#include "common/signals.h"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <mutex>
#include <poll.h>
#include <unistd.h>

namespace kafkaml {
namespace {

std::atomic<bool> g_requested{false};
int g_pipe[2] = {-1, -1};
std::once_flag g_once;

void make_pipe() {
	if (::pipe2(g_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
		g_pipe[0] = g_pipe[1] = -1;
	}
}

void on_signal(int) {
	int saved = errno;
	ShutdownSignal::request();
	errno = saved;
}

} // namespace

void ShutdownSignal::install() {
	std::call_once(g_once, make_pipe);
	struct sigaction action {};
	action.sa_handler = on_signal;
	sigemptyset(&action.sa_mask);
	::sigaction(SIGINT, &action, nullptr);
	::sigaction(SIGTERM, &action, nullptr);
	::signal(SIGPIPE, SIG_IGN);
}

bool ShutdownSignal::requested() {
	return g_requested.load(std::memory_order_acquire);
}

void ShutdownSignal::request() {
	g_requested.store(true, std::memory_order_release);
	if (g_pipe[1] >= 0) {
		char byte = 1;
		[[maybe_unused]] auto written = ::write(g_pipe[1], &byte, 1);
	}
}

bool ShutdownSignal::wait_for(std::chrono::milliseconds timeout) {
	std::call_once(g_once, make_pipe);
	if (requested()) {
		return true;
	}
	pollfd pfd{g_pipe[0], POLLIN, 0};
	::poll(&pfd, 1, static_cast<int>(timeout.count()));
	return requested();
}

int ShutdownSignal::fd() {
	std::call_once(g_once, make_pipe);
	return g_pipe[0];
}

} // namespace kafkaml
