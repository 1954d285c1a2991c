// The orchestrator on a server that leads and on one that does not: a
// real SQLite store and lease, and an executor that records what it is
// asked (the executors themselves are tested in src/executors/tests).

#include "server/orchestrator.h"

#include "support/temp_dir.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace kafkaml::server {
namespace {

using namespace std::chrono_literals;

constexpr LeaseTiming kShort{300ms, 50ms};

//! What the orchestrator asked of its executor. Thread: any (atomics and
//! a mutex), as the orchestrator calls it from its loop and the test.
struct ExecutorCalls {
	std::atomic<int> made{0};
	std::atomic<int> destroyed{0};
	std::atomic<int> recovered{0};
	std::atomic<int> reconciled{0};
	std::mutex mutex;
	std::vector<std::string> calls; //!< guarded by mutex
	void add(std::string call) {
		std::lock_guard lock(mutex);
		calls.push_back(std::move(call));
	}
	std::vector<std::string> taken() {
		std::lock_guard lock(mutex);
		return std::exchange(calls, {});
	}
};

class RecordingExecutor final : public executors::JobExecutor {
public:
	explicit RecordingExecutor(ExecutorCalls &calls) : calls_(calls) { ++calls_.made; }
	~RecordingExecutor() override { ++calls_.destroyed; }
	void start_training(const store::Result &result) override { calls_.add("train " + std::to_string(result.id)); }
	void start_inference(const store::Inference &inference) override {
		calls_.add("infer " + std::to_string(inference.id) + " x" + std::to_string(inference.replicas));
	}
	void scale(int64_t inference, int64_t replicas) override {
		calls_.add("scale " + std::to_string(inference) + " x" + std::to_string(replicas));
	}
	void stop(store::JobKind kind, int64_t owner) override {
		calls_.add("stop " + std::string(store::to_string(kind)) + " " + std::to_string(owner));
	}
	size_t recover() override {
		++calls_.recovered;
		return 0;
	}
	size_t reconcile() override {
		++calls_.reconciled;
		return 0;
	}

private:
	ExecutorCalls &calls_;
};

bool eventually(const std::function<bool()> &condition) {
	auto deadline = std::chrono::steady_clock::now() + 5s;
	while (!condition() && std::chrono::steady_clock::now() < deadline) {
		std::this_thread::sleep_for(5ms);
	}
	return condition();
}

class OrchestratorTest : public ::testing::Test {
protected:
	OrchestratorTest()
	    : store_(store::open_store(url_)), coordination_(url_), other_server_(url_),
	      lease_(coordination_, "orchestrator", "this", "http://this:1", kShort),
	      orchestrator_(
	          *store_, coordination_, lease_, [this] { return std::make_unique<RecordingExecutor>(calls_); }, 20ms) {}

	//! The records a follower wrote, as "kind owner/replica".
	std::vector<std::string> records() {
		std::vector<std::string> out;
		for (const auto &job : store_->list_jobs()) {
			out.push_back(std::string(store::to_string(job.kind)) + " " + std::to_string(job.owner) + "/" +
			              std::to_string(job.replica));
		}
		std::sort(out.begin(), out.end());
		return out;
	}
	//! Another server takes the lease for `ttl_ms`.
	void other_leads(int64_t ttl_ms = 60000) {
		ASSERT_EQ(other_server_.acquire_lease("orchestrator", "other", "http://other:2", ttl_ms).holder, "other");
	}

