#include "executors/local_executor.h"

#include "executors/tests/executor_test_support.h"
#include "store/coordination.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sys/wait.h>
#include <thread>

namespace kafkaml::executors {
namespace {

using namespace std::chrono_literals;

//! The executor runs `/bin/sh -c 'while :; do sleep 0.2; done' sh <args>`, a
//! stand-in that lives like a job and takes its command line.
class LocalExecutorTest : public ::testing::Test {
protected:
	void SetUp() override {
		db = store::open_store("sqlite:" + dir.string() + "/kafkaml.db");
		config.kafkaml_binary = "/bin/sh";
		config.extra_args = {"-c", "while :; do sleep 0.2; done", "sh"};
		config.server_url = "http://127.0.0.1:1";
		config.bootstrap_servers = "127.0.0.1:1";
		config.log_dir = dir.string() + "/logs";
		config.restart_policy.initial_backoff = 20ms;
		config.restart_policy.poll_interval = 5ms;
	}
	void TearDown() override {
		if (executor) {
			executor->stop_all();
		}
	}

	std::vector<store::Job> jobs() { return db->list_jobs(); }

	store::Result stored_result(store::ResultStatus status) { return testing::stored_result(*db, status); }

	static bool alive(pid_t pid) { return ::kill(pid, 0) == 0; }
	static store::Inference one_replica(int64_t id) {
		store::Inference inference;
		inference.id = id;
		inference.replicas = 1;
		return inference;
	}

	//! Whether `pid` ends within the wait of `eventually`, reaped here: we
	//! are the "init" of these test jobs.
	static bool ends(pid_t pid) {
		return eventually([pid] {
			::waitpid(pid, nullptr, WNOHANG);
			return !alive(pid);
		});
	}

	static bool eventually(const std::function<bool()> &condition) { return testing::eventually(condition); }

