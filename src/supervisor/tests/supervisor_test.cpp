#include "supervisor/supervisor.h"

#include "support/files.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <fcntl.h>
#include <mutex>
#include <thread>
#include <unistd.h>

namespace kafkaml::supervisor {
namespace {

using namespace std::chrono_literals;

//! Records events; waits for a predicate over them.
class EventLog {
public:
	void operator()(const JobEvent &event) {
		std::lock_guard lock(mutex_);
		events_.push_back(event);
	}
	int count(JobEventKind kind) {
		std::lock_guard lock(mutex_);
		return static_cast<int>(std::count_if(events_.begin(), events_.end(), [&](auto &e) { return e.kind == kind; }));
	}
	bool wait_count(JobEventKind kind, int n, std::chrono::milliseconds timeout = 10s) {
		auto deadline = std::chrono::steady_clock::now() + timeout;
		while (std::chrono::steady_clock::now() < deadline) {
			if (count(kind) >= n) {
				return true;
			}
			std::this_thread::sleep_for(5ms);
		}
		return false;
	}
	std::vector<JobEvent> events() {
		std::lock_guard lock(mutex_);
		return events_;
	}

private:
	std::mutex mutex_;
	std::vector<JobEvent> events_;
};

RestartPolicy fast_policy() {
	RestartPolicy policy;
	policy.initial_backoff = 20ms;
	policy.max_backoff = 80ms;
	policy.poll_interval = 5ms;
	return policy;
}

ProcessSpec shell(const std::string &script, const std::string &log = "") {
	return ProcessSpec{{"/bin/sh", "-c", script}, {}, log};
}

using kafkaml::testing::read_file;

bool wait_for_text(const std::string &path, const std::string &needle) {
	auto deadline = std::chrono::steady_clock::now() + 10s;
	while (std::chrono::steady_clock::now() < deadline) {
		if (read_file(path).find(needle) != std::string::npos) {
			return true;
		}
		std::this_thread::sleep_for(5ms);
	}
	return false;
}

TEST(Supervisor, JobExitingZeroCompletesAndIsNotRestarted) {
	EventLog log;
	Supervisor supervisor(fast_policy(), std::ref(log));
	supervisor.start("ok", shell("exit 0"));
	ASSERT_TRUE(log.wait_count(JobEventKind::completed, 1));
	std::this_thread::sleep_for(100ms);
	EXPECT_EQ(log.count(JobEventKind::started), 1);
	EXPECT_TRUE(supervisor.job_ids().empty());
}

TEST(Supervisor, CrashingJobIsRestartedWithGrowingBackoff) {
	EventLog log;
	Supervisor supervisor(fast_policy(), std::ref(log));
	supervisor.start("crash", shell("exit 3"));
	ASSERT_TRUE(log.wait_count(JobEventKind::crashed, 4));
	supervisor.stop("crash", 1s);
	auto events = log.events();
	std::vector<std::chrono::milliseconds> backoffs;
	for (const auto &e : events) {
		if (e.kind == JobEventKind::crashed) {
			EXPECT_EQ(e.exit_status, 3);
			backoffs.push_back(e.next_restart_in);
		}
	}
	EXPECT_EQ(backoffs[0], 20ms);
	EXPECT_EQ(backoffs[1], 40ms);
	EXPECT_EQ(backoffs[2], 80ms);
	EXPECT_EQ(backoffs[3], 80ms); // capped
	EXPECT_GE(log.count(JobEventKind::started), 4);
}

TEST(Supervisor, ACrashLoopIsGivenUpAfterTheLimit) {
	EventLog log;
	auto policy = fast_policy();
	policy.crash_loop_limit = 3;
	Supervisor supervisor(policy, std::ref(log));
	supervisor.start("loop", shell("exit 3"));
	ASSERT_TRUE(log.wait_count(JobEventKind::gave_up, 1));
	std::this_thread::sleep_for(200ms);
	EXPECT_EQ(log.count(JobEventKind::crashed), 2);
	EXPECT_EQ(log.count(JobEventKind::started), 3) << "the first start and two restarts";
	EXPECT_EQ(log.count(JobEventKind::gave_up), 1);
	EXPECT_EQ(log.events().back().exit_status, 3);
	EXPECT_TRUE(supervisor.job_ids().empty());
	EXPECT_EQ(describe_exit(3), "exit status 3");
	EXPECT_EQ(describe_exit(128 + SIGKILL), "killed by signal 9 (SIGKILL)");
}

TEST(Supervisor, StopTerminatesPromptlyAndPreventsRestart) {
	EventLog log;
	Supervisor supervisor(fast_policy(), std::ref(log));
	supervisor.start("sleeper", shell("exec sleep 30"));
	auto pid = supervisor.pid("sleeper");
	ASSERT_TRUE(pid);
	auto begin = std::chrono::steady_clock::now();
	EXPECT_TRUE(supervisor.stop("sleeper", 5s));
	EXPECT_LT(std::chrono::steady_clock::now() - begin, 2s);
	EXPECT_NE(::kill(*pid, 0), 0);
	std::this_thread::sleep_for(100ms);
	EXPECT_EQ(log.count(JobEventKind::started), 1);
	EXPECT_EQ(log.count(JobEventKind::stopped), 1);
	EXPECT_EQ(log.events().back().exit_status, 128 + SIGTERM);
	EXPECT_FALSE(supervisor.stop("sleeper"));
}

TEST(Supervisor, KilledJobIsRestartedAndOutputIsLogged) {
	kafkaml::testing::TempDir dir("supervisor");
	auto log_path = dir.string() + "/job.log";
	EventLog log;
	Supervisor supervisor(fast_policy(), std::ref(log));
	supervisor.start("worker", shell("echo run-$$; exec sleep 30", log_path));
	auto first = supervisor.pid("worker");
	ASSERT_TRUE(first);
	ASSERT_TRUE(wait_for_text(log_path, "run-" + std::to_string(*first)));
	::kill(*first, SIGKILL);
	ASSERT_TRUE(log.wait_count(JobEventKind::started, 2));
	auto second = supervisor.pid("worker");
	ASSERT_TRUE(second);
	EXPECT_NE(*first, *second);
	EXPECT_TRUE(wait_for_text(log_path, "run-" + std::to_string(*second))) << read_file(log_path);
	supervisor.stop_all(1s);
}

TEST(Supervisor, AdoptsALiveProcessAndRestartsItWhenItDies) {
	// An "earlier server": a child of this process that the supervisor did
	// not start.
	auto earlier = ChildProcess::spawn(ProcessSpec{{"/bin/sleep", "30"}, {}, ""});
	EventLog log;
	Supervisor supervisor(fast_policy(), std::ref(log));
	EXPECT_FALSE(supervisor.adopt("other", earlier.pid(), ProcessSpec{{"/usr/bin/python3"}, {}, ""}));
	ASSERT_TRUE(supervisor.adopt("job", earlier.pid(), ProcessSpec{{"/bin/sleep", "30"}, {}, ""}));
	EXPECT_EQ(supervisor.pid("job"), earlier.pid());
	earlier.terminate(1s); // reaped here, so the supervisor sees it vanish
	ASSERT_TRUE(log.wait_count(JobEventKind::crashed, 1));
	ASSERT_TRUE(log.wait_count(JobEventKind::started, 1));
	auto restarted = supervisor.pid("job");
	ASSERT_TRUE(restarted);
	EXPECT_NE(*restarted, earlier.pid());
	supervisor.stop_all(1s);
}

TEST(Supervisor, AProcessStartedWithOtherSettingsIsReplacedNotAdopted) {
	// An earlier server started the job with other arguments (its --server
	// and --bootstrap-servers) or another token: taken over, it would run on
	// unable to reach anything. It is stopped and not adopted.
	auto earlier = ChildProcess::spawn(ProcessSpec{{"/bin/sleep", "30"}, {"KAFKAML_TOKEN=old"}, ""});
	EventLog log;
	Supervisor supervisor(fast_policy(), std::ref(log));
	EXPECT_EQ(match_process(earlier.pid(), ProcessSpec{{"/bin/sleep", "30"}, {"KAFKAML_TOKEN=old"}, ""}),
	          ProcessMatch::same);
	EXPECT_EQ(match_process(earlier.pid(), ProcessSpec{{"/bin/sleep", "31"}, {}, ""}), ProcessMatch::other_settings);
	EXPECT_EQ(match_process(earlier.pid(), ProcessSpec{{"/bin/sleep", "30", "x"}, {}, ""}),
	          ProcessMatch::other_settings);
	EXPECT_EQ(match_process(earlier.pid(), ProcessSpec{{"/bin/sleep", "30"}, {"KAFKAML_TOKEN=new"}, ""}),
	          ProcessMatch::other_settings);
	EXPECT_EQ(match_process(earlier.pid(), ProcessSpec{{"/usr/bin/python3", "30"}, {}, ""}),
	          ProcessMatch::other_program);
	EXPECT_FALSE(supervisor.adopt("job", earlier.pid(), ProcessSpec{{"/bin/sleep", "31"}, {}, ""}));
	EXPECT_FALSE(supervisor.pid("job"));
	// It was told to go (and, being our child here, reaped by the watch).
	EXPECT_EQ(match_process(earlier.pid(), ProcessSpec{{"/bin/sleep", "30"}, {}, ""}), ProcessMatch::gone)
	    << "the process started with other settings still runs";
}

TEST(Supervisor, AJobTheDoneCheckCallsDoneCompletesWhateverItsExitStatus) {
	std::atomic<bool> done{false};
	EventLog log;
	Supervisor supervisor(fast_policy(), std::ref(log), [&](const std::string &id) { return id == "job" && done; });
	// Adopted: its exit status is not ours to see.
	auto earlier = ChildProcess::spawn(ProcessSpec{{"/bin/sleep", "30"}, {}, ""});
	ASSERT_TRUE(supervisor.adopt("job", earlier.pid(), ProcessSpec{{"/bin/sleep", "30"}, {}, ""}));
	done = true;
	earlier.terminate(1s);
	ASSERT_TRUE(log.wait_count(JobEventKind::completed, 1));
	std::this_thread::sleep_for(100ms);
	EXPECT_EQ(log.count(JobEventKind::started), 0) << "restarted although done";
	EXPECT_EQ(log.count(JobEventKind::crashed), 0);
	EXPECT_TRUE(supervisor.job_ids().empty());
	// Ours, exiting non-zero after it reported its end.
	supervisor.start("job", shell("exit 3"));
	ASSERT_TRUE(log.wait_count(JobEventKind::completed, 2));
	EXPECT_EQ(log.events().back().exit_status, 3);
	std::this_thread::sleep_for(100ms);
	EXPECT_EQ(log.count(JobEventKind::started), 1);
	EXPECT_TRUE(supervisor.job_ids().empty());
}

TEST(Supervisor, AJobThatEndsAtOnceStillReportsItsStartFirst) {
	// start() delivers "started" on the caller's thread; a job that exits at
	// once must not have its "completed" delivered by the monitor before it,
	// even when the caller's thread is slow to get there.
	EventLog log;
	Supervisor supervisor(fast_policy(), [&](const JobEvent &event) {
		if (event.kind == JobEventKind::started) {
			std::this_thread::sleep_for(200ms); // ~40 monitor rounds
		}
		log(event);
	});
	supervisor.start("quick", shell("exit 0"));
	ASSERT_TRUE(log.wait_count(JobEventKind::completed, 1));
	auto events = log.events();
	ASSERT_EQ(events.size(), 2u);
	EXPECT_EQ(events[0].kind, JobEventKind::started);
	EXPECT_EQ(events[1].kind, JobEventKind::completed);
}

TEST(Supervisor, AJobHoldsNoneOfTheServersDescriptors) {
	// One opened without close-on-exec, as a listening socket or a store
	// file of some library may be.
	int inherited = ::open("/dev/null", O_RDONLY);
	ASSERT_GE(inherited, 3);
	auto fd = std::to_string(inherited);
	auto child =
	    ChildProcess::spawn(shell("test -e /proc/$$/fd/" + fd + " && exit 3; test -e /proc/$$/fd/2 || exit 4"));
	int status = -1;
	for (int i = 0; i < 1000; ++i) {
		if (auto ended = child.try_wait()) {
			status = *ended;
			break;
		}
		std::this_thread::sleep_for(5ms);
	}
	::close(inherited);
	EXPECT_EQ(status, 0) << (status == 3 ? "descriptor " + fd + " was inherited" : describe_exit(status));
}

TEST(Supervisor, StartOfMissingExecutableSaysWhich) {
	Supervisor supervisor(fast_policy(), nullptr);
	try {
		supervisor.start("bad", ProcessSpec{{"/nonexistent/kafkaml-worker"}, {}, ""});
		FAIL() << "expected an error";
	} catch (const std::runtime_error &e) {
		EXPECT_NE(std::string(e.what()).find("/nonexistent/kafkaml-worker"), std::string::npos);
	}
}

} // namespace
} // namespace kafkaml::supervisor
