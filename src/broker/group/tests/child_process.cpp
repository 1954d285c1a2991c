#include "broker/group/tests/child_process.h"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

namespace kafkaml::broker::group::testing {

ChildProcess::ChildProcess(std::vector<std::string> argv) {
	int fds[2];
	if (::pipe2(fds, O_CLOEXEC) != 0) {
		throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
	}
	std::vector<char *> args;
	for (auto &a : argv) {
		args.push_back(a.data());
	}
	args.push_back(nullptr);
	pid_ = ::fork();
	if (pid_ < 0) {
		throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
	}
	if (pid_ == 0) {
		::dup2(fds[1], STDOUT_FILENO);
		::execvp(args[0], args.data());
		std::fprintf(stderr, "cannot run %s: %s\n", args[0], std::strerror(errno));
		::_exit(127);
	}
	::close(fds[1]);
	reader_ = std::thread([this, fd = fds[0]] { read_loop(fd); });
}

ChildProcess::~ChildProcess() {
	if (!exited_) {
		signal(SIGKILL);
		wait(std::chrono::seconds(10));
	}
	if (reader_.joinable()) {
		reader_.join();
	}
}

void ChildProcess::read_loop(int fd) {
	std::string partial;
	char buf[4096];
	for (;;) {
		ssize_t n = ::read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			break;
		}
		partial.append(buf, static_cast<size_t>(n));
		std::lock_guard lock(mutex_);
		size_t pos;
		while ((pos = partial.find('\n')) != std::string::npos) {
			lines_.push_back(partial.substr(0, pos));
			partial.erase(0, pos + 1);
		}
		changed_.notify_all();
	}
	::close(fd);
	std::lock_guard lock(mutex_);
	eof_ = true;
	changed_.notify_all();
}

bool ChildProcess::wait_lines(const std::function<bool(const std::vector<std::string> &)> &pred,
                              std::chrono::milliseconds timeout) {
	std::unique_lock lock(mutex_);
	return changed_.wait_for(lock, timeout, [&] { return pred(lines_) || eof_; }) && pred(lines_);
}

std::vector<std::string> ChildProcess::lines() {
	std::lock_guard lock(mutex_);
	return lines_;
}

void ChildProcess::signal(int sig) {
	if (!exited_ && pid_ > 0) {
		::kill(pid_, sig);
	}
}

int ChildProcess::wait(std::chrono::milliseconds timeout) {
	if (exited_) {
		return status_;
	}
	auto deadline = std::chrono::steady_clock::now() + timeout;
	for (;;) {
		int status = 0;
		pid_t r = ::waitpid(pid_, &status, WNOHANG);
		if (r == pid_) {
			exited_ = true;
			status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
			return status_;
		}
		if (std::chrono::steady_clock::now() >= deadline) {
			::kill(pid_, SIGKILL);
			deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
		}
		std::this_thread::sleep_for(std::chrono::milliseconds(20));
	}
}

} // namespace kafkaml::broker::group::testing
