// The orchestrator's lease as servers keep it: on a real SQLite store, with
// times short enough for a unit test (the store's compare-and-set itself is
// tested on SQLite and PostgreSQL in src/store/tests).

#include "server/lease_keeper.h"

#include "support/temp_dir.h"

#include <gtest/gtest.h>

#include <thread>

namespace kafkaml::server {
namespace {

using namespace std::chrono_literals;

constexpr LeaseTiming kShort{300ms, 50ms};

class LeaseKeeperTest : public ::testing::Test {
protected:
	LeaseKeeperTest() : store_(store::open_store(url_)), a_store_(url_), b_store_(url_) {}

	testing::TempDir dir_{"lease-keeper"};
	std::string url_ = "sqlite:" + dir_.string() + "/kafkaml.db";
	std::unique_ptr<store::Store> store_; // brings the schema up to date
	store::Coordination a_store_;         // each server's own connection
	store::Coordination b_store_;
};

TEST_F(LeaseKeeperTest, OneServerLeadsAndTheOtherNamesIt) {
	LeaseKeeper a(a_store_, "orchestrator", "a", "http://a:1", kShort);
	LeaseKeeper b(b_store_, "orchestrator", "b", "http://b:2", kShort);
	EXPECT_FALSE(a.leads()) << "nobody leads before asking";
	EXPECT_TRUE(a.try_acquire());
	EXPECT_FALSE(b.try_acquire());
	EXPECT_TRUE(a.leads());
	EXPECT_FALSE(b.leads());
	auto seen_by_b = b.view();
	EXPECT_FALSE(seen_by_b.held);
	EXPECT_EQ(seen_by_b.leader_url, "http://a:1");
	EXPECT_EQ(seen_by_b.term, 1);
	EXPECT_EQ(a.view().leader_url, "http://a:1");
}

// A holder that stops renewing (a paused or dead process) stops calling
// itself the leader by its own clock no later than the store lets another
// server take the lease; the next holder has a new term.
TEST_F(LeaseKeeperTest, AnUnrenewedLeaseLapsesForItsHolderBeforeAnotherTakesIt) {
	LeaseKeeper a(a_store_, "orchestrator", "a", "http://a:1", kShort);
	LeaseKeeper b(b_store_, "orchestrator", "b", "http://b:2", kShort);
	ASSERT_TRUE(a.try_acquire());
	auto deadline = std::chrono::steady_clock::now() + 5s;
	while (!b.try_acquire() && std::chrono::steady_clock::now() < deadline) {
		// Whenever the store still refuses b, a may believe it leads; once
		// it gives the lease to b, a must have stopped believing it.
		std::this_thread::sleep_for(10ms);
	}
	ASSERT_TRUE(b.leads()) << "the lease never expired";
	EXPECT_FALSE(a.leads()) << "two servers believe they lead";
	EXPECT_EQ(b.view().term, 2);
	EXPECT_FALSE(a.try_acquire());
	EXPECT_EQ(a.view().leader_url, "http://b:2");
}

TEST_F(LeaseKeeperTest, ARunningKeeperRenewsAndAStoppedOneReleasesAtOnce) {
	LeaseKeeper a(a_store_, "orchestrator", "a", "http://a:1", kShort);
	LeaseKeeper b(b_store_, "orchestrator", "b", "http://b:2", kShort);
	ASSERT_TRUE(a.try_acquire());
	a.start();
	std::this_thread::sleep_for(kShort.ttl * 3);
	EXPECT_TRUE(a.leads()) << "renewed every " << kShort.renew_every.count() << " ms";
	EXPECT_FALSE(b.try_acquire());
	a.stop();
	EXPECT_FALSE(a.leads());
	EXPECT_TRUE(b.try_acquire()) << "released, not left to expire";
	a.stop(); // idempotent
}

// The holder id is stable across a server's restarts: a server restarted
// after a crash takes its own lease back without waiting for it to expire.
TEST_F(LeaseKeeperTest, ARestartedServerTakesItsOwnLeaseBackAtOnce) {
	// As a server killed while holding it leaves it: 60 s still to run.
	a_store_.acquire_lease("orchestrator", "a", "http://a:1", 60000);
	LeaseKeeper b(b_store_, "orchestrator", "b", "http://b:2", kShort);
	EXPECT_FALSE(b.try_acquire());
	LeaseKeeper restarted(a_store_, "orchestrator", "a", "http://a:3", kShort);
	EXPECT_TRUE(restarted.try_acquire());
	auto lease = b_store_.get_lease("orchestrator");
	EXPECT_EQ(lease.address, "http://a:3") << "the address it listens on now";
	EXPECT_EQ(lease.term, 1) << "the same holder: the lease did not change hands";
}

} // namespace
} // namespace kafkaml::server
