// The Docker executor against a real dockerd: the private daemon of the ctest
// fixture `dockerd` (tests/docker), whose jobs run in the stand-in image
// kafkaml-standin:test (tests/docker/standin_image): it prints its command
// line and the token it was handed, then lives until stopped, or fails at
// once when given --crash. Skipped when the fixture's daemon is not there.

#include "executors/docker_executor.h"

#include "executors/tests/executor_test_support.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

namespace kafkaml::executors {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

const std::string kSocket = std::string(KAFKAML_DOCKER_TEST_DIR) + "/docker.sock";
const std::string kToken = "a1b2c3d4e5f60718293a4b5c6d7e8f90";

class DockerExecutorTest : public ::testing::Test {
protected:
	void SetUp() override {
		if (!std::filesystem::exists(kSocket)) {
			GTEST_SKIP() << "no dockerd of the fixture at " << kSocket << " (ctest -L docker starts it)";
		}
		db = store::open_store("sqlite:" + dir.string() + "/kafkaml.db");
		config.kafkaml_binary = "/opt/kafkaml/kafkaml"; // the image's entry point runs instead
		config.server_url = "http://127.0.0.1:1";
		config.bootstrap_servers = "127.0.0.1:1";
		config.token = kToken;
		config.log_dir = dir.string() + "/logs";
		config.restart_policy.initial_backoff = 20ms;
		docker.host = "unix://" + kSocket;
		docker.image = "kafkaml-standin:test";
		docker.server = "test-" + std::filesystem::path(dir.string()).filename().string();
		docker.secrets_dir = dir.string() + "/secrets";
	}
	void TearDown() override {
		if (executor) {
			executor->stop_all();
		}
		if (!db) {
			return;
		}
		// Whatever a failed test left behind.
		for (const auto &container : containers()) {
			client.request("DELETE", "/containers/" + container.value("Id", "") + "?force=1");
		}
	}

	std::unique_ptr<DockerExecutor> make_executor() { return std::make_unique<DockerExecutor>(*db, config, docker); }

	//! This test's containers (label kafkaml.server), running or not.
	json containers() {
		json filters = {{"label", {"kafkaml.server=" + docker.server}}};
		return client.checked("list", "GET", "/containers/json?all=1&filters=" + filters.dump()).json();
	}
	json inspect(const std::string &id) {
		return client.checked("inspect", "GET", "/containers/" + id + "/json").json();
	}
	//! The container of `job`, by its label; empty when none runs.
	std::string container_of(const std::string &job) {
		for (const auto &container : containers()) {
			if (container["Labels"].value("kafkaml.job", "") == job && container.value("State", "") == "running") {
				return container.value("Id", "");
			}
		}
		return {};
	}
	std::string log_of(const std::string &job) {
		std::ifstream in(dir / "logs" / (job + ".log"));
		return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
	}

	store::Result stored_result() { return testing::stored_result(*db, store::ResultStatus::Running); }

	//! Starts the training job of result `id` (not stored); its container.
	std::string start_training(int64_t id) {
		store::Result result;
		result.id = id;
		executor->start_training(result);
		return container_of("train-" + std::to_string(id));
	}
	//! Stops it; its log, checked to end with the stand-in's last words and
	//! to hold its first line once (what was followed is not appended again).
	std::string stop_training(int64_t id) {
		executor->stop(store::JobKind::Training, id);
		auto log = log_of("train-" + std::to_string(id));
		EXPECT_NE(log.find("standin: stopping"), std::string::npos) << log;
		EXPECT_EQ(log.find("standin: train"), log.rfind("standin: train")) << log;
		return log;
	}

	static bool eventually(const std::function<bool()> &condition) { return testing::eventually(condition, 30s, 50ms); }

