#include "support/child_process.h"

#include "common/process_exec.h"
#include "support/files.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace kafkaml::testing {

struct ChildProcess::Stream {
	Output output;
	int fd = -1; //!< read end of the pipe (capture only); owned by the reader thread once started
	std::string text;
	bool ended = false;
};

namespace {

//! How long a reaped process's pipe may stay open (a descendant outside the
//! group holds it) before the reader gives up on the rest.
constexpr auto kOutputDrainLimit = std::chrono::seconds(1);

std::vector<std::string> child_environment(const ProcessOptions &options) {
	auto replaced = [&](const std::string &entry) {
		auto name = entry.substr(0, entry.find('='));
		if (std::find(options.unset_env.begin(), options.unset_env.end(), name) != options.unset_env.end()) {
			return true;
		}
		return std::any_of(options.set_env.begin(), options.set_env.end(),
		                   [&](const auto &setting) { return setting.first == name; });
	};
	std::vector<std::string> env;
	for (char **entry = environ; *entry; ++entry) {
		if (!replaced(*entry)) {
			env.emplace_back(*entry);
		}
	}
	for (const auto &[name, value] : options.set_env) {
		env.push_back(name + "=" + value);
	}
	return env;
}

//! Closes the file descriptors and destroys the spawn objects of one start,
//! whichever way it ends.
struct SpawnSetup {
	posix_spawn_file_actions_t actions;
	posix_spawnattr_t attributes;
	std::vector<int> close_after;
	SpawnSetup() {
		posix_spawn_file_actions_init(&actions);
		posix_spawnattr_init(&attributes);
	}
	~SpawnSetup() {
		posix_spawn_file_actions_destroy(&actions);
		posix_spawnattr_destroy(&attributes);
		for (int fd : close_after) {
			::close(fd);
		}
	}
	SpawnSetup(const SpawnSetup &) = delete;
	SpawnSetup &operator=(const SpawnSetup &) = delete;
};

//! Sets up `target` (1 or 2) of the child; returns the parent's read end
//! for a captured stream, else -1.
int redirect(SpawnSetup &setup, int target, const Output &output) {
	switch (output.kind) {
	case Output::Kind::inherit:
		return -1;
	case Output::Kind::discard:
		posix_spawn_file_actions_addopen(&setup.actions, target, "/dev/null", O_WRONLY, 0);
		return -1;
	case Output::Kind::file:
		posix_spawn_file_actions_addopen(&setup.actions, target, output.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
		                                 0644);
		return -1;
	case Output::Kind::to_stdout:
		if (target != STDERR_FILENO) {
			throw std::invalid_argument("Output::to_stdout() is for stderr only");
		}
		posix_spawn_file_actions_adddup2(&setup.actions, STDOUT_FILENO, STDERR_FILENO);
		return -1;
	case Output::Kind::capture:
		break;
	}
	int fds[2];
	if (::pipe2(fds, O_CLOEXEC) != 0) {
		throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
	}
	// dup2 clears close-on-exec on the child's copy only.
	posix_spawn_file_actions_adddup2(&setup.actions, fds[1], target);
	setup.close_after.push_back(fds[1]);
	return fds[0];
}

std::vector<std::string> split_lines(const std::string &text, bool ended) {
	std::vector<std::string> lines;
	size_t start = 0;
	for (size_t newline; (newline = text.find('\n', start)) != std::string::npos; start = newline + 1) {
		lines.push_back(text.substr(start, newline - start));
	}
	if (ended && start < text.size()) {
		lines.push_back(text.substr(start));
	}
	return lines;
}

} // namespace

