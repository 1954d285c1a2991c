#include "supervisor/runtime.h"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <csignal>
#include <fstream>
#include <iterator>
#include <string>
#include <sys/wait.h>
#include <thread>

namespace kafkaml::supervisor {
namespace {

//! Whether /proc says `pid` has ended but is not reaped yet (state Z).
bool is_zombie(pid_t pid) {
	std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
	std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
	auto close = stat.rfind(')');
	return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] == 'Z';
}

//! Whether an adopted process still runs. An adopted process is normally
//! not our child; when it is (the server restarted in-process), reap it here
//! so that its zombie does not count as alive.
bool pid_alive(pid_t pid) {
	if (pid <= 0) {
		return false;
	}
	::waitpid(pid, nullptr, WNOHANG);
	if (::kill(pid, 0) != 0 && errno == ESRCH) {
		return false;
	}
	// A zombie has ended: its parent (another server, or an init that does
	// not reap) has not collected it yet, which may take forever.
	return !is_zombie(pid);
}

//! SIGTERM, then SIGKILL after `grace`, to a process that is not our child:
//! we cannot reap it, only watch it go.
void terminate_not_ours(pid_t pid, std::chrono::milliseconds grace) {
	::kill(pid, SIGTERM);
	auto deadline = std::chrono::steady_clock::now() + grace;
	while (pid_alive(pid) && std::chrono::steady_clock::now() < deadline) {
		std::this_thread::sleep_for(std::chrono::milliseconds(10));
	}
	if (pid_alive(pid)) {
		::kill(pid, SIGKILL);
	}
}

constexpr std::chrono::seconds kAdoptionGrace{10};

class ChildInstance final : public JobInstance {
public:
	explicit ChildInstance(ChildProcess child) : child_(std::move(child)) {}
	pid_t pid() const override { return child_.pid(); }
	std::optional<int> try_wait() override { return child_.try_wait(); }
	int terminate(std::chrono::milliseconds grace) override { return child_.terminate(grace); }

private:
	ChildProcess child_;
};

//! A process an earlier server started: not ours to reap, so its exit
//! status is unknown (-1).
class AdoptedInstance final : public JobInstance {
public:
	explicit AdoptedInstance(pid_t pid) : pid_(pid) {}
	pid_t pid() const override { return pid_; }
	std::optional<int> try_wait() override { return pid_alive(pid_) ? std::nullopt : std::optional<int>(-1); }
	int terminate(std::chrono::milliseconds grace) override {
		terminate_not_ours(pid_, grace);
		return -1;
	}

private:
	pid_t pid_;
};

} // namespace

std::unique_ptr<JobInstance> ProcessRuntime::spawn(const std::string &, const ProcessSpec &spec) {
	return std::make_unique<ChildInstance>(ChildProcess::spawn(spec));
}

std::unique_ptr<JobInstance> ProcessRuntime::find(const std::string &job_id, std::optional<pid_t> pid,
                                                  const ProcessSpec &spec) {
	if (!pid) {
		return nullptr;
	}
	switch (match_process(*pid, spec)) {
	case ProcessMatch::gone:
	case ProcessMatch::other_program:
		return nullptr;
	case ProcessMatch::other_settings:
		// Ours, but started for another server or broker (the addresses
		// or the token changed since): taken over, it would run on without
		// reaching anything. It goes; the caller starts the job afresh.
		spdlog::info("supervisor: {} (pid {}) was started with other settings than this server's; replacing it", job_id,
		             *pid);
		terminate_not_ours(*pid, kAdoptionGrace);
		return nullptr;
	case ProcessMatch::same:
		break;
	}
	return std::make_unique<AdoptedInstance>(*pid);
}

} // namespace kafkaml::supervisor