	kafkaml::testing::TempDir dir{"docker-executor"};
	std::unique_ptr<store::Store> db;
	LocalExecutorConfig config;
	DockerConfig docker;
	DockerClient client{"unix://" + kSocket};
	std::unique_ptr<DockerExecutor> executor;
};

TEST_F(DockerExecutorTest, ATrainingJobIsALabelledContainerOnTheHostNetworkWithItsTokenInAFile) {
	executor = make_executor();
	store::Result result;
	result.id = 7;
	auto started = std::chrono::steady_clock::now();
	executor->start_training(result);
	auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
	std::cout << "container created and started in " << took.count() << " ms\n";
	auto id = container_of("train-7");
	ASSERT_FALSE(id.empty());
	auto container = inspect(id);
	auto labels = container["Config"]["Labels"];
	EXPECT_EQ(labels.value("kafkaml.kind", ""), "training");
	EXPECT_EQ(labels.value("kafkaml.owner", ""), "7");
	EXPECT_EQ(labels.value("kafkaml.replica", ""), "0");
	EXPECT_EQ(labels.value("kafkaml.server", ""), docker.server);
	EXPECT_EQ(container["HostConfig"].value("NetworkMode", ""), "host");
	EXPECT_EQ(container["Config"].value("User", ""), "kafkaml");
	auto cmd = container["Config"]["Cmd"].get<std::vector<std::string>>();
	EXPECT_EQ(std::vector<std::string>(cmd.begin(), cmd.begin() + 3),
	          (std::vector<std::string>{"train", "--result-id", "7"}));
	// The token is in a file of the server's, read-only in the container,
	// never in what `docker inspect` shows.
	EXPECT_EQ(container.dump().find(kToken), std::string::npos) << container.dump();
	auto pid = executor->pid_of("train-7");
	ASSERT_TRUE(pid);
	EXPECT_EQ(*pid, container["State"].value("Pid", -1));
	auto recorded = db->list_jobs();
	ASSERT_EQ(recorded.size(), 1u);
	EXPECT_EQ(recorded[0].pid, *pid);

	// It read the token: its log says so while it runs.
	EXPECT_TRUE(eventually([&] { return log_of("train-7").find("standin: token") != std::string::npos; }));
	executor->stop(store::JobKind::Training, 7);
	EXPECT_TRUE(containers().empty()) << containers().dump();
	EXPECT_TRUE(db->list_jobs().empty());
	// Its output is the job's log, as with processes; it read the token.
	auto log = log_of("train-7");
	EXPECT_NE(log.find("standin: train --result-id 7"), std::string::npos) << log;
	EXPECT_NE(log.find("standin: token " + kToken), std::string::npos) << log;
	EXPECT_NE(log.find("standin: stopping"), std::string::npos) << log;
}

TEST_F(DockerExecutorTest, AKilledContainerIsReplacedByANewOneAndTheRestartIsCounted) {
	executor = make_executor();
	store::Result result;
	result.id = 9;
	executor->start_training(result);
	auto first = container_of("train-9");
	ASSERT_FALSE(first.empty());
	client.checked("kill", "POST", "/containers/" + first + "/kill?signal=KILL");
	ASSERT_TRUE(eventually([&] {
		auto now = container_of("train-9");
		return !now.empty() && now != first;
	}));
	EXPECT_TRUE(eventually([&] {
		auto recorded = db->list_jobs();
		return recorded.size() == 1 && recorded[0].restarts == 1 && recorded[0].pid == executor->pid_of("train-9");
	}));
	// The killed container was collected: only the new one is left.
	EXPECT_EQ(containers().size(), 1u);
}

TEST_F(DockerExecutorTest, ReplicasScaleUpAndDownAsContainers) {
	executor = make_executor();
	store::Inference inference;
	inference.id = 4;
	inference.replicas = 2;
	executor->start_inference(inference);
	EXPECT_EQ(containers().size(), 2u);
	executor->scale(4, 3);
	EXPECT_EQ(containers().size(), 3u);
	EXPECT_FALSE(container_of("infer-4-2").empty());
	executor->scale(4, 1);
	EXPECT_EQ(executor->running_jobs(), (std::vector<std::string>{"infer-4-0"}));
	ASSERT_EQ(containers().size(), 1u);
	EXPECT_EQ(containers()[0]["Labels"].value("kafkaml.replica", ""), "0");
	EXPECT_EQ(db->list_jobs().size(), 1u);
}

TEST_F(DockerExecutorTest, ARestartedServerAdoptsRunningContainersAndReplacesGoneOnes) {
	executor = make_executor();
	store::Result result;
	result.id = 1;
	executor->start_training(result);
	store::Inference inference;
	inference.id = 2;
	inference.replicas = 2;
	executor->start_inference(inference);
	auto training = container_of("train-1");
	auto replica0 = container_of("infer-2-0");
	auto replica1 = container_of("infer-2-1");
	executor.reset(); // the server goes away; its containers stay
	EXPECT_EQ(container_of("train-1"), training);
	client.checked("kill", "POST", "/containers/" + replica1 + "/kill?signal=KILL");

	executor = make_executor();
	EXPECT_EQ(executor->recover(), 3u);
	EXPECT_EQ(container_of("train-1"), training); // adopted, found by its labels
	EXPECT_EQ(container_of("infer-2-0"), replica0);
	auto replaced = container_of("infer-2-1");
	EXPECT_FALSE(replaced.empty());
	EXPECT_NE(replaced, replica1);
	EXPECT_EQ(containers().size(), 3u); // the dead one was collected

	// An adopted container that dies is restarted like any other.
	client.checked("kill", "POST", "/containers/" + training + "/kill?signal=KILL");
	EXPECT_TRUE(eventually([&] {
		auto now = container_of("train-1");
		return !now.empty() && now != training;
	}));
}

TEST_F(DockerExecutorTest, AServerWithAnotherTokenReplacesItsContainersInsteadOfAdoptingThem) {
	executor = make_executor();
	store::Result result;
	result.id = 3;
	executor->start_training(result);
	auto before = container_of("train-3");
	executor.reset();
	config.token = "another-token";
	executor = make_executor();
	EXPECT_EQ(executor->recover(), 1u);
	auto after = container_of("train-3");
	EXPECT_FALSE(after.empty());
	EXPECT_NE(after, before);
	EXPECT_EQ(containers().size(), 1u);
}

TEST_F(DockerExecutorTest, ACrashLoopMarksTheResultFailedWithTheEndOfTheContainersLog) {
	config.extra_args = {"--crash"};
	config.restart_policy.crash_loop_limit = 2;
	executor = make_executor();
	auto result = stored_result();
	executor->start_training(result);
	ASSERT_TRUE(eventually([&] {
		return db->get_result(result.id, {.which = store::EpochQuery::Which::none}).status ==
		       store::ResultStatus::Failed;
	}));
	auto failed = db->get_result(result.id, {.which = store::EpochQuery::Which::none});
	EXPECT_NE(failed.status_detail.find("failed 2 times in a row"), std::string::npos) << failed.status_detail;
	EXPECT_NE(failed.status_detail.find("exit status 3"), std::string::npos) << failed.status_detail;
	EXPECT_NE(failed.status_detail.find("standin: failing as asked"), std::string::npos) << failed.status_detail;
	EXPECT_TRUE(containers().empty());
	EXPECT_TRUE(db->list_jobs().empty());
}

TEST_F(DockerExecutorTest, TheResourcesOfADeploymentAndOfAnInferenceLimitTheirContainers) {
	store::Model model;
	model.name = "m";
	model.code = "model = tf.keras.Sequential([])";
	store::Configuration configuration;
	configuration.name = "c";
	configuration.ml_models = {db->create_model(model).id};
	store::Deployment deployment;
	deployment.configuration = db->create_configuration(configuration).id;
	deployment.resources = store::resources_from_api({{"cpu", 0.5}, {"memory", "64Mi"}});
	auto result = db->create_deployment(deployment).second.at(0);
	executor = make_executor();
	executor->start_training(result);
	auto limits = inspect(container_of("train-" + std::to_string(result.id)))["HostConfig"];
	EXPECT_EQ(limits.value("NanoCpus", int64_t{0}), 500'000'000);
	EXPECT_EQ(limits.value("Memory", int64_t{0}), 64 * 1048576);

	store::Inference inference;
	inference.id = 5;
	inference.replicas = 1;
	executor->start_inference(inference); // not stored: no limits
	limits = inspect(container_of("infer-5-0"))["HostConfig"];
	EXPECT_EQ(limits.value("NanoCpus", int64_t{0}), 0);
	EXPECT_EQ(limits.value("Memory", int64_t{0}), 0);
}

TEST_F(DockerExecutorTest, ARunningContainersOutputIsInTheJobsLogBeforeItEnds) {
	executor = make_executor();
	auto id = start_training(11);
	ASSERT_FALSE(id.empty());
	// Followed as it prints, not collected at the end: the container runs on.
	ASSERT_TRUE(eventually([&] { return log_of("train-11").find("standin: token " + kToken) != std::string::npos; }))
	    << log_of("train-11");
	EXPECT_EQ(container_of("train-11"), id);
	EXPECT_NE(log_of("train-11").find("standin: train --result-id 11"), std::string::npos);
	stop_training(11);
}

TEST_F(DockerExecutorTest, AnAdoptedContainersLogGoesOnWithoutRepeatingWhatTheEarlierServerWrote) {
	executor = make_executor();
	start_training(12);
	ASSERT_TRUE(eventually([&] { return log_of("train-12").find("standin: token") != std::string::npos; }));
	executor.reset();
	std::this_thread::sleep_for(50ms); // the log's last write is before the adoption
	executor = make_executor();
	EXPECT_EQ(executor->recover(), 1u);
	stop_training(12);
}

TEST_F(DockerExecutorTest, AKilledContainerIsNoticedFromTheDaemonsEventsNotASlowPoll) {
	executor = make_executor();
	auto first = start_training(13);
	ASSERT_FALSE(first.empty());
	// Past the first inspect of the new container: from here on only the
	// die event (or the safety poll, every 10 s) tells its end.
	std::this_thread::sleep_for(500ms);
	auto killed = std::chrono::steady_clock::now();
	client.checked("kill", "POST", "/containers/" + first + "/kill?signal=KILL");
	// The restart is counted when the end is noticed, before the new
	// container's start (which takes seconds on a loaded machine).
	ASSERT_TRUE(eventually([&] {
		auto recorded = db->list_jobs();
		return recorded.size() == 1 && recorded[0].restarts == 1;
	}));
	auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - killed);
	std::cout << "killed container noticed in " << took.count() << " ms\n";
	EXPECT_LT(took, 5s); // the safety poll alone would take 9.5 s or more
	EXPECT_TRUE(eventually([&] {
		auto now = container_of("train-13");
		return !now.empty() && now != first;
	}));
}