	testing::TempDir dir_{"orchestrator"};
	std::string url_ = "sqlite:" + dir_.string() + "/kafkaml.db";
	std::unique_ptr<store::Store> store_;
	store::Coordination coordination_;
	store::Coordination other_server_;
	LeaseKeeper lease_;
	ExecutorCalls calls_;
	Orchestrator orchestrator_;
};

store::Result result_numbered(int64_t id) {
	store::Result result;
	result.id = id;
	return result;
}

store::Inference inference_numbered(int64_t id, int64_t replicas) {
	store::Inference inference;
	inference.id = id;
	inference.replicas = replicas;
	return inference;
}

TEST_F(OrchestratorTest, TheLeaderHandsTheApisCallsToItsExecutor) {
	ASSERT_TRUE(lease_.try_acquire());
	orchestrator_.lead_now();
	EXPECT_TRUE(orchestrator_.orchestrates());
	EXPECT_EQ(calls_.made.load(), 1);
	EXPECT_EQ(calls_.recovered.load(), 1) << "a new leader adopts the running jobs first";
	orchestrator_.start_training(result_numbered(7));
	orchestrator_.start_inference(inference_numbered(3, 2));
	orchestrator_.scale(3, 4);
	orchestrator_.stop(store::JobKind::Inference, 3);
	EXPECT_EQ(calls_.taken(), (std::vector<std::string>{"train 7", "infer 3 x2", "scale 3 x4", "stop inference 3"}));
	EXPECT_TRUE(records().empty()) << "the executor keeps its own records";
}

// A server that does not lead writes the desired state for the leader's
// next reconcile pass: one record per job asked for, records deleted to
// scale down or stop.
TEST_F(OrchestratorTest, AFollowerRecordsWhatItIsAskedForTheLeader) {
	other_leads();
	EXPECT_FALSE(lease_.try_acquire());
	EXPECT_EQ(orchestrator_.lead_now(), 0u);
	EXPECT_FALSE(orchestrator_.orchestrates());

	orchestrator_.start_training(result_numbered(7));
	orchestrator_.start_inference(inference_numbered(3, 3));
	EXPECT_EQ(records(), (std::vector<std::string>{"inference 3/0", "inference 3/1", "inference 3/2", "training 7/0"}));
	orchestrator_.start_inference(inference_numbered(3, 3));
	EXPECT_EQ(records().size(), 4u) << "asking twice records once";
	orchestrator_.scale(3, 1);
	EXPECT_EQ(records(), (std::vector<std::string>{"inference 3/0", "training 7/0"}));
	orchestrator_.scale(3, 2);
	EXPECT_EQ(records(), (std::vector<std::string>{"inference 3/0", "inference 3/1", "training 7/0"}));
	orchestrator_.stop(store::JobKind::Inference, 3);
	orchestrator_.stop(store::JobKind::Training, 7);
	EXPECT_TRUE(records().empty());
	EXPECT_EQ(calls_.made.load(), 0) << "no executor without the lease";
}

// The loop follows the lease: it makes an executor when this server takes
// it (which adopts the jobs, then reconciles at every pass) and drops it
// when another server takes it, leaving the jobs running.
TEST_F(OrchestratorTest, TheLoopTakesOverWhenTheLeaseExpiresAndStepsDownWhenItIsLost) {
	other_leads(200);
	lease_.start();
	orchestrator_.start();
	ASSERT_TRUE(eventually([&] { return orchestrator_.orchestrates(); })) << "never took over";
	EXPECT_EQ(calls_.made.load(), 1);
	EXPECT_EQ(calls_.recovered.load(), 1);
	ASSERT_TRUE(eventually([&] { return calls_.reconciled.load() >= 3; })) << "reconciles at every pass";

	// Another server takes the lease (this one paused past its expiry, as
	// far as the store can tell): this one stops orchestrating.
	lease_.stop();
	other_leads();
	ASSERT_TRUE(eventually([&] { return !orchestrator_.orchestrates() && calls_.destroyed.load() == 1; }))
	    << "still orchestrates without the lease";
	orchestrator_.start_inference(inference_numbered(5, 1));
	EXPECT_EQ(records(), (std::vector<std::string>{"inference 5/0"})) << "asked of the new leader";
	EXPECT_TRUE(calls_.taken().empty());
	orchestrator_.stop(false);
	EXPECT_EQ(calls_.made.load(), 1);
}

// Fencing: the lease is checked at each call, so an executor kept a moment
// after the lease lapsed (the loop not yet round) is not used.
TEST_F(OrchestratorTest, AnExecutorIsNotUsedOnceTheLeaseHasLapsed) {
	ASSERT_TRUE(lease_.try_acquire());
	orchestrator_.lead_now();
	ASSERT_TRUE(eventually([&] { return !lease_.leads(); })) << "the lease never lapsed";
	EXPECT_FALSE(orchestrator_.orchestrates());
	orchestrator_.start_training(result_numbered(9));
	EXPECT_TRUE(calls_.taken().empty());
	EXPECT_EQ(records(), (std::vector<std::string>{"training 9/0"}));
}

} // namespace
} // namespace kafkaml::server