ChildProcess::ChildProcess(ProcessOptions options)
    : out_(std::make_unique<Stream>(Stream{options.out})), err_(std::make_unique<Stream>(Stream{options.err})) {
	if (options.argv.empty()) {
		throw std::invalid_argument("ChildProcess: empty argv");
	}
	program_ = options.argv[0];
	SpawnSetup setup;
	posix_spawn_file_actions_addopen(&setup.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	try {
		out_->fd = redirect(setup, STDOUT_FILENO, options.out);
		err_->fd = redirect(setup, STDERR_FILENO, options.err);
	} catch (...) {
		for (int fd : {out_->fd, err_->fd}) {
			if (fd >= 0) {
				::close(fd);
			}
		}
		throw;
	}
	if (!options.working_dir.empty()) {
		posix_spawn_file_actions_addchdir_np(&setup.actions, options.working_dir.c_str());
	}
	// Its own process group, so that kill() reaches what it starts; the
	// test process ignores SIGPIPE (test_process_setup.cpp), a child must not
	// inherit that.
	sigset_t default_signals;
	sigemptyset(&default_signals);
	for (int sig : {SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGCHLD}) {
		sigaddset(&default_signals, sig);
	}
	sigset_t no_signals;
	sigemptyset(&no_signals);
	posix_spawnattr_setpgroup(&setup.attributes, 0);
	posix_spawnattr_setsigdefault(&setup.attributes, &default_signals);
	posix_spawnattr_setsigmask(&setup.attributes, &no_signals);
	posix_spawnattr_setflags(&setup.attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

	auto argv = options.argv;
	auto env = child_environment(options);
	auto argv_c = as_c_strings(argv);
	auto env_c = as_c_strings(env);
	bool search_path = options.argv[0].find('/') == std::string::npos;
	int rc = search_path
	             ? ::posix_spawnp(&pid_, argv_c[0], &setup.actions, &setup.attributes, argv_c.data(), env_c.data())
	             : ::posix_spawn(&pid_, argv_c[0], &setup.actions, &setup.attributes, argv_c.data(), env_c.data());
	if (rc != 0) {
		for (int fd : {out_->fd, err_->fd}) {
			if (fd >= 0) {
				::close(fd);
			}
		}
		throw std::runtime_error("cannot start " + options.argv[0] + ": " + std::strerror(rc));
	}
	if (out_->fd < 0 && err_->fd < 0) {
		return;
	}
	int wake[2];
	if (::pipe2(wake, O_CLOEXEC) != 0) {
		::kill(-pid_, SIGKILL);
		::waitpid(pid_, nullptr, 0);
		throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
	}
	wake_read_ = wake[0];
	wake_write_ = wake[1];
	reader_ = std::thread([this] { read_loop(); });
}

ChildProcess::~ChildProcess() {
	{
		std::unique_lock lock(mutex_);
		reap(lock);
		stop_reading_ = true;
	}
	if (reader_.joinable()) {
		(void)!::write(wake_write_, "x", 1);
		reader_.join();
	}
	for (int fd : {wake_read_, wake_write_}) {
		if (fd >= 0) {
			::close(fd);
		}
	}
}

void ChildProcess::read_loop() {
	Stream *streams[] = {out_.get(), err_.get()};
	auto read_some = [&](Stream &stream) {
		char buffer[8192];
		ssize_t n = ::read(stream.fd, buffer, sizeof buffer);
		if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
			return n;
		}
		std::lock_guard lock(mutex_);
		if (n > 0) {
			stream.text.append(buffer, static_cast<size_t>(n));
		} else {
			::close(stream.fd);
			stream.fd = -1;
			stream.ended = true;
		}
		changed_.notify_all();
		return n;
	};
	for (;;) {
		std::vector<pollfd> fds = {{wake_read_, POLLIN, 0}};
		for (Stream *stream : streams) {
			if (stream->fd >= 0) {
				fds.push_back({stream->fd, POLLIN, 0});
			}
		}
		if (fds.size() == 1) {
			return;
		}
		if (::poll(fds.data(), fds.size(), -1) < 0) {
			continue; // EINTR
		}
		for (Stream *stream : streams) {
			for (size_t i = 1; i < fds.size(); i++) {
				if (fds[i].fd == stream->fd && fds[i].revents) {
					read_some(*stream);
				}
			}
		}
		if (fds[0].revents) {
			// Stopping: keep what is already in the pipes, then let go of them.
			for (Stream *stream : streams) {
				if (stream->fd >= 0) {
					::fcntl(stream->fd, F_SETFL, O_NONBLOCK);
					while (stream->fd >= 0 && read_some(*stream) > 0) {
					}
					if (stream->fd >= 0) {
						std::lock_guard lock(mutex_);
						::close(stream->fd);
						stream->fd = -1;
						stream->ended = true;
						changed_.notify_all();
					}
				}
			}
			return;
		}
	}
}

bool ChildProcess::leader_exited() const {
	siginfo_t info{};
	return ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid_;
}

int ChildProcess::reap(std::unique_lock<std::mutex> &lock) {
	if (status_) {
		return *status_;
	}
	// The leader, even as a zombie, keeps the group id from being reused:
	// kill the group before reaping it.
	::kill(-pid_, SIGKILL);
	int status = 0;
	pid_t reaped;
	while ((reaped = ::waitpid(pid_, &status, 0)) < 0 && errno == EINTR) {
	}
	status_ = reaped == pid_ ? decode_wait_status(status) : 255;
	changed_.notify_all();
	// Every writer in the group is gone; a descendant that left the group may
	// still hold a pipe, and is not waited for long.
	changed_.wait_for(lock, kOutputDrainLimit, [&] {
		return (out_->output.kind != Output::Kind::capture || out_->ended) &&
		       (err_->output.kind != Output::Kind::capture || err_->ended);
	});
	if (reader_.joinable() && !stop_reading_) {
		stop_reading_ = true;
		(void)!::write(wake_write_, "x", 1);
	}
	return *status_;
}

std::optional<int> ChildProcess::try_wait() {
	std::unique_lock lock(mutex_);
	if (status_ || !leader_exited()) {
		return status_;
	}
	return reap(lock);
}

std::optional<int> ChildProcess::wait(std::chrono::milliseconds timeout) {
	auto deadline = std::chrono::steady_clock::now() + timeout;
	for (;;) {
		if (auto status = try_wait()) {
			return status;
		}
		if (std::chrono::steady_clock::now() >= deadline) {
			return std::nullopt;
		}
		std::this_thread::sleep_for(std::chrono::milliseconds(10));
	}
}

void ChildProcess::signal(int signal) {
	std::lock_guard lock(mutex_);
	if (!status_) {
		::kill(pid_, signal);
	}
}

int ChildProcess::terminate(std::chrono::milliseconds grace) {
	signal(SIGTERM);
	if (auto status = wait(grace)) {
		return *status;
	}
	return kill();
}

int ChildProcess::kill() {
	std::unique_lock lock(mutex_);
	return reap(lock);
}

std::string ChildProcess::text_of(const Stream &stream) const {
	switch (stream.output.kind) {
	case Output::Kind::capture:
		return stream.text;
	case Output::Kind::file:
		return read_file(stream.output.path);
	default:
		return "";
	}
}

bool ChildProcess::stream_ended(const Stream &stream) const {
	if (stream.output.kind == Output::Kind::capture) {
		return stream.ended;
	}
	return status_ || leader_exited();
}

std::string ChildProcess::out() const {
	std::lock_guard lock(mutex_);
	return text_of(*out_);
}

std::string ChildProcess::err() const {
	std::lock_guard lock(mutex_);
	return text_of(*err_);
}

std::vector<std::string> ChildProcess::out_lines() const {
	std::lock_guard lock(mutex_);
	return split_lines(text_of(*out_), stream_ended(*out_));
}

bool ChildProcess::wait_for_lines(const std::function<bool(const std::vector<std::string> &)> &done,
                                  std::chrono::milliseconds timeout) {
	auto deadline = std::chrono::steady_clock::now() + timeout;
	std::unique_lock lock(mutex_);
	for (;;) {
		// Ended is read before the text: what follows the end is all there is.
		bool ended = stream_ended(*out_);
		auto lines = split_lines(text_of(*out_), ended);
		lock.unlock();
		if (done(lines)) {
			return true;
		}
		if (ended || std::chrono::steady_clock::now() >= deadline) {
			return false;
		}
		lock.lock();
		// A captured stream signals each change; a file is polled.
		changed_.wait_until(lock, std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(20)));
	}
}