	// First, so that it is removed after the executor and the store are gone.
	kafkaml::testing::TempDir dir{"executor"};
	std::unique_ptr<store::Store> db;
	LocalExecutorConfig config;
	std::unique_ptr<LocalExecutor> executor;
};

TEST_F(LocalExecutorTest, TrainingJobRunsRecordedAndStops) {
	executor = std::make_unique<LocalExecutor>(*db, config);
	store::Result result;
	result.id = 7;
	executor->start_training(result);
	auto pid = executor->pid_of("train-7");
	ASSERT_TRUE(pid);
	EXPECT_TRUE(alive(*pid));
	auto recorded = jobs();
	ASSERT_EQ(recorded.size(), 1u);
	EXPECT_EQ(recorded[0].kind, store::JobKind::Training);
	EXPECT_EQ(recorded[0].owner, 7);
	EXPECT_EQ(recorded[0].pid, *pid);

	executor->stop(store::JobKind::Training, 7);
	EXPECT_FALSE(executor->pid_of("train-7"));
	EXPECT_TRUE(eventually([&] { return !alive(*pid); }));
	EXPECT_TRUE(jobs().empty());
}

TEST_F(LocalExecutorTest, InferenceReplicasScaleUpAndDown) {
	executor = std::make_unique<LocalExecutor>(*db, config);
	store::Inference inference;
	inference.id = 4;
	inference.replicas = 2;
	executor->start_inference(inference);
	EXPECT_EQ(executor->running_jobs(), (std::vector<std::string>{"infer-4-0", "infer-4-1"}));
	executor->scale(4, 3);
	EXPECT_EQ(executor->running_jobs().size(), 3u);
	EXPECT_EQ(jobs().size(), 3u);
	executor->scale(4, 1);
	EXPECT_EQ(executor->running_jobs(), (std::vector<std::string>{"infer-4-0"}));
	EXPECT_EQ(jobs().size(), 1u);
}

TEST_F(LocalExecutorTest, CrashedJobIsRestartedAndItsRecordFollows) {
	executor = std::make_unique<LocalExecutor>(*db, config);
	store::Result result;
	result.id = 9;
	executor->start_training(result);
	auto first = *executor->pid_of("train-9");
	::kill(first, SIGKILL);
	ASSERT_TRUE(eventually([&] {
		auto pid = executor->pid_of("train-9");
		return pid && *pid != first;
	}));
	auto second = *executor->pid_of("train-9");
	ASSERT_TRUE(eventually([&] {
		auto recorded = jobs();
		return recorded.size() == 1 && recorded[0].pid == second && recorded[0].restarts == 1;
	}));
}

// What another server of the store asks for lands in the job records
// (src/server/orchestrator.h); reconcile() makes it so.
TEST_F(LocalExecutorTest, ReconcileStartsTheJobsAskedForAndStopsThoseNoLongerAsked) {
	executor = std::make_unique<LocalExecutor>(*db, config);
	auto inference = one_replica(5);
	executor->start_inference(inference);
	auto kept = *executor->pid_of("infer-5-0");

	store::Coordination other_server("sqlite:" + dir.string() + "/kafkaml.db");
	store::Job asked;
	asked.kind = store::JobKind::Inference;
	asked.owner = 5;
	asked.replica = 1;
	ASSERT_TRUE(other_server.add_job_if_absent(asked));
	asked.kind = store::JobKind::Training;
	asked.owner = 8;
	asked.replica = 0;
	ASSERT_TRUE(other_server.add_job_if_absent(asked));
	EXPECT_EQ(executor->reconcile(), 3u);
	EXPECT_EQ(executor->running_jobs(), (std::vector<std::string>{"infer-5-0", "infer-5-1", "train-8"}));
	EXPECT_EQ(executor->pid_of("infer-5-0"), kept) << "what ran already is left alone";
	for (const auto &job : jobs()) {
		EXPECT_TRUE(job.pid) << "train/infer " << job.owner << "-" << job.replica << " has its pid recorded";
	}

	auto stopped = *executor->pid_of("train-8");
	for (const auto &job : jobs()) {
		if (job.kind == store::JobKind::Training) {
			db->delete_job(job.id); // stopped through another server
		}
	}
	EXPECT_EQ(executor->reconcile(), 2u);
	EXPECT_FALSE(executor->pid_of("train-8"));
	EXPECT_TRUE(ends(stopped));
	EXPECT_EQ(executor->reconcile(), 2u) << "nothing changes when nothing was asked";
	EXPECT_EQ(executor->pid_of("infer-5-0"), kept);
}

TEST_F(LocalExecutorTest, ARestartedServerAdoptsLiveJobsAndRestartsDeadOnes) {
	executor = std::make_unique<LocalExecutor>(*db, config);
	store::Result result;
	result.id = 1;
	executor->start_training(result);
	auto inference = one_replica(2);
	executor->start_inference(inference);
	auto training_pid = *executor->pid_of("train-1");
	auto replica_pid = *executor->pid_of("infer-2-0");
	executor.reset(); // the server goes away; its jobs stay

	ASSERT_TRUE(alive(training_pid));
	::kill(replica_pid, SIGKILL);
	ASSERT_TRUE(eventually([&] {
		int status = 0;
		::waitpid(replica_pid, &status, WNOHANG); // reap: we are the "init" of these test jobs
		return !alive(replica_pid);
	}));

	executor = std::make_unique<LocalExecutor>(*db, config);
	EXPECT_EQ(executor->recover(), 2u);
	EXPECT_EQ(executor->pid_of("train-1"), training_pid); // adopted
	auto replica = executor->pid_of("infer-2-0");
	ASSERT_TRUE(replica);
	EXPECT_NE(*replica, replica_pid); // restarted
	EXPECT_TRUE(alive(*replica));
}

TEST_F(LocalExecutorTest, AServerRestartedOnOtherAddressesReplacesItsJobsInsteadOfAdoptingThem) {
	// kill -9 of `kafkaml up`, then a start on other ports: its replicas
	// still pointed at the old server and broker, were adopted all the
	// same, and ran on reaching nothing.
	executor = std::make_unique<LocalExecutor>(*db, config);
	auto inference = one_replica(2);
	executor->start_inference(inference);
	auto old_pid = *executor->pid_of("infer-2-0");
	executor.reset(); // the server goes away; its jobs stay

	config.server_url = "http://127.0.0.1:2";
	config.bootstrap_servers = "127.0.0.1:2";
	executor = std::make_unique<LocalExecutor>(*db, config);
	EXPECT_EQ(executor->recover(), 1u);
	auto replica = executor->pid_of("infer-2-0");
	ASSERT_TRUE(replica);
	EXPECT_NE(*replica, old_pid) << "a job started for other addresses must not be adopted";
	EXPECT_TRUE(ends(old_pid)) << "the old replica was left running";
	// Read once the new process has exec'd (right after the fork its
	// command line is still this test's).
	EXPECT_TRUE(eventually([&] {
		std::ifstream cmdline("/proc/" + std::to_string(*replica) + "/cmdline");
		std::string args((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
		return args.find("http://127.0.0.1:2") != std::string::npos;
	})) << "the new replica points at this server";
}

TEST_F(LocalExecutorTest, JobsNameTheirKafkaSettingsFileAndAreReplacedWhenItsContentChanged) {
	config.kafka_config_file = dir.string() + "/job-kafka.properties";
	config.kafka_config_digest = "first";
	executor = std::make_unique<LocalExecutor>(*db, config);
	store::Result result;
	result.id = 1;
	executor->start_training(result);
	auto first_pid = *executor->pid_of("train-1");
	auto read_proc = [](pid_t pid, const char *what) {
		std::ifstream in("/proc/" + std::to_string(pid) + "/" + what);
		return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
	};
	EXPECT_TRUE(eventually([&] {
		auto args = read_proc(first_pid, "cmdline");
		return args.find(std::string("--kafka-config") + '\0' + config.kafka_config_file) != std::string::npos;
	})) << "the job is not given its settings file";
	EXPECT_NE(read_proc(first_pid, "environ").find("KAFKAML_KAFKA_SETTINGS=first"), std::string::npos);

	// The same settings after a restart of the server: adopted.
	executor.reset();
	executor = std::make_unique<LocalExecutor>(*db, config);
	EXPECT_EQ(executor->recover(), 1u);
	EXPECT_EQ(executor->pid_of("train-1"), first_pid);

	// Other settings in the same file: the job started with the old ones
	// goes, a new one reads the new file.
	executor.reset();
	config.kafka_config_digest = "second";
	executor = std::make_unique<LocalExecutor>(*db, config);
	EXPECT_EQ(executor->recover(), 1u);
	auto second_pid = executor->pid_of("train-1");
	ASSERT_TRUE(second_pid);
	EXPECT_NE(*second_pid, first_pid) << "a job with stale Kafka settings must not be adopted";
	EXPECT_TRUE(ends(first_pid)) << "the job with the old settings was left running";
}

TEST_F(LocalExecutorTest, AnAdoptedJobEndingAfterItsResultFinishedIsNotRestarted) {
	// A job that lives until told to end, as a training job ends after it
	// reported its result.
	config.extra_args = {
	    "-c", "echo $$ >> " + dir.string() + "/starts; while [ ! -e " + dir.string() + "/end ]; do sleep 0.05; done",
	    "sh"};
	auto result = stored_result(store::ResultStatus::Running);
	executor = std::make_unique<LocalExecutor>(*db, config);
	executor->start_training(result);
	auto pid = *executor->pid_of("train-" + std::to_string(result.id));
	executor.reset(); // the server is killed; its job goes on

	executor = std::make_unique<LocalExecutor>(*db, config);
	ASSERT_EQ(executor->recover(), 1u);
	ASSERT_EQ(executor->pid_of("train-" + std::to_string(result.id)), pid) << "adopted";
	db->update_result_status(result.id, store::ResultStatus::Finished);
	dir.write("end", "");
	// Exited 0, but not our child: the supervisor cannot tell how it ended.
	ASSERT_TRUE(eventually([&] { return jobs().empty(); })) << "its record is dropped once it ended";
	std::this_thread::sleep_for(200ms);
	EXPECT_FALSE(executor->pid_of("train-" + std::to_string(result.id)));
	std::ifstream starts(dir / "starts");
	std::string line;
	int started = 0;
	while (std::getline(starts, line)) {
		started++;
	}
	EXPECT_EQ(started, 1) << "a finished result's job was started again";
}

TEST_F(LocalExecutorTest, ACrashedJobWhoseResultIsFinalIsNotRestarted) {
	auto result = stored_result(store::ResultStatus::Running);
	executor = std::make_unique<LocalExecutor>(*db, config);
	executor->start_training(result);
	auto id = "train-" + std::to_string(result.id);
	auto pid = *executor->pid_of(id);
	db->update_result_status(result.id, store::ResultStatus::Failed, {.detail = "the stream cannot be decoded"});
	::kill(pid, SIGKILL);
	ASSERT_TRUE(eventually([&] { return jobs().empty(); }));
	std::this_thread::sleep_for(200ms);
	EXPECT_FALSE(executor->pid_of(id));
}

TEST_F(LocalExecutorTest, ARestartedServerDoesNotBringBackTheJobOfAFinalResult) {
	auto result = stored_result(store::ResultStatus::Running);
	executor = std::make_unique<LocalExecutor>(*db, config);
	executor->start_training(result);
	auto pid = *executor->pid_of("train-" + std::to_string(result.id));
	executor.reset();
	// The job reported its end and exited while no server watched.
	db->update_result_status(result.id, store::ResultStatus::Finished);
	::kill(pid, SIGKILL);
	ASSERT_TRUE(eventually([&] {
		::waitpid(pid, nullptr, WNOHANG);
		return !alive(pid);
	}));
	executor = std::make_unique<LocalExecutor>(*db, config);
	EXPECT_EQ(executor->recover(), 0u);
	EXPECT_TRUE(executor->running_jobs().empty());
	EXPECT_TRUE(jobs().empty());
}

TEST_F(LocalExecutorTest, ACrashLoopMarksTheResultFailedWithTheEndOfItsLog) {
	config.extra_args = {"-c", "echo 'cannot load the model: bad magic' >&2; exit 3", "sh"};
	config.restart_policy.crash_loop_limit = 3;
	auto result = stored_result(store::ResultStatus::Running);
	executor = std::make_unique<LocalExecutor>(*db, config);
	executor->start_training(result);
	ASSERT_TRUE(eventually([&] { return db->get_result(result.id).status == store::ResultStatus::Failed; }));
	auto failed = db->get_result(result.id);
	EXPECT_NE(failed.status_detail.find("failed 3 times in a row"), std::string::npos) << failed.status_detail;
	EXPECT_NE(failed.status_detail.find("exit status 3"), std::string::npos) << failed.status_detail;
	EXPECT_NE(failed.status_detail.find("cannot load the model: bad magic"), std::string::npos) << failed.status_detail;
	EXPECT_EQ(failed.restarts, 2);
	EXPECT_EQ(failed.last_exit, "exit status 3");
	EXPECT_TRUE(jobs().empty());
	EXPECT_TRUE(executor->running_jobs().empty());
}

} // namespace
} // namespace kafkaml::executors
