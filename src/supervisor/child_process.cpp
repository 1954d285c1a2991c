#include "supervisor/child_process.h"

#include "common/process_exec.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <spawn.h>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char **environ;

namespace kafkaml::supervisor {
namespace {

std::string base_name(const std::string &path) {
	auto slash = path.rfind('/');
	return slash == std::string::npos ? path : path.substr(slash + 1);
}

} // namespace

ChildProcess ChildProcess::spawn(const ProcessSpec &spec) {
	if (spec.argv.empty()) {
		throw std::runtime_error("cannot start a process: empty command line");
	}
	std::vector<std::string> argv = spec.argv;
	std::vector<std::string> env;
	for (char **entry = environ; *entry; ++entry) {
		env.emplace_back(*entry);
	}
	env.insert(env.end(), spec.extra_env.begin(), spec.extra_env.end());
	auto argv_c = as_c_strings(argv);
	auto env_c = as_c_strings(env);

	posix_spawn_file_actions_t actions;
	posix_spawn_file_actions_init(&actions);
	constexpr int kAppend = O_WRONLY | O_CREAT | O_APPEND;
	if (!spec.log_path.empty()) {
		posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, spec.log_path.c_str(), kAppend, 0644);
		posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO);
	}
	if (!spec.stdout_path.empty()) {
		posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, spec.stdout_path.c_str(), kAppend, 0644);
	}
	posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	// Nothing of the server's but the three standard streams: a listening
	// socket left open in a job that outlives its server would keep a
	// server restarted on the same address from listening (and so from
	// adopting that job), and store files and connections are not the
	// job's to hold. Not every library marks its descriptors close-on-exec.
	posix_spawn_file_actions_addclosefrom_np(&actions, STDERR_FILENO + 1);
	posix_spawnattr_t attributes;
	posix_spawnattr_init(&attributes);
	// Own process group: a Ctrl-C meant for the server must not reach the
	// jobs directly; the server stops them in order (or leaves them running
	// for adoption after a crash).
	posix_spawnattr_setpgroup(&attributes, 0);
	sigset_t default_signals;
	sigemptyset(&default_signals);
	sigaddset(&default_signals, SIGPIPE);
	sigaddset(&default_signals, SIGTERM);
	sigaddset(&default_signals, SIGINT);
	posix_spawnattr_setsigdefault(&attributes, &default_signals);
	sigset_t no_signals;
	sigemptyset(&no_signals);
	posix_spawnattr_setsigmask(&attributes, &no_signals);
	posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

	pid_t pid = -1;
	int rc = posix_spawn(&pid, argv_c[0], &actions, &attributes, argv_c.data(), env_c.data());
	posix_spawn_file_actions_destroy(&actions);
	posix_spawnattr_destroy(&attributes);
	if (rc != 0) {
		throw std::runtime_error("cannot start '" + spec.argv[0] + "': " + std::strerror(rc));
	}
	return ChildProcess(pid);
}

ChildProcess::ChildProcess(ChildProcess &&other) noexcept : pid_(other.pid_), status_(other.status_) {
	other.pid_ = -1;
}

ChildProcess &ChildProcess::operator=(ChildProcess &&other) noexcept {
	pid_ = other.pid_;
	status_ = other.status_;
	other.pid_ = -1;
	return *this;
}

std::optional<int> ChildProcess::try_wait() {
	if (status_ || pid_ <= 0) {
		return status_;
	}
	int status = 0;
	pid_t reaped = ::waitpid(pid_, &status, WNOHANG);
	if (reaped == pid_) {
		status_ = decode_wait_status(status);
	} else if (reaped < 0 && errno == ECHILD) {
		status_ = 255; // reaped elsewhere; its status is lost
	}
	return status_;
}

int ChildProcess::terminate(std::chrono::milliseconds grace) {
	if (auto done = try_wait()) {
		return *done;
	}
	::kill(pid_, SIGTERM);
	auto deadline = std::chrono::steady_clock::now() + grace;
	while (std::chrono::steady_clock::now() < deadline) {
		if (auto done = try_wait()) {
			return *done;
		}
		std::this_thread::sleep_for(std::chrono::milliseconds(10));
	}
	::kill(pid_, SIGKILL);
	int status = 0;
	while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
	}
	status_ = decode_wait_status(status);
	return *status_;
}

std::string describe_exit(int exit_status) {
	if (exit_status < 0) {
		return "exit status unknown (a process adopted after a server restart)";
	}
	if (exit_status > 128) {
		int signal = exit_status - 128;
		const char *name = ::sigabbrev_np(signal);
		return "killed by signal " + std::to_string(signal) + (name ? std::string(" (SIG") + name + ")" : "");
	}
	return "exit status " + std::to_string(exit_status);
}

namespace {

//! The NUL-separated strings of a /proc file (cmdline, environ).
std::vector<std::string> proc_strings(pid_t pid, const char *file) {
	std::ifstream in("/proc/" + std::to_string(pid) + "/" + file, std::ios::binary);
	std::vector<std::string> out;
	for (std::string item; std::getline(in, item, '\0');) {
		out.push_back(std::move(item));
	}
	return out;
}

} // namespace

ProcessMatch match_process(pid_t pid, const ProcessSpec &spec) {
	// A process caught inside execve() shows an empty command line for a
	// moment; look again briefly before calling it a stranger.
	for (int attempt = 0; attempt < 50; ++attempt) {
		if (pid <= 0 || (::kill(pid, 0) != 0 && errno == ESRCH)) {
			return ProcessMatch::gone;
		}
		auto argv = proc_strings(pid, "cmdline");
		if (argv.empty() || argv[0].empty()) {
			std::this_thread::sleep_for(std::chrono::milliseconds(2));
			continue;
		}
		if (spec.argv.empty() || base_name(argv[0]) != base_name(spec.argv[0])) {
			return ProcessMatch::other_program;
		}
		if (!std::equal(argv.begin() + 1, argv.end(), spec.argv.begin() + 1, spec.argv.end())) {
			return ProcessMatch::other_settings;
		}
		auto environment = proc_strings(pid, "environ");
		for (const auto &entry : spec.extra_env) {
			if (std::find(environment.begin(), environment.end(), entry) == environment.end()) {
				return ProcessMatch::other_settings;
			}
		}
		return ProcessMatch::same;
	}
	return ProcessMatch::other_program;
}

} // namespace kafkaml::supervisor