std::optional<std::string> ChildProcess::first_line(std::chrono::milliseconds timeout) {
	std::optional<std::string> line;
	wait_for_lines(
	    [&](const std::vector<std::string> &lines) {
		    if (!lines.empty()) {
			    line = lines.front();
		    }
		    return line.has_value();
	    },
	    timeout);
	return line;
}

std::string ChildProcess::required_first_line(std::chrono::milliseconds timeout) {
	if (auto line = first_line(timeout)) {
		return *line;
	}
	// Output that ended means the process is ending: give it a moment to be reaped.
	auto status = wait(std::chrono::seconds(1));
	std::string what = status ? "ended with status " + std::to_string(*status) + " before printing a line"
	                          : "printed no line in " + std::to_string(timeout.count()) + " ms";
	auto said = err();
	throw std::runtime_error(program_ + " " + what + (said.empty() ? "" : "; its stderr:\n" + said));
}

RunResult run(ProcessOptions options, std::chrono::milliseconds timeout) {
	ChildProcess process(std::move(options));
	RunResult result;
	auto status = process.wait(timeout);
	result.timed_out = !status;
	result.status = status ? *status : process.kill();
	result.out = process.out();
	result.err = process.err();
	return result;
}

RunResult run_shell(const std::string &command, std::chrono::milliseconds timeout) {
	ProcessOptions options;
	options.argv = {"/bin/sh", "-c", command};
	options.err = Output::capture();
	return run(std::move(options), timeout);
}

} // namespace kafkaml::testing