TEST(DockerClientTest, AMultiplexedStreamReadInPiecesKeepsAPartialFrameForLater) {
	auto frame = [](char stream, const std::string &payload) {
		std::string out = {stream, 0, 0, 0, 0, 0, 0, static_cast<char>(payload.size())};
		return out + payload;
	};
	auto whole = frame(1, "out line\n") + frame(2, "err line\n");
	std::string pending = whole.substr(0, 20);
	EXPECT_EQ(DockerClient::demultiplex_some(pending), "out line\n");
	EXPECT_EQ(pending.size(), 3u);
	pending += whole.substr(20);
	EXPECT_EQ(DockerClient::demultiplex_some(pending), "err line\n");
	EXPECT_TRUE(pending.empty());
	EXPECT_EQ(DockerClient::demultiplex(whole), "out line\nerr line\n");
}

TEST_F(DockerExecutorTest, AMissingImageIsSaidAtStartWithWhatToDo) {
	docker.image = "kafkaml-no-such-image:0";
	try {
		make_executor();
		FAIL() << "an executor was made without its image";
	} catch (const std::runtime_error &e) {
		EXPECT_NE(std::string(e.what()).find("scripts/image"), std::string::npos) << e.what();
	}
}

} // namespace
} // namespace kafkaml::executors
